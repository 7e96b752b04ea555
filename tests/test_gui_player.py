"""播放器 with real libvlc (dummy outputs): play, pause, ±10 s, speed, subtitles, end."""

from __future__ import annotations

from pathlib import Path

from conftest import EVENT_TIMEOUT_MS

from app.gui.player_page import PlayerPage
from app.gui.window import MainWindow
from app.qt import Qt
from media.player import EventKind, PlayerState


def open_fractions_lesson(qtbot, window: MainWindow) -> PlayerPage:
    page = window.library_page
    page.search_box.insert("fsdcbrs")
    qtbot.waitUntil(lambda: page.results.count() > 0)
    page.results.itemClicked.emit(page.results.item(0))
    with qtbot.waitSignal(page.play_requested):
        qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    player = window.player_page
    assert player is not None and window.stack.currentWidget() is player
    return player


def test_a_lesson_plays_pauses_skips_and_ends(qtbot, window: MainWindow) -> None:
    player = open_fractions_lesson(qtbot, window)
    with qtbot.waitSignal(player.event_seen, timeout=EVENT_TIMEOUT_MS,
                          check_params_cb=lambda e: e.kind is EventKind.PLAYING):  # fmt: skip
        pass
    assert player.title.text() == "分数的初步认识"
    assert player.play_button.text() == "暂停"
    qtbot.waitUntil(lambda: player.position() > 500, timeout=EVENT_TIMEOUT_MS)
    assert player.seek_bar.maximum() > 5_000  # the demo lessons are 8–12 s
    assert " / 0:" in player.time_label.text()

    with qtbot.waitSignal(player.event_seen, timeout=EVENT_TIMEOUT_MS,
                          check_params_cb=lambda e: e.kind is EventKind.PAUSED):  # fmt: skip
        qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    assert player.play_button.text() == "播放"
    held = player.position()
    qtbot.mouseClick(player.forward_button, Qt.MouseButton.LeftButton)
    assert abs(player.position() - min(held + 10_000, player.engine.duration_ms())) < 1_000
    qtbot.mouseClick(player.back_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(player.back_button, Qt.MouseButton.LeftButton)
    assert player.position() < 1_000

    player.speed.setCurrentIndex(player.speed.findData(2.0))
    assert player.engine.rate() == 2.0
    qtbot.mouseClick(player.subtitles_button, Qt.MouseButton.LeftButton)
    assert player.subtitles_button.text() == "字幕：关" and not player.engine.subtitles_on()

    with qtbot.waitSignal(player.event_seen, timeout=EVENT_TIMEOUT_MS,
                          check_params_cb=lambda e: e.kind is EventKind.ENDED):  # fmt: skip
        qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    assert player.state() is PlayerState.ENDED
    assert player.play_button.text() == "播放"


def test_without_libvlc_the_page_says_what_to_install(qtbot, tmp_path: Path) -> None:
    from media.player import PlayerUnavailable

    def missing(_notify):
        raise PlayerUnavailable()

    page = PlayerPage(missing)
    qtbot.addWidget(page)
    assert not page.open(tmp_path / "x.mp4", "x", [])
    assert "libvlc" in page.message.text() and page.message.isVisibleTo(page)
