"""The whole window as a school uses it: who is learning, what opens where, which player."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import EVENT_TIMEOUT_MS, headless_engine
from test_gui_learners import names, tap
from test_gui_player import open_fractions_lesson
from test_gui_progress import fractions_video, wait_kind
from test_player_qt import FALLBACK, vlc_missing

from app import i18n
from app.demo import ensure_demo
from app.gui.window import MainWindow
from app.player_backend import make_engine
from app.player_qt import QtEngine
from app.qt import QApplication, Qt
from media.library import Library
from media.player import EventKind, PlayerState
from sync.journal import Journal


def choose(qtbot, window: MainWindow, name: str) -> None:
    """Go to 学生 and tap one's own name, as a student does."""
    window.show_page("learners")
    page = window.learners_page
    qtbot.waitUntil(lambda: name in names(page))
    with qtbot.waitSignal(window.session.changed):
        tap(qtbot, page, name)
    assert window.stack.currentWidget() is window.home_page  # then 继续学习 is in front


def test_each_student_resumes_their_own_place_after_a_switch(qtbot, window) -> None:
    journal = window.journal
    ming = journal.add_learner("李小明", "三(1)班")
    fang = journal.add_learner("王芳", "三(1)班")
    choose(qtbot, window, "李小明")
    assert window.learner_id == ming.id
    qtbot.waitUntil(lambda: window.home_page.greeting.text() == "李小明，你好！")

    window.show_page("library")
    player = open_fractions_lesson(qtbot, window)
    qtbot.waitUntil(lambda: player.position() > 2_500, timeout=EVENT_TIMEOUT_MS)
    with qtbot.waitSignal(player.event_seen, timeout=EVENT_TIMEOUT_MS,
                          check_params_cb=lambda e: e.kind is EventKind.PAUSED):  # fmt: skip
        player.toggle_pause()
    held = player.position()
    video = fractions_video(window)
    watched = window.library_page.resources
    qtbot.waitUntil(lambda: watched.item(0, 5).text().startswith("已看"))  # once recorded

    choose(qtbot, window, "王芳")  # the next student sits down
    assert window.learner_id == fang.id
    assert player.state() is not PlayerState.PLAYING  # 李小明's lesson is not running on
    assert window.library_page.resources.item(0, 5).text() == ""  # she has not seen it
    assert journal.progress(fang.id, video["package_id"], video["sha256"]) is None
    saved = journal.progress(ming.id, video["package_id"], video["sha256"])
    assert saved is not None and abs(saved.position_ms - held) < 600

    choose(qtbot, window, "李小明")
    home = window.home_page
    qtbot.waitUntil(lambda: len(home.continue_list.buttons) == 1)
    assert home.continue_list.buttons[0].text().startswith("分数的初步认识")
    qtbot.mouseClick(home.continue_list.buttons[0], Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is player
    qtbot.waitUntil(lambda: player.state() is PlayerState.PLAYING, timeout=EVENT_TIMEOUT_MS)
    qtbot.waitUntil(lambda: player.position() > 0, timeout=EVENT_TIMEOUT_MS)
    assert player.position() >= held - 1_000  # where he stopped, not from the start


def open_window(qtbot, data_dir: Path, **kwargs) -> tuple[MainWindow, Library]:
    i18n.install(QApplication.instance(), "zh")
    library = Library(data_dir)
    ensure_demo(library)  # imported on the first open only
    assert library.catalog.package_list()
    window = MainWindow(library, **kwargs)
    qtbot.addWidget(window)
    window.show()
    return window, library


def test_a_school_with_a_roster_opens_on_home_a_new_install_on_the_library(qtbot, tmp_path) -> None:
    window, library = open_window(qtbot, tmp_path / "data", engine_factory=headless_engine)
    assert window.stack.currentWidget() is window.library_page
    assert window.nav["library"].isChecked()
    window.close()
    library.close()

    Journal(tmp_path / "data").add_learner("李小明", "三(1)班")
    window, library = open_window(qtbot, tmp_path / "data", engine_factory=headless_engine)
    assert window.stack.currentWidget() is window.home_page
    assert window.nav["home"].isChecked()
    assert window.home_page.choose_button.isVisible()  # nobody chosen yet: pick your name
    qtbot.mouseClick(window.home_page.choose_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.learners_page
    window.close()
    library.close()


def test_courseware_opens_inside_and_back_returns_to_the_lesson(qtbot, window) -> None:
    page = window.library_page
    page.search_box.insert("fsdcbrs")
    qtbot.waitUntil(lambda: page.results.count() > 0)
    page.results.itemClicked.emit(page.results.item(0))
    assert page.play_button.text() == "播放"  # the video is chosen first
    row = next(i for i, r in enumerate(page._lesson_rows) if r["role"] == "courseware")
    page.resources.setCurrentCell(row, 0)
    assert page.play_button.text() == "打开" and not page.queue_button.isEnabled()
    qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    pdf = window.pdf_page
    assert pdf is not None and window.stack.currentWidget() is pdf
    assert pdf.page_count() >= 1 and not pdf.message.isVisible()
    assert window.player_page is None  # no player was started for a document
    qtbot.mouseClick(pdf.back_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is page


def test_a_damaged_courseware_is_one_sentence_on_the_lesson_page(qtbot, window) -> None:
    page = window.library_page
    page.search_box.insert("fsdcbrs")
    qtbot.waitUntil(lambda: page.results.count() > 0)
    page.results.itemClicked.emit(page.results.item(0))
    row = next(i for i, r in enumerate(page._lesson_rows) if r["role"] == "courseware")
    resource = page._lesson_rows[row]
    named = window.library.store.named(resource["sha256"], ".pdf")
    named.unlink()  # the named link, not the blob: verify would still find the blob whole
    named.write_bytes(b"not a pdf")
    page.resources.setCurrentCell(row, 0)
    qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is page
    assert page.message.isVisible() and "PDF" in page.message.text()


def test_without_vlc_the_window_plays_with_qt_and_says_so_once(qtbot, tmp_path) -> None:
    window, library = open_window(
        qtbot, tmp_path / "data", engine_factory=lambda n: make_engine(n, vlc=vlc_missing)
    )
    player = open_fractions_lesson(qtbot, window)
    assert isinstance(player.engine, QtEngine)
    assert player.surface is player.engine.video_widget()  # Qt's player draws in its widget
    assert player.message.isVisible() and player.message.text() == FALLBACK
    wait_kind(qtbot, player, EventKind.PLAYING)
    player.stop()
    window.play(fractions_video(window), "分数的初步认识")
    assert not player.message.isVisible()  # said once
    wait_kind(qtbot, player, EventKind.PLAYING)
    window.close()
    library.close()


START_WITHOUT_HTTP = """
import sys, time
from pathlib import Path
from app.gui.window import MainWindow
from app.qt import QApplication
from media.library import Library

app = QApplication([])
window = MainWindow(Library(Path(sys.argv[1])), drive_roots=list)
window.show()
deadline = time.monotonic() + 20
while not window.sync_page.counts.text() and time.monotonic() < deadline:
    app.processEvents()  # until 同步 has counted what waits: its start-up work is done
http = ("requests", "urllib3", "sync.client", "sync.download", "sync.round")
print(bool(window.sync_page.counts.text()), [m for m in http if m in sys.modules])
"""


def test_the_window_starts_without_the_http_libraries(tmp_path: Path) -> None:
    """They load with the first sync round (≈10 MB of a 250 MB start-up budget)."""
    done = subprocess.run(
        [sys.executable, "-c", START_WITHOUT_HTTP, str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True []"
