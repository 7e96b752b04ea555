"""专递课堂: a live lesson streamed from another school plays in the classroom player (real
libvlc, dummy outputs, the lesson served over HTTP on loopback) and, while it plays, only
learning records sync; when it stops, ends or fails, big transfers may go again. A live
class held in another program is said on 同步, and that switch ends by itself."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import EVENT_TIMEOUT_MS
from httpfolder import HLS, make_hls, serve_folder
from test_gui_share import click

from app import i18n, sync_scheduler
from app.gui.sync_page import SyncPage
from app.qt import QApplication, Qt
from app.settings import Settings
from media.player import EventKind, PlayerState
from sync.policy import JOURNAL_ONLY, TransferClass

STREAMING = "正在播放网络课程：暂停其他传输，只同步学习记录"
TUESDAY_10AM = datetime(2026, 3, 3, 10, 0)  # class time: small uploads go, big files wait


@pytest.fixture(scope="module")
def live_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A minute of lesson, long enough to be playing while the test looks."""
    folder = tmp_path_factory.mktemp("live")
    make_hls(folder, seconds=60)
    return folder


def may_transfer_again(scheduler) -> bool:
    decision = scheduler.decision()
    return decision.reason != STREAMING and TransferClass.SMALL_UPLOAD in decision.allowed


def open_live(qtbot, window, address: str) -> None:
    room = window.classroom()
    qtbot.mouseClick(room.live_button, Qt.MouseButton.LeftButton)
    dialog = room.live_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    dialog.address.setCurrentText(address)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_a_live_lesson_pauses_big_transfers_until_it_stops(qtbot, window, live_folder) -> None:
    scheduler = window.scheduler
    scheduler.clock, scheduler.metered = lambda: TUESDAY_10AM, lambda: False
    assert may_transfer_again(scheduler)
    window.enter_classroom()
    room = window.classroom()
    assert room.live_button.isVisible()

    open_live(qtbot, window, "ftp://192.168.1.5/lesson.mp4")  # not a live class
    assert room.live_dialog.isVisible()
    assert room.live_dialog.error.text().startswith("这不是直播课堂的地址")
    room.live_dialog.reject()

    with serve_folder(live_folder) as server:
        url = f"{server}/{HLS}"
        open_live(qtbot, window, url)
        player = window.player()
        qtbot.waitUntil(lambda: player.state() is PlayerState.PLAYING, timeout=EVENT_TIMEOUT_MS)
        assert player.title.text() == f"直播课堂：{url}"
        assert scheduler.streaming
        decision = scheduler.decision()
        assert decision.allowed == JOURNAL_ONLY and decision.reason == STREAMING
        assert Settings.load(window.library.data_dir).live_urls == [url]

        qtbot.keyClick(window, Qt.Key.Key_Escape)  # the period is over
        assert player.state() is PlayerState.IDLE
        assert not scheduler.streaming and may_transfer_again(scheduler)

        window.enter_classroom()  # the next period: the address is offered again
        qtbot.mouseClick(room.live_button, Qt.MouseButton.LeftButton)
        assert room.live_dialog.address.itemText(0) == url
        qtbot.mouseClick(room.live_dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: player.state() is PlayerState.PLAYING, timeout=EVENT_TIMEOUT_MS)
        assert scheduler.streaming
        player.stop()
        assert not scheduler.streaming and may_transfer_again(scheduler)


def test_a_live_lesson_that_fails_frees_the_line(qtbot, window, live_folder) -> None:
    scheduler = window.scheduler
    scheduler.clock, scheduler.metered = lambda: TUESDAY_10AM, lambda: False
    window.enter_classroom()
    with serve_folder(live_folder) as server:
        player = window.player()
        with qtbot.waitSignal(
            player.event_seen,
            timeout=EVENT_TIMEOUT_MS,
            check_params_cb=lambda e: e.kind is EventKind.ERROR,
        ):
            open_live(qtbot, window, f"{server}/no-such-lesson.m3u8")
            assert scheduler.streaming  # until the stream says otherwise
    assert player.message.text().startswith("无法播放此视频")
    assert not scheduler.streaming and may_transfer_again(scheduler)


def test_a_live_class_in_another_program_is_said_on_the_sync_page(
    qtbot, monkeypatch, tmp_path, scheduler
) -> None:
    i18n.install(QApplication.instance(), "zh")
    monkeypatch.setattr(sync_scheduler, "LIVE_CLASS_MS", 300)  # 3 hours, for the test
    data = tmp_path / "data"
    sched = scheduler(data, clock=lambda: TUESDAY_10AM)
    page = SyncPage(data, list, sched)
    qtbot.addWidget(page)
    page.show()
    assert page.live_class.text() == "直播课进行中（暂停下载和上传）"

    click(qtbot, page.live_class)
    assert sched.streaming and sched.state.live_class
    decision = sched.decision()
    assert decision.allowed == JOURNAL_ONLY and decision.reason == STREAMING
    click(qtbot, page.live_class)
    assert not sched.streaming and may_transfer_again(sched)

    click(qtbot, page.live_class)  # and forgotten: it switches itself off
    assert sched.streaming
    qtbot.waitUntil(lambda: not page.live_class.isChecked(), timeout=10_000)
    assert not sched.streaming and may_transfer_again(sched)


def test_the_players_stream_and_the_teachers_switch_do_not_undo_each_other(
    qtbot, tmp_path, scheduler
) -> None:
    sched = scheduler(tmp_path / "data", clock=lambda: TUESDAY_10AM)
    sched.set_live_class(True)
    sched.set_streaming(True)
    sched.set_streaming(False)  # the player's lesson ended; the live class goes on
    assert sched.streaming
    sched.set_live_class(False)
    assert not sched.streaming
