"""Turning what the player does into journal events: progress and classroom play logs.

While a learner watches, their position is recorded every few seconds and at every
pause, stop and end, with the seconds actually watched; in classroom mode each item
played also leaves a play log (class, lesson, start, end) for 三个课堂 reporting.
Journal writes run on one background thread, in order, so a slow disk never stalls
the window.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from app.qt import QObject, QThreadPool, Signal
from app.tasks import Background
from media.player import EventKind, PlayerEvent
from sync.journal import Journal

RECORD_EVERY_MS = 5_000  # of playback: a power cut loses at most this much progress
log = logging.getLogger(__name__)


@dataclass
class _Item:
    package_id: str
    sha256: str
    lesson_title: str
    learner_id: str | None
    class_name: str | None  # set in classroom mode: a play log is written
    started: datetime
    last_recorded_ms: int = -RECORD_EVERY_MS
    playing_since: float | None = None
    logged: bool = False


class ProgressRecorder(QObject):
    """Feed it the player's events (`on_event`) between `start()` and `finish()`.

    Emits `recorded` on the GUI thread after each write reached the journal.
    """

    recorded = Signal()

    def __init__(self, journal: Journal, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.journal = journal
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # writes stay in order
        self._item: _Item | None = None
        self._position = 0
        self._duration = 0

    def start(
        self,
        package_id: str,
        sha256: str,
        lesson_title: str,
        *,
        learner_id: str | None,
        class_name: str | None,
        start_ms: int = 0,
    ) -> None:
        """A new video starts playing (the previous one, if any, is finished first)."""
        self.finish()
        self._item = _Item(package_id, sha256, lesson_title, learner_id, class_name, datetime.now())
        self._position, self._duration = start_ms, 0
        self._item.last_recorded_ms = start_ms

    def finish(self) -> None:
        """The video was stopped or replaced: record where it was left."""
        item = self._item
        if item is None:
            return
        self._record(item, ended=False)
        self._log_play(item)
        self._item = None

    def on_event(self, event: PlayerEvent) -> None:
        item = self._item
        if item is None:
            return
        if event.kind is EventKind.LENGTH:
            self._duration = event.value
        elif event.kind is EventKind.TIME:
            self._position = event.value
            if abs(self._position - item.last_recorded_ms) >= RECORD_EVERY_MS:
                self._record(item, ended=False)
        elif event.kind is EventKind.PLAYING:
            item.playing_since = time.monotonic()
        elif event.kind is EventKind.PAUSED:
            self._record(item, ended=False)
            item.playing_since = None
        elif event.kind is EventKind.ENDED:
            self._position = max(self._position, event.value)
            self._record(item, ended=True)
            item.playing_since = None
            self._log_play(item)

    def wait(self) -> None:
        """Block until every write is on disk (closing the window, tests)."""
        self._pool.waitForDone()

    def _record(self, item: _Item, *, ended: bool) -> None:
        now = time.monotonic()
        watched = now - item.playing_since if item.playing_since is not None else 0.0
        if item.playing_since is not None:
            item.playing_since = now
        item.last_recorded_ms = self._position
        if item.learner_id is None:
            return  # nobody chose a profile: nothing to remember for a person
        args = (
            item.learner_id,
            item.package_id,
            item.sha256,
            self._position,
            self._duration,
            watched,
        )
        self._write(lambda _job: self.journal.record_progress(*args, ended=ended))

    def _log_play(self, item: _Item) -> None:
        if item.class_name is None or item.logged:
            return
        item.logged = True
        args = (
            item.class_name,
            item.package_id,
            item.lesson_title,
            item.sha256,
            item.started,
            datetime.now(),
        )
        self._write(lambda _job: self.journal.record_play(*args, mode="classroom"))

    def _write(self, fn) -> None:
        Background(fn).on_success(lambda _result: self.recorded.emit()).on_failure(
            lambda message: log.error("journal write failed: %s", message)
        ).start(self._pool)
