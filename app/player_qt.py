"""The fallback player: Qt's own (QtMultimedia, FFmpeg inside), for PCs without VLC.

    engine = QtEngine(notify=bridge.event.emit)
    layout.addWidget(engine.video_widget())  # it owns its video widget; attach() does nothing
    engine.load(Path("第1课.mp4"), subtitles=[Path("第1课.srt")], start_ms=95_000)
    engine.play()

The same methods, states and events as `media.player.VlcEngine` (see its docstring), so
the player page drives either one. Differences, and why:

    * Video goes into a `QVideoWidget` this engine makes (`video_widget()`), not into a
      window handle: QtMultimedia renders through Qt, not into a foreign window.
    * QtMultimedia does not show external .srt files, so the engine parses them
      (`app.subtitles`) and shows the current cue in a label at the bottom of the video.
      The video widget is a native child window (a window container), so the label is a
      native window too, stacked above it; it is opaque, a black band behind white text.
    * `notify` is called on the GUI thread, but never from inside a QMediaPlayer signal:
      events are queued, so a `notify` that opens the next video (a class playlist) runs
      after QMediaPlayer has returned, as with libvlc's threads.
    * QMediaPlayer ignores a position set while the media is still loading, so a resume
      point is applied once the media has loaded, before playback starts.
    * QMediaPlayer reports the position every ~50 ms; TIME is sent every 250 ms or more,
      like libvlc's, while the subtitle label follows every report.

Formats are those of the FFmpeg built into Qt's wheel (6.11: MP4, MKV/WebM, AVI, FLV,
RealMedia, MPEG, WMV; not DivX 3 "msmpeg4v3"). VLC stays first: it is the path that is
measured (first frame, embedding), it decodes more, and it shows subtitles itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from app.qt import (
    HAS_MULTIMEDIA,
    QLabel,
    QMetaObject,
    QObject,
    QPalette,
    QResizeEvent,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.subtitles import Cue, read, text_at
from media.errors import KebaoError
from media.player import (
    SKIP_MS,
    EventKind,
    PlaybackFailed,
    PlayerEvent,
    PlayerState,
    clamp_position,
    clamp_rate,
    clamp_volume,
)

if HAS_MULTIMEDIA:
    from app.qt import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoWidget

TIME_STEP_MS = 250  # TIME events at most this often, as libvlc sends them
SUBTITLE_STYLE = "background: black; color: white; padding: 4px 16px;"  # opaque: see above


class QtPlayerUnavailable(KebaoError):
    zh = "Qt 自带播放器无法启动（缺少 QtMultimedia 或其 FFmpeg 组件）"
    en = "Qt's own player cannot start (QtMultimedia or its FFmpeg backend is missing)"


class VideoArea(QWidget):
    """The video, black where there is none, and the current subtitle over its bottom."""

    def __init__(self, video: QWidget) -> None:
        super().__init__()
        self.setMinimumSize(320, 180)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
        self.setPalette(palette)
        # QVideoWidget draws through a window container, whose video window goes to the
        # top-level window and covers any sibling; a native container keeps it inside,
        # under the subtitle (a native window too, raised above it).
        for container in video.findChildren(QWidget):
            container.winId()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(video)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setStyleSheet(SUBTITLE_STYLE)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)
        # The video is drawn in a native child window; only a native window shows above it.
        self.subtitle.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.subtitle.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.subtitle.hide()

    def show_subtitle(self, text: str) -> None:
        if text == self.subtitle.text() and self.subtitle.isVisibleTo(self) == bool(text):
            return
        self.subtitle.setText(text)
        self.subtitle.setVisible(bool(text))
        if text:
            self._place_subtitle()

    def _place_subtitle(self) -> None:
        # Readable from the back row: the text grows with the picture.
        font = self.subtitle.font()
        font.setPixelSize(max(16, self.height() // 16))
        self.subtitle.setFont(font)
        most = self.width() * 9 // 10
        width = min(most, self.subtitle.sizeHint().width())
        height = max(self.subtitle.heightForWidth(width), self.subtitle.sizeHint().height())
        self.subtitle.setGeometry(
            (self.width() - width) // 2, self.height() - height - self.height() // 20, width, height
        )
        self.subtitle.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.subtitle.isVisibleTo(self):
            self._place_subtitle()


class QtEngine(QObject):
    """One QMediaPlayer. Methods on the GUI thread; see the module docstring."""

    _event = Signal(object)

    def __init__(
        self, notify: Callable[[PlayerEvent], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        if not HAS_MULTIMEDIA:
            raise QtPlayerUnavailable()
        self._player = QMediaPlayer(self)
        if not self._player.isAvailable():  # no media backend plugin could be loaded
            raise QtPlayerUnavailable()
        self._audio = QAudioOutput(self)
        self._player.setAudioOutput(self._audio)
        self._output = QVideoWidget()
        self._player.setVideoOutput(self._output)
        self._video = VideoArea(self._output)
        self.notice = ""  # why this engine was chosen, said once by the page (player_backend)
        self._notify = notify
        self._released = False
        self._lock = threading.Lock()  # the snapshot, read from any thread
        self._state = PlayerState.IDLE
        self._time = 0
        self._duration = 0
        self._first_frame = False
        self._early_frame = False  # a picture came before PLAYING: FIRST_FRAME follows it
        self._sent_time = -TIME_STEP_MS
        self._path: Path | str | None = None
        self._start: int | None = None  # where the next play() starts, when not paused
        self._play_when_loaded = False
        self._cues: list[Cue] = []
        self._subtitles_on = True
        self._rate = 1.0
        self._volume = 100
        self._event.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._player.playbackStateChanged.connect(self._on_playback_state)
        self._player.mediaStatusChanged.connect(self._on_media_status)
        self._player.errorOccurred.connect(self._on_error)
        self._player.durationChanged.connect(self._on_duration)
        self._player.positionChanged.connect(self._on_position)
        # Queued: while stop() holds the GIL and waits for the video thread, that thread may
        # hand the sink a last (empty) frame; a direct call into Python would deadlock.
        self._output.videoSink().videoFrameChanged.connect(
            self._on_frame, Qt.ConnectionType.QueuedConnection
        )
        # The page owns the video widget once it shows it, and calls release() before it
        # goes; should it not, subtitles stop being drawn rather than raising. The slot
        # must not reach this object, which may be half torn down by then.
        self._video_gone = threading.Event()
        gone = self._video_gone
        self._video.destroyed.connect(lambda *_: gone.set())

    # -- called from the GUI thread -------------------------------------------------

    def video_widget(self) -> QWidget:
        """The widget the video is drawn in; put it where `VlcEngine` would be attached."""
        return self._video

    def attach(self, window_handle: int) -> None:
        """Nothing to do: this engine draws into its own `video_widget()`."""

    def load(self, path: Path | str, subtitles: Sequence[Path] = (), start_ms: int = 0) -> None:
        """Make `path` the current media, to start at `start_ms` on the next `play()`.
        A `str` is a URL (http(s), HLS, rtmp, rtsp): a lesson streamed from the network."""
        self._path = path
        self._cues = []
        for subtitle in subtitles[:1]:
            try:
                self._cues = read(subtitle)
            except OSError:
                self._cues = []  # a lesson plays without its subtitles rather than not at all
        self._quietly(self._player.stop)
        self._open(max(0, start_ms))

    def play(self) -> None:
        """Start, or resume after a pause; after the end or a stop, from the beginning."""
        if self._path is None:
            return
        state = self.state()
        if state in (PlayerState.PLAYING, PlayerState.OPENING):
            return
        if state is PlayerState.PAUSED:
            self._player.play()
            return
        if state is PlayerState.ERROR:
            self._open(self._start or 0)
        with self._lock:
            self._state, self._first_frame, self._early_frame = PlayerState.OPENING, False, False
            self._time = self._start or 0
        self._sent_time = -TIME_STEP_MS
        if self._player.mediaStatus() is QMediaPlayer.MediaStatus.LoadingMedia:
            self._play_when_loaded = True  # a position set now would be ignored
        else:
            self._start_playing()

    def pause(self) -> None:
        if self.state() is PlayerState.PLAYING:
            self._player.pause()

    def toggle_pause(self) -> None:
        """Space bar and the big play button: pause when playing, otherwise play."""
        if self.state() is PlayerState.PLAYING:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        """Stop and forget the position; `play()` starts the media from the beginning."""
        self._quietly(self._player.stop)
        self._start, self._play_when_loaded = None, False
        with self._lock:
            self._state, self._time, self._first_frame = PlayerState.IDLE, 0, False
        self._caption("")

    def seek(self, ms: int) -> None:
        """Go to `ms` (clamped to the media). After the end, playing resumes from there."""
        if self._path is None:
            return
        target = clamp_position(ms, self.duration_ms())
        state = self.state()
        started = state in (PlayerState.PLAYING, PlayerState.PAUSED, PlayerState.OPENING)
        if started and not self._play_when_loaded:
            self._player.setPosition(target)
        else:
            self._start = target  # not playing: the next play() starts there
        with self._lock:
            self._time = target
        self._show_subtitle(target)
        if state is PlayerState.ENDED:
            self.play()

    def skip(self, delta_ms: int = SKIP_MS) -> None:
        """The ±10 s buttons: `skip(-SKIP_MS)` goes back."""
        self.seek(self.time_ms() + delta_ms)

    def set_rate(self, rate: float) -> None:
        """Playback speed, clamped to 0.5×–2×; kept for the next media too."""
        self._rate = clamp_rate(rate)
        self._player.setPlaybackRate(self._rate)

    def rate(self) -> float:
        return self._rate

    def set_volume(self, volume: int) -> None:
        """0–100 (clamped); kept for the next media too."""
        self._volume = clamp_volume(volume)
        self._audio.setVolume(self._volume / 100)

    def volume(self) -> int:
        return self._volume

    def set_subtitles(self, on: bool) -> None:
        """Show or hide subtitles, at once; the choice also holds for the next `load()`."""
        self._subtitles_on = on
        self._show_subtitle(self.time_ms())

    def subtitles_on(self) -> bool:
        return self._subtitles_on

    def subtitle_tracks(self) -> list[int]:
        """[0] when the media has subtitles (this engine shows one .srt), else []."""
        return [0] if self._cues else []

    def subtitle_track(self) -> int | None:
        """0 while subtitles are shown, else None."""
        return 0 if self._cues and self._subtitles_on else None

    def subtitle_text(self) -> str:
        """The subtitle on screen now ("" when none)."""
        if self._video_gone.is_set():
            return ""
        return self._video.subtitle.text() if self._video.subtitle.isVisible() else ""

    def state(self) -> PlayerState:
        with self._lock:
            return self._state

    def time_ms(self) -> int:
        """The position last reported by QMediaPlayer (or last sought to)."""
        with self._lock:
            return self._time

    def duration_ms(self) -> int:
        """The media's length, 0 until QMediaPlayer knows it."""
        with self._lock:
            return self._duration

    def release(self) -> None:
        """Stop and let go of the media; no `notify` call happens after this returns."""
        if self._released:
            return
        self._released = True
        # Queued, so that the event loop makes the call with the GIL released: stopping
        # waits for FFmpeg's threads, and one of them may need the GIL meanwhile (its
        # objects' destructors ask PySide about Python overrides): called from Python
        # here, that is a deadlock. Events it causes are dropped (`_released`).
        self._player.blockSignals(True)
        QMetaObject.invokeMethod(self._player, "stop", Qt.ConnectionType.QueuedConnection)
        self._path, self._cues = None, []
        with self._lock:
            self._state, self._time, self._duration = PlayerState.IDLE, 0, 0

    def _open(self, start_ms: int) -> None:
        assert self._path is not None
        self._play_when_loaded = False
        path = self._path
        url = QUrl(path) if isinstance(path, str) else QUrl.fromLocalFile(str(path))
        # Cleared first: QMediaPlayer ignores setting the source it already has.
        self._quietly(lambda: (self._player.setSource(QUrl()), self._player.setSource(url)))
        self._player.setPlaybackRate(self._rate)
        self._audio.setVolume(self._volume / 100)
        self._start = start_ms
        with self._lock:
            self._state, self._time, self._first_frame = PlayerState.IDLE, start_ms, False
            self._duration = max(0, self._player.duration())
        self._show_subtitle(start_ms)

    def _start_playing(self) -> None:
        start, self._start = self._start, None
        if start:
            self._player.setPosition(start)
        elif self._player.mediaStatus() is QMediaPlayer.MediaStatus.EndOfMedia:
            self._player.setPosition(0)
        self._player.play()

    def _quietly(self, fn: Callable[[], object]) -> None:
        """The GUI's own stop and load send no events (as with libvlc)."""
        self._player.blockSignals(True)
        try:
            fn()
        finally:
            self._player.blockSignals(False)

    def _show_subtitle(self, ms: int) -> None:
        self._caption(text_at(self._cues, ms) if self._subtitles_on else "")

    def _caption(self, text: str) -> None:
        if not self._video_gone.is_set():
            self._video.show_subtitle(text)

    def _send(self, event: PlayerEvent) -> None:
        self._event.emit(event)

    def _deliver(self, event: PlayerEvent) -> None:
        if not self._released:
            self._notify(event)

    # -- QMediaPlayer's signals ------------------------------------------------------

    def _on_playback_state(self, state: QMediaPlayer.PlaybackState) -> None:
        if state is QMediaPlayer.PlaybackState.PlayingState:
            with self._lock:
                self._state = PlayerState.PLAYING
                first = self._early_frame and not self._first_frame
                self._first_frame |= first
            self._send(PlayerEvent(EventKind.PLAYING))
            if first:
                self._send(PlayerEvent(EventKind.FIRST_FRAME))
        elif state is QMediaPlayer.PlaybackState.PausedState:
            with self._lock:
                self._state = PlayerState.PAUSED
            self._send(PlayerEvent(EventKind.PAUSED))

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status is QMediaPlayer.MediaStatus.LoadedMedia and self._play_when_loaded:
            self._play_when_loaded = False
            self._start_playing()
        elif status is QMediaPlayer.MediaStatus.EndOfMedia:
            with self._lock:
                self._time = self._duration = max(self._duration, self._player.duration())
                self._state, end = PlayerState.ENDED, self._duration
            self._caption("")
            self._send(PlayerEvent(EventKind.ENDED, end))
        elif status is QMediaPlayer.MediaStatus.InvalidMedia:
            self._failed()

    def _on_error(self, error: QMediaPlayer.Error, _detail: str) -> None:
        if error is not QMediaPlayer.Error.NoError:
            self._failed()

    def _failed(self) -> None:
        self._play_when_loaded = False
        with self._lock:
            if self._state is PlayerState.ERROR:
                return  # errorOccurred and InvalidMedia both report one failure
            self._state = PlayerState.ERROR
        self._caption("")
        self._send(PlayerEvent(EventKind.ERROR, message=str(PlaybackFailed())))

    def _on_duration(self, ms: int) -> None:
        if ms <= 0:
            return
        with self._lock:
            self._duration = ms
        self._send(PlayerEvent(EventKind.LENGTH, ms))

    def _on_position(self, ms: int) -> None:
        with self._lock:
            if self._state not in (PlayerState.PLAYING, PlayerState.PAUSED):
                return  # the position of a stopped or ended player, or one about to seek
            self._time = ms
        self._show_subtitle(ms)
        if abs(ms - self._sent_time) >= TIME_STEP_MS:
            self._sent_time = ms
            self._send(PlayerEvent(EventKind.TIME, ms))

    def _on_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        with self._lock:
            if self._first_frame:
                return
            # Events keep libvlc's order: PLAYING, then FIRST_FRAME.
            self._early_frame |= self._state is PlayerState.OPENING
            first = self._state is PlayerState.PLAYING
            self._first_frame = first
        if first:
            self._send(PlayerEvent(EventKind.FIRST_FRAME))
