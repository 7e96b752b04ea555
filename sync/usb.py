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

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from media.errors import InputInvalid, KebaoError, text
from sync.events import Event
from sync.journal import Journal

FOLDER = "kebao-sync"
TO_HUB = "to-hub"
FROM_HUB = "from-hub"
UNENROLLED = "unenrolled"
SUFFIX = ".jsonl.gz"
EVENTS_PER_FILE = 5000


class DriveUnwritable(KebaoError):
    zh = "无法写入U盘 {where}：{reason}。本机记录没有改动，请检查U盘后重试"
    en = "Cannot write to the drive at {where}: {reason}. Nothing changed here; check the drive"


@dataclass
class UsbReport:
    written: int = 0  # events written to the drive
    applied: int = 0  # events new to this journal
    files_read: int = 0
    damaged: list[str] = field(default_factory=list)  # files skipped, by path on the drive


def school_folder(drive: Path, school_id: str | None) -> Path:
    return drive / FOLDER / (school_id or UNENROLLED)


def write_events(path: Path, events: list[Event]) -> None:
    """One file of events, whole or not at all (written aside, fsync'd, renamed)."""
    part = path.with_name(path.name + ".part")
    lines = b"".join(
        json.dumps(e.to_dict(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for e in events
    )
    with open(part, "wb") as f:
        f.write(gzip.compress(lines, compresslevel=6, mtime=0))
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, path)
    _fsync_dir(path.parent)


def read_events(path: Path) -> list[Event]:
    """Every event of one file; InputInvalid (naming the file) when any part is damaged."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as e:
        raise InputInvalid(where=str(path), problem=f"damaged: {e}") from None
    events = []
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            events.append(Event.from_dict(json.loads(line)))
        except (ValueError, InputInvalid) as e:
            raise InputInvalid(where=f"{path}:{n}", problem=str(e)) from None
    return events


def event_files(folder: Path, skip: Path | None = None) -> Iterator[tuple[Path, str]]:
    """(file, via) of every events file under a school's folder, in a stable order."""
    for path in sorted((folder / FROM_HUB).glob(f"*{SUFFIX}")):
        yield path, "hub"
    for path in sorted((folder / TO_HUB).glob(f"*/*{SUFFIX}")):
        if skip is None or path.parent != skip:
            yield path, "usb"


def exchange(journal: Journal, drive: Path) -> UsbReport:
    """Write this device's new events to the drive, then take in everything on it."""
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
    except OSError as e:
        raise DriveUnwritable(where=str(drive), reason=e.strerror or str(e)) from None
    for path, via in event_files(folder, skip=mine):
        try:
            events = read_events(path)
        except InputInvalid:
            report.damaged.append(str(path.relative_to(drive)))
            continue
        report.files_read += 1
        report.applied += journal.apply_events(events, via=via)
    return report


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


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return  # Windows cannot open a directory; its rename is durable on NTFS/FAT
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
