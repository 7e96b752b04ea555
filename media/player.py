"""The lesson player engine: libvlc decoding a video into a window the GUI gives it.

    engine = VlcEngine(notify=bridge.event.emit)  # bridge: a QObject with Signal(object)
    engine.attach(int(video_widget.winId()))
    engine.load(Path("第1课.mp4"), subtitles=[Path("第1课.srt")], start_ms=95_000)
    engine.play()
    engine.load("rtmp://live.example.cn/class/3")  # a live lesson: a URL (str), not a Path

Plain Python, no Qt: the GUI embeds it, the tests drive it with dummy outputs, the
benchmark times it. When libvlc cannot be loaded, `VlcEngine(...)` raises
`PlayerUnavailable` (a sentence saying what to install) and the GUI falls back to
its QtMultimedia player.

Threads: the contract
    * Every method is called from one thread, the GUI thread, never from `notify`.
    * libvlc reports on its own threads. The engine turns each report into a
      `PlayerEvent` (frozen, plain data) and calls `notify(event)` right there, on
      libvlc's thread. `notify` must return at once and must not call the engine
      or libvlc: libvlc holds its event lock while it runs, and `load()`/`stop()`
      wait for libvlc's threads, so a `notify` that waits for the GUI thread
      deadlocks. A Qt signal emit (queued to the GUI thread) is exactly right.
    * `state()`, `time_ms()` and `duration_ms()` read a snapshot kept under a lock
      by those callbacks: cheap, never blocking on libvlc, safe from any thread.

Events, in the order a normal lesson sees them: LENGTH (ms) → PLAYING → FIRST_FRAME →
TIME (ms, every 250–500 ms of playback: libvlc reports the time in steps) … PAUSED /
PLAYING … → ENDED (value: the duration). ERROR carries a sentence in `message`.
`stop()` and `load()` are the GUI's own doing and send nothing.

Why it is built this way
    * Resume uses the `:start-time=` media option, not a seek after PLAYING: the input
      starts decoding at the resume point, so the class never sees frame 0 flash by,
      and nothing has to be called in reaction to a libvlc event.
    * Subtitles are media slaves, added before the input opens, so the track exists
      from the first frame. "Subtitles off" at load time is the `:sub-language=none`
      option: `video_set_spu(-1)` before the track exists is silently lost.
    * FIRST_FRAME = the first `MediaPlayerVout` with a count ≥ 1: the video output has
      opened for the first decoded picture. libvlc 3 has no "picture shown" event.
      From the start of a video the picture is on screen about 50 ms later; on a
      resume libvlc still decodes from the previous keyframe to `start_ms` first
      (0.15–0.4 s more for 5.5 s of 720p on 2 cores; `benchmarks/player_first_frame.py`).
    * libvlc cannot seek in or resume an input that has ended or failed, so `play()`
      and `seek()` in those states open the media again (at 0, or at the target).
    * Some garbage files are accepted by libvlc's raw demuxer and "play" to an
      immediate end with no length and no picture; that is reported as ERROR.
    * Volume is kept by the engine and applied again on every `play()`, because the
      audio output (and its volume) may be created anew with each media.

Known libvlc 3 limit: at a rate other than 1×, a seek or resume into a video whose
keyframes are far apart (> 10 s) can land a second or two late; lesson encodes with
keyframes every few seconds land where asked.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from media.errors import KebaoError

RATE_MIN, RATE_MAX = 0.5, 2.0
SKIP_MS = 10_000
BASE_OPTIONS = (
    "--no-xlib",  # the GUI owns Xlib; libvlc draws with XCB
    "--quiet",
    "--no-video-title-show",  # no file name painted over the lesson
    "--no-sub-autodetect-file",  # subtitles come from the catalog, never guessed
)
HEADLESS_OPTIONS = ("--vout=dummy", "--aout=dummy")
SUBTITLE_PRIORITY_USER = 4  # libvlc_media_slaves_add: "chosen by the user", selected


class PlayerUnavailable(KebaoError):
    zh = "未找到 VLC 播放组件（libvlc）；请安装 VLC 或使用 Qt 播放器"
    en = "VLC's playback library (libvlc) was not found; install VLC or use the Qt player"


class PlaybackFailed(KebaoError):
    zh = "无法播放此视频：文件缺失、已损坏或格式不受支持"
    en = "cannot play this video: the file is missing, damaged or in an unsupported format"


class PlayerState(StrEnum):
    IDLE = "idle"
    OPENING = "opening"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    ERROR = "error"


class EventKind(StrEnum):
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    ERROR = "error"
    TIME = "time"
    LENGTH = "length"
    FIRST_FRAME = "first_frame"


@dataclass(frozen=True, slots=True)
class PlayerEvent:
    """What libvlc reported: `value` is ms for TIME, LENGTH and ENDED, else 0."""

    kind: EventKind
    value: int = 0
    message: str = ""


def clamp_position(ms: int, duration_ms: int) -> int:
    """Where a seek to `ms` lands: not before 0, not past the end once the length is known.

    clamp_position(95_000, 60_000)  # 60_000; clamp_position(-3_000, 0)  # 0
    """
    target = max(0, ms)
    return min(target, duration_ms) if duration_ms > 0 else target


def clamp_rate(rate: float) -> float:
    """The playback speed within RATE_MIN–RATE_MAX: clamp_rate(3.0)  # 2.0"""
    return min(RATE_MAX, max(RATE_MIN, rate))


def clamp_volume(volume: float) -> int:
    """A whole volume in 0–100: clamp_volume(120)  # 100"""
    return min(100, max(0, int(volume)))


def load_vlc() -> Any:
    """The python-vlc module, or PlayerUnavailable when libvlc cannot be loaded."""
    try:
        import vlc
    # python-vlc reports a missing libvlc as ImportError, OSError, NotImplementedError
    # or NameError, and calls sys.exit(1) when PYTHON_VLC_LIB_PATH is wrong.
    except (Exception, SystemExit) as err:
        raise PlayerUnavailable() from err
    return vlc


def libvlc_version() -> str | None:
    """libvlc's version ("3.0.21 Vetinari"), or None when it cannot be loaded."""
    try:
        vlc = load_vlc()
        return vlc.libvlc_get_version().decode("utf-8", "replace")
    except (PlayerUnavailable, NameError, AttributeError):
        return None


class VlcEngine:
    """One libvlc player. See the module docstring for the threading contract."""

    def __init__(
        self, notify: Callable[[PlayerEvent], None], *, options: Sequence[str] = ()
    ) -> None:
        """`options`: extra libvlc options, e.g. `HEADLESS_OPTIONS` for tests."""
        vlc = load_vlc()
        try:
            instance = vlc.Instance([*BASE_OPTIONS, *options])
        except (OSError, NameError, AttributeError) as err:
            raise PlayerUnavailable() from err
        if instance is None:
            raise PlayerUnavailable()
        self._vlc = vlc
        self._instance = instance
        self._player = instance.media_player_new()
        self._notify = notify
        self._lock = threading.Lock()
        self._state = PlayerState.IDLE
        self._time = 0
        self._duration = 0
        self._first_frame = False
        self._path: Path | str | None = None
        self._subtitles: tuple[Path, ...] = ()
        self._unplayed_start: int | None = None  # the media set but not yet played starts here
        self._subtitles_on = True
        self._subtitle_track: int | None = None
        self._rate = 1.0
        self._volume = 100
        self._events = self._player.event_manager()
        E = vlc.EventType
        self._handlers = {
            E.MediaPlayerOpening: self._on_opening,
            E.MediaPlayerPlaying: self._on_playing,
            E.MediaPlayerPaused: self._on_paused,
            E.MediaPlayerEndReached: self._on_end,
            E.MediaPlayerEncounteredError: self._on_error,
            E.MediaPlayerTimeChanged: self._on_time,
            E.MediaPlayerLengthChanged: self._on_length,
            E.MediaPlayerVout: self._on_vout,
        }
        for event_type, handler in self._handlers.items():
            self._events.event_attach(event_type, handler)

    # -- called from the GUI thread -------------------------------------------------

    def attach(self, window_handle: int) -> None:
        """Draw into this native window (`int(widget.winId())`); Qt keeps mouse and keys."""
        if sys.platform.startswith("win"):
            self._player.set_hwnd(window_handle)
        elif sys.platform == "darwin":
            self._player.set_nsobject(window_handle)
        else:
            self._player.set_xwindow(window_handle)
        self._player.video_set_mouse_input(False)
        self._player.video_set_key_input(False)

    def load(self, path: Path | str, subtitles: Sequence[Path] = (), start_ms: int = 0) -> None:
        """Make `path` the current media, to start at `start_ms` on the next `play()`.
        A `str` is a URL (http(s), HLS, rtmp, rtsp): a lesson streamed from the network."""
        self._player.stop()
        self._path, self._subtitles = path, tuple(subtitles)
        self._subtitle_track = None
        self._open(max(0, start_ms))

    def play(self) -> None:
        """Start, or resume after a pause; after the end or a stop, from the beginning."""
        if self._path is None:
            return
        state = self.state()
        if state in (PlayerState.PLAYING, PlayerState.OPENING):
            return
        if self._unplayed_start is None and state is not PlayerState.PAUSED:
            self._open(0)
        if state is not PlayerState.PAUSED:
            self._set_state(PlayerState.OPENING)
        self._unplayed_start = None
        self._player.play()
        self._player.set_rate(self._rate)
        self._player.audio_set_volume(self._volume)

    def pause(self) -> None:
        # Only once PLAYING: before the input knows it can pause, libvlc's
        # set_pause(1) stops it instead.
        if self.state() is PlayerState.PLAYING:
            self._player.set_pause(1)

    def toggle_pause(self) -> None:
        """Space bar and the big play button: pause when playing, otherwise play."""
        if self.state() is PlayerState.PLAYING:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        """Stop and forget the position; `play()` starts the media from the beginning."""
        self._player.stop()
        self._unplayed_start = None
        with self._lock:
            self._state, self._time, self._first_frame = PlayerState.IDLE, 0, False

    def seek(self, ms: int) -> None:
        """Go to `ms` (clamped to the media). After the end, playing resumes from there."""
        target = clamp_position(ms, self.duration_ms())
        state = self.state()
        if state in (PlayerState.PLAYING, PlayerState.PAUSED, PlayerState.OPENING):
            self._player.set_time(target)
            with self._lock:
                self._time = target
        elif self._path is not None:
            self._open(target)
            if state is PlayerState.ENDED:
                self.play()

    def skip(self, delta_ms: int = SKIP_MS) -> None:
        """The ±10 s buttons: `skip(-SKIP_MS)` goes back."""
        self.seek(self.time_ms() + delta_ms)

    def set_rate(self, rate: float) -> None:
        """Playback speed, clamped to 0.5×–2×; kept for the next media too."""
        self._rate = clamp_rate(rate)
        self._player.set_rate(self._rate)

    def rate(self) -> float:
        return self._rate

    def set_volume(self, volume: int) -> None:
        """0–100 (clamped); kept for the next media too."""
        self._volume = clamp_volume(volume)
        self._player.audio_set_volume(self._volume)

    def volume(self) -> int:
        return self._volume

    def set_subtitles(self, on: bool) -> None:
        """Show or hide subtitles; the choice also holds for the next `load()`.

        Takes effect at once for a media that is playing or not yet started; in the
        instant between `play()` and PLAYING the tracks do not exist yet.
        """
        self._subtitles_on = on
        if self._unplayed_start is not None:
            self._open(self._unplayed_start)
            return
        if on:
            tracks = self.subtitle_tracks()
            if tracks:
                # The .srt slave is demuxed after the video's own tracks, so it has the last id.
                track = self._subtitle_track if self._subtitle_track in tracks else tracks[-1]
                self._player.video_set_spu(track)
        else:
            shown = self.subtitle_track()
            if shown is not None:
                self._subtitle_track = shown
            self._player.video_set_spu(-1)

    def subtitles_on(self) -> bool:
        return self._subtitles_on

    def subtitle_tracks(self) -> list[int]:
        """The ids of the subtitle tracks of the playing media (empty before PLAYING)."""
        return [track for track, _name in self._player.video_get_spu_description() if track >= 0]

    def subtitle_track(self) -> int | None:
        """The id of the subtitle track shown, or None."""
        track = self._player.video_get_spu()
        return track if track >= 0 else None

    def state(self) -> PlayerState:
        with self._lock:
            return self._state

    def time_ms(self) -> int:
        """The position last reported by libvlc (or last sought to)."""
        with self._lock:
            return self._time

    def duration_ms(self) -> int:
        """The media's length, 0 until libvlc knows it."""
        with self._lock:
            return self._duration

    def release(self) -> None:
        """Stop and free libvlc; no `notify` call happens after this returns."""
        if self._player is None:
            return
        for event_type in self._handlers:
            self._events.event_detach(event_type)
        self._player.stop()
        self._player.release()
        self._instance.release()
        self._player = None
        self._instance = None

    def _open(self, start_ms: int) -> None:
        assert self._path is not None
        if isinstance(self._path, str):
            media = self._instance.media_new_location(self._path)
        else:
            media = self._instance.media_new_path(str(self._path))
        if start_ms > 0:
            media.add_option(f":start-time={start_ms / 1000:.3f}")
        if not self._subtitles_on:
            media.add_option(":sub-language=none")
        for subtitle in self._subtitles:
            media.slaves_add(
                self._vlc.MediaSlaveType.subtitle,
                SUBTITLE_PRIORITY_USER,
                subtitle.resolve().as_uri(),
            )
        self._player.set_media(media)
        media.release()  # the player holds its own reference
        self._unplayed_start = start_ms
        with self._lock:
            self._state, self._time, self._first_frame = PlayerState.IDLE, start_ms, False

    def _set_state(self, state: PlayerState) -> None:
        with self._lock:
            self._state = state

    # -- called on libvlc's threads: no libvlc calls here ------------------------------

    def _on_opening(self, _event: Any) -> None:
        self._set_state(PlayerState.OPENING)

    def _on_playing(self, _event: Any) -> None:
        self._set_state(PlayerState.PLAYING)
        self._notify(PlayerEvent(EventKind.PLAYING))

    def _on_paused(self, _event: Any) -> None:
        self._set_state(PlayerState.PAUSED)
        self._notify(PlayerEvent(EventKind.PAUSED))

    def _on_end(self, event: Any) -> None:
        with self._lock:
            failed = not self._first_frame and self._duration <= 0
            if not failed:
                self._state, self._time = PlayerState.ENDED, self._duration
            end = self._duration
        if failed:
            self._on_error(event)
        else:
            self._notify(PlayerEvent(EventKind.ENDED, end))

    def _on_error(self, _event: Any) -> None:
        self._set_state(PlayerState.ERROR)
        self._notify(PlayerEvent(EventKind.ERROR, message=str(PlaybackFailed())))

    def _on_time(self, event: Any) -> None:
        ms = int(event.u.new_time)
        with self._lock:
            self._time = ms
        self._notify(PlayerEvent(EventKind.TIME, ms))

    def _on_length(self, event: Any) -> None:
        ms = max(0, int(event.u.new_length))
        with self._lock:
            self._duration = ms
        self._notify(PlayerEvent(EventKind.LENGTH, ms))

    def _on_vout(self, event: Any) -> None:
        # python-vlc reads libvlc's int `new_count` as a 64-bit field: keep the low 32 bits.
        count = int(event.u.new_count) & 0xFFFF_FFFF
        with self._lock:
            first = count >= 1 and not self._first_frame
            if first:
                self._first_frame = True
        if first:
            self._notify(PlayerEvent(EventKind.FIRST_FRAME))
