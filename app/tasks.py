"""Running slow work off the GUI thread: the one helper every screen uses.

The slow part gets no widget; the callbacks run on the GUI thread; a `KebaoError`
becomes its own Chinese sentence, anything else a generic one (like Anki's QueryOp):

    Background(lambda job: library.import_from(src, progress=job.progress, cancel=job.cancel))
        .on_progress(bar.update)
        .on_success(lambda report: self.show_report(report))
        .on_failure(lambda message: self.show_error(message))
        .start()

`start()` returns the `Job`, whose `cancel()` sets the event the work should watch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from app.qt import QCoreApplication, QObject, QRunnable, QThreadPool, Signal
from media.errors import Cancelled, KebaoError

T = TypeVar("T")
log = logging.getLogger(__name__)


class Job:
    """What the background function gets: progress reporting and a cancel flag."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self.cancel_event = threading.Event()
        self.finished_event = threading.Event()  # the function has returned or raised

    @property
    def cancel(self) -> threading.Event:
        return self.cancel_event

    def progress(self, done: int, total: int) -> None:
        self._relay.progressed.emit(done, total)

    def request_cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout: float) -> bool:
        """Block until the function has returned (its callbacks come later, on the GUI
        thread); False if it still runs after `timeout` seconds."""
        return self.finished_event.wait(timeout)


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from the worker arrive there queued."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Job], object], job: Job, relay: _Relay) -> None:
        super().__init__()
        self._fn, self._job, self._relay = fn, job, relay

    def run(self) -> None:
        try:
            result = self._fn(self._job)
        except BaseException as e:
            self._relay.failed.emit(e)
        else:
            self._relay.succeeded.emit(result)
        finally:
            self._job.finished_event.set()


# Relays of running jobs, so Python does not collect them before their signals arrive.
_running: set[_Relay] = set()


def _default_pool() -> QThreadPool:
    """Qt's global pool has one thread per core (two on a school PC): an import, a
    drive scan and a disk-use count must not queue behind each other."""
    pool = QThreadPool.globalInstance()
    pool.setMaxThreadCount(max(pool.maxThreadCount(), 6))
    return pool


def failure_sentence(error: BaseException) -> str:
    """What a person is told when background work fails."""
    if isinstance(error, KebaoError):
        return str(error)
    log.error("background work failed", exc_info=error)
    return QCoreApplication.translate("Background", "Something went wrong: {0}").format(error)


class Background(Generic[T]):
    def __init__(self, fn: Callable[[Job], T]) -> None:
        self._fn = fn
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[str], None] | None = None
        self._progress: Callable[[int, int], None] | None = None
        self._finally: Callable[[], None] | None = None

    def on_success(self, fn: Callable[[T], None]) -> Background[T]:
        self._success = fn
        return self

    def on_failure(self, fn: Callable[[str], None]) -> Background[T]:
        """`fn` gets one sentence for a person; cancellation is not a failure."""
        self._failure = fn
        return self

    def on_progress(self, fn: Callable[[int, int], None]) -> Background[T]:
        self._progress = fn
        return self

    def on_finished(self, fn: Callable[[], None]) -> Background[T]:
        """Runs after success, failure or cancellation (e.g. to hide a progress bar)."""
        self._finally = fn
        return self

    def start(self, pool: QThreadPool | None = None) -> Job:
        relay = _Relay()
        job = Job(relay)
        _running.add(relay)

        def done(result: object) -> None:
            _running.discard(relay)
            if self._success and not job.cancel_event.is_set():
                self._success(result)  # type: ignore[arg-type]
            if self._finally:
                self._finally()

        def failed(error: BaseException) -> None:
            _running.discard(relay)
            if not isinstance(error, Cancelled) and self._failure:
                self._failure(failure_sentence(error))
            if self._finally:
                self._finally()

        relay.succeeded.connect(done)
        relay.failed.connect(failed)
        if self._progress:
            relay.progressed.connect(self._progress)
        (pool or _default_pool()).start(_Runnable(self._fn, job, relay))
        return job
