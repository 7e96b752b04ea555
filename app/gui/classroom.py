"""课堂模式: full screen, big controls, driven by a presenter remote or the keyboard.

A presenter remote sends PageUp/PageDown and B or "." (black screen); keyboards add
space and Esc. The lesson playlist for the class period plays in order. 打开直播课堂
plays a 专递课堂 lesson streamed from another school (a URL, the last few remembered).

    PageDown / →   next item            PageUp / ←   previous item
    Space          play / pause         B or .       black screen on / off
    Esc            leave classroom mode
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.gui.player_page import PlayerPage
from app.gui.style import big_button
from app.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QObject,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.settings import Settings, is_stream_url


@dataclass(frozen=True)
class PlaylistItem:
    resource: dict
    lesson_title: str


class BlackScreen(QWidget):
    """Covers the whole window; the class looks at the teacher, not the screen."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("black-screen")
        self.setStyleSheet("background: black;")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.hide()

    def cover(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()


class LiveClassDialog(QDialog):
    """The address of a live lesson: typed, or one of the last few, the latest first."""

    def __init__(self, recent: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Open a live class"))
        explain = QLabel(self.tr("The address of the live class, from the school that gives it:"))
        explain.setWordWrap(True)
        self.address = QComboBox()
        self.address.setObjectName("live-address")
        self.address.setEditable(True)
        self.address.addItems(recent)
        self.address.lineEdit().setPlaceholderText(self.tr("e.g. rtmp://live.example.cn/class"))
        self.address.setMinimumWidth(640)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(self.tr("Play"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("ok")
        cancel = buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.clicked.connect(self.submit)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.address)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def url(self) -> str:
        return self.address.currentText().strip()

    def submit(self) -> None:
        if is_stream_url(self.url()):
            self.accept()
        else:
            self.error.setText(
                self.tr(
                    "This is not the address of a live class: it starts with http://, "
                    "https://, rtmp:// or rtsp://."
                )
            )


class Classroom(QObject):
    """The classroom session on top of the main window's player page."""

    play_item = Signal(object)  # PlaylistItem: the window opens it in the player
    play_live = Signal(str)  # a live lesson's URL: the window plays it
    left = Signal()

    def __init__(self, window: QWidget, player: PlayerPage, data_dir: Path) -> None:
        super().__init__(window)
        self.window = window
        self.player = player
        self.data_dir = data_dir
        self.live_dialog: LiveClassDialog | None = None
        self.items: list[PlaylistItem] = []
        self.index = -1
        self.active = False
        self.black = BlackScreen(window)
        self._was_playing = False
        self.class_box = QComboBox()
        self.class_box.setObjectName("class")
        self.class_box.setToolTip(self.tr("Class (for the play log)"))
        self.list = QListWidget()
        self.list.setObjectName("playlist")
        self.list.setMinimumWidth(360)
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(lambda item: self.go(self.list.row(item)))
        self.live_button = big_button(self.tr("Open a live class…"))
        self.live_button.setObjectName("open-live")
        self.live_button.clicked.connect(self.ask_live_address)
        self._shortcuts = []
        for keys, action in (
            (("PgDown", "Right"), self.next),
            (("PgUp", "Left"), self.previous),
            (("Space",), self.player.toggle_pause),
            (("B", "."), self.toggle_black),
            (("Esc",), self.leave),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), window)
                shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
                shortcut.setEnabled(False)
                shortcut.activated.connect(action)
                self._shortcuts.append(shortcut)

    def set_classes(self, classes: list[str]) -> None:
        """The classes a teacher can say this period is for (from the roster)."""
        current = self.class_box.currentText()
        self.class_box.clear()
        self.class_box.addItems(classes or [self.tr("Unassigned class")])
        index = self.class_box.findText(current)
        self.class_box.setCurrentIndex(max(index, 0))

    def class_name(self) -> str:
        return self.class_box.currentText() or self.tr("Unassigned class")

    def add(self, item: PlaylistItem) -> None:
        self.items.append(item)
        title = item.resource["title"]
        label = (
            item.lesson_title if title == item.lesson_title else f"{item.lesson_title} · {title}"
        )
        self.list.addItem(QListWidgetItem(f"{len(self.items)}. {label}"))

    def clear(self) -> None:
        self.items.clear()
        self.list.clear()
        self.index = -1

    def enter(self) -> None:
        self.active = True
        self._set_keys(True)
        if self.items and self.index < 0:
            self.go(0)

    def leave(self) -> None:
        if self.black.isVisible():
            self.toggle_black()
        self.active = False
        self._set_keys(False)
        self.left.emit()

    def go(self, index: int) -> None:
        if not 0 <= index < len(self.items):
            return
        self.index = index
        self.list.setCurrentRow(index)
        self.play_item.emit(self.items[index])

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def ask_live_address(self) -> None:
        """打开直播课堂: ask for the address; the remote's keys rest while it is typed."""
        dialog = LiveClassDialog(Settings.load(self.data_dir).live_urls, self.window)
        dialog.accepted.connect(lambda: self._open_live(dialog.url()))
        dialog.finished.connect(lambda _result: self._set_keys(self.active))
        self._set_keys(False)
        self.live_dialog = dialog
        dialog.open()

    def _open_live(self, url: str) -> None:
        settings = Settings.load(self.data_dir)
        settings.live_urls = [url, *settings.live_urls]  # the latest first, a few kept
        settings.save(self.data_dir)
        self.index = -1  # not an item of the playlist
        self.list.clearSelection()
        self.play_live.emit(url)

    def _set_keys(self, on: bool) -> None:
        for s in self._shortcuts:
            s.setEnabled(on)

    def toggle_black(self) -> None:
        if self.black.isVisible():
            self.black.hide()
            if self._was_playing:
                self.player.toggle_pause()
        else:
            self._was_playing = self.player.state().value == "playing"
            if self._was_playing:
                self.player.toggle_pause()
            self.black.cover()
