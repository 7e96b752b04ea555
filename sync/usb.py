"""Sync by USB drive: the journal's events to and from `kebao-sync/` on a drive.

For a school with no internet (docs/sync-protocol.md, "Sync by USB drive"). A device
writes the events the hub may not have into `to-hub/<device_id>/`, and takes in what
the hub left in `from-hub/` and what the school's other PCs left in `to-hub/`: every
PC of the school converges through the drive, and the county's hub gets everything on
the technician's next visit. Files are gzip'd JSON lines, written to `.part`, fsync'd
and renamed, so a drive pulled mid-write leaves only a `.part` the next run replaces.

    >>> report = exchange(journal, Path("/media/u盘"))
    >>> report.written, report.applied
    (812, 120)
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from media.errors import InputInvalid, KebaoError, text
from sync import upload
from sync.journal import Journal
from sync.protocol import (
    FOLDER,
    FROM_HUB,
    RECEIVED,
    SUFFIX,
    TO_HUB,
    UNENROLLED,
    UPLOADS,
    read_events,
    write_atomically,
    write_events,
)

EVENTS_PER_FILE = 5000
FAT32_MAX = 4 * 1024**3 - 1  # a drive formatted FAT32 cannot hold a larger file


class DriveUnwritable(KebaoError):
    zh = "无法写入U盘 {where}：{reason}。本机记录没有改动，请检查U盘后重试"
    en = "Cannot write to the drive at {where}: {reason}. Nothing changed here; check the drive"


@dataclass
class UsbReport:
    written: int = 0  # events written to the drive
    applied: int = 0  # events new to this journal
    files_written: int = 0  # outbox files copied to the drive
    files_done: int = 0  # outbox files the hub confirmed it holds
    set_aside: list[str] = field(default_factory=list)  # files that cannot go, one sentence each
    files_read: int = 0
    damaged: list[str] = field(default_factory=list)  # files skipped, by path on the drive


def school_folder(drive: Path, school_id: str | None) -> Path:
    return drive / FOLDER / (school_id or UNENROLLED)


def event_files(folder: Path, skip: Path | None = None) -> Iterator[tuple[Path, str]]:
    """(file, via) of every events file under a school's folder, in a stable order."""
    for path in sorted((folder / FROM_HUB).glob(f"*{SUFFIX}")):
        yield path, "hub"
    for path in sorted((folder / TO_HUB).glob(f"*/*{SUFFIX}")):
        if skip is None or path.parent != skip:
            yield path, "usb"


def exchange(journal: Journal, drive: Path, outbox: Path | None = None) -> UsbReport:
    """Write this device's new events and outbox files to the drive, then take in
    everything on it (other PCs' events, the hub's, and which files the hub holds)."""
    outbox = outbox or upload.outbox_dir(journal.path.parent)
    state = journal.sync_state()
    folder = school_folder(drive, state.school_id)
    mine = folder / TO_HUB / journal.device_id
    report = UsbReport()
    try:
        mine.mkdir(parents=True, exist_ok=True)
        cursor = state.usb_cursor
        while True:
            page = journal.events_to_send(cursor, EVENTS_PER_FILE, skip=("hub", "usb"))
            if not page.events:
                break
            first = cursor + 1
            write_events(mine / f"{first:012d}-{page.cursor:012d}{SUFFIX}", page.events)
            cursor = page.cursor
            journal.update_sync_state(usb_cursor=cursor)  # only once the file is whole
            report.written += len(page.events)
        _copy_outbox(outbox, mine / UPLOADS, report)
    except OSError as e:
        raise DriveUnwritable(where=str(drive), reason=e.strerror or str(e)) from None
    take_in(journal, drive, report, skip=mine)
    _forget_received(folder / FROM_HUB / RECEIVED, outbox, mine / UPLOADS, report)
    return report


def take_in(
    journal: Journal, drive: Path, report: UsbReport | None = None, skip: Path | None = None
) -> UsbReport:
    """The read side alone: apply the hub's and the school's other PCs' events on the
    drive, writing nothing to it (`kebao usb-kit apply`: a kit may be read-only)."""
    report = report or UsbReport()
    for path, via in event_files(school_folder(drive, journal.sync_state().school_id), skip):
        try:
            events = read_events(path)
        except InputInvalid:
            report.damaged.append(str(path.relative_to(drive)))
            continue
        report.files_read += 1
        report.applied += journal.apply_events(events, via=via)
    return report


def _copy_outbox(outbox: Path, target: Path, report: UsbReport) -> None:
    """Each queued file once onto the drive, with its metadata beside it."""
    for entry in upload.pending(outbox):
        copy = target / entry.sha256
        if copy.is_file() and copy.stat().st_size == entry.size:
            continue
        if entry.size > FAT32_MAX:
            report.set_aside.append(
                text(
                    f"{entry.title} 大于 4 GB，U盘（FAT32）放不下，请联网上传",
                    f"{entry.title} is over 4 GB, too large for a FAT32 drive; upload it online",
                )
            )
            continue
        source = Path(entry.path)
        try:
            same = source.stat().st_size == entry.size
        except OSError:
            same = False
        if not same:
            report.set_aside.append(str(upload.UploadFileChanged(path=entry.path)))
            continue
        target.mkdir(parents=True, exist_ok=True)
        _copy(source, copy)
        meta = {k: v for k, v in asdict(entry).items() if k not in ("path", "location")}
        meta["filename"] = entry.filename
        write_atomically(target / f"{entry.sha256}.json", json.dumps(meta).encode("utf-8"))
        report.files_written += 1


def _copy(source: Path, copy: Path) -> None:
    """Whole or not at all, as every file on the drive."""
    part = copy.with_name(copy.name + ".part")
    with open(source, "rb") as src, open(part, "wb") as out:
        shutil.copyfileobj(src, out, 4 * 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, copy)


def _forget_received(received: Path, outbox: Path, copies: Path, report: UsbReport) -> None:
    """The hub holds these files: take them off the outbox and off the drive."""
    try:
        held = set(json.loads(received.read_bytes()))
    except (OSError, ValueError, TypeError):
        return
    for entry in upload.pending(outbox):
        if entry.sha256 in held:
            (outbox / f"{entry.sha256}.json").unlink(missing_ok=True)
            for path in (copies / entry.sha256, copies / f"{entry.sha256}.json"):
                path.unlink(missing_ok=True)
            report.files_done += 1


def describe(report: UsbReport) -> str:
    line = text(
        f"已写入U盘 {report.written} 条记录，从U盘读入 {report.applied} 条新记录",
        f"{report.written} events written to the drive, {report.applied} new ones read from it",
    )
    if report.damaged:
        line += text(
            f"；{len(report.damaged)} 个文件已损坏，已跳过：{', '.join(report.damaged)}",
            f"; {len(report.damaged)} damaged files skipped: {', '.join(report.damaged)}",
        )
    return line
