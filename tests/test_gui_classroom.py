"""课堂模式 driven by a presenter remote: PageUp/PageDown, space, B, Esc."""

from __future__ import annotations

from conftest import EVENT_TIMEOUT_MS

from app.qt import Qt
from media.player import EventKind, PlayerState

MIN_CONTROL_PX = 64


def queue(qtbot, win, query: str) -> None:
    page = win.library_page
    page.search_box.clear()
    page.search_box.insert(query)
    qtbot.waitUntil(lambda: page.results.count() > 0 and query in page.results.item(0).text())
    page.results.itemClicked.emit(page.results.item(0))
    qtbot.mouseClick(page.queue_button, Qt.MouseButton.LeftButton)


def wait_playing(qtbot, player) -> None:
    qtbot.waitUntil(lambda: player.state() is PlayerState.PLAYING, timeout=EVENT_TIMEOUT_MS)


def test_a_class_period_run_from_the_remote(qtbot, window) -> None:
    queue(qtbot, window, "分数的初步认识")
    queue(qtbot, window, "几分之几")
    window.nav["classroom"].click()
    player = window.player_page
    room = window.classroom()
    assert window.isFullScreen() and not window.nav_bar.isVisible()
    assert room.list.count() == 2 and room.list.isVisible()
    assert player.play_button.height() >= MIN_CONTROL_PX
    wait_playing(qtbot, player)
    assert player.title.text() == "分数的初步认识"

    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert player.title.text() == "几分之几" and room.list.currentRow() == 1
    wait_playing(qtbot, player)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # past the end: stays on the last item
    assert room.index == 1
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert player.title.text() == "分数的初步认识"
    wait_playing(qtbot, player)

    with qtbot.waitSignal(player.event_seen, timeout=EVENT_TIMEOUT_MS,
                          check_params_cb=lambda e: e.kind is EventKind.PAUSED):  # fmt: skip
        qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    wait_playing(qtbot, player)

    qtbot.keyClick(window, Qt.Key.Key_B)  # black screen: the class looks at the teacher
    assert room.black.isVisible() and room.black.geometry() == window.rect()
    qtbot.waitUntil(lambda: player.state() is PlayerState.PAUSED, timeout=EVENT_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Period)
    assert not room.black.isVisible()
    wait_playing(qtbot, player)

    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isFullScreen() and window.nav_bar.isVisible()
    assert not room.list.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # the remote does nothing outside class
    assert room.index == 0
