"""The hub's side of sync by USB drive: `kebao hub import DIR` and `kebao hub export DIR`.

A technician brings back a drive from schools without internet. Import takes every
school's `to-hub/` files as pushes from that school (the same checks, idempotent by
event id) and the files of their outboxes (checked against their hash); export writes
each school's events into `from-hub/` (all of them: the drive may go to a PC that has
never seen any) and the list of files the hub holds, so the PCs can empty their outbox.

    >>> report = import_drive(store, Path("/media/u盘"), Path("/srv/kebao-hub/uploads"))
    >>> export_drive(store, Path("/media/u盘"))
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from hub.db import COMPLETE, HubStore, Upload, now_ms
from media.errors import InputInvalid, KebaoError, text
from sync.protocol import (
    FOLDER,
    FROM_HUB,
    PUSH_EVENTS,
    RECEIVED,
    SUFFIX,
    TO_HUB,
    UPLOADS,
    read_events,
    write_atomically,
    write_events,
)

EVENTS_PER_FILE = 5000


class DriveUnusable(KebaoError):
    zh = "无法使用U盘 {where}：{reason}"
    en = "Cannot use the drive at {where}: {reason}"


@dataclass
class DriveReport:
    stored: int = 0  # events new to the hub
    duplicates: int = 0
    files: int = 0  # outbox files taken in
    written: int = 0  # events written for the schools
    skipped: list[str] = field(default_factory=list)  # one sentence each


def _schools(store: HubStore) -> dict[str, str]:
    return {s.id: s.name for s in store.schools()}


def import_drive(store: HubStore, drive: Path, uploads: Path) -> DriveReport:
    """Take in what the schools' PCs wrote to the drive; damaged files are skipped by name."""
    root = drive / FOLDER
    if not root.is_dir():
        raise DriveUnusable(where=str(drive), reason=text(f"没有 {FOLDER} 文件夹", f"no {FOLDER}"))
    known = _schools(store)
    report = DriveReport()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in known:
            report.skipped.append(
                text(
                    f"{folder.name}：不是本中心的学校（先用登记码登记，或用本中心的U盘配置）",
                    f"{folder.name}: not a school of this hub",
                )
            )
            continue
        for path in sorted((folder / TO_HUB).glob(f"*/*{SUFFIX}")):
            try:
                events = read_events(path)
            except InputInvalid as e:
                report.skipped.append(str(e))
                continue
            for i in range(0, len(events), PUSH_EVENTS):
                stored, duplicates = store.push(folder.name, events[i : i + PUSH_EVENTS], now_ms())
                report.stored += stored
                report.duplicates += duplicates
        for meta in sorted((folder / TO_HUB).glob(f"*/{UPLOADS}/*.json")):
            try:
                if _take_file(store, folder.name, meta, uploads):
                    report.files += 1
            except (InputInvalid, OSError, ValueError, KeyError) as e:
                report.skipped.append(f"{meta.relative_to(drive)}：{e}")
    return report


def _take_file(store: HubStore, school_id: str, meta: Path, uploads: Path) -> bool:
    """One outbox file from the drive into the school's files; False if already held."""
    doc = json.loads(meta.read_bytes())
    sha256, size = str(doc["sha256"]), int(doc["size"])
    if store.complete_upload(school_id, sha256) is not None:
        return False
    source = meta.with_suffix("")
    target = uploads / school_id / sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f"{sha256}.{uuid.uuid4().hex}.part")
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(part, "wb") as out:
        while block := src.read(1024 * 1024):
            digest.update(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != sha256 or part.stat().st_size != size:
        part.unlink()
        raise InputInvalid(where=str(source), problem=text("文件与校验值不符", "hash mismatch"))
    os.replace(part, target)
    now = now_ms()
    store.create_upload(
        Upload(
            id=uuid.uuid4().hex,
            school_id=school_id,
            device_id=meta.parent.parent.name,
            filename=str(doc.get("filename", sha256))[:200],
            sha256=sha256,
            kind=str(doc.get("kind", "file")),
            title=str(doc.get("title", ""))[:200],
            length=size,
            offset=size,
            expires=now,
            state=COMPLETE,
            created=now,
        )
    )
    return True


def export_drive(store: HubStore, drive: Path) -> DriveReport:
    """Write every school's events (and the files the hub holds) for the PCs to take in."""
    report = DriveReport()
    try:
        for school_id in sorted(_schools(store)):
            folder = drive / FOLDER / school_id / FROM_HUB
            events = store.pull(school_id, 0, 2**62, exclude_device="")
            if not events and not (drive / FOLDER / school_id).is_dir():
                continue  # nothing for a school this drive never visits
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob(f"*{SUFFIX}"):
                old.unlink()  # replaced by the whole history just below
            for i in range(0, len(events), EVENTS_PER_FILE):
                page = events[i : i + EVENTS_PER_FILE]
                name = f"{page[0].seq:012d}-{page[-1].seq:012d}{SUFFIX}"
                write_events(folder / name, [s.event for s in page])
                report.written += len(page)
            received = sorted(store.complete_uploads(school_id))
            write_atomically(folder / RECEIVED, json.dumps(received).encode("utf-8"))
    except OSError as e:
        raise DriveUnusable(where=str(drive), reason=e.strerror or str(e)) from None
    return report


def remove_taken_files(drive: Path, store: HubStore) -> int:
    """Free the drive of outbox copies the hub now holds; how many were removed."""
    removed = 0
    for school_id in _schools(store):
        held = set(store.complete_uploads(school_id))
        for meta in (drive / FOLDER / school_id / TO_HUB).glob(f"*/{UPLOADS}/*.json"):
            if meta.stem in held:
                meta.with_suffix("").unlink(missing_ok=True)
                meta.unlink(missing_ok=True)
                removed += 1
    return removed
