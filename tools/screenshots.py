"""Render every screen of Kebao, in Chinese, to docs/screenshots/*.png.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots.py

Runs the real window on a fresh data folder holding the demo library, under a real X
server (video is drawn by libvlc into the window, so an offscreen platform would show
a black player). The screen is grabbed whole, as a person would see it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KEBAO_LANG", "zh")
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from app import i18n  # noqa: E402
from app.demo import ensure_demo  # noqa: E402
from app.gui import style  # noqa: E402
from app.gui.window import MainWindow  # noqa: E402
from app.lan_share import Sharing  # noqa: E402
from app.qt import QApplication  # noqa: E402
from app.settings import Settings  # noqa: E402
from media.library import Library  # noqa: E402
from media.player import PlayerState  # noqa: E402
from sync.journal import Journal  # noqa: E402

CLASS = "三年级1班"
# Who watched what (lesson title, share watched, finished), as after a few school days.
WATCHED = {
    "李小明": [("四边形", 0.4, False), ("几分之几", 1.0, True)],
    "王芳": [("四边形", 1.0, True), ("几分之几", 1.0, True)],
    "陈静": [("四边形", 1.0, True), ("几分之几", 0.3, False)],
    "张伟": [("几分之几", 0.7, False)],
    "刘洋": [],
}


def video(library: Library, lesson_title: str) -> dict:
    for hit in library.catalog.search(lesson_title):
        if hit.lesson_title == lesson_title:
            rows = library.catalog.resources(hit.lesson_id)
            return next(r for r in rows if r["role"] == "video")
    raise LookupError(lesson_title)


def class_roster(library: Library) -> dict[str, str]:
    """A class of five with some progress, and their teacher (no PIN yet): name → id."""
    journal = Journal(library.data_dir)
    colours = ("#2f80ed", "#eb5757", "#27ae60", "#f2994a", "#9b51e0")
    ids = {}
    for (name, lessons), colour in zip(WATCHED.items(), colours, strict=True):
        ids[name] = journal.add_learner(name, CLASS, colour=colour).id
        for title, share, ended in lessons:
            row = video(library, title)
            at = int(row["duration_ms"] * share)
            journal.record_progress(
                ids[name], row["package_id"], row["sha256"], at, row["duration_ms"],
                at / 1000, ended=ended,
            )  # fmt: skip
    journal.add_learner("赵老师", "教师", teacher=True)
    journal.close()
    return ids


def settle(app: QApplication, seconds: float = 0.6) -> None:
    """Let the window paint (and the video run) for a moment."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def wait_for(app: QApplication, condition, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the screen did not get ready")
        app.processEvents()
        time.sleep(0.02)


def shoot(app: QApplication, name: str) -> None:
    settle(app)
    image = app.primaryScreen().grabWindow(0)
    image.save(str(OUT / f"{name}.png"))
    print(f"docs/screenshots/{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    i18n.install(app, "zh")
    style.apply(app)
    work = Path(tempfile.mkdtemp(prefix="kebao-shots-"))
    library = Library(work / "data")
    ensure_demo(library)
    drive = work / "U盘"  # a folder standing in for a USB drive the technician brought
    library.export(["demo.chinese.g3a"], drive / "课包")
    ids = class_roster(library)
    library.remove("demo.chinese.g3a")
    settings = Settings.load(library.data_dir)
    settings.subscriptions = ["demo.chinese.g3a"]  # the next sync round brings it back
    settings.save(library.data_dir)
    window = MainWindow(library, drive_roots=lambda: [drive])
    window.resize(1280, 800)
    window.move(0, 0)
    window.show()
    wait_for(app, lambda: window.stack.currentWidget() is window.home_page)
    shoot(app, "welcome")  # a school with a roster opens here

    window.show_page("learners")
    wait_for(app, lambda: window.learners_page.grid.count() == len(WATCHED))
    shoot(app, "learners")
    window.session.switch_to(ids["李小明"])
    window.show_page("home")
    home = window.home_page
    wait_for(app, lambda: len(home.continue_list.buttons) > 0)
    shoot(app, "home")

    window.show_page("library")
    page = window.library_page

    math = page.tree.topLevelItem(0)
    math.setExpanded(True)
    unit = math.child(1)
    unit.setExpanded(True)
    page.tree.itemClicked.emit(unit.child(0), 0)
    shoot(app, "library")

    page.search_box.insert("fsdcbrs")
    wait_for(app, lambda: page.results.count() > 0)
    shoot(app, "search")

    page.results.itemClicked.emit(page.results.item(0))
    page.play_button.click()
    player = window.player()
    wait_for(app, lambda: player.state() is PlayerState.PLAYING and player.position() > 2500)
    shoot(app, "player")

    page.queue_button.click()
    page.search_box.clear()
    page.search_box.insert("几分之几")
    wait_for(app, lambda: page.results.count() > 0 and "几分之几" in page.results.item(0).text())
    page.results.itemClicked.emit(page.results.item(0))
    page.queue_button.click()
    window.enter_classroom()
    wait_for(app, lambda: player.state() is PlayerState.PLAYING and player.position() > 2500)
    shoot(app, "classroom")
    room = window.classroom()
    settings = Settings.load(library.data_dir)
    settings.live_urls = ["rtmp://zhuanti.example.cn/live/sanjiao-3"]  # last week's
    settings.save(library.data_dir)
    room.ask_live_address()
    wait_for(app, lambda: room.live_dialog is not None and room.live_dialog.isVisible())
    shoot(app, "live-class")
    room.live_dialog.reject()
    room.leave()
    player.stop()

    window.show_page("library")
    page.search_box.clear()
    page.search_box.insert("fsdcbrs")
    wait_for(app, lambda: page.results.count() == 2)  # the lesson and its 课件
    page.results.itemClicked.emit(page.results.item(0))
    courseware = next(i for i, r in enumerate(page._lesson_rows) if r["role"] == "courseware")
    page.resources.setCurrentCell(courseware, 0)
    page.play_button.click()
    wait_for(app, lambda: window.pdf_page is not None and window.pdf_page.page_count() > 0)
    shoot(app, "courseware")
    window.pdf_page.back_button.click()

    window.session.enter_teacher_mode()  # no teacher PIN is set yet in this school
    window.show_page("learners")
    learners = window.learners_page
    wait_for(app, lambda: learners.teacher_panel.isVisible() and learners.grid.count() > 0)
    learners.grid.setCurrentRow(0)
    learners.grid.itemClicked.emit(learners.grid.item(0))
    wait_for(app, lambda: learners.progress_table.rowCount() > 0)
    shoot(app, "learners-teacher")
    learners.class_box.setCurrentIndex(learners.class_box.findData(CLASS))
    learners.teacher_panel.setCurrentIndex(1)
    shoot(app, "class-chart")
    home = window.home_page
    window.show_page("home")
    settle(app, 1.0)
    shoot(app, "home-teacher")

    window.show_page("drives")
    wait_for(app, lambda: window.drives_page.table.rowCount() > 0)
    shoot(app, "drives")
    # Not enrolled (no hub here): 同步 shows the enrolment form, 下载 the subscribed package.
    window.show_page("sync")
    settle(app, 1.0)
    shoot(app, "sync")
    window.show_page("downloads")
    wait_for(app, lambda: window.downloads_page.table.rowCount() > 0)
    shoot(app, "downloads")
    window.show_page("settings")
    window.settings_page.share_switch.click()  # a real `kebao serve`, stopped on close
    wait_for(app, lambda: window.share.state.sharing is not Sharing.STARTING, timeout=30)
    settle(app, 1.5)
    shoot(app, "settings")
    window.close()
    library.close()


if __name__ == "__main__":
    main()
