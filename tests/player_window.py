"""Plays a video in a real X11 window through `VlcEngine` and measures what is on screen.

Run by `tests/test_player.py` against its own Xvfb, the way the GUI embeds the engine: a
black QWidget's native window handle, libvlc's events marshalled to the GUI thread by a
queued Qt signal. Prints one JSON line:

    $ DISPLAY=:7 QT_QPA_PLATFORM=xcb python tests/player_window.py lesson.mp4
    {"first_frame_s": 0.05, "played_ms": 1002, "before": {...}, "during": {...}}

`before`/`during` describe the window's area on the screen before `play()` and after the
first frame plus about a second of playback: share of non-black pixels, mean brightness
(0–255) and the number of distinct coarse colours.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media.player import EventKind, PlayerEvent, VlcEngine

WIDTH, HEIGHT = 320, 240
PLAY_FOR_MS = 1000
TIMEOUT_MS = 30_000


def picture(widget: QWidget) -> dict[str, float]:
    """What the screen shows where the widget is (XGetImage of the root window)."""
    corner = widget.mapToGlobal(QPoint(0, 0))
    screen = QGuiApplication.primaryScreen()
    image = screen.grabWindow(0, corner.x(), corner.y(), WIDTH, HEIGHT).toImage()
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    data = bytes(image.constBits())[: image.bytesPerLine() * image.height()]
    blue, green, red = data[0::4], data[1::4], data[2::4]
    pixels = len(blue)
    nonblack = sum(1 for r, g, b in zip(red, green, blue, strict=True) if max(r, g, b) > 40)
    colours = {(r >> 6, g >> 6, b >> 6) for r, g, b in zip(red, green, blue, strict=True)}
    return {
        "nonblack": round(nonblack / pixels, 3),
        "mean": round((sum(red) + sum(green) + sum(blue)) / (3 * pixels), 1),
        "colours": len(colours),
    }


class Watcher(QObject):
    """Lives on the GUI thread; libvlc's threads only emit `event` (a queued connection)."""

    event = Signal(object)

    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.started = time.perf_counter()
        self.first_frame_s: float | None = None
        self.first_time: int | None = None
        self.last_time = 0
        self.problem = ""
        self.event.connect(self.on_event)

    @Slot(object)
    def on_event(self, event: PlayerEvent) -> None:
        if event.kind is EventKind.FIRST_FRAME:
            self.first_frame_s = time.perf_counter() - self.started
        elif event.kind is EventKind.TIME and self.first_frame_s is not None:
            self.last_time = event.value
            if self.first_time is None:
                self.first_time = event.value
            elif event.value - self.first_time >= PLAY_FOR_MS:
                self.loop.quit()
        elif event.kind in (EventKind.ERROR, EventKind.ENDED):
            self.problem = f"{event.kind}: {event.message}"
            self.loop.quit()


def main(video: Path) -> None:
    app = QApplication([sys.argv[0]])
    widget = QWidget()
    widget.setWindowTitle("Kebao player test")
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(Qt.GlobalColor.black))
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)
    widget.setGeometry(200, 150, WIDTH, HEIGHT)  # away from (0, 0), where a stray window would go
    widget.show()
    settle = QEventLoop()
    QTimer.singleShot(500, settle.quit)
    settle.exec()
    before = picture(widget)

    loop = QEventLoop()
    watcher = Watcher(loop)
    engine = VlcEngine(watcher.event.emit, options=("--aout=dummy",))
    engine.attach(int(widget.winId()))
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    watcher.started = time.perf_counter()
    engine.load(video)
    engine.play()
    loop.exec()
    during = picture(widget)
    engine.release()
    played = watcher.last_time - (watcher.first_time or 0)
    print(
        json.dumps(
            {
                "first_frame_s": watcher.first_frame_s,
                "played_ms": played,
                "problem": watcher.problem,
                "before": before,
                "during": during,
            }
        )
    )
    app.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
