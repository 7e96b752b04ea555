"""下载: what the sync scheduler has to move, in the order it moves it.

The queue is every subscribed package (in the school's order of priority; 上移/下移
change it) with its state at the hub, then the outbox's uploads. The running transfer
has a progress bar with rate and time left; 暂停/继续 hold and release the scheduler.
Below, the packages the hub offers, each with a box to tick: 订阅 / 取消订阅.
Reading the hub's index and manifests runs in the background (`load_queue`).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.gui.style import big_button
from app.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from app.settings import Settings
from app.sync_scheduler import SchedulerState, SyncScheduler
from app.tasks import Background
from app.texts import progress_text
from media.catalog import Catalog
from media.disk import human_size
from media.errors import KebaoError, SourceUnavailable
from media.repository import IndexEntry, latest, parse_index, version_key
from sync.journal import Journal

if TYPE_CHECKING:
    from sync.round import Transfer


@dataclass(frozen=True)
class QueueRow:
    key: str  # package id, or the upload's sha256
    title: str
    size: int | None  # bytes still to move; None when the hub could not say
    upload: bool = False
    done: bool = False  # installed and up to date
    offered: bool = True  # the hub has this package


@dataclass(frozen=True)
class Queue:
    packages: list[QueueRow] = field(default_factory=list)
    uploads: list[QueueRow] = field(default_factory=list)
    offered: list[tuple[str, str]] = field(default_factory=list)  # (id, title) at the hub
    error: str = ""  # why the hub's packages could not be read
    unreachable: str = ""  # the hub did not answer: why, in a few words
    enrolled: bool = True


def cached_index(data_dir: Path, hub_url: str | None) -> dict[str, IndexEntry]:
    """The newest entry of each package in the hub's index as the last round kept it in
    `downloads/` ({} if none): titles without the hub."""
    from sync.download import index_copy
    from sync.protocol import REPO

    if hub_url is None:
        return {}
    path = index_copy(data_dir / "downloads", hub_url + REPO)
    with contextlib.suppress(OSError, KebaoError):
        return latest(parse_index(path.read_bytes(), str(path)))
    return {}


def load_queue(data_dir: Path) -> Queue:
    """The queue as the next round would see it (network: run it in the background).

    A package's title comes from the hub's index; without the hub (not enrolled, not
    reachable), from the catalog if it is installed, else from the index as last read;
    its id only if none of them knows it."""
    from media.store import BlobStore
    from sync import packages, protocol, upload
    from sync.download import HttpSource, held_index_etag

    subscriptions = Settings.load(data_dir).subscriptions
    uploads = [
        QueueRow(e.sha256, e.title, e.size, upload=True)
        for e in upload.pending(upload.outbox_dir(data_dir))
    ]
    with Journal(data_dir) as journal:
        state = journal.sync_state()
    catalog = Catalog(data_dir / "catalog.db")
    try:
        installed = {pid: (v, title) for pid, v, title, _state in catalog.package_list()}
    finally:
        catalog.close()
    titles = {pid: e.title for pid, e in cached_index(data_dir, state.hub_url).items()}
    titles |= {pid: title for pid, (_v, title) in installed.items()}
    unknown = [QueueRow(pid, titles.get(pid, pid), None) for pid in subscriptions]
    if not state.enrolled or state.hub_url is None:
        return Queue(unknown, uploads, enrolled=False)
    # The index as the last round kept it (each round checks it is the hub's): showing
    # the queue after every round costs no request once the index and manifests are here.
    url, downloads = state.hub_url + protocol.REPO, data_dir / "downloads"
    source = HttpSource(url, downloads, index_etag=held_index_etag(downloads, url) or None)
    try:
        entries = source.entries()
        newest = latest(entries)
        rows = []
        for pid in subscriptions:
            entry = newest.get(pid)
            if entry is None:
                rows.append(QueueRow(pid, titles.get(pid, pid), None, offered=False))
                continue
            have = installed.get(pid)
            done = have is not None and version_key(have[0]) >= version_key(entry.version)
            sizes = packages.package_bytes(BlobStore(data_dir), source, entry)
            rows.append(
                QueueRow(pid, entry.title, sizes.total if done else sizes.needed, done=done)
            )
        offered = sorted(((e.id, e.title) for e in newest.values()), key=lambda x: x[1])
        return Queue(rows, uploads, offered)
    except SourceUnavailable as e:
        return Queue(unknown, uploads, unreachable=str(e.fields.get("problem", "")))
    except KebaoError as e:
        return Queue(unknown, uploads, error=str(e))
    finally:
        source.http.close()


class DownloadsPage(QWidget):
    def __init__(
        self, data_dir: Path, scheduler: SyncScheduler, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.scheduler = scheduler
        self.queue = Queue()
        self._started: dict[str, float] = {}  # transfer key → when this round took it up

        self.summary = QLabel()
        self.summary.setObjectName("downloads-summary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("queue")
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Size"), self.tr("Status")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.currentCellChanged.connect(lambda *_: self._set_buttons())

        self.up_button = big_button(self.tr("Move up"))
        self.up_button.setObjectName("move-up")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button = big_button(self.tr("Move down"))
        self.down_button.setObjectName("move-down")
        self.down_button.clicked.connect(lambda: self.move(1))
        self.pause_button = big_button(self.tr("Pause"))
        self.pause_button.setObjectName("downloads-pause")
        self.pause_button.clicked.connect(self.toggle_pause)
        buttons = QHBoxLayout()
        for b in (self.up_button, self.down_button, self.pause_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.moving = QLabel()
        self.moving.setObjectName("moving")
        self.progress = QProgressBar()
        self.progress.setObjectName("transfer-progress")
        self.progress_line = QLabel()
        self.progress_line.setObjectName("transfer-line")

        self.offered = QListWidget()
        self.offered.setObjectName("offered")
        self.offered.itemChanged.connect(self._ticked)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.moving)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_line)
        layout.addWidget(QLabel(self.tr("Packages the hub offers (tick to subscribe)")))
        layout.addWidget(self.offered, 2)

        scheduler.state_changed.connect(self.show_state)
        scheduler.round_finished.connect(lambda _report: self.refresh())
        self.show_state(scheduler.state)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        self.refresh()

    # -- the queue ---------------------------------------------------------------------------

    def refresh(self) -> None:
        data_dir = self.data_dir
        Background(lambda _job: load_queue(data_dir)).on_success(self._show_queue).start()

    def _show_queue(self, queue: Queue) -> None:
        self.queue = queue
        self.offered.blockSignals(True)
        self.offered.clear()
        subscribed = set(Settings.load(self.data_dir).subscriptions)
        for pid, title in queue.offered:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, pid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = Qt.CheckState.Checked if pid in subscribed else Qt.CheckState.Unchecked
            item.setCheckState(ticked)
            self.offered.addItem(item)
        self.offered.blockSignals(False)
        self.show_state(self.scheduler.state)

    def rows(self) -> list[QueueRow]:
        return self.queue.packages + self.queue.uploads

    def state_text(self, row: QueueRow, s: SchedulerState) -> str:
        """等待 / 下载中 / 已暂停 / 已完成 / 失败, with the reason."""
        if not row.offered:
            return self.tr("The hub does not offer this package")
        if row.done:
            return self.tr("Done")
        if s.transfer is not None and s.transfer.key == row.key:
            percent = s.transfer.done * 100 // max(s.transfer.total, 1)
            if row.upload:
                return self.tr("Uploading, {0}%").format(percent)
            return self.tr("Downloading, {0}%").format(percent)
        if s.paused:
            return self.tr("Paused")
        if s.failed is not None and s.failed.key == row.key and s.last_error:
            return self.tr("Failed: {0}").format(s.last_error)
        if s.waiting:
            return self.tr("Waiting: {0}").format(s.waiting)
        return self.tr("Waiting")

    def show_state(self, s: SchedulerState) -> None:
        rows = self.rows()
        current = self.table.currentRow()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            size = human_size(row.size) if row.size is not None else "—"
            title = self.tr("Upload: {0}").format(row.title) if row.upload else row.title
            for c, text in enumerate((title, size, self.state_text(row, s))):
                item = self.table.item(r, c)
                if item is None:
                    self.table.setItem(r, c, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        if 0 <= current < len(rows):
            self.table.setCurrentCell(current, 0)
        if not self.queue.enrolled:
            self.summary.setText(
                self.tr("This PC is not enrolled with a hub: enrol it on the Sync page first.")
            )
        elif self.queue.unreachable:
            self.summary.setText(
                self.tr("Cannot reach the hub ({0}): the list is as it was last read.").format(
                    self.queue.unreachable
                )
            )
        elif self.queue.error:
            self.summary.setText(self.queue.error)
        elif s.paused:
            self.summary.setText(self.tr("Paused. Press Resume to go on."))
        else:
            self.summary.setText(s.waiting)
        self._show_transfer(s.transfer)
        self.pause_button.setText(self.tr("Resume") if s.paused else self.tr("Pause"))
        self._set_buttons()

    def _show_transfer(self, t: Transfer | None) -> None:
        for w in (self.moving, self.progress, self.progress_line):
            w.setVisible(t is not None)
        if t is None:
            self._started.clear()  # a rate counts only the bytes of the round that moves them
            return
        started = self._started.setdefault(t.key, time.monotonic())
        self.moving.setText(self.tr("Now moving: {0}").format(t.title))
        # In KB, so a bar of a few GB fits in QProgressBar's int range.
        self.progress.setMaximum(max(t.total // 1024, 1))
        self.progress.setValue(t.done // 1024)
        self.progress_line.setText(
            progress_text(t.done, t.total, time.monotonic() - started, start=t.started)
        )

    # -- priorities, pause, subscriptions ------------------------------------------------

    def _set_buttons(self) -> None:
        row = self.table.currentRow()
        count = len(self.queue.packages)
        self.up_button.setEnabled(0 < row < count)
        self.down_button.setEnabled(0 <= row < count - 1)

    def move(self, step: int) -> None:
        """上移 / 下移: the package downloads before (after) its neighbour from now on."""
        row = self.table.currentRow()
        keys = [r.key for r in self.queue.packages]
        other = row + step
        if not (0 <= row < len(keys) and 0 <= other < len(keys)):
            return
        settings = Settings.load(self.data_dir)
        order = settings.subscriptions
        if keys[row] in order and keys[other] in order:
            i, j = order.index(keys[row]), order.index(keys[other])
            order[i], order[j] = order[j], order[i]
        settings.save(self.data_dir)
        rows = self.queue.packages
        rows[row], rows[other] = rows[other], rows[row]
        self.table.setCurrentCell(other, 0)
        self.show_state(self.scheduler.state)

    def toggle_pause(self) -> None:
        if self.scheduler.state.paused:
            self.scheduler.resume()
        else:
            self.scheduler.pause()

    def _ticked(self, item: QListWidgetItem) -> None:
        """订阅 / 取消订阅; a new subscription downloads last, when its hours allow."""
        pid = item.data(Qt.ItemDataRole.UserRole)
        settings = Settings.load(self.data_dir)
        if item.checkState() == Qt.CheckState.Checked:
            settings.subscriptions.append(pid)
        else:
            settings.subscriptions = [p for p in settings.subscriptions if p != pid]
        settings.save(self.data_dir)
        self.refresh()
        self.scheduler.request_now()
