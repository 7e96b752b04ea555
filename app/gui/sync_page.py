"""同步: enrol with the county hub, see where sync stands, sync now or by USB drive.

Rounds are the window's `SyncScheduler`'s: 立即同步 asks it for one, 暂停/继续 holds and
releases it, and the page shows its state (last success, bytes moved, what waits for its
hours and why, the last error in plain words). Enrolment and the USB exchange run in the
background with a journal of their own (SQLite connections stay on their thread).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.gui.style import big_button
from app.qt import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSignalBlocker,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.sync_scheduler import LIVE_CLASS_MS, SchedulerState, SyncScheduler
from app.tasks import Background, Job
from media.disk import human_size
from sync.journal import Journal, SyncState


def when(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")


class SyncPage(QWidget):
    """Emits `synced` after events arrived by USB drive (the other pages re-read progress;
    the scheduler's `round_finished` says the same for the hub)."""

    synced = Signal()

    def __init__(
        self,
        data_dir: Path,
        drives: Callable[[], list[Path]],
        scheduler: SyncScheduler,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.drives = drives
        self.scheduler = scheduler
        self._busy = False
        self._enrolled = False

        self.state_label = QLabel()
        self.state_label.setObjectName("sync-state")
        self.state_label.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setObjectName("sync-counts")
        self.counts.setWordWrap(True)
        self.activity = QLabel()
        self.activity.setObjectName("sync-activity")
        self.activity.setWordWrap(True)
        self.waiting = QLabel()
        self.waiting.setObjectName("sync-waiting")
        self.waiting.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("sync-error")
        self.error.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("sync-message")
        self.message.setWordWrap(True)

        self.hub_field = QLineEdit()
        self.hub_field.setObjectName("hub-url")
        self.hub_field.setPlaceholderText(self.tr("e.g. hub.example.cn:8470"))
        self.code_field = QLineEdit()
        self.code_field.setObjectName("enrol-code")
        self.code_field.setPlaceholderText(self.tr("e.g. 7K4Q-M2XD-9HPA"))
        self.enrol_button = big_button(self.tr("Enrol this PC"))
        self.enrol_button.setObjectName("enrol")
        self.enrol_button.clicked.connect(self.enrol)
        self.enrol_box = QWidget()
        form = QFormLayout(self.enrol_box)
        form.addRow(self.tr("Hub address"), self.hub_field)
        form.addRow(self.tr("Enrolment code"), self.code_field)
        form.addRow("", self.enrol_button)

        self.sync_button = big_button(self.tr("Sync now"))
        self.sync_button.setObjectName("sync-now")
        self.sync_button.clicked.connect(self.sync_now)
        self.pause_button = big_button(self.tr("Pause"))
        self.pause_button.setObjectName("sync-pause")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.usb_button = big_button(self.tr("Sync through the USB drive"))
        self.usb_button.setObjectName("sync-usb")
        self.usb_button.clicked.connect(self.sync_usb)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.usb_button)
        buttons.addStretch(1)
        # A live class in a conferencing app: the player cannot see it, the teacher says so.
        self.live_class = QCheckBox(self.tr("A live class is on (pause downloads and uploads)"))
        self.live_class.setObjectName("live-class")
        self.live_class.setToolTip(
            self.tr(
                "Only learning records sync meanwhile. Turns itself off after {0} hours."
            ).format(LIVE_CLASS_MS // 3_600_000)
        )
        self.live_class.toggled.connect(scheduler.set_live_class)

        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addWidget(self.counts)
        layout.addWidget(self.activity)
        layout.addWidget(self.waiting)
        layout.addWidget(self.error)
        layout.addWidget(self.enrol_box)
        layout.addLayout(buttons)
        layout.addWidget(self.live_class)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._was_running = False
        scheduler.state_changed.connect(self.show_state)
        self.show_state(scheduler.state)
        self.refresh()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        self.refresh()

    # -- what the page shows -------------------------------------------------------------

    def refresh(self) -> None:
        def work(_job: Job) -> tuple[SyncState, int, int]:
            from sync import upload

            uploads = len(upload.pending(upload.outbox_dir(self.data_dir)))
            with Journal(self.data_dir) as journal:
                state = journal.sync_state()
                return state, journal.pending_count(state.push_cursor), uploads

        Background(work).on_success(lambda r: self._show(*r)).start()

    def _show(self, state: SyncState, pending: int, uploads: int) -> None:
        self._enrolled = state.enrolled
        if state.hub_url and not self.hub_field.text():
            self.hub_field.setText(state.hub_url)  # enrolling again: usually the same hub
        if state.enrolled:
            self.state_label.setText(
                self.tr("Enrolled with {0} as part of {1}.").format(
                    state.hub_url, state.school_name
                )
            )
        else:
            self.state_label.setText(
                self.tr(
                    "This PC is not enrolled with the county hub yet. Progress is kept here; "
                    "it can also reach the county on a USB drive."
                )
            )
        self.counts.setText(
            self.tr(
                "Last successful sync: {0}. Records waiting to be sent: {1}. "
                "Files waiting to be uploaded: {2}."
            ).format(when(state.last_success_ms), pending, uploads)
        )
        self._set_busy(self._busy)

    def show_state(self, s: SchedulerState) -> None:
        """The scheduler's state, as a teacher reads it."""
        if s.paused:
            self.activity.setText(self.tr("Sync is paused. Press Resume to go on."))
        elif s.running:
            self.activity.setText(self.tr("Syncing…"))
        elif s.last_success_ms is not None:
            self.activity.setText(
                self.tr("The last sync moved {0}.").format(human_size(s.bytes_moved))
            )
        else:
            self.activity.setText("")
        self.waiting.setText(s.waiting)
        error = s.last_error or ""
        if s.stopped:
            error = self.tr(
                "The hub no longer knows this PC (it was removed there, or the hub was reset): "
                "enrol it again below; until then it does not sync."
            )
        elif error and s.next_attempt is not None:
            error = self.tr("{0} Trying again at {1}.").format(
                error, s.next_attempt.strftime("%H:%M:%S")
            )
        self.error.setText(error)
        self.pause_button.setText(self.tr("Resume") if s.paused else self.tr("Pause"))
        with QSignalBlocker(self.live_class):
            self.live_class.setChecked(s.live_class)
        if self._was_running and not s.running:
            self.refresh()  # last success and what waits to be sent have changed
        self._was_running = s.running
        self._set_busy(self._busy)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        s = self.scheduler.state
        self.enrol_box.setVisible(not self._enrolled or s.stopped)
        self.enrol_button.setEnabled(not busy)
        idle = not (s.paused or s.running or s.stopped)
        self.sync_button.setEnabled(not busy and self._enrolled and idle)
        self.pause_button.setEnabled(self._enrolled)
        self.usb_button.setEnabled(not busy)

    def _run(
        self, work: Callable[[Job], str], working: str, then: Callable[[], None] | None = None
    ) -> None:
        self.message.setText(working)
        self._set_busy(True)

        def done(sentence: str) -> None:
            self.message.setText(sentence)
            self.synced.emit()
            if then is not None:
                then()

        def finished() -> None:
            self._set_busy(False)
            self.refresh()

        Background(work).on_success(done).on_failure(self.message.setText).on_finished(
            finished
        ).start()

    # -- actions ---------------------------------------------------------------------------

    def enrol(self) -> None:
        from sync.client import enrol

        url, code = self.hub_field.text().strip(), self.code_field.text().strip()
        if not url or not code:
            self.message.setText(self.tr("Type the hub address and the school's enrolment code."))
            return

        def work(_job: Job) -> str:
            with Journal(self.data_dir) as journal:
                enrolled = enrol(journal, url, code, socket.gethostname())
            return self.tr("Enrolled with {0}.").format(enrolled.school_name)

        self._run(work, self.tr("Enrolling…"), then=self.scheduler.request_now)

    def sync_now(self) -> None:
        self.message.setText("")
        self.scheduler.request_now()

    def toggle_pause(self) -> None:
        if self.scheduler.state.paused:
            self.scheduler.resume()
        else:
            self.scheduler.pause()

    def sync_usb(self) -> None:
        from sync.usb import describe, exchange

        drives = self.drives()
        if not drives:
            self.message.setText(self.tr("Insert the USB drive first."))
            return
        drive = drives[0]

        def work(_job: Job) -> str:
            with Journal(self.data_dir) as journal:
                return describe(exchange(journal, drive))

        self._run(work, self.tr("Syncing through {0}…").format(drive))
