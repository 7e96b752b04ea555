"""课堂模式: full screen, big controls, driven by a presenter remote or the keyboard.

A presenter remote sends PageUp/PageDown and B or "." (black screen); keyboards add
space and Esc. The lesson playlist for the class period plays in order.

    PageDown / →   next item            PageUp / ←   previous item
    Space          play / pause         B or .       black screen on / off
    Esc            leave classroom mode
"""

from __future__ import annotations

from dataclasses import dataclass

from app.gui.player_page import PlayerPage
from app.qt import (
    QComboBox,
    QKeySequence,
    QListWidget,
    QListWidgetItem,
    QObject,
    QShortcut,
    Qt,
    QWidget,
    Signal,
)


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


class Classroom(QObject):
    """The classroom session on top of the main window's player page."""

    play_item = Signal(object)  # PlaylistItem: the window opens it in the player
    left = Signal()

    def __init__(self, window: QWidget, player: PlayerPage) -> None:
        super().__init__(window)
        self.window = window
        self.player = player
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
        for s in self._shortcuts:
            s.setEnabled(True)
        if self.items and self.index < 0:
            self.go(0)

    def leave(self) -> None:
        if self.black.isVisible():
            self.toggle_black()
        self.active = False
        for s in self._shortcuts:
            s.setEnabled(False)
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
