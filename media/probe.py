"""Reading facts from media files with libvlc (the same engine that plays them).

    >>> Prober().duration_ms(Path("第1课.mp4"))
    10000

When libvlc is not installed, `Prober.available` is False and durations are None:
packing still works, the lesson list just shows no duration.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from media.player import PlayerUnavailable, load_vlc

PARSE_TIMEOUT_MS = 15_000


class Prober:
    def __init__(self) -> None:
        self._vlc: Any = None
        self._instance: Any = None
        try:
            vlc = load_vlc()
            instance = vlc.Instance(["--no-xlib", "--vout=dummy", "--aout=dummy", "--quiet"])
        except (PlayerUnavailable, OSError, NameError, AttributeError):
            return
        if instance is not None:
            self._vlc, self._instance = vlc, instance

    @property
    def available(self) -> bool:
        return self._instance is not None

    def duration_ms(self, path: Path) -> int | None:
        """The media's duration, or None when libvlc is missing or cannot parse it."""
        if not self.available:
            return None
        vlc = self._vlc
        media = self._instance.media_new_path(str(path))
        parsed = threading.Event()
        media.event_manager().event_attach(
            vlc.EventType.MediaParsedChanged, lambda _event: parsed.set()
        )
        media.parse_with_options(vlc.MediaParseFlag.local, PARSE_TIMEOUT_MS)
        parsed.wait(PARSE_TIMEOUT_MS / 1000 + 1)
        status = media.get_parsed_status()
        duration = media.get_duration()
        media.release()
        if status != vlc.MediaParsedStatus.done or duration is None or duration <= 0:
            return None
        return int(duration)
