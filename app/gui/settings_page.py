"""设置: where the data lives, how full the disk is, trusted publishers, language, player;
sharing packages on the school's LAN (and the other sharing PCs' addresses); whether the
link is metered."""

from __future__ import annotations

import re
from pathlib import Path

from app.gui.style import big_button
from app.lan_share import ShareProcess, ShareState, Sharing
from app.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.settings import Settings
from app.tasks import Background
from media.disk import human_size
from media.errors import KebaoError
from media.library import Library
from media.signature import PublicKey
from sync.peers import normalise

_ADDRESS_SEPARATORS = re.compile(r"[\s,，;；、]+")
# Sharing resumes this long after start-up: the window opens first, then a child (a
# Python start, ~0.5 s of CPU on a 2-core PC) begins.
SHARE_AGAIN_AFTER_MS = 3_000


class SettingsPage(QWidget):
    """Emits `network_changed` when the metered choice changed (the scheduler asks again)."""

    network_changed = Signal()

    def __init__(
        self, library: Library, share: ShareProcess, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.share = share
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
        self.settings = Settings.load(library.data_dir)
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
        layout.addWidget(self._lan_group())
        self.refresh()
        share.changed.connect(self.show_share)
        self.show_share(share.state)
        if self.settings.share_on_lan:  # as it was when Kebao was closed
            QTimer.singleShot(SHARE_AGAIN_AFTER_MS, share, share.start)

    def _lan_group(self) -> QGroupBox:
        """局域网共享 and the link: how this PC gets packages and gives them to the others."""
        self.share_switch = QCheckBox(self.tr("Share packages on the school's LAN"))
        self.share_switch.setObjectName("share-switch")
        self.share_switch.setChecked(self.settings.share_on_lan)
        self.share_switch.toggled.connect(self.set_sharing)
        self.share_state = QLabel()
        self.share_state.setObjectName("share-state")
        self.share_state.setWordWrap(True)
        self.share_state.setTextInteractionFlags(
            self.share_state.textInteractionFlags() | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.peers_field = QLineEdit(", ".join(self.settings.peers))
        self.peers_field.setObjectName("peers")
        self.peers_field.setPlaceholderText(
            self.tr("e.g. 192.168.1.20, several separated by commas")
        )
        self.peers_field.returnPressed.connect(self.save_peers)
        self.save_peers_button = QPushButton(self.tr("Save"))
        self.save_peers_button.setObjectName("save-peers")
        self.save_peers_button.clicked.connect(self.save_peers)
        self.peers_message = QLabel()
        self.peers_message.setObjectName("peers-message")
        self.peers_message.setWordWrap(True)
        self.peers_message.hide()  # until there is something to say
        self.metered = QComboBox()
        self.metered.setObjectName("metered")
        self.metered.addItem(self.tr("Detect automatically"), "auto")
        self.metered.addItem(self.tr("Yes"), "yes")
        self.metered.addItem(self.tr("No"), "no")
        self.metered.setCurrentIndex(self.metered.findData(self.settings.metered))
        self.metered.currentIndexChanged.connect(self._save_metered)
        peers_row = QHBoxLayout()
        peers_row.addWidget(QLabel(self.tr("Other sharing PCs")))
        peers_row.addWidget(self.peers_field, 1)
        peers_row.addWidget(self.save_peers_button)
        metered_row = QHBoxLayout()
        metered_row.addWidget(QLabel(self.tr("Metered network (such as a phone hotspot)")))
        metered_row.addWidget(self.metered)
        metered_row.addStretch(1)
        group = QGroupBox(self.tr("LAN sharing and network"))
        box = QVBoxLayout(group)
        box.addWidget(self.share_switch)
        box.addWidget(self.share_state)
        box.addLayout(peers_row)
        box.addWidget(self.peers_message)
        box.addLayout(metered_row)
        return group

    def _change(self, **fields: object) -> None:
        """Save these fields over the file as it is now (下载 and 课堂 save theirs too)."""
        settings = Settings.load(self.library.data_dir)
        for name, value in fields.items():
            setattr(settings, name, value)
        settings.save(self.library.data_dir)
        self.settings = settings

    def _save(self) -> None:
        self._change(language=self.language.currentData(), player=self.player.currentData())
        self.restart_note.setText(self.tr("Saved. It takes effect when Kebao is opened again."))

    def _save_metered(self) -> None:
        self._change(metered=self.metered.currentData())
        self.network_changed.emit()

    # -- sharing on the LAN ----------------------------------------------------------------

    def set_sharing(self, on: bool) -> None:
        """The switch: share this PC's packages now and at every start, or stop."""
        self._change(share_on_lan=on)
        if on:
            self.share.start()
        else:
            self.share.stop()

    def show_share(self, state: ShareState) -> None:
        if state.sharing is Sharing.ON:
            self.share_state.setText(
                self.tr("Sharing. Address of this PC for the others: {0}").format(state.address)
            )
        elif state.sharing is Sharing.STARTING:
            self.share_state.setText(self.tr("Starting to share…"))
        elif state.sharing is Sharing.FAILED:
            self.share_state.setText(state.error)
        else:
            self.share_state.setText(
                self.tr("Not sharing. Other PCs download from the county hub or their own drives.")
            )

    def save_peers(self) -> bool:
        """The typed addresses, checked: all saved, or none (with the reason shown)."""
        typed = [a for a in _ADDRESS_SEPARATORS.split(self.peers_field.text()) if a]
        try:
            peers = list(dict.fromkeys(normalise(a) for a in typed))
        except KebaoError as e:
            self.peers_message.setText(str(e))
            self.peers_message.show()
            return False
        self._change(peers=peers)
        self.peers_field.setText(", ".join(peers))
        self.peers_message.setText(
            self.tr("Saved. Packages are fetched from these PCs before the hub.")
            if peers
            else self.tr("Saved. Only PCs found on the LAN are asked.")
        )
        self.peers_message.show()
        return True

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
