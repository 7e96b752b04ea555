"""资源库 as a teacher uses it: browse, filter, search as you type, open a lesson, play."""

from __future__ import annotations

import pytest

from app.gui.window import MainWindow
from app.qt import Qt


def type_query(qtbot, page, text: str) -> None:
    """Type as a teacher does: Latin letters key by key, hanzi as an input method commits them."""
    if text.isascii():
        qtbot.keyClicks(page.search_box, text)
    else:
        page.search_box.insert(text)


def _tree_titles(win: MainWindow) -> list[str]:
    tree = win.library_page.tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def test_the_window_speaks_chinese(window: MainWindow) -> None:
    assert window.windowTitle() == "课包"
    assert window.nav["library"].text() == "资源库"
    assert window.library_page.search_box.placeholderText().startswith("输入课名或拼音首字母")


def test_browse_package_unit_lesson_and_see_its_files(window: MainWindow, qtbot) -> None:
    page = window.library_page
    assert _tree_titles(window) == ["数学 三年级上册（演示）", "语文 三年级上册（演示）"]
    math = page.tree.topLevelItem(0)
    math.setExpanded(True)  # units load only now
    units = [math.child(i).text(0) for i in range(math.childCount())]
    assert units == ["第七单元 长方形和正方形", "第八单元 分数的初步认识"]
    fractions = math.child(1)
    fractions.setExpanded(True)
    lesson = fractions.child(0)
    assert lesson.text(0) == "分数的初步认识"
    page.tree.itemClicked.emit(lesson, 0)
    assert page.lesson_title.text() == "分数的初步认识"
    assert page.breadcrumb.text() == "数学 三年级上册（演示） › 第八单元 分数的初步认识"
    table = page.resources
    rows = [[table.item(r, c).text() for c in range(5)] for r in range(table.rowCount())]
    video, courseware = rows
    assert video[1] == "课程视频" and video[3] == "有" and video[4] == "已下载"
    assert video[2].count(":") == 1 and video[2] != "0:00"  # duration m:ss
    assert courseware[1] == "课件"


def test_facets_narrow_the_tree(window: MainWindow) -> None:
    page = window.library_page
    subject = page.facets["subject"]
    assert [subject.itemText(i) for i in range(subject.count())] == ["全部学科", "数学", "语文"]
    subject.setCurrentIndex(subject.findData("语文"))
    assert _tree_titles(window) == ["语文 三年级上册（演示）"]
    edition = page.facets["edition"]
    assert [edition.itemText(i) for i in range(edition.count())] == ["全部版本", "统编版"]


@pytest.mark.parametrize("query", ["fsdcbrs", "fenshu", "分数的", "分数"])
def test_search_as_you_type_finds_the_lesson(window: MainWindow, qtbot, query: str) -> None:
    page = window.library_page
    type_query(qtbot, page, query)
    qtbot.waitUntil(lambda: page.left.currentWidget() is page.results and page.results.count() > 0)
    first = page.results.item(0)
    assert first.text().startswith("分数的初步认识")
    page.results.itemClicked.emit(first)
    assert page.lesson_title.text() == "分数的初步认识"


def test_search_says_when_nothing_is_found_and_clearing_returns_to_the_tree(
    window: MainWindow, qtbot
) -> None:
    page = window.library_page
    type_query(qtbot, page, "物理化学")
    qtbot.waitUntil(lambda: page.left.currentWidget() is page.no_results)
    assert "没有找到" in page.no_results.text()
    page.search_box.clear()
    qtbot.waitUntil(lambda: page.left.currentWidget() is page.tree)


def test_play_button_hands_the_video_to_the_player(window: MainWindow, qtbot) -> None:
    page = window.library_page
    type_query(qtbot, page, "fsdcbrs")
    qtbot.waitUntil(lambda: page.results.count() > 0)
    page.results.itemClicked.emit(page.results.item(0))
    assert page.play_button.isEnabled()
    with qtbot.waitSignal(page.play_requested) as blocker:
        qtbot.mouseClick(page.play_button, Qt.MouseButton.LeftButton)
    resource, lesson = blocker.args
    assert resource["role"] == "video" and resource["subtitles"] and lesson == "分数的初步认识"


def test_settings_show_where_data_lives_and_who_is_trusted(window: MainWindow, qtbot) -> None:
    window.show_page("settings")
    page = window.settings_page
    assert window.stack.currentWidget() is page
    assert page.data_label.text().endswith("data")
    qtbot.waitUntil(lambda: "2 个资源包" in page.disk_label.text())
    assert "已用 3" in page.disk_label.text()  # 3xx KB of demo lessons
    assert page.publishers.item(0, 0).text() == "课包演示发布者"
