"""播放器: a lesson video embedded in the window, with big touch controls.

libvlc (media.player.VlcEngine) draws into `VideoSurface`'s native window; Qt's own
player (app.player_qt.QtEngine), which stands in when VLC is missing, brings a widget of
its own. Engine events arrive on the engines' threads and are marshalled to the GUI
thread by a queued signal; the page calls the engine only from the GUI thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from app.gui.style import BIG, big_button
from app.player_backend import Engine, backend_notice, make_engine
from app.qt import (
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QObject,
    QPalette,
    QSlider,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from media.errors import KebaoError
from media.player import EventKind, PlayerEvent, PlayerState

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
CLASSROOM_STYLE = """
QPushButton, QComboBox { min-height: 80px; font-size: 24pt; }
QLabel { font-size: 24pt; }
QSlider { min-height: 64px; }
QListWidget { font-size: 20pt; }
"""
EngineFactory = Callable[[Callable[[PlayerEvent], None]], Engine]


def clock(ms: int) -> str:
    s = max(ms, 0) // 1000
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


class _Bridge(QObject):
    """Carries engine events from libvlc's threads to the GUI thread (queued)."""

    event = Signal(object)


class VideoSurface(QWidget):
    """A black native window libvlc draws into."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
        self.setPalette(palette)
        self.setMinimumSize(320, 180)


class PlayerPage(QWidget):
    """Emits every engine event (`event_seen`), and `streaming(bool)` when a lesson from
    the network starts or stops playing (the window pauses big transfers meanwhile)."""

    event_seen = Signal(object)  # every engine event, after the page handled it
    fullscreen_requested = Signal(bool)
    streaming = Signal(bool)

    def __init__(
        self, engine_factory: EngineFactory = make_engine, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = _Bridge(self)
        self._bridge.event.connect(self._on_event)
        self.engine: Engine | None = None
        self.is_streaming = False  # a URL is loaded, and has not stopped, ended or failed
        self._url_loaded = False
        self.unavailable = ""  # why nothing can play (what to install), shown on open
        bridge = self._bridge

        def notify(event: PlayerEvent) -> None:
            # On libvlc's thread. A last event can race the window closing; it is dropped.
            with contextlib.suppress(RuntimeError):
                bridge.event.emit(event)

        try:
            self.engine = engine_factory(notify)
        except KebaoError as e:
            self.unavailable = str(e)
        self._notice = backend_notice(self.engine)  # said once, on the first open
        own_video = getattr(self.engine, "video_widget", None)

        self.title = QLabel()
        self.title.setObjectName("player-title")
        self.surface = own_video() if own_video is not None else VideoSurface()
        self.message = QLabel(self.unavailable)
        self.message.setObjectName("player-message")
        self.message.setWordWrap(True)
        self.message.setVisible(bool(self.unavailable))

        self.play_button = big_button(self.tr("Play"))
        self.play_button.setObjectName("play-pause")
        self.play_button.clicked.connect(self.toggle_pause)
        self.back_button = big_button(self.tr("−10 s"))
        self.back_button.setObjectName("back")
        self.back_button.clicked.connect(lambda: self._engine_call(lambda e: e.skip(-10_000)))
        self.forward_button = big_button(self.tr("+10 s"))
        self.forward_button.setObjectName("forward")
        self.forward_button.clicked.connect(lambda: self._engine_call(lambda e: e.skip(10_000)))
        self.seek_bar = QSlider(Qt.Orientation.Horizontal)
        self.seek_bar.setObjectName("seek")
        self.seek_bar.setMinimumHeight(BIG // 2)
        self.seek_bar.sliderReleased.connect(
            lambda: self._engine_call(lambda e: e.seek(self.seek_bar.value()))
        )
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setObjectName("time")
        self.speed = QComboBox()
        self.speed.setObjectName("speed")
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(
            lambda _i: self._engine_call(lambda e: e.set_rate(self.speed.currentData()))
        )
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setObjectName("volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.volume.setMaximumWidth(160)
        self.volume.valueChanged.connect(lambda v: self._engine_call(lambda e: e.set_volume(v)))
        self.subtitles_button = big_button(self.tr("Subtitles on"))
        self.subtitles_button.setObjectName("subtitles")
        self.subtitles_button.setCheckable(True)
        self.subtitles_button.setChecked(True)
        self.subtitles_button.toggled.connect(self._toggle_subtitles)
        self.fullscreen_button = big_button(self.tr("Full screen"))
        self.fullscreen_button.setObjectName("fullscreen")
        self.fullscreen_button.setCheckable(True)
        self.fullscreen_button.toggled.connect(self.fullscreen_requested.emit)

        # Two groups of controls: side by side normally, on two rows at classroom size.
        transport = QWidget()
        tl = QHBoxLayout(transport)
        tl.setContentsMargins(0, 0, 0, 0)
        for w in (self.back_button, self.play_button, self.forward_button, self.time_label):
            tl.addWidget(w)
        tl.addStretch(1)
        settings = QWidget()
        sl = QHBoxLayout(settings)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addStretch(1)
        for w in (QLabel(self.tr("Speed")), self.speed, QLabel(self.tr("Volume")), self.volume,
                  self.subtitles_button, self.fullscreen_button):  # fmt: skip
            sl.addWidget(w)
        self.controls = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.controls.addWidget(transport)
        self.controls.addWidget(settings)
        self.middle = QHBoxLayout()
        self.middle.addWidget(self.surface, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addLayout(self.middle, 1)
        layout.addWidget(self.seek_bar)
        layout.addLayout(self.controls)
        self._attached = own_video is not None  # its widget is its window

    def set_classroom(self, on: bool) -> None:
        """Classroom size: controls readable and touchable from the back row."""
        self.setStyleSheet(CLASSROOM_STYLE if on else "")
        self.controls.setDirection(
            QBoxLayout.Direction.TopToBottom if on else QBoxLayout.Direction.LeftToRight
        )

    # -- commands --------------------------------------------------------------------

    def open(self, path: Path | str, title: str, subtitles: list[Path], start_ms: int = 0) -> bool:
        """Load and play a lesson video, or a live lesson's URL (a `str`); False (with
        the reason shown) when it cannot."""
        if self.engine is None:
            self.message.setText(self.unavailable)
            self.message.show()
            return False
        if not self._attached:
            self.engine.attach(int(self.surface.winId()))
            self._attached = True
        self.title.setText(title)
        self.message.setText(self._notice)
        self.message.setVisible(bool(self._notice))
        self._notice = ""
        self.engine.load(path, subtitles, start_ms=start_ms)
        self.engine.set_subtitles(self.subtitles_button.isChecked())
        self.engine.play()
        self._url_loaded = isinstance(path, str)
        self._set_streaming(self._url_loaded)  # before it connects: the line is its own
        return True

    def toggle_pause(self) -> None:
        self._engine_call(lambda e: e.toggle_pause())

    def _toggle_subtitles(self, on: bool) -> None:
        self.subtitles_button.setText(self.tr("Subtitles on") if on else self.tr("Subtitles off"))
        self._engine_call(lambda e: e.set_subtitles(on))

    def _engine_call(self, fn: Callable[[Engine], object]) -> None:
        if self.engine is not None:
            fn(self.engine)

    def position(self) -> int:
        return self.engine.time_ms() if self.engine else 0

    def state(self) -> PlayerState:
        return self.engine.state() if self.engine else PlayerState.ERROR

    def stop(self) -> None:
        self._engine_call(lambda e: e.stop())
        self._set_streaming(False)

    def release(self) -> None:
        if self.engine is not None:
            self.engine.release()
            self.engine = None
        self._set_streaming(False)

    def _set_streaming(self, on: bool) -> None:
        if on != self.is_streaming:
            self.is_streaming = on
            self.streaming.emit(on)

    # -- engine events, on the GUI thread ------------------------------------------------

    def _on_event(self, event: PlayerEvent) -> None:
        if event.kind in (EventKind.TIME, EventKind.LENGTH) and self.engine is not None:
            duration = self.engine.duration_ms()
            self.seek_bar.setRange(0, duration)
            if not self.seek_bar.isSliderDown():
                self.seek_bar.setValue(self.engine.time_ms())
            self.time_label.setText(f"{clock(self.engine.time_ms())} / {clock(duration)}")
        elif event.kind is EventKind.PLAYING:
            self.play_button.setText(self.tr("Pause"))
            self._set_streaming(self._url_loaded)  # played again after a stop or the end
        elif event.kind in (EventKind.PAUSED, EventKind.ENDED):
            self.play_button.setText(self.tr("Play"))
        elif event.kind is EventKind.ERROR:
            self.message.setText(event.message)
            self.message.show()
            self.play_button.setText(self.tr("Play"))
        if event.kind in (EventKind.ENDED, EventKind.ERROR):
            self._set_streaming(False)  # the line is free again
        self.event_seen.emit(event)
