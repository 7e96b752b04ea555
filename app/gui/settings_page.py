"""设置: where the data lives, how full the disk is, trusted publishers, language, player."""

from __future__ import annotations

from app.qt import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from app.settings import Settings
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

        self.settings = Settings.load(library.data_dir)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem("简体中文", "zh")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(self.language.findData(self.settings.language))
        self.player = QComboBox()
        self.player.setObjectName("player-backend")
        self.player.addItem(self.tr("Automatic (VLC if installed)"), "auto")
        self.player.addItem(self.tr("VLC"), "vlc")
        self.player.addItem(self.tr("Qt's own player"), "qt")
        self.player.setCurrentIndex(self.player.findData(self.settings.player))
        self.restart_note = QLabel()
        self.restart_note.setObjectName("restart-note")
        for combo in (self.language, self.player):
            combo.currentIndexChanged.connect(self._save)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Language")))
        row.addWidget(self.language)
        row.addWidget(QLabel(self.tr("Player")))
        row.addWidget(self.player)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.restart_note)
        self.refresh()

    def _save(self) -> None:
        self.settings.language = self.language.currentData()
        self.settings.player = self.player.currentData()
        self.settings.save(self.library.data_dir)
        self.restart_note.setText(self.tr("Saved. It takes effect when Kebao is opened again."))

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
