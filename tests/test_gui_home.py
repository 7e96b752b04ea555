"""首页 for a student (继续学习, 已完成), for the teacher (today's and recent lessons), for nobody."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_gui_learners import Demo, open_demo, shown

from app.gui.home_page import HomePage
from app.qt import Qt


@pytest.fixture
def demo(qtbot, tmp_path: Path) -> Iterator[Demo]:
    with open_demo(tmp_path) as d:
        yield d


@pytest.fixture
def page(qtbot, demo: Demo) -> HomePage:
    return shown(qtbot, HomePage(demo.session, demo.data_dir / "catalog.db"))


def lines(buttons) -> list[str]:
    return [b.text().split("\n")[0] for b in buttons]


def test_nobody_chosen_gets_a_welcome_and_a_way_to_pick_a_profile(qtbot, demo, page) -> None:
    assert page.stack.currentWidget() is page.welcome
    with qtbot.waitSignal(page.choose_profile_requested):
        qtbot.mouseClick(page.choose_button, Qt.MouseButton.LeftButton)


def test_a_student_continues_where_they_stopped(qtbot, demo, page) -> None:
    ming = demo.journal.add_learner("王小明", "三年级1班")
    demo.watch(ming, "四边形", 3_000)
    demo.watch(ming, "不懂就要问", 8_000, ended=True)
    fractions = demo.watch(ming, "分数的初步认识", 6_500)  # the most recent
    demo.watch(demo.journal.add_learner("陈静", "三年级1班"), "花的学校", 4_000)  # not his
    demo.session.switch_to(ming.id)
    qtbot.waitUntil(lambda: len(page.continue_list.buttons) == 2)
    assert page.stack.currentWidget() is page.student
    assert page.greeting.text() == "王小明，你好！"
    assert lines(page.continue_list.buttons) == ["分数的初步认识", "四边形"]
    assert page.continue_list.buttons[0].text().split("\n")[1].startswith("上次看到 0:06 / 0:12")
    assert page.continue_list.buttons[0].height() >= 64
    assert lines(page.finished_list.buttons) == ["不懂就要问"]
    assert not page.continue_list.empty.isVisible()

    with qtbot.waitSignal(page.resume_requested) as asked:
        qtbot.mouseClick(page.continue_list.buttons[0], Qt.MouseButton.LeftButton)
    row, title, start_ms = asked.args
    assert row == fractions  # the catalog's row, as the library page hands it to the player
    assert (title, start_ms) == ("分数的初步认识", 6_500)
    with qtbot.waitSignal(page.resume_requested) as again:
        qtbot.mouseClick(page.finished_list.buttons[0], Qt.MouseButton.LeftButton)
    assert again.args[1:] == ["不懂就要问", 0]  # a finished video plays from the start

    with qtbot.waitSignal(page.choose_profile_requested):
        qtbot.mouseClick(page.other_button, Qt.MouseButton.LeftButton)


def test_a_new_student_is_told_where_to_start(qtbot, demo, page) -> None:
    demo.session.switch_to(demo.journal.add_learner("陈静", "三年级2班").id)
    qtbot.waitUntil(lambda: page.continue_list.empty.isVisible())
    assert page.continue_list.buttons == [] and "资源库" in page.continue_list.empty.text()
    assert page.finished_list.empty.text() == "还没有学完的课。"


def test_the_teacher_sees_todays_lessons_then_recent_ones(qtbot, demo, page) -> None:
    j, now = demo.journal, datetime.now()

    def played(lesson: str, class_name: str, start: datetime) -> dict:
        row = demo.video(lesson)
        j.record_play(class_name, row["package_id"], lesson, row["sha256"], start, start)
        return row

    played("四边形", "三(1)班", now - timedelta(days=3))
    played("几分之几", "三(2)班", now - timedelta(days=30))  # too long ago
    played("花的学校", "三(1)班", now - timedelta(days=2))
    played("分数的初步认识", "三(2)班", now - timedelta(days=1))
    played("分数的初步认识", "三(1)班", now - timedelta(seconds=2))
    played("四边形", "三(1)班", now - timedelta(seconds=1))
    demo.session.enter_teacher_mode()
    qtbot.waitUntil(lambda: len(page.today_list.buttons) == 2)
    assert page.stack.currentWidget() is page.teacher
    assert lines(page.today_list.buttons) == ["四边形", "分数的初步认识"]
    assert page.today_list.buttons[0].text().split("\n")[1].startswith("三(1)班 · 今天 ")
    # Each lesson once, in its latest place: played today, it is not repeated below.
    assert lines(page.recent_list.buttons) == ["花的学校"]

    with qtbot.waitSignal(page.resume_requested) as asked:
        qtbot.mouseClick(page.today_list.buttons[1], Qt.MouseButton.LeftButton)
    assert asked.args == [demo.video("分数的初步认识"), "分数的初步认识", 0]

    demo.session.leave_teacher_mode()
    assert page.stack.currentWidget() is page.welcome
