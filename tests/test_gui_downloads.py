"""下载 as a school uses it: subscribed packages wait for their hours, download with a bar,
pause and go on to the byte, and come in the order the school put them in."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Repo, run_cli
from hubfixture import RunningHub
from test_gui_sync import ROUND_MS

from app import i18n
from app.demo import DEMO_DIR, DEMO_KEY
from app.gui.downloads_page import DownloadsPage
from app.gui.sync_page import SyncPage
from app.qt import QApplication, Qt
from app.settings import Settings

TUESDAY_10 = datetime(2026, 3, 3, 10, 0)  # class time
TUESDAY_1230 = datetime(2026, 3, 3, 12, 30)  # 午休: a window for big files


class Clock:
    """The school's clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def school_pc(
    make_hub, data: Path, repo: Path, key: Path, subscribe: list[str], rate: int | None = None
) -> RunningHub:
    """A hub serving `repo`, and a PC enrolled, trusting `key`, subscribed to `subscribe`
    and limited to `rate` bytes/s inside the windows."""
    i18n.install(QApplication.instance(), "zh")
    hub = make_hub(None, "--repo", str(repo))
    _school, code = hub.add_school("城关镇中心小学")
    assert run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", data).rc == 0
    assert run_cli("trust", "add", key, "--data-dir", data).rc == 0
    settings = Settings.load(data)
    settings.subscriptions = subscribe
    settings.bandwidth = {"window_rate_bytes_per_s": rate}
    settings.save(data)
    return hub


def listed(data: Path) -> list[str]:
    """`kebao list`: what the technician sees installed."""
    return [p["id"] for p in json.loads(run_cli("list", "--json", "--data-dir", data).out)]


def states(page: DownloadsPage) -> list[tuple[str, str]]:
    t = page.table
    return [(t.item(r, 0).text(), t.item(r, 2).text()) for r in range(t.rowCount())]


def pages(qtbot, data: Path, sched) -> tuple[DownloadsPage, SyncPage]:
    downloads = DownloadsPage(data, sched)
    sync = SyncPage(data, list, sched)
    for page in (downloads, sync):
        qtbot.addWidget(page)
        page.show()
    return downloads, sync


def test_in_class_time_the_package_waits_and_at_lunch_it_downloads(
    qtbot, make_hub, tmp_path, scheduler
) -> None:
    data = tmp_path / "data"
    school_pc(make_hub, data, DEMO_DIR / "repo", DEMO_KEY, ["demo.math.g3a"], rate=100_000)
    clock = Clock(TUESDAY_10)
    sched = scheduler(data, clock)
    downloads, sync = pages(qtbot, data, sched)

    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as first:
        sched.request_now()
    assert first.args[0].installed == [] and first.args[0].journal is not None
    reason = "上课时间，大文件（课程包、录像）等到 12:00 再传"
    assert sync.waiting.text() == reason
    qtbot.waitUntil(lambda: states(downloads) == [("数学 三年级上册（演示）", f"等待：{reason}")])
    assert listed(data) == []

    clock.now = TUESDAY_1230
    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as second:
        sched.request_now()
        qtbot.waitUntil(lambda: downloads.progress.isVisible() and downloads.progress.value() > 0)
        assert downloads.moving.text() == "正在传输：数学 三年级上册（演示）"
        assert states(downloads)[0][1].startswith("下载中")
        qtbot.waitUntil(lambda: "/秒" in downloads.progress_line.text())
    assert second.args[0].installed == ["数学 三年级上册（演示） (2024.09)"]
    assert listed(data) == ["demo.math.g3a"]
    qtbot.waitUntil(lambda: states(downloads) == [("数学 三年级上册（演示）", "已完成")])
    assert not downloads.progress.isVisible() and sync.waiting.text() == ""


def part_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in (data / "downloads").glob("*.part"))


def repo_bytes(repo: Path) -> int:
    return sum(p.stat().st_size for p in (repo / "blobs").rglob("*") if p.is_file())


def test_pause_stops_a_download_at_once_and_resume_finishes_it_to_the_byte(
    qtbot, make_hub, tmp_path, signed_repo: Repo, scheduler
) -> None:
    data = tmp_path / "data"
    school_pc(make_hub, data, signed_repo.path, signed_repo.keys.public, [signed_repo.package_id],
              rate=120_000)  # fmt: skip
    total = repo_bytes(signed_repo.path)
    sched = scheduler(data, Clock(datetime(2026, 3, 7, 10, 0)))  # a Saturday: all day
    downloads, _sync = pages(qtbot, data, sched)

    sched.request_now()
    qtbot.waitUntil(lambda: part_bytes(data) > 150_000, timeout=ROUND_MS)
    qtbot.mouseClick(downloads.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not sched.state.running, timeout=1_000)  # promptly
    held = part_bytes(data)
    assert 150_000 < held < total
    assert downloads.pause_button.text() == "继续" and listed(data) == []
    qtbot.waitUntil(lambda: states(downloads) == [("数学 三年级上册", "已暂停")])
    assert part_bytes(data) == held  # nothing moves while paused

    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as resumed:
        qtbot.mouseClick(downloads.pause_button, Qt.MouseButton.LeftButton)
    assert resumed.args[0].bytes_downloaded == total - held  # only the rest, to the byte
    assert listed(data) == [signed_repo.package_id]
    assert run_cli("verify", "--data-dir", data).rc == 0
    assert part_bytes(data) == 0  # finished downloads are cleaned up


@pytest.mark.parametrize("first", ["demo.chinese.g3a", "demo.math.g3a"])
def test_the_package_moved_up_downloads_first(
    qtbot, make_hub, tmp_path, scheduler, first: str
) -> None:
    data = tmp_path / "data"
    school_pc(make_hub, data, DEMO_DIR / "repo", DEMO_KEY, [])
    sched = scheduler(data, Clock(datetime(2026, 3, 7, 10, 0)))
    sched.pause()  # choose first, then let it go
    downloads, _sync = pages(qtbot, data, sched)
    offered = downloads.offered
    qtbot.waitUntil(lambda: offered.count() == 2)
    for title in ("数学 三年级上册（演示）", "语文 三年级上册（演示）"):  # 订阅: math, then chinese
        item = offered.findItems(title, Qt.MatchFlag.MatchExactly)[0]
        item.setCheckState(Qt.CheckState.Checked)
    assert Settings.load(data).subscriptions == ["demo.math.g3a", "demo.chinese.g3a"]
    qtbot.waitUntil(lambda: len(states(downloads)) == 2)
    assert [t for t, _s in states(downloads)] == [
        "数学 三年级上册（演示）",
        "语文 三年级上册（演示）",
    ]

    if first == "demo.chinese.g3a":
        downloads.table.setCurrentCell(1, 0)
        assert not downloads.down_button.isEnabled()
        qtbot.mouseClick(downloads.up_button, Qt.MouseButton.LeftButton)
        assert states(downloads)[0][0] == "语文 三年级上册（演示）"
    assert Settings.load(data).subscriptions[0] == first

    seen: list[str] = []
    sched.state_changed.connect(
        lambda s: s.transfer and s.transfer.key not in seen and seen.append(s.transfer.key)
    )
    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as done:
        sched.resume()
    assert seen[0] == first
    assert len(done.args[0].installed) == 2 and done.args[0].installed[0].startswith(
        "语文" if first == "demo.chinese.g3a" else "数学"
    )
    assert sorted(listed(data)) == ["demo.chinese.g3a", "demo.math.g3a"]
