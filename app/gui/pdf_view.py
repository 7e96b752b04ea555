"""课件: courseware PDFs open inside Kebao; other documents in the system's own viewer.

    view = open_courseware(resource, library.store, make_pdf_view)
    if view is not None:
        stack.setCurrentWidget(view)  # a PDF, shown inside; else the system viewer has it

A PDF is shown a page at a time, fitted to the width, with big page buttons for a touch
screen and PageUp/PageDown for a presenter remote. PPT/PPTX/DOC/DOCX (and PDFs when QtPdf
is not installed) go to the program the system opens that kind of file with (WPS, Office,
LibreOffice), which needs the file under a name with its extension: blobs have none.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.gui.style import big_button
from app.qt import (
    HAS_PDF,
    QDesktopServices,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPointF,
    QShortcut,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from media.errors import KebaoError
from media.store import BlobStore

if HAS_PDF:
    from app.qt import QPdfDocument, QPdfView


class NoViewer(KebaoError):
    zh = "没有能打开 {suffix} 文件的程序；请安装 WPS Office 或其他办公软件"
    en = "No program here can open {suffix} files; install WPS Office or another office suite"


class PdfUnreadable(KebaoError):
    zh = "无法打开这个 PDF 课件：文件已损坏或不是 PDF"
    en = "Cannot open this PDF: the file is damaged or is not a PDF"


def document_path(resource: dict, store: BlobStore) -> Path:
    """The resource's blob under a name ending in its own extension (".pdf", ".pptx")."""
    return store.named(resource["sha256"], Path(resource["name"]).suffix)


def opens_inside(path: Path) -> bool:
    """True for a PDF when QtPdf is installed: Kebao shows it itself."""
    return HAS_PDF and path.suffix.lower() == ".pdf"


def open_outside(path: Path) -> None:
    """Hand the file to the system's viewer for its type; NoViewer when there is none."""
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        raise NoViewer(suffix=path.suffix.lower() or path.name)


def open_courseware(
    resource: dict, store: BlobStore, pdf_view: Callable[[], PdfView]
) -> PdfView | None:
    """Open a courseware resource: the view showing it, or None when the system viewer has it.

    `pdf_view` gives the page's PdfView (made on first use). Raises NoViewer, or
    PdfUnreadable for a PDF that QtPdf cannot read.
    """
    path = document_path(resource, store)
    if not opens_inside(path):
        open_outside(path)
        return None
    view = pdf_view()
    view.open(path, resource["title"])
    return view


class PdfView(QWidget):
    """One PDF, a page at a time. Emits `closed` when the teacher taps 返回."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.SinglePage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.pageNavigator().currentPageChanged.connect(lambda _page: self._update())

        self.title = QLabel()
        self.title.setObjectName("lesson-title")
        self.back_button = big_button(self.tr("Back"))
        self.back_button.setObjectName("pdf-back")
        self.back_button.clicked.connect(self.closed.emit)
        self.previous_button = big_button(self.tr("Previous page"))
        self.previous_button.setObjectName("pdf-previous")
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button = big_button(self.tr("Next page"))
        self.next_button.setObjectName("pdf-next")
        self.next_button.clicked.connect(self.next_page)
        self.page_label = QLabel()
        self.page_label.setObjectName("pdf-page")
        self.whole_page_button = big_button(self.tr("Whole page"))
        self.whole_page_button.setObjectName("pdf-whole-page")
        self.whole_page_button.setCheckable(True)
        self.whole_page_button.toggled.connect(self._whole_page)
        self.outside_button = big_button(self.tr("Open in another program"))
        self.outside_button.setObjectName("pdf-outside")
        self.outside_button.clicked.connect(self._open_outside)
        self.message = QLabel()
        self.message.setObjectName("pdf-message")
        self.message.setWordWrap(True)
        self.message.hide()

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.outside_button)
        pages = QHBoxLayout()
        pages.addWidget(self.previous_button)
        pages.addStretch(1)
        pages.addWidget(self.page_label)
        pages.addStretch(1)
        pages.addWidget(self.whole_page_button)
        pages.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addLayout(pages)

        # Presenter remotes send PageUp/PageDown; the arrows do the same on a keyboard
        # (as in classroom mode).
        for key, action in (
            ("PgDown", self.next_page),
            ("Right", self.next_page),
            ("PgUp", self.previous_page),
            ("Left", self.previous_page),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
        self._update()

    def open(self, path: Path, title: str) -> None:
        """Show the PDF at `path` from its first page; PdfUnreadable when it cannot be read."""
        self.document.close()
        self.path = path
        self.title.setText(title)
        self.message.hide()
        if self.document.load(str(path)) is not QPdfDocument.Error.None_:
            self._update()
            raise PdfUnreadable()
        self.go_to(0)
        self.view.setFocus()

    def page(self) -> int:
        """The page shown, counted from 0."""
        return self.view.pageNavigator().currentPage()

    def page_count(self) -> int:
        return self.document.pageCount()

    def go_to(self, page: int) -> None:
        """Show `page` (from 0, clamped to the document) from its top."""
        page = max(0, min(page, self.page_count() - 1))
        navigator = self.view.pageNavigator()
        navigator.jump(page, QPointF(), navigator.currentZoom())
        self._update()

    def next_page(self) -> None:
        self.go_to(self.page() + 1)

    def previous_page(self) -> None:
        self.go_to(self.page() - 1)

    def _update(self) -> None:
        count = self.page_count()
        self.page_label.setText(
            self.tr("Page {0} of {1}").format(self.page() + 1, count) if count else ""
        )
        self.previous_button.setEnabled(count > 0 and self.page() > 0)
        self.next_button.setEnabled(self.page() < count - 1)

    def _whole_page(self, on: bool) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView if on else QPdfView.ZoomMode.FitToWidth)

    def _open_outside(self) -> None:
        if self.path is None:
            return
        try:
            open_outside(self.path)
        except NoViewer as err:
            self.message.setText(str(err))
            self.message.show()
