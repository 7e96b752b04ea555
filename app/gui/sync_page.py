"""同步: enrol with the county hub, see where sync stands, sync now or by USB drive.

Everything that touches the network or a drive runs in the background with a journal of
its own (SQLite connections stay on their thread); the page shows the state the journal
keeps (`Journal.sync_state`) and one sentence for the last outcome.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.gui.style import big_button
from app.qt import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget, Signal
from app.tasks import Background, Job
from media.disk import human_size
from sync.journal import Journal, SyncState


def when(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")


class SyncPage(QWidget):
    """Emits `synced` after events arrived (the other pages re-read progress)."""

    synced = Signal()

    def __init__(
        self,
        data_dir: Path,
        drives: Callable[[], list[Path]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.drives = drives
        self._busy = False

        self.state_label = QLabel()
        self.state_label.setObjectName("sync-state")
        self.state_label.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setObjectName("sync-counts")
        self.counts.setWordWrap(True)
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
        self.usb_button = big_button(self.tr("Sync through the USB drive"))
        self.usb_button.setObjectName("sync-usb")
        self.usb_button.clicked.connect(self.sync_usb)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.usb_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addWidget(self.counts)
        layout.addWidget(self.enrol_box)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.refresh()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        self.refresh()

    # -- what the page shows -------------------------------------------------------------

    def refresh(self) -> None:
        def work(_job: Job) -> tuple[SyncState, int]:
            with Journal(self.data_dir) as journal:
                state = journal.sync_state()
                return state, journal.pending_count(state.push_cursor)

        Background(work).on_success(lambda r: self._show(*r)).start()

    def _show(self, state: SyncState, pending: int) -> None:
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
        self.enrol_box.setVisible(not state.enrolled)
        self.counts.setText(
            self.tr("Last successful sync: {0}. Records waiting to be sent: {1}.").format(
                when(state.last_success_ms), pending
            )
        )
        self._set_busy(self._busy, state.enrolled)

    def _set_busy(self, busy: bool, enrolled: bool | None = None) -> None:
        self._busy = busy
        if enrolled is None:
            enrolled = not self.enrol_box.isVisible()
        self.enrol_button.setEnabled(not busy)
        self.sync_button.setEnabled(not busy and enrolled)
        self.usb_button.setEnabled(not busy)

    def _run(self, work: Callable[[Job], str], working: str) -> None:
        self.message.setText(working)
        self._set_busy(True)

        def done(sentence: str) -> None:
            self.message.setText(sentence)
            self.synced.emit()

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

        self._run(work, self.tr("Enrolling…"))

    def sync_now(self) -> None:
        from sync.client import client_for, sync_journal

        def work(_job: Job) -> str:
            with Journal(self.data_dir) as journal:
                client = client_for(journal)
                try:
                    report = sync_journal(journal, client)
                except Exception as e:
                    journal.update_sync_state(last_error=str(e))
                    raise
                finally:
                    client.close()
                journal.update_sync_state(last_success_ms=int(time.time() * 1000), last_error=None)
            return self.tr("Synced: {0} records sent, {1} received ({2} out, {3} in).").format(
                report.pushed + report.duplicates,
                report.pulled,
                human_size(report.bytes_sent),
                human_size(report.bytes_received),
            )

        self._run(work, self.tr("Syncing…"))

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
