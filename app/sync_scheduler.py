"""The background sync scheduler: a round whenever the bandwidth policy lets it.

The window owns one. Every minute (the first a few seconds after the window painted), and
when 同步's 立即同步 asks, if this PC is enrolled (or a USB kit left an enrolment to do
first: `app.installation.enrol_pending`) and no round is running, it starts a round
in the background: there it asks `sync.policy.decide` what may move now (settings.json and
the outbox are read there, not on the GUI thread) and runs `sync.round.run_round` with that
answer, one shared `Throttle` at the policy's rate and a cancel event (暂停). A failed
round is tried again after `Backoff` (at least the hub's `Retry-After`), when the school's
clock says so; a 401 stops rounds until the PC is enrolled again. Closing the window
cancels the round and waits for it (`stop`). Pages only listen to `state_changed` and
`round_finished`.

    >>> scheduler = SyncScheduler(data_dir, parent=window)
    >>> scheduler.state_changed.connect(page.show_state)
    >>> scheduler.request_now()
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from app.lan_share import discover_peers
from app.qt import HAS_NETWORK_INFORMATION, QObject, QTimer, Signal
from app.settings import Settings
from app.tasks import Background, Job
from media.errors import KebaoError
from sync.backoff import Backoff, Outcome, classify
from sync.journal import Journal
from sync.policy import Conditions, Decision, Policy, TransferClass, decide
from sync.throttle import Throttle

if TYPE_CHECKING:
    from sync.round import RoundReport, Transfer

TICK_MS = 60_000
# The first tick waits until the window has painted: it loads Qt's network information
# backend (5-10 ms on the GUI thread, once), and a round imports the HTTP libraries.
FIRST_TICK_MS = 3_000
STOP_WAIT_S = 3.0  # closing the window waits this long at most for the round to stop
# 直播课进行中 (a live class in another app) switches itself off after this: a switch a
# teacher forgets must not hold the school's downloads for days. Never kept on restart.
LIVE_CLASS_MS = 3 * 3600 * 1000


@functools.cache
def _network_information() -> object | None:
    """Qt's network information with a backend that knows about metering, loaded once."""
    if not HAS_NETWORK_INFORMATION:
        return None
    from app.qt import QNetworkInformation

    if QNetworkInformation.instance() is None and not QNetworkInformation.loadBackendByFeatures(
        QNetworkInformation.Feature.Metered
    ):
        return None
    return QNetworkInformation.instance()


def link_metered() -> bool:
    """Qt's word on whether the link is metered; False where no backend can tell."""
    info = _network_information()
    return bool(info is not None and info.isMetered())  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SchedulerState:
    """What 同步 and 下载 show of the scheduler."""

    running: bool = False
    paused: bool = False
    stopped: bool = False  # the hub refused the token (401): enrol again
    next_attempt: datetime | None = None  # after a failure, when the next round is tried
    last_success_ms: int | None = None
    last_error: str | None = None  # one sentence, as the round met it
    waiting: str = ""  # the policy's sentence when something waits for its hours
    bytes_moved: int = 0  # by the last round that finished
    transfer: Transfer | None = None  # the file moving now
    failed: Transfer | None = None  # the file that was moving when the last round failed
    live_class: bool = False  # 直播课进行中, as switched on 同步


@dataclass(frozen=True)
class _Outcome:
    decision: Decision
    report: RoundReport | None
    error: KebaoError | None


class SyncScheduler(QObject):
    """Runs sync rounds in the background; emits `state_changed(SchedulerState)` and
    `round_finished(RoundReport)`. `clock` is the school's local time: it also decides
    when a failed round is tried again (tests inject one, and the ticks' timing)."""

    state_changed = Signal(object)
    round_finished = Signal(object)
    _moved = Signal(object)  # a Transfer, emitted on the worker thread, received queued

    def __init__(
        self,
        data_dir: Path,
        *,
        clock: Callable[[], datetime] = datetime.now,
        interval_ms: int = TICK_MS,
        first_tick_ms: int = FIRST_TICK_MS,
        metered: Callable[[], bool] = link_metered,
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.clock = clock
        self.metered = metered
        self.backoff = backoff or Backoff()
        self.throttle = Throttle(None)
        self.streaming = False  # the player's stream or a live class: only the journal moves
        self._player_streaming = False
        self._allowed: frozenset[TransferClass] = frozenset()  # the running round's, live
        self.state = SchedulerState()
        self._journal = Journal(data_dir)  # this thread's; each round opens its own
        self._job: Job | None = None
        self._refused_token: str | None = None
        self._failed_at: datetime | None = None  # by `clock`, when the last round failed
        self._closed = False
        self._moved.connect(self._transfer_seen)
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self._retry_due)
        self._live_class_end = QTimer(self, singleShot=True, interval=LIVE_CLASS_MS)
        self._live_class_end.timeout.connect(lambda: self.set_live_class(False))
        state = self._journal.sync_state()
        self._set(last_success_ms=state.last_success_ms, last_error=state.last_error)
        QTimer.singleShot(first_tick_ms, self.tick)

    # -- what the pages call ---------------------------------------------------------------

    def request_now(self) -> None:
        """立即同步: a round now, whatever the backoff (not while paused)."""
        self._retry.stop()
        self._run()

    def pause(self) -> None:
        """Stop the running round soon (a download keeps its `.part`) and start no other."""
        if self._job is not None:
            self._job.request_cancel()
        self._set(paused=True, next_attempt=None)

    def resume(self) -> None:
        self._set(paused=False)
        self.request_now()

    def set_streaming(self, on: bool) -> None:
        """The player says a lesson streams from the network: only the journal moves."""
        self._player_streaming = on
        self._streaming_changed()

    def set_live_class(self, on: bool) -> None:
        """直播课进行中: a live class runs in another program; as `set_streaming`, until
        switched off, for LIVE_CLASS_MS at most."""
        if on:
            self._live_class_end.start()
        else:
            self._live_class_end.stop()
        self._set(live_class=on)
        self._streaming_changed()

    def _streaming_changed(self) -> None:
        streaming = self._player_streaming or self.state.live_class
        if streaming != self.streaming:
            self.streaming = streaming
            self.tick()

    def stop(self, wait_s: float = STOP_WAIT_S) -> bool:
        """The window closes: no more rounds; the running one is cancelled and waited for
        (at most `wait_s`; a download keeps its `.part`). False if it did not stop in time."""
        self._closed = True
        self._timer.stop()
        self._retry.stop()
        stopped = True
        if self._job is not None:
            self._job.request_cancel()
            stopped = self._job.wait(wait_s)
        if stopped:  # said to no page: they are closing too
            self.state = replace(self.state, running=False, transfer=None)
        self._journal.close()
        return stopped

    # -- rounds ------------------------------------------------------------------------------

    def decision(self, settings: Settings | None = None, metered: bool | None = None) -> Decision:
        """What the policy allows now, for the classes that have work. It lists the outbox:
        call it off the GUI thread (`metered`, what the OS says, is read on the GUI thread,
        where Qt's network information lives; 设置 says yes or no over it)."""
        from sync import protocol, upload

        settings = settings or Settings.load(self.data_dir)
        if metered is None:
            metered = self.metered()
        metered = {"yes": True, "no": False}.get(settings.metered, metered)

        pending = {TransferClass.JOURNAL}  # a round always pulls
        for entry in upload.pending(upload.outbox_dir(self.data_dir)):
            small = entry.size <= protocol.SMALL_UPLOAD_BYTES
            pending.add(TransferClass.SMALL_UPLOAD if small else TransferClass.RECORDING_UPLOAD)
        if settings.subscriptions:
            pending.add(TransferClass.PACKAGE_DOWNLOAD)
        conditions = Conditions(
            now=self.clock(),
            metered=metered,
            streaming_lesson=self.streaming,
            pending=frozenset(pending),
        )
        return decide(Policy.from_dict(settings.bandwidth), conditions)

    def tick(self) -> None:
        """Each minute: a running round gets the rate of the hour (and stops if what it
        moves may no longer run); otherwise a round, unless paused or backing off."""
        if self._closed:
            return
        if self._job is None:
            if not self._backing_off():
                self._run()
            return
        metered, data_dir = self.metered(), self.data_dir
        Background(lambda _job: self.decision(Settings.load(data_dir), metered)).on_success(
            self._new_hour
        ).start()

    def _new_hour(self, decision: Decision) -> None:
        if self._job is None:
            return
        self._allowed = decision.allowed  # a step not started yet waits too
        self.throttle.set_rate(decision.rate)
        moving = self.state.transfer
        if moving is not None and moving.kind not in decision.allowed:
            self._job.request_cancel()  # its `.part` waits for the next window

    def _backing_off(self) -> bool:
        """After a failure, until the next try by the school's clock (a clock set back
        before the failure counts as time to try)."""
        when, failed_at = self.state.next_attempt, self._failed_at
        if when is None or failed_at is None:
            return False
        return failed_at <= self.clock() < when

    def _retry_due(self) -> None:
        if not self._backing_off():
            self._run()
            return
        assert self.state.next_attempt is not None
        left = (self.state.next_attempt - self.clock()).total_seconds()
        self._retry.start(max(1, math.ceil(left * 1000)))

    def _run(self) -> None:
        if self._closed or self._job is not None or self.state.paused:
            return
        state = self._journal.sync_state()
        # A USB kit's enrolment (app.installation.enrol_pending), done first in the round.
        pending = not state.enrolled and bool(
            state.hub_url and Settings.load(self.data_dir).enrolment_code
        )
        if not (state.enrolled or pending) or (
            state.enrolled and state.token == self._refused_token
        ):
            self._set(stopped=state.enrolled)
            return
        metered = self.metered()
        data_dir, throttle, moved = self.data_dir, self.throttle, self._moved.emit
        token = state.token

        def work(job: Job) -> _Outcome:
            # Imported here, on the round's thread: the HTTP libraries load with the first
            # round, not with the window.
            from app.installation import enrol_pending
            from media.library import Library
            from sync.round import run_recorded

            settings = Settings.load(data_dir)
            decision = self.decision(settings, metered)
            self._allowed = decision.allowed
            throttle.set_rate(decision.rate)
            with Journal(data_dir) as journal, Library(data_dir) as library:
                try:
                    enrol_pending(journal, data_dir)
                    report = run_recorded(
                        journal,
                        library,
                        subscriptions=settings.subscriptions,
                        allowed=lambda c: c in self._allowed,
                        peers=lambda: discover_peers(settings.peers),
                        pace=throttle,
                        cancel=job.cancel,
                        progress=moved,
                    )
                except KebaoError as e:
                    if job.cancel.is_set():
                        raise  # paused: not a failure
                    return _Outcome(decision, None, e)
                return _Outcome(decision, report, None)

        self._job = (
            Background(work)
            .on_success(lambda outcome: self._done(outcome, token))
            .on_failure(lambda sentence: self._failed(sentence, None, token))
            .on_finished(self._finished)
            .start()
        )
        self._set(running=True, stopped=False, next_attempt=None, transfer=None)

    def _transfer_seen(self, transfer: Transfer) -> None:
        if self._job is not None:
            self._set(transfer=transfer)

    def _done(self, outcome: _Outcome, token: str | None) -> None:
        if self._closed:
            return
        if outcome.error is not None:
            self._failed(str(outcome.error), outcome.error, token)
            return
        report = outcome.report
        assert report is not None
        self.backoff.success()
        state = self._journal.sync_state()
        self._set(
            last_success_ms=state.last_success_ms,
            last_error=None,
            failed=None,
            waiting=outcome.decision.reason if report.waiting else "",
            bytes_moved=report.bytes_moved,
        )
        self.round_finished.emit(report)

    def _failed(self, sentence: str, error: KebaoError | None, token: str | None) -> None:
        if self._closed:
            return
        try:
            outcome = classify(None, error) if error is not None else Outcome.RETRY_ROUND
        except TypeError:  # a failure the retry table does not name (a bad package, a full disk)
            outcome = Outcome.RETRY_ROUND
        failed = self.state.transfer
        if outcome is Outcome.STOP_REENROL:
            self._refused_token = token
            self._set(last_error=sentence, stopped=True, failed=failed, next_attempt=None)
            return
        retry_after = getattr(error, "retry_after", None) if outcome is Outcome.WAIT else None
        delay = self.backoff.failure(retry_after)
        self._retry.start(math.ceil(delay * 1000))
        self._failed_at = self.clock()
        when = self._failed_at + timedelta(seconds=delay)
        self._set(last_error=sentence, failed=failed, next_attempt=when)

    def _finished(self) -> None:
        self._job = None
        if self._closed:
            return
        # A round paused at its very end may still have succeeded: the journal knows.
        last = self._journal.sync_state().last_success_ms
        self._set(running=False, transfer=None, last_success_ms=last)

    def _set(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.state_changed.emit(self.state)
