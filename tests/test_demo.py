"""The bundled demo library: small, signed, and what a new install opens on."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, run_cli_process

from app.demo import DEMO_KEY, DEMO_REPO, import_demo


def test_the_demo_is_small_and_signed() -> None:
    size = sum(p.stat().st_size for p in DEMO_REPO.rglob("*") if p.is_file())
    assert size <= 5_000_000
    index = json.loads((DEMO_REPO / "kebao-repo.json").read_text(encoding="utf-8"))
    for p in index["packages"]:
        assert (DEMO_REPO / "packages" / p["id"] / f"{p['version']}.sig").is_file()
    assert len({p["id"].split(".")[1] for p in index["packages"]}) >= 2  # two subjects


def test_first_run_imports_the_demo_and_a_removed_demo_stays_removed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert import_demo(data)  # what the window does on start, off the GUI thread
    listed = run_cli("list", "--data-dir", data)
    assert "数学 三年级上册（演示）" in listed.out and "语文 三年级上册（演示）" in listed.out
    hits = json.loads(run_cli("search", "fsdcbrs", "--json", "--data-dir", data).out)
    assert hits[0]["title"] == "分数的初步认识"
    verify = json.loads(run_cli("verify", "--json", "--data-dir", data).out)
    assert verify["problems"] == [] and verify["blobs_checked"] >= 10
    for line in json.loads(run_cli("list", "--json", "--data-dir", data).out):
        assert line["state"] == "complete"

    assert run_cli("remove", "demo.math.g3a", "--data-dir", data).rc == 0
    assert not import_demo(data)
    assert "数学 三年级上册（演示）" not in run_cli("list", "--data-dir", data).out


def test_without_a_desktop_kebao_says_so_instead_of_crashing(tmp_path: Path) -> None:
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
    r = run_cli_process("--data-dir", tmp_path / "data", env=env)
    assert r.rc == 2 and "没有图形桌面" in r.err and len(r.err.strip().splitlines()) == 1


def test_demo_videos_have_subtitles_and_durations() -> None:
    from media import manifest as mf

    for path in (DEMO_REPO / "packages").rglob("*.json"):
        m = mf.parse(path.read_bytes(), path.name)
        videos = [
            r for u in m.units for les in u.lessons for r in les.resources if r.role == "video"
        ]
        assert videos
        for v in videos:
            assert v.subtitles and v.duration_ms and 5_000 <= v.duration_ms <= 20_000
    assert json.loads(DEMO_KEY.read_text(encoding="utf-8"))["algorithm"] == "ed25519"
