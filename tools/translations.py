"""Keep the GUI's translations in step with the code.

    python tools/translations.py update   # pyside6-lupdate: add new source strings to the .ts
    python tools/translations.py build    # pyside6-lrelease: .ts → .qm (run by tools/setup.sh)
    python tools/translations.py check    # exit 1 if a string has no Chinese translation

Translators edit `app/i18n/kebao_zh_CN.ts` (Qt Linguist, or any XML editor). The `.qm`
is a build product and is not committed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "app" / "i18n" / "kebao_zh_CN.ts"


def _tool(name: str) -> str:
    found = shutil.which(f"pyside6-{name}", path=str(Path(sys.executable).parent)) or shutil.which(
        f"pyside6-{name}"
    )
    if not found:
        sys.exit(f"pyside6-{name} not found: install PySide6 into this environment")
    return found


def sources() -> list[Path]:
    return sorted(p for p in (ROOT / "app").rglob("*.py") if "demo" not in p.parts)


def update() -> None:
    subprocess.run(
        [_tool("lupdate"), *map(str, sources()), "-no-obsolete", "-ts", str(TS)], check=True
    )


def build(out_dir: Path | None = None) -> Path:
    qm = (out_dir or TS.parent) / TS.with_suffix(".qm").name
    subprocess.run([_tool("lrelease"), "-silent", str(TS), "-qm", str(qm)], check=True)
    return qm


def untranslated(ts: Path = TS) -> list[str]:
    """Source strings with no finished Chinese translation."""
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):  # noqa: S314 - our own file
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if (
            translation is None
            or not (translation.text or "").strip()
            or translation.get("type") in ("unfinished", "obsolete", "vanished")
        ):
            missing.append(source)
    return missing


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "build"
    if command == "update":
        update()
    elif command == "build":
        build()
    elif command == "check":
        missing = untranslated()
        for source in missing:
            print(f"untranslated: {source}")
        sys.exit(1 if missing else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
