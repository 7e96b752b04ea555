"""The house rules that keep the parts reusable: media/ and sync/ never import Qt or app;
hub/ speaks to the client only through the wire (`sync.protocol`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "app")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["media", "sync"])
def test_core_packages_import_no_gui_and_no_app(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    if package == "media":
        assert files, "media/ must exist"
    offenders = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert not offenders, sorted(offenders)


def hub_offenders(root: Path) -> set[str]:
    """Imports in hub/ of Qt, app, or any sync module but the protocol."""
    offenders = set()
    for path in sorted(root.rglob("*.py")):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in FORBIDDEN or (top == "sync" and name != "sync.protocol"):
                offenders.add(f"{path.name} imports {name}")
    return offenders


def test_the_hub_imports_only_the_protocol_from_the_client_side() -> None:
    assert (ROOT / "hub" / "app.py").exists(), "hub/ must exist"
    assert not hub_offenders(ROOT / "hub"), sorted(hub_offenders(ROOT / "hub"))


def test_the_hub_checker_catches_what_it_forbids(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(
        "from sync.protocol import API\nfrom media.errors import text\n", encoding="utf-8"
    )
    assert hub_offenders(tmp_path) == set()
    (tmp_path / "bad.py").write_text(
        "from sync.journal import Journal\nimport sync\nfrom sync import events\n"
        "from app.cli import main\nfrom PySide6 import QtCore\n",
        encoding="utf-8",
    )
    assert hub_offenders(tmp_path) == {
        "bad.py imports sync.journal",
        "bad.py imports sync",
        "bad.py imports app.cli",
        "bad.py imports PySide6",
    }


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport app.cli\n", encoding="utf-8")
    assert {"PySide6.QtCore", "app.cli"} <= imported_modules(bad)


def test_the_installer_imports_only_media_of_kebaos_own_packages() -> None:
    """installer/ builds and checks kits: `installer → media` (DESIGN.md); the CLI wires
    it to the app and sync."""
    offenders = {
        f"{path.name} imports {name}"
        for path in sorted((ROOT / "installer").rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in (*FORBIDDEN, "sync", "hub")
    }
    assert (ROOT / "installer" / "kit.py").exists(), "installer/ must exist"
    assert not offenders, sorted(offenders)
