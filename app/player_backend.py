"""Which player plays: VLC when it is installed, else Qt's own; and what to tell the teacher.

    engine = make_engine(bridge.event.emit, settings.player)  # "auto", "vlc" or "qt"
    notice = backend_notice(engine)  # "" unless VLC was missing and Qt's player stands in

libvlc decodes nearly everything a school has and is the measured path, so it comes
first; QtMultimedia (the FFmpeg built into Qt's wheel) needs nothing installed and plays
the common formats, MP4 above all, the national platform's. When neither can start,
`make_engine` raises `NoPlayer`, whose sentence says what to install; the player page
shows it as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from app.player_qt import QtEngine
from app.qt import QCoreApplication
from media.errors import KebaoError
from media.player import PlayerEvent, PlayerState, PlayerUnavailable, VlcEngine

Notify = Callable[[PlayerEvent], None]


class Engine(Protocol):
    """What the player page calls; `VlcEngine` and `QtEngine` both are one.

    An engine that draws into a widget of its own also has `video_widget() -> QWidget`
    (QtEngine); the page shows that widget instead of its own native surface.
    """

    def attach(self, window_handle: int) -> None: ...
    def load(self, path: Path | str, subtitles: Sequence[Path] = (), start_ms: int = 0) -> None: ...
    def play(self) -> None: ...
    def pause(self) -> None: ...
    def toggle_pause(self) -> None: ...
    def stop(self) -> None: ...
    def seek(self, ms: int) -> None: ...
    def skip(self, delta_ms: int = ...) -> None: ...
    def set_rate(self, rate: float) -> None: ...
    def rate(self) -> float: ...
    def set_volume(self, volume: int) -> None: ...
    def volume(self) -> int: ...
    def set_subtitles(self, on: bool) -> None: ...
    def subtitles_on(self) -> bool: ...
    def state(self) -> PlayerState: ...
    def time_ms(self) -> int: ...
    def duration_ms(self) -> int: ...
    def release(self) -> None: ...


class NoPlayer(KebaoError):
    zh = "请安装 VLC 播放器（videolan.org）后重新打开课包"
    en = "Install the VLC media player (videolan.org), then open Kebao again"


def fallback_sentence() -> str:
    """Said once when Qt's player stands in for a missing VLC."""
    return QCoreApplication.translate(
        "PlayerBackend",
        "VLC was not found, so Qt's own player is used; some formats (such as RMVB and FLV) may not play",
    )


def make_engine(
    notify: Notify,
    preferred: str = "auto",
    *,
    vlc: Callable[[Notify], Engine] = VlcEngine,
    qt: Callable[[Notify], Engine] = QtEngine,
) -> Engine:
    """The engine to play with: `preferred` "qt" tries Qt's player first, anything else VLC.

    `vlc` and `qt` make the engines (tests pass one that raises, standing in for a
    missing libvlc). Raises `NoPlayer` when neither can start.
    """
    if preferred == "qt":
        try:
            return qt(notify)
        except KebaoError:
            pass  # the teacher asked for Qt's player; VLC still plays the lesson
        try:
            return vlc(notify)
        except KebaoError as err:
            raise NoPlayer() from err
    try:
        return vlc(notify)
    except PlayerUnavailable:
        pass
    try:
        engine = qt(notify)
    except KebaoError as err:
        raise NoPlayer() from err
    if isinstance(engine, QtEngine):
        engine.notice = fallback_sentence()
    return engine


def backend_notice(engine: object) -> str:
    """The sentence to show once about the engine's choice ("" when there is none)."""
    return getattr(engine, "notice", "")
