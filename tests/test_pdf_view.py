"""课件: the demo's real courseware PDF inside the app (QtPdf, offscreen); other documents
go to the system's viewer under a name with their extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import i18n
from app.demo import ensure_demo
from app.gui.pdf_view import NoViewer, PdfUnreadable, PdfView, open_courseware, open_outside
from app.gui.style import BIG
from app.qt import QApplication, QDesktopServices, QImage, QObject, Qt, QUrl, QWidget, Slot
from media.library import Library


@pytest.fixture
def library(tmp_path: Path):
    i18n.install(QApplication.instance(), "zh")
    library = Library(tmp_path / "data")
    assert ensure_demo(library)
    yield library
    library.close()


@pytest.fixture
def courseware(library: Library) -> dict:
    """The 课件 of the demo's lesson 分数的初步认识, as the lesson page lists it."""
    hit = library.catalog.search("fsdcbrs")[0]
    rows = library.catalog.resources(hit.lesson_id)
    return next(r for r in rows if r["role"] == "courseware")


class SystemViewer(QObject):
    """Qt's own hook for `file:` URLs, standing in for WPS or a PDF reader."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[Path] = []
        QDesktopServices.setUrlHandler("file", self, "open")

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(Path(url.toLocalFile()))

    def close(self) -> None:
        QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def system_viewer():
    viewer = SystemViewer()
    yield viewer
    viewer.close()


def inked(widget: QWidget) -> tuple[float, bytes]:
    """The share of the widget's pixels that are not white or grey, and the pixels."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    data = bytes(image.constBits())[: image.bytesPerLine() * image.height()]
    blue, green, red = data[0::4], data[1::4], data[2::4]
    ink = sum(
        1
        for r, g, b in zip(red, green, blue, strict=True)
        if max(r, g, b) - min(r, g, b) > 30 or max(r, g, b) < 100
    )
    return ink / max(1, len(blue)), data


def test_a_courseware_pdf_opens_inside_and_turns_pages(qtbot, library, courseware) -> None:
    views: list[PdfView] = []

    def make_view() -> PdfView:
        """Made on first use, then the same one (as the window keeps its page)."""
        if not views:
            views.append(PdfView())
            qtbot.addWidget(views[0])
        return views[0]

    view = open_courseware(courseware, library.store, make_view)
    assert view is views[0]
    assert view.path is not None and view.path.suffix == ".pdf"
    assert view.title.text() == courseware["title"] == "课件 分数的初步认识"
    view.resize(1000, 700)
    view.show()
    assert view.page_count() >= 2
    assert view.page() == 0 and view.page_label.text() == f"第 1 / {view.page_count()} 页"
    for button in (view.previous_button, view.next_button, view.back_button):
        assert button.height() >= BIG  # touchable from the front of the class
    assert not view.previous_button.isEnabled() and view.next_button.isEnabled()

    # The page is drawn (in a background thread): the slide's coloured title band and text.
    qtbot.waitUntil(lambda: inked(view.view)[0] > 0.05, timeout=10_000)
    first = inked(view.view)[1]

    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    assert view.page() == 1 and view.page_label.text() == f"第 2 / {view.page_count()} 页"
    qtbot.waitUntil(
        lambda: inked(view.view)[0] > 0.02 and inked(view.view)[1] != first, timeout=10_000
    )
    qtbot.mouseClick(view.previous_button, Qt.MouseButton.LeftButton)
    assert view.page() == 0

    # A presenter remote: PageDown/PageUp (and the arrows) wherever the focus is in the view.
    last = view.page_count() - 1
    for _ in range(last + 2):
        qtbot.keyClick(view.view, Qt.Key.Key_PageDown)
    assert view.page() == last and not view.next_button.isEnabled()
    qtbot.keyClick(view.view, Qt.Key.Key_PageUp)
    assert view.page() == last - 1
    qtbot.keyClick(view.next_button, Qt.Key.Key_Right)
    assert view.page() == last
    qtbot.keyClick(view.view, Qt.Key.Key_Left)
    assert view.page() == last - 1

    qtbot.mouseClick(view.whole_page_button, Qt.MouseButton.LeftButton)
    assert view.view.zoomMode() is view.view.ZoomMode.FitInView
    qtbot.mouseClick(view.whole_page_button, Qt.MouseButton.LeftButton)
    assert view.view.zoomMode() is view.view.ZoomMode.FitToWidth

    # Opening it again (or another courseware) starts at its first page.
    assert open_courseware(courseware, library.store, make_view) is view
    assert view.page() == 0
    with qtbot.waitSignal(view.closed):
        qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)


def test_other_documents_open_in_the_system_viewer_with_their_extension(
    library, courseware, system_viewer
) -> None:
    slides = {**courseware, "name": "第八单元 课件.PPTX", "title": "课件"}
    opened = open_courseware(slides, library.store, lambda: pytest.fail("no PdfView for PPTX"))
    assert opened is None
    [path] = system_viewer.opened
    assert path.suffix == ".pptx"  # the viewer picks its program by the extension
    assert path.read_bytes() == library.store.path(courseware["sha256"]).read_bytes()


def test_a_pdf_can_also_go_to_another_program(qtbot, library, courseware, system_viewer) -> None:
    view = PdfView()
    qtbot.addWidget(view)
    open_courseware(courseware, library.store, lambda: view)
    qtbot.mouseClick(view.outside_button, Qt.MouseButton.LeftButton)
    assert [p.suffix for p in system_viewer.opened] == [".pdf"]
    assert not view.message.isVisibleTo(view)


def test_without_a_viewer_program_the_sentence_says_what_to_install(
    qtbot, library, courseware, tmp_path
) -> None:
    # Offscreen Qt has no desktop to open files with, like a PC with no office suite.
    document = tmp_path / "教学设计.docx"
    document.write_bytes(b"PK\x03\x04")
    with pytest.raises(NoViewer) as caught:
        open_outside(document)
    assert str(caught.value) == "没有能打开 .docx 文件的程序；请安装 WPS Office 或其他办公软件"
    view = PdfView()
    qtbot.addWidget(view)
    open_courseware(courseware, library.store, lambda: view)
    qtbot.mouseClick(view.outside_button, Qt.MouseButton.LeftButton)
    assert view.message.isVisibleTo(view) and "WPS" in view.message.text()


def test_a_damaged_pdf_is_one_clear_sentence(qtbot, tmp_path) -> None:
    damaged = tmp_path / "坏.pdf"
    damaged.write_bytes(b"%PDF-1.4\n% cut off by a pulled USB drive")
    view = PdfView()
    qtbot.addWidget(view)
    with pytest.raises(PdfUnreadable) as caught:
        view.open(damaged, "坏")
    assert str(caught.value) == "无法打开这个 PDF 课件：文件已损坏或不是 PDF"
    assert view.page_count() == 0 and view.page_label.text() == ""
    assert not view.next_button.isEnabled() and not view.previous_button.isEnabled()
