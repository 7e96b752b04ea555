"""学生 as students and a teacher use it: pick a profile, PIN keypad, teacher mode, progress."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from app import i18n
from app.demo import ensure_demo
from app.gui.learners_page import LearnersPage, LessonCompletion, completion_by_lesson
from app.qt import QApplication, QListWidgetItem, QMessageBox, Qt, QThreadPool, QWidget
from app.session import Session
from media.catalog import Catalog
from media.errors import NotFound
from media.library import Library
from sync.journal import Journal, Learner

W = TypeVar("W", bound=QWidget)
WRONG_PIN = "密码不对，请再试一次。"


@dataclass
class Demo:
    """A data folder with the demo imported, its journal, and who uses Kebao."""

    data_dir: Path
    journal: Journal
    session: Session
    catalog: Catalog

    def video(self, lesson_title: str) -> dict:
        """The demo lesson's video, as `Catalog.resources()` gives it."""
        for hit in self.catalog.search(lesson_title):
            for row in self.catalog.resources(hit.lesson_id):
                if row["role"] == "video" and hit.lesson_title == lesson_title:
                    return row
        raise LookupError(lesson_title)

    def watch(self, learner: Learner, lesson_title: str, position_ms: int, *, ended=False) -> dict:
        row = self.video(lesson_title)
        self.journal.record_progress(
            learner.id, row["package_id"], row["sha256"], position_ms, row["duration_ms"], 3.0,
            ended=ended,
        )  # fmt: skip
        return row


@contextlib.contextmanager
def open_demo(tmp_path: Path) -> Iterator[Demo]:
    """The demo library in Chinese, with a journal and nobody using Kebao yet."""
    i18n.install(QApplication.instance(), "zh")
    with Library(tmp_path / "data") as library:
        assert ensure_demo(library)
    journal = Journal(tmp_path / "data")
    catalog = Catalog(tmp_path / "data" / "catalog.db")
    yield Demo(tmp_path / "data", journal, Session(journal), catalog)
    # Background reads finish and hand over their results while the pages still exist
    # (a result can start another read: a session change reloads the pages).
    pool = QThreadPool.globalInstance()
    for _ in range(5):
        pool.waitForDone()
        QApplication.processEvents()
    catalog.close()
    journal.close()


@pytest.fixture
def demo(qtbot, tmp_path: Path) -> Iterator[Demo]:
    with open_demo(tmp_path) as d:
        yield d


def shown(qtbot, page: W) -> W:
    """A page on screen at the size of a 班班通's window."""
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    return page


@pytest.fixture
def page(qtbot, demo: Demo) -> LearnersPage:
    return shown(qtbot, LearnersPage(demo.session, demo.data_dir / "catalog.db"))


def names(page: LearnersPage) -> list[str]:
    grid = page.grid
    return (
        [grid.item(i).text().split("\n")[0] for i in range(grid.count())]
        if grid.isVisible()
        else []
    )


def tile(page: LearnersPage, name: str) -> QListWidgetItem:
    grid = page.grid
    return next(grid.item(i) for i in range(grid.count()) if grid.item(i).text().startswith(name))


def tap(qtbot, page: LearnersPage, name: str) -> None:
    item = tile(page, name)
    page.grid.scrollToItem(item)
    where = page.grid.visualItemRect(item).center()
    qtbot.mouseClick(page.grid.viewport(), Qt.MouseButton.LeftButton, pos=where)


def type_pin(qtbot, page: LearnersPage, pin: str) -> None:
    dialog = page.pin_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    for digit in pin:
        qtbot.mouseClick(dialog.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def enter_teacher_mode(qtbot, page: LearnersPage, pin: str | None = None) -> None:
    qtbot.waitUntil(lambda: page.teacher_pin_set is not None)  # the first load is in
    qtbot.mouseClick(page.teacher_button, Qt.MouseButton.LeftButton)
    if pin is not None:
        type_pin(qtbot, page, pin)
    qtbot.waitUntil(lambda: page.session.teacher_mode and page.add_button.isVisible())


# -- the session ----------------------------------------------------------------------------


def test_session_switches_checks_pins_and_signs_out_an_archived_learner(qtbot, demo) -> None:
    j, session = demo.journal, demo.session
    ming = j.add_learner("王小明", "三年级1班")
    fang = j.add_learner("李芳", "三年级1班", pin="2580")
    with qtbot.waitSignal(session.changed):
        assert session.switch_to(ming.id)
    assert session.current_learner == ming and not session.teacher_mode
    assert not session.switch_to(fang.id, "1111") and session.learner_id == ming.id
    assert session.switch_to(fang.id, "2580") and session.learner_id == fang.id
    with pytest.raises(NotFound):
        session.switch_to("no-such-learner")

    assert not session.teacher_pin_set()
    assert session.enter_teacher_mode()  # no teacher PIN yet: open
    assert session.teacher_mode and session.current_learner is None
    session.leave_teacher_mode()
    teacher = j.add_learner("赵老师", "教师", pin="97531", teacher=True)
    assert session.teacher_pin_set()
    assert not session.enter_teacher_mode("") and not session.enter_teacher_mode("2580")
    assert session.enter_teacher_mode("97531") and session.current_learner == teacher

    session.switch_to(ming.id)
    j.archive_learner(ming.id)
    session.refresh()
    assert session.current_learner is None


# -- students ---------------------------------------------------------------------------


def test_students_see_their_class_and_tap_their_own_name(qtbot, demo, page) -> None:
    j = demo.journal
    ming = j.add_learner("王小明", "三年级1班", colour="#2f80ed")
    j.add_learner("陈静", "三年级2班")
    j.add_learner("赵老师", "教师", pin="97531", teacher=True)
    page.refresh()
    qtbot.waitUntil(lambda: len(names(page)) == 2)
    assert names(page) == ["王小明", "陈静"]  # teachers are not on the students' wall
    rect = page.grid.visualItemRect(tile(page, "王小明"))
    assert rect.width() >= 64 and rect.height() >= 64  # a finger hits it
    assert not tile(page, "王小明").icon().isNull()  # the round avatar
    assert [page.class_box.itemText(i) for i in range(page.class_box.count())] == [
        "全部班级", "三年级1班", "三年级2班",
    ]  # fmt: skip
    page.class_box.setCurrentIndex(page.class_box.findData("三年级2班"))
    assert names(page) == ["陈静"]
    page.class_box.setCurrentIndex(page.class_box.findData("三年级1班"))

    with qtbot.waitSignal(page.profile_chosen) as chosen:
        tap(qtbot, page, "王小明")
    assert chosen.args == [ming.id]
    assert demo.session.current_learner == ming
    assert page.who.text() == "正在学习：王小明"
    assert page.pin_dialog is None  # no PIN, no keypad


def test_a_learner_with_a_pin_types_it_on_the_keypad(qtbot, demo, page) -> None:
    fang = demo.journal.add_learner("李芳", "三年级1班", pin="2580")
    page.refresh()
    qtbot.waitUntil(lambda: names(page) == ["李芳"])
    tap(qtbot, page, "李芳")
    dialog = page.pin_dialog
    type_pin(qtbot, page, "1111")
    qtbot.waitUntil(lambda: dialog.error.text() == WRONG_PIN)
    assert dialog.isVisible() and dialog.display.text() == ""
    assert demo.session.current_learner is None

    qtbot.mouseClick(dialog.keys["9"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.keys["back"], Qt.MouseButton.LeftButton)  # a slip of the finger
    with qtbot.waitSignal(page.profile_chosen):
        type_pin(qtbot, page, "2580")
    assert not dialog.isVisible()
    assert demo.session.current_learner == fang


# -- teacher mode -----------------------------------------------------------------------------


def test_roster_tools_stay_hidden_until_the_teacher_pin(qtbot, demo, page) -> None:
    teacher = demo.journal.add_learner("赵老师", "教师", pin="97531", teacher=True)
    demo.journal.add_learner("王小明", "三年级1班")
    page.refresh()
    qtbot.waitUntil(lambda: names(page) == ["王小明"])
    assert not page.add_button.isVisible() and not page.teacher_panel.isVisible()

    qtbot.mouseClick(page.teacher_button, Qt.MouseButton.LeftButton)
    type_pin(qtbot, page, "2580")
    qtbot.waitUntil(lambda: page.pin_dialog.error.text() == WRONG_PIN)
    assert not demo.session.teacher_mode and not page.add_button.isVisible()
    page.pin_dialog.reject()

    enter_teacher_mode(qtbot, page, "97531")
    assert page.teacher_panel.isVisible() and not page.open_banner.isVisible()
    assert demo.session.current_learner == teacher
    assert page.who.text() == "教师模式：赵老师"
    assert page.teacher_button.text() == "退出教师模式"

    qtbot.mouseClick(page.teacher_button, Qt.MouseButton.LeftButton)
    assert not page.add_button.isVisible() and not page.teacher_panel.isVisible()
    assert not demo.session.teacher_mode and demo.session.current_learner is None


def test_teacher_mode_is_open_until_a_teacher_sets_a_pin(qtbot, demo, page) -> None:
    enter_teacher_mode(qtbot, page)  # a new install: nobody has a PIN yet
    qtbot.waitUntil(lambda: page.open_banner.isVisible())
    assert "任何人" in page.open_banner.findChild(type(page.who)).text()

    qtbot.mouseClick(page.set_pin_button, Qt.MouseButton.LeftButton)
    dialog = page.teacher_pin_dialog
    dialog.name.setText("赵老师")
    dialog.pin.setText("97531")
    dialog.again.setText("97532")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "两次输入的密码不一样。" and dialog.isVisible()
    dialog.again.setText("97531")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: demo.session.current_learner is not None)
    teacher = demo.session.current_learner
    assert teacher.name == "赵老师" and teacher.teacher and teacher.has_pin
    assert teacher.class_name == "教师"
    qtbot.waitUntil(lambda: not page.open_banner.isVisible())

    page.session.leave_teacher_mode()
    qtbot.mouseClick(page.teacher_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.pin_dialog is not None and page.pin_dialog.isVisible())
    assert not demo.session.teacher_mode  # closed now: the PIN is asked


def test_teacher_adds_and_archives_a_learner(qtbot, demo, page) -> None:
    enter_teacher_mode(qtbot, page)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.learner_dialog
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "姓名为空" and dialog.isVisible()
    dialog.name.setText("  刘洋 ")
    dialog.class_box.setCurrentText("四年级2班")
    qtbot.mouseClick(dialog.colours["#9b51e0"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: names(page) == ["刘洋"])
    added = demo.journal.learners()[0]
    assert (added.name, added.class_name, added.colour) == ("刘洋", "四年级2班", "#9b51e0")
    assert page.class_box.findData("四年级2班") > 0

    tap(qtbot, page, "刘洋")  # in teacher mode a tap shows the learner, it does not switch
    assert page.selected == added and demo.session.current_learner is None
    qtbot.mouseClick(page.archive_button, Qt.MouseButton.LeftButton)
    box = page.confirm_box
    assert "刘洋" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: names(page) == [])
    assert page.empty.isVisible()
    assert demo.journal.learner(added.id).archived  # hidden, not deleted


def test_progress_table_shows_what_a_learner_watched(qtbot, demo, page) -> None:
    ming = demo.journal.add_learner("王小明", "三年级1班")
    demo.watch(ming, "分数的初步认识", 6_000)  # half of 12 s
    demo.watch(ming, "四边形", 10_000, ended=True)
    enter_teacher_mode(qtbot, page)
    qtbot.waitUntil(lambda: names(page) == ["王小明"])
    tap(qtbot, page, "王小明")
    table = page.progress_table
    qtbot.waitUntil(lambda: table.rowCount() == 2)
    rows = [[table.item(r, c).text() for c in range(5)] for r in range(2)]
    assert [r[:4] for r in rows] == [
        ["四边形", "四边形", "100%", "是"],  # textbook order: unit 7 before unit 8
        ["分数的初步认识", "分数的初步认识", "50%", ""],
    ]
    assert all(r[4].startswith("今天 ") for r in rows)
    assert page.progress_title.text() == "王小明（三年级1班）"


def class_of_three(demo: Demo) -> None:
    j = demo.journal
    a, b, c = (j.add_learner(n, "三年级1班") for n in ("甲", "乙", "丙"))
    other = j.add_learner("丁", "三年级2班")
    j.add_learner("赵老师", "三年级1班", teacher=True)
    demo.watch(a, "四边形", 10_000, ended=True)
    demo.watch(b, "四边形", 9_500)  # 95 %: completed by the 90 % rule
    demo.watch(c, "四边形", 2_000)
    demo.watch(a, "分数的初步认识", 12_000, ended=True)
    demo.watch(other, "几分之几", 10_000, ended=True)  # another class
    # Opening the courseware alone does not complete a lesson that has a video.
    courseware = next(
        r
        for r in demo.catalog.resources(demo.catalog.search("分数的初步认识")[0].lesson_id)
        if r["role"] == "courseware"
    )
    j.record_progress(b.id, courseware["package_id"], courseware["sha256"], 0, 0, 1.0, ended=True)


def test_completion_by_lesson_counts_the_students_of_the_class(demo) -> None:
    class_of_three(demo)
    rows = completion_by_lesson(demo.journal, demo.catalog, "三年级1班")
    assert rows == [LessonCompletion("四边形", 2, 3), LessonCompletion("分数的初步认识", 1, 3)]
    assert [r.percent for r in rows] == [66, 33]
    assert completion_by_lesson(demo.journal, demo.catalog, "三年级2班") == [
        LessonCompletion("几分之几", 1, 1)
    ]


def test_the_class_chart_draws_the_class_completion(qtbot, demo, page) -> None:
    class_of_three(demo)
    enter_teacher_mode(qtbot, page)
    page.teacher_panel.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.chart.empty_text == "请在上方选择一个班级。")
    assert page.chart.rows == []
    page.class_box.setCurrentIndex(page.class_box.findData("三年级1班"))
    qtbot.waitUntil(lambda: len(page.chart.rows) == 2)
    assert [r.percent for r in page.chart.rows] == [66, 33]
    assert page.chart.title == "三年级1班：各课完成的学生比例"
    assert page.chart.value_text(page.chart.rows[0]) == "66%（2/3 人）"
    image = page.chart.grab().toImage()
    assert not image.isNull() and image.height() >= 3 * 44
    # The first bar is drawn in green two thirds of the way along its track.
    green = [x for x in range(image.width()) if image.pixelColor(x, 44 + 22).name() == "#3aa757"]
    assert green and 40 < len(green) < image.width()
