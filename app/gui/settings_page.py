"""设置: where the data lives, how full the disk is, trusted publishers, language, player."""

from __future__ import annotations

from pathlib import Path

from app.gui.style import big_button
from app.qt import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from app.settings import Settings
from app.tasks import Background
from media.disk import human_size
from media.errors import KebaoError
from media.library import Library
from media.signature import PublicKey


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
        header = self.publishers.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.publishers.verticalHeader().hide()
        self.publishers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.publishers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.publishers.currentCellChanged.connect(
            lambda row, *_: self.remove_button.setEnabled(row >= 0)
        )
        self.add_button = big_button(self.tr("Trust a publisher…"))
        self.add_button.setObjectName("add-publisher")
        self.add_button.clicked.connect(self._choose_key_file)
        self.remove_button = big_button(self.tr("Stop trusting"))
        self.remove_button.setObjectName("remove-publisher")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self._confirm_remove)
        self.trust_message = QLabel()
        self.trust_message.setObjectName("trust-message")
        self.trust_message.setWordWrap(True)
        self.confirm_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Data folder")))
        layout.addWidget(self.data_label)
        layout.addWidget(self.disk_label)
        layout.addWidget(QLabel(self.tr("Trusted publishers")))
        layout.addWidget(self.publishers, 1)
        trust_row = QHBoxLayout()
        trust_row.addWidget(self.trust_message, 1)
        trust_row.addWidget(self.add_button)
        trust_row.addWidget(self.remove_button)
        layout.addLayout(trust_row)

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

    # -- trusted publishers ------------------------------------------------------------

    def _choose_key_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Publisher key"), "", self.tr("Publisher keys (*.pub)")
        )
        if path:
            self.trust_key_file(Path(path))

    def trust_key_file(self, path: Path) -> bool:
        """Trust the publisher key in `path` (a `.pub` from the county); False, with the
        reason shown, when it is not one or the library is busy."""
        try:
            key = PublicKey.from_file(path)
            with self.library.writing():
                added = self.library.trust.add(key)
        except KebaoError as e:
            self.trust_message.setText(str(e))
            return False
        self.trust_message.setText(
            (self.tr("Now trusting {0}.") if added else self.tr("{0} was already trusted.")).format(
                key.name
            )
        )
        self.refresh()
        return True

    def _confirm_remove(self) -> None:
        row = self.publishers.currentRow()
        keys = self.library.trust.keys()
        if not 0 <= row < len(keys):
            return
        key = keys[row]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Stop trusting"),
            self.tr(
                "Stop trusting {0}? Its packages stay installed, but new ones from it "
                "will be refused."
            ).format(key.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Stop trusting"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Cancel"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(
            lambda result: (
                self.untrust(key.key_id) if result == QMessageBox.StandardButton.Yes else None
            )
        )
        self.confirm_box = box
        box.open()

    def untrust(self, key_id: str) -> bool:
        try:
            with self.library.writing():
                key = self.library.trust.remove(key_id)
        except KebaoError as e:
            self.trust_message.setText(str(e))
            return False
        self.trust_message.setText(self.tr("No longer trusting {0}.").format(key.name))
        self.refresh()
        return True

    def _show_status(self, status: dict) -> None:
        self.disk_label.setText(
            self.tr("{packages} packages, {used} used, {free} free").format(
                packages=status["packages"],
                used=human_size(status["bytes_used"]),
                free=human_size(status["bytes_free"]),
            )
        )
