"""The outbox and resumable uploads (tus 1.0: creation, checksum, expiration, termination).

A file queued for the hub (a 专递课堂 recording, a report) gets an entry in
`<data>/outbox/<sha256>.json`: where the file is, its hash and size, and, once the hub
created the upload, its `location`. An upload resumes from the hub's offset (`HEAD`)
after any cut, sends 4 MiB chunks each with its own SHA-256 (`Upload-Checksum`), and
removes the entry when the hub has the whole file (checked by the hub against the
hash in the metadata). Nothing here deletes or moves the file itself.

    >>> entry = queue(data_dir, Path("D:/录课/2024-10-08 第三节.mp4"), kind="recording")
    >>> send(client, school_id, entry, outbox=data_dir / "outbox")
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from media.disk import write_atomic
from media.errors import Cancelled, InputInvalid, KebaoError, text
from sync import protocol

if TYPE_CHECKING:
    import requests

    from sync.client import HubClient
    from sync.download import Pace

CHUNK = 4 * 1024 * 1024
KINDS = ("recording", "file")
CHUNK_RETRIES = 3


class UploadFileChanged(KebaoError):
    zh = "要上传的文件 {path} 已被移动、删除或修改，已从上传队列中移除"
    en = "The file {path} was moved, deleted or changed; it was taken off the upload queue"


@dataclass
class OutboxEntry:
    path: str
    sha256: str
    size: int
    kind: str
    title: str
    location: str | None = None

    @property
    def filename(self) -> str:
        return Path(self.path).name


def outbox_dir(data_dir: Path) -> Path:
    return data_dir / "outbox"


def hash_file(path: Path, cancel: threading.Event | None = None) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(CHUNK):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def queue(data_dir: Path, path: Path, *, kind: str = "recording", title: str = "") -> OutboxEntry:
    """Put a file in the outbox (hashed now, so a later change is caught)."""
    if kind not in KINDS:
        raise InputInvalid(where=kind, problem=f"kind must be one of {', '.join(KINDS)}")
    path = path.resolve()
    try:
        sha256, size = hash_file(path)
    except OSError as e:
        raise InputInvalid(where=str(path), problem=e.strerror or str(e)) from None
    if size > protocol.UPLOAD_BYTES:
        raise InputInvalid(where=str(path), problem=text("文件太大", "the file is too large"))
    entry = OutboxEntry(str(path), sha256, size, kind, title or path.stem)
    save(outbox_dir(data_dir), entry)
    return entry


def save(outbox: Path, entry: OutboxEntry) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    data = json.dumps(asdict(entry), ensure_ascii=False, indent=1).encode("utf-8")
    write_atomic(outbox / f"{entry.sha256}.json", data)


def pending(outbox: Path) -> list[OutboxEntry]:
    """The queue, small files first (they go before recordings); damaged entries skipped."""
    entries = []
    for path in sorted(outbox.glob("*.json")) if outbox.is_dir() else ():
        try:
            doc = json.loads(path.read_bytes())
            entries.append(OutboxEntry(**doc))
        except (OSError, ValueError, TypeError):
            continue
    return sorted(entries, key=lambda e: (e.size, e.sha256))


def _metadata(entry: OutboxEntry) -> str:
    pairs = {"filename": entry.filename, "sha256": entry.sha256, "kind": entry.kind}
    if entry.title:
        pairs["title"] = entry.title
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def _tus(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": protocol.TUS_VERSION, **(extra or {})}


def create(client: HubClient, school_id: str, entry: OutboxEntry) -> str:
    from sync.client import HubRefused

    response = client.request(
        "POST",
        protocol.school_path(school_id, "uploads/"),
        headers=_tus({"Upload-Length": str(entry.size), "Upload-Metadata": _metadata(entry)}),
    )
    location = response.headers.get("Location", "")
    if not location.startswith(protocol.API):
        raise HubRefused(response.status_code, "invalid", "upload created without a location")
    return location


def offset(client: HubClient, location: str) -> int:
    return _offset(client, client.request("HEAD", location, headers=_tus()))


def _offset(client: HubClient, response: requests.Response) -> int:
    """The answer's `Upload-Offset`; missing, the answer was cut in its headers."""
    from sync.client import HubUnreachable, cut_short

    value = response.headers.get("Upload-Offset", "")
    if not value.isdigit():
        raise HubUnreachable(url=client.url, reason=cut_short())
    return int(value)


def send(
    client: HubClient,
    school_id: str,
    entry: OutboxEntry,
    *,
    outbox: Path,
    pace: Pace | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    resumed: Callable[[int], None] | None = None,
) -> None:
    """Upload one outbox entry to the end, resuming where the hub has got to.

    `resumed(offset)` hears once, before the first chunk, how many bytes the hub
    already holds; `progress(n)` each chunk's size as the hub acknowledges it.
    Removes the entry once the hub holds the whole file. Raises HubUnreachable (try
    again later: the entry keeps its location), HubRefused, UploadFileChanged.
    """
    # Here, not at the top: the outbox is listed at start-up, without the HTTP libraries.
    from sync.client import HubRefused, HubUnreachable

    path = Path(entry.path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or stat.st_size != entry.size:
        (outbox / f"{entry.sha256}.json").unlink(missing_ok=True)
        raise UploadFileChanged(path=entry.path)
    if entry.location is not None:
        try:
            at = offset(client, entry.location)
        except HubRefused as e:
            if e.status not in (404, 410):
                raise
            entry.location = None  # expired or gone: create it again
    if entry.location is None:
        entry.location = create(client, school_id, entry)
        save(outbox, entry)
        at = offset(client, entry.location)
    if resumed is not None:
        resumed(at)
    failures = conflicts = 0
    with open(path, "rb", buffering=0) as f:
        while at < entry.size:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            f.seek(at)
            chunk = f.read(CHUNK)
            if pace is not None:
                pace.take(len(chunk), cancel)
            digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
            try:
                response = client.request(
                    "PATCH",
                    entry.location,
                    data=chunk,
                    headers=_tus(
                        {
                            "Content-Type": "application/offset+octet-stream",
                            "Upload-Offset": str(at),
                            "Upload-Checksum": f"sha256 {digest}",
                        }
                    ),
                )
            except HubRefused as e:
                if e.status == 409:
                    held = offset(client, entry.location)
                    conflicts = conflicts + 1 if held == at else 0
                    if conflicts == CHUNK_RETRIES:  # another PATCH still holds it: no spinning
                        busy = text(
                            "同步中心还在接收这个文件的上一次上传",
                            "the hub is still taking an earlier attempt at this file",
                        )
                        raise HubUnreachable(url=client.url, reason=busy) from None
                    at = held
                    continue
                last = at + len(chunk) == entry.size
                if e.status == 460 and last and hash_file(path)[0] != entry.sha256:
                    (outbox / f"{entry.sha256}.json").unlink(missing_ok=True)
                    raise UploadFileChanged(path=entry.path) from None
                if e.status == 460 and not last and failures < CHUNK_RETRIES:
                    failures += 1  # damaged on the way: send the chunk again
                    at = offset(client, entry.location)
                    continue
                if e.status in (404, 410, 460):
                    entry.location = None  # the hub dropped it: start again next round
                    save(outbox, entry)
                raise
            at = _offset(client, response)
            if progress is not None:
                progress(len(chunk))
    (outbox / f"{entry.sha256}.json").unlink(missing_ok=True)
