"""One sync round: journal, small uploads, package downloads, recording uploads, in order.

`kebao sync` runs one; the GUI's scheduler runs one whenever the bandwidth policy lets
it. A step runs only if the policy allows its class now; a step that fails stops the
round (what earlier steps did is kept, and the next round goes on from there), except
that a file the hub refuses is set aside and the round goes on with the rest.

    >>> report = run_round(journal, library, client, subscriptions=["pep.math.g3a"])
    >>> report.sentences()

`progress` hears of each file moving (`Transfer`: which, how far), for the 下载 page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from media.errors import Cancelled, KebaoError, text
from media.library import Library
from media.repository import IndexEntry
from sync import packages, protocol, upload
from sync.client import HubClient, HubRefused, JournalReport, client_for, sync_journal
from sync.download import HttpSource, Pace
from sync.journal import Journal
from sync.policy import TransferClass

Allowed = Callable[[TransferClass], bool]


@dataclass(frozen=True)
class Transfer:
    """A file moving now: a package download (`key` its id) or an upload (its sha256)."""

    kind: TransferClass
    key: str
    title: str
    done: int  # bytes of it moved so far, what earlier rounds moved included
    total: int
    started: int  # `done` when this round took it up, so a rate counts only this round


Watch = Callable[[Transfer], None]


@dataclass
class RoundReport:
    journal: JournalReport | None = None
    uploaded: list[str] = field(default_factory=list)  # titles
    installed: list[str] = field(default_factory=list)  # package labels
    set_aside: list[str] = field(default_factory=list)  # one sentence each
    waiting: list[TransferClass] = field(default_factory=list)  # not allowed now
    bytes_downloaded: int = 0  # package files, this round
    bytes_uploaded: int = 0  # outbox files, this round

    @property
    def bytes_moved(self) -> int:
        """Everything this round sent and received: records, files, packages."""
        j = self.journal
        records = j.bytes_sent + j.bytes_received if j is not None else 0
        return records + self.bytes_downloaded + self.bytes_uploaded

    def sentences(self) -> list[str]:
        lines = []
        if self.journal is not None:
            j = self.journal
            lines.append(
                text(
                    f"学习记录：发送 {j.pushed + j.duplicates} 条，收到 {j.pulled} 条",
                    f"records: {j.pushed + j.duplicates} sent, {j.pulled} received",
                )
            )
        if self.uploaded:
            lines.append(text("已上传：", "uploaded: ") + "、".join(self.uploaded))
        if self.installed:
            lines.append(
                text("已下载并安装：", "downloaded and installed: ") + "、".join(self.installed)
            )
        lines.extend(self.set_aside)
        return lines


def _send_outbox(
    outbox: Path,
    client: HubClient,
    school_id: str,
    entries: list[upload.OutboxEntry],
    report: RoundReport,
    *,
    pace: Pace | None,
    cancel: threading.Event | None,
    kind: TransferClass,
    watch: Watch | None,
) -> None:
    for entry in entries:
        at = [0, 0]  # bytes the hub holds: when this round took the file up, and now

        def resumed(offset: int, entry: upload.OutboxEntry = entry, at: list[int] = at) -> None:
            at[:] = [offset, offset]
            if watch is not None:
                watch(Transfer(kind, entry.sha256, entry.title, offset, entry.size, offset))

        def chunk(n: int, entry: upload.OutboxEntry = entry, at: list[int] = at) -> None:
            at[1] += n
            report.bytes_uploaded += n
            if watch is not None:
                watch(Transfer(kind, entry.sha256, entry.title, at[1], entry.size, at[0]))

        try:
            upload.send(client, school_id, entry, outbox=outbox, pace=pace, cancel=cancel,
                        progress=chunk, resumed=resumed)  # fmt: skip
        except upload.UploadFileChanged as e:
            report.set_aside.append(str(e))
            continue
        except HubRefused as e:
            if e.status in (403, 413, 422):
                report.set_aside.append(f"{entry.title}：{e}")
                continue
            raise
        report.uploaded.append(entry.title)


def run_round(
    journal: Journal,
    library: Library,
    client: HubClient,
    *,
    subscriptions: Sequence[str] = (),
    allowed: Allowed = lambda _c: True,
    peers: Callable[[], Sequence[str]] | None = None,
    pace: Pace | None = None,
    cancel: threading.Event | None = None,
    progress: Watch | None = None,
) -> RoundReport:
    """Run the steps the policy allows, in priority order; raises on the first failure.

    Subscribed packages download in the order of `subscriptions`, from a LAN peer first:
    `peers()` (typed addresses, mDNS discovery) is asked only when a package is to be
    downloaded now, so an idle round never waits for discovery."""
    report = RoundReport()
    state = journal.sync_state()
    if allowed(TransferClass.JOURNAL):
        report.journal = sync_journal(journal, client)
    else:
        report.waiting.append(TransferClass.JOURNAL)
    outbox = upload.outbox_dir(library.data_dir)
    entries = upload.pending(outbox)
    small = [e for e in entries if e.size <= protocol.SMALL_UPLOAD_BYTES]
    large = [e for e in entries if e.size > protocol.SMALL_UPLOAD_BYTES]
    school = state.school_id or ""

    def send_files(kind: TransferClass, entries: list[upload.OutboxEntry]) -> None:
        if not entries:
            return
        if not allowed(kind):
            report.waiting.append(kind)
            return
        _send_outbox(outbox, client, school, entries, report, pace=pace, cancel=cancel,
                     kind=kind, watch=progress)  # fmt: skip

    send_files(TransferClass.SMALL_UPLOAD, small)
    if subscriptions:
        repo = client.url + protocol.REPO
        # The pull page said which index the hub has: the copy kept from an earlier
        # round is used when it is that one, and an idle round asks nothing more.
        known = report.journal.repo_index if report.journal is not None else None
        source = HttpSource(
            repo, library.data_dir / "downloads", http=client.http, index_etag=known
        )
        wanted = packages.updates(
            source.entries(), packages.installed_versions(library.catalog), subscriptions
        )
        if wanted and allowed(TransferClass.PACKAGE_DOWNLOAD):
            started: dict[str, int] = {}

            def received(n: int) -> None:
                report.bytes_downloaded += n

            def watch(entry: IndexEntry, done: int, total: int) -> None:
                first = started.setdefault(entry.id, done)
                if progress is not None:
                    kind = TransferClass.PACKAGE_DOWNLOAD
                    progress(Transfer(kind, entry.id, entry.title, done, total, first))

            done = packages.download(
                library,
                repo,
                wanted,
                peers=peers() if peers is not None else (),
                pace=pace,
                cancel=cancel,
                received=received,
                watch=watch,
            )
            report.installed += [label for label, _units in done.installed]
        elif wanted:
            report.waiting.append(TransferClass.PACKAGE_DOWNLOAD)
    send_files(TransferClass.RECORDING_UPLOAD, large)
    return report


def run_recorded(journal: Journal, library: Library, **options: object) -> RoundReport:
    """`run_round` with the hub this data folder is enrolled with; the outcome is kept in
    the journal's `sync_state` (`last_success_ms`, or `last_error`: one sentence), as the
    同步 page and `kebao status` show it. A pause (Cancelled) is not an error.

        >>> run_recorded(journal, library, subscriptions=["pep.math.g3a"], cancel=stop)
    """
    client = client_for(journal)
    try:
        report = run_round(journal, library, client, **options)  # type: ignore[arg-type]
    except KebaoError as e:
        if not isinstance(e, Cancelled):
            journal.update_sync_state(last_error=str(e))
        raise
    finally:
        client.close()
    journal.update_sync_state(last_success_ms=int(time.time() * 1000), last_error=None)
    return report
