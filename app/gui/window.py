"""The main window: a column of big page buttons on the left, the page on the right."""

from __future__ import annotations

from app.gui.drives_page import DrivesPage
from app.gui.library_page import LibraryPage
from app.gui.settings_page import SettingsPage
from app.qt import QHBoxLayout, QMainWindow, QPushButton, QStackedWidget, QVBoxLayout, QWidget
from media.library import Library


class MainWindow(QMainWindow):
    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.setWindowTitle(self.tr("Kebao"))
        self.resize(1280, 800)

        self.library_page = LibraryPage(library.data_dir / "catalog.db")
        self.drives_page = DrivesPage(library)
        self.drives_page.library_changed.connect(self.refresh)
        self.settings_page = SettingsPage(library)
        self.stack = QStackedWidget()
        self.nav: dict[str, QPushButton] = {}
        nav = QVBoxLayout()
        for key, label, page in (
            ("library", self.tr("Library"), self.library_page),
            ("drives", self.tr("USB drive"), self.drives_page),
            ("settings", self.tr("Settings"), self.settings_page),
        ):
            button = QPushButton(label)
            button.setObjectName("nav")
            button.setCheckable(True)
            button.setAutoExclusive(True)
            button.clicked.connect(lambda _=False, p=page: self.stack.setCurrentWidget(p))
            nav.addWidget(button)
            self.nav[key] = button
            self.stack.addWidget(page)
        nav.addStretch(1)
        self.nav["library"].setChecked(True)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addLayout(nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def show_page(self, key: str) -> None:
        self.nav[key].click()

    def refresh(self) -> None:
        """After the library changed (import, removal): reload what the pages show."""
        self.library_page.reload()
        self.settings_page.refresh()

    def closeEvent(self, event: object) -> None:
        self.library_page.close_catalogs()
        super().closeEvent(event)
