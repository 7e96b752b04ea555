"""下载 as a school uses it: subscribed packages wait for their hours, download with a bar,
pause and go on to the byte, and come in the order the school put them in."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Repo, headless_engine, run_cli
from hubfixture import RunningHub
from test_gui_sync import ROUND_MS, TUESDAY_10, Clock

from app import i18n
from app.demo import DEMO_DIR, DEMO_KEY
from app.gui.downloads_page import DownloadsPage
from app.gui.sync_page import SyncPage
from app.gui.window import MainWindow
from app.qt import QApplication, Qt
from app.settings import Settings
from app.sync_scheduler import STOP_WAIT_S
from media.library import Library
from sync.journal import Journal
from sync.policy import TransferClass
from sync.upload import CHUNK

TUESDAY_1230 = datetime(2026, 3, 3, 12, 30)  # 午休: a window for big files
SATURDAY_10 = datetime(2026, 3, 7, 10, 0)  # the weekend is a window all day
MATH, CHINESE = "数学 三年级上册（演示）", "语文 三年级上册（演示）"


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


def test_without_the_hub_the_queue_names_packages_by_title(
    qtbot, make_hub, tmp_path, scheduler
) -> None:
    data = tmp_path / "data"
    assert run_cli("trust", "add", DEMO_KEY, "--data-dir", data).rc == 0
    assert run_cli("import", DEMO_DIR / "repo", "--package", "demo.math.g3a",
                   "--data-dir", data).rc == 0  # fmt: skip
    wanted = ["demo.math.g3a", "demo.chinese.g3a", "county.science.g3a"]
    assert run_cli("subscribe", "add", *wanted, "--data-dir", data).rc == 0
    i18n.install(QApplication.instance(), "zh")
    sched = scheduler(data, Clock(TUESDAY_10))
    sched.pause()  # the queue as it stands, no round changing it
    first = DownloadsPage(data, sched)
    qtbot.addWidget(first)
    first.show()
    # Not enrolled: the installed package by its title; the others are known by id only.
    qtbot.waitUntil(lambda: len(states(first)) == 3)
    assert states(first) == [
        (MATH, "已暂停"),
        ("demo.chinese.g3a", "已暂停"),
        ("county.science.g3a", "已暂停"),
    ]
    assert first.summary.text() == "本机还没有登记到同步中心：请先在“同步”页登记。"

    hub = make_hub(None, "--repo", str(DEMO_DIR / "repo"))
    _school, code = hub.add_school("城关镇中心小学")
    assert run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", data).rc == 0
    first.refresh()
    qtbot.waitUntil(lambda: states(first)[1][0] == CHINESE)
    assert states(first) == [
        (MATH, "已完成"),
        (CHINESE, "已暂停"),
        ("county.science.g3a", "同步中心没有这个资源包"),
    ]

    hub.stop()  # the next day the line is down; Kebao starts again
    # A manifest copy that is not believed makes the page ask the hub: titles then come
    # from the index the last round kept, and the page says the hub is not there.
    for kept in (data / "downloads" / "manifests").iterdir():
        kept.write_bytes(b"{}")
    second = DownloadsPage(data, sched)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: len(states(second)) == 3, timeout=ROUND_MS)
    assert [title for title, _state in states(second)] == [MATH, CHINESE, "county.science.g3a"]
    assert second.summary.text() == "连不上同步中心（连接失败或中断）：下面是上次读到的情况。"


def upload_file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def test_an_upload_waits_moves_with_a_bar_and_resumes_from_the_hubs_offset(
    qtbot, make_hub, tmp_path, scheduler
) -> None:
    data = tmp_path / "data"
    hub = school_pc(make_hub, data, DEMO_DIR / "repo", DEMO_KEY, [], rate=4_000_000)
    size = 2 * CHUNK + CHUNK // 2  # three chunks of tus
    recording = upload_file(tmp_path / "录课" / "第三节.mp4", size)
    title = "专递课堂 分数的初步认识"
    assert run_cli("upload", recording, "--title", title, "--data-dir", data).rc == 0
    sched = scheduler(data, Clock(SATURDAY_10))
    downloads, sync = pages(qtbot, data, sched)
    row = f"上传：{title}"
    qtbot.waitUntil(lambda: states(downloads) == [(row, "等待")])
    qtbot.waitUntil(lambda: "等待上传的文件：1 个" in sync.counts.text())

    seen: list[tuple[int, int, int, str]] = []  # (done, started, bar in KB, line) as shown

    def shown(s) -> None:
        if s.transfer is not None:
            line = downloads.progress_line.text()
            seen.append((s.transfer.done, s.transfer.started, downloads.progress.value(), line))

    sched.state_changed.connect(shown)
    sched.request_now()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] >= CHUNK, timeout=ROUND_MS)  # one chunk in
    assert downloads.moving.text() == f"正在传输：{title}"
    assert states(downloads)[0][1].startswith("上传中，")
    qtbot.mouseClick(downloads.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not sched.state.running, timeout=ROUND_MS)
    held = seen[-1][0]  # acknowledged by the hub
    assert held in (CHUNK, 2 * CHUNK)
    assert states(downloads) == [(row, "已暂停")] and not downloads.progress.isVisible()

    seen.clear()
    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as resumed:
        qtbot.mouseClick(downloads.pause_button, Qt.MouseButton.LeftButton)
    done, started, bar, line = seen[0]  # the bar as it came back: at the hub's offset
    assert done == started == held and bar == held // 1024
    assert "/秒" not in line  # no rate yet: the bytes of the last run do not count
    assert seen[-1][0] == size and seen[-1][1] == held
    assert resumed.args[0].uploaded == [title]
    assert resumed.args[0].bytes_uploaded == size - held  # only the rest went
    assert len(hub.files()) == 1
    qtbot.waitUntil(lambda: states(downloads) == [])  # done: off the queue
    qtbot.waitUntil(lambda: "等待上传的文件：0 个" in sync.counts.text())


def test_on_a_metered_link_only_records_move_and_both_pages_say_why(
    qtbot, make_hub, tmp_path, scheduler
) -> None:
    data = tmp_path / "data"
    hub = school_pc(make_hub, data, DEMO_DIR / "repo", DEMO_KEY, ["demo.math.g3a"])
    title = "三年级1班 学期报告"
    report = upload_file(tmp_path / "报告.pdf", 200_000)
    assert run_cli("upload", report, "--kind", "file", "--title", title, "--data-dir", data).rc == 0
    with Journal(data) as journal:
        journal.add_learner("王小明", "三年级1班")  # a record to send
    link = {"metered": True}  # a 4G hotspot, as Qt reports it
    sched = scheduler(data, Clock(SATURDAY_10), metered=lambda: link["metered"])
    downloads, sync = pages(qtbot, data, sched)

    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as metered:
        sched.request_now()
    report = metered.args[0]
    assert report.journal.pushed == 1 and hub.event_count() == 1
    assert report.installed == [] and report.uploaded == []
    assert report.waiting == [TransferClass.SMALL_UPLOAD, TransferClass.PACKAGE_DOWNLOAD]
    why = "按流量计费的网络：只同步学习记录"
    assert sync.waiting.text() == why
    qtbot.waitUntil(
        lambda: states(downloads) == [(MATH, f"等待：{why}"), (f"上传：{title}", f"等待：{why}")]
    )
    assert downloads.summary.text() == why
    assert listed(data) == [] and part_bytes(data) == 0 and hub.files() == []

    link["metered"] = False  # back on the school's line
    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as unmetered:
        sched.request_now()
    assert unmetered.args[0].uploaded == [title] and len(unmetered.args[0].installed) == 1
    assert listed(data) == ["demo.math.g3a"] and len(hub.files()) == 1
    qtbot.waitUntil(lambda: states(downloads) == [(MATH, "已完成")])
    assert sync.waiting.text() == ""


def test_closing_the_window_mid_download_is_prompt_and_the_next_start_resumes(
    qtbot, make_hub, tmp_path, signed_repo: Repo, scheduler
) -> None:
    data = tmp_path / "data"
    school_pc(make_hub, data, signed_repo.path, signed_repo.keys.public, [signed_repo.package_id])
    settings = Settings.load(data)
    settings.bandwidth = {  # any hour of any day, slowly, whatever the link
        "windows": [{"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "24:00"}],
        "window_rate_bytes_per_s": 120_000,
        "metered_journal_only": False,
    }
    settings.save(data)
    total = repo_bytes(signed_repo.path)
    library = Library(data)
    window = MainWindow(library, engine_factory=headless_engine, drive_roots=list)
    qtbot.addWidget(window)
    window.show()
    window.show_page("downloads")
    window.scheduler.request_now()
    qtbot.waitUntil(lambda: part_bytes(data) > 150_000, timeout=ROUND_MS)

    t0 = time.monotonic()
    window.close()
    took = time.monotonic() - t0
    assert took < STOP_WAIT_S and not window.scheduler.state.running  # cancelled and joined
    held = part_bytes(data)
    assert 150_000 < held < total and listed(data) == []
    library.close()

    sched = scheduler(data, Clock(SATURDAY_10))  # Kebao started again
    with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS) as resumed:
        sched.request_now()
    assert resumed.args[0].bytes_downloaded == total - held  # nothing fetched twice
    assert listed(data) == [signed_repo.package_id]
    assert run_cli("verify", "--data-dir", data).rc == 0
