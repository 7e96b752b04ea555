"""设置: where the data lives, how full the disk is, which publishers are trusted."""

from __future__ import annotations

from app.qt import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget
from app.tasks import Background
from media.disk import human_size
from media.library import Library


class SettingsPage(QWidget):
    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.data_label = QLabel()
        self.data_label.setObjectName("data-folder")
        self.data_label.setWordWrap(True)
        self.disk_label = QLabel()
        self.disk_label.setObjectName("disk-use")
        self.publishers = QTableWidget(0, 2)
        self.publishers.setObjectName("publishers")
        self.publishers.setHorizontalHeaderLabels([self.tr("Publisher"), self.tr("Key id")])
        self.publishers.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.publishers.verticalHeader().hide()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Data folder")))
        layout.addWidget(self.data_label)
        layout.addWidget(self.disk_label)
        layout.addWidget(QLabel(self.tr("Trusted publishers")))
        layout.addWidget(self.publishers, 1)
        self.refresh()

    def refresh(self) -> None:
        """Disk use walks every blob: done in the background with a library of its own."""
        data_dir = self.library.data_dir
        self.data_label.setText(str(data_dir))

        def work(_job: object) -> dict:
            with Library(data_dir) as library:
                return library.status()

        Background(work).on_success(self._show_status).start()
        keys = self.library.trust.keys()
        self.publishers.setRowCount(len(keys))
        for row, key in enumerate(keys):
            self.publishers.setItem(row, 0, QTableWidgetItem(key.name))
            self.publishers.setItem(row, 1, QTableWidgetItem(key.key_id))

    def _show_status(self, status: dict) -> None:
        self.disk_label.setText(
            self.tr("{packages} packages, {used} used, {free} free").format(
                packages=status["packages"],
                used=human_size(status["bytes_used"]),
                free=human_size(status["bytes_free"]),
            )
        )
