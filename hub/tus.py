"""Uploads with tus 1.0.0: core, creation, checksum, expiration, termination.

A chunk is streamed to `<data>/uploads/partial/<id>.part` as it arrives and fsynced
before the offset is recorded, so every offset the hub reports is on its disk. When the
last byte is in, the whole file is checked against the `sha256` of `Upload-Metadata` and
renamed to `<data>/uploads/<school_id>/<sha256>`.

    POST   …/uploads/        Upload-Length, Upload-Metadata → 201 Location
    HEAD   …/uploads/<id>    → Upload-Offset
    PATCH  …/uploads/<id>    Upload-Offset, Upload-Checksum → 204 Upload-Offset
    DELETE …/uploads/<id>    → 204
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import re
import uuid
from email.utils import formatdate
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from hub.db import COMPLETE, OPEN, TERMINATED, Upload, now_ms
from hub.state import AuthorisedDevice, HubState, hub_state
from hub.wire import HubError, drain
from sync.protocol import (
    API,
    TUS_CHECKSUMS,
    TUS_EXTENSIONS,
    TUS_VERSION,
    UPLOAD_BYTES,
    UPLOAD_CHUNK_BYTES,
)

PREFIX = API + "/schools/{school_id}/uploads"
KINDS = ("recording", "file")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HASHES = {name: getattr(hashlib, name) for name in TUS_CHECKSUMS.split(",")}
TAKE_OVER_S = 10  # how long a PATCH waits for the earlier one it stopped to let go

router = APIRouter()


def _headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **extra}


def _http_date(ms: int) -> str:
    return formatdate(ms / 1000, usegmt=True)


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise HubError(
            "precondition_failed", "Tus-Resumable: 1.0.0", headers={"Tus-Version": TUS_VERSION}
        )


def _count_header(request: Request, name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isdigit() or len(value) > 19:
        raise HubError("invalid", f"{name} must be a whole number of bytes")
    return int(value)


def parse_metadata(header: str) -> dict[str, str]:
    """tus `Upload-Metadata`: comma-separated `key base64(value)` pairs."""
    pairs = {}
    for item in header.split(","):
        key, _, value = item.strip().partition(" ")
        if not key:
            continue
        try:
            pairs[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise HubError("invalid", f"Upload-Metadata {key}: not base64 of UTF-8") from None
    return pairs


def _text_field(meta: dict[str, str], key: str, required: bool) -> str:
    value = meta.get(key, "")
    if (required and not value) or len(value) > 200 or _CONTROL.search(value):
        raise HubError("invalid", f"Upload-Metadata {key}: 1 to 200 characters")
    return value


def _checksum(header: str | None) -> tuple[str, bytes] | None:
    """`Upload-Checksum: sha256 <base64>` as (algorithm, digest); 400 for another one."""
    if header is None:
        return None
    name, _, value = header.strip().partition(" ")
    if name not in _HASHES:
        raise HubError("bad_request", f"Upload-Checksum: {TUS_CHECKSUMS} only")
    try:
        return name, base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        raise HubError("bad_request", "Upload-Checksum is not base64") from None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _expire(hub: HubState, upload: Upload) -> None:
    hub.upload_hashes.pop(upload.id, None)
    hub.partial_path(upload.id).unlink(missing_ok=True)
    hub.store.update_upload(upload.id, state=TERMINATED)


def sweep(hub: HubState) -> int:
    """Delete the partial files of expired uploads; how many there were."""
    expired = hub.store.expired_uploads(now_ms())
    for upload in expired:
        _expire(hub, upload)
    return len(expired)


def _live(hub: HubState, school_id: str, upload_id: str) -> Upload:
    """The upload, if it is this school's and still there: else 404 or 410."""
    upload = hub.store.upload(upload_id) if _UPLOAD_ID.fullmatch(upload_id) else None
    if upload is None or upload.school_id != school_id:
        raise HubError("not_found", upload_id)
    if upload.state == OPEN and upload.expires < now_ms():
        _expire(hub, upload)
        raise HubError("upload_gone", upload_id)
    if upload.state == TERMINATED:
        raise HubError("upload_gone", upload_id)
    return upload


def _finish(hub: HubState, upload: Upload) -> None:
    """The last byte is in: check the whole file, then move it to the school's files."""
    part = hub.partial_path(upload.id)
    at, digest = hub.upload_hashes.pop(upload.id, (-1, hashlib.sha256()))
    if at != upload.length:  # the hub restarted during the upload: read the file once
        digest = hashlib.sha256()
        with open(part, "rb") as f:
            while block := f.read(1024 * 1024):
                digest.update(block)
    if digest.hexdigest() != upload.sha256:
        part.unlink(missing_ok=True)
        hub.store.update_upload(upload.id, state=TERMINATED)
        raise HubError(
            "checksum_mismatch",
            "the whole file's SHA-256 differs from Upload-Metadata; upload it again",
        )
    target = hub.file_path(upload.school_id, upload.sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    _fsync_dir(target.parent)
    hub.store.update_upload(upload.id, state=COMPLETE, offset=upload.length)


def _upload_headers(upload: Upload, offset: int) -> dict[str, str]:
    headers = _headers(**{"Upload-Offset": str(offset), "Cache-Control": "no-store"})
    if upload.state == OPEN and offset < upload.length:
        headers["Upload-Expires"] = _http_date(upload.expires)
    return headers


@router.options(PREFIX + "/")
@router.options(PREFIX + "/{upload_id}")
def options() -> Response:
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(UPLOAD_BYTES),
            "Tus-Checksum-Algorithm": TUS_CHECKSUMS,
        },
    )


@router.post(PREFIX + "/")
def create(request: Request, school_id: str, device: AuthorisedDevice) -> Response:
    _check_version(request)
    hub = hub_state(request)
    length = _count_header(request, "upload-length")
    if length > UPLOAD_BYTES:
        raise HubError("too_large", f"Upload-Length over {UPLOAD_BYTES}")
    meta = parse_metadata(request.headers.get("upload-metadata", ""))
    sha256 = meta.get("sha256", "")
    if not _SHA256.fullmatch(sha256):
        raise HubError("invalid", "Upload-Metadata sha256: 64 lowercase hex characters")
    kind = meta.get("kind", "file")
    if kind not in KINDS:
        raise HubError("invalid", f"Upload-Metadata kind: {' or '.join(KINDS)}")
    sweep(hub)
    now = now_ms()
    held = hub.store.complete_upload(school_id, sha256)
    done = held is not None and held.length == length
    upload = Upload(
        id=uuid.uuid4().hex,
        school_id=school_id,
        device_id=device.device_id,
        filename=_text_field(meta, "filename", required=True),
        sha256=sha256,
        kind=kind,
        title=_text_field(meta, "title", required=False),
        length=length,
        offset=length if done else 0,
        expires=now + hub.upload_expires_s * 1000,
        state=COMPLETE if done else OPEN,
        created=now,
    )
    if not done:
        part = hub.partial_path(upload.id)
        part.parent.mkdir(parents=True, exist_ok=True)
        part.touch()
    hub.store.create_upload(upload)
    if not done and length == 0:
        _finish(hub, upload)
        upload = hub.store.upload(upload.id) or upload
    headers = _upload_headers(upload, upload.offset)
    headers["Location"] = f"{API}/schools/{school_id}/uploads/{upload.id}"
    return Response(status_code=201, headers=headers)


@router.head(PREFIX + "/{upload_id}")
def head(request: Request, school_id: str, upload_id: str, _device: AuthorisedDevice) -> Response:
    _check_version(request)
    upload = _live(hub_state(request), school_id, upload_id)
    headers = _upload_headers(upload, upload.offset)
    headers["Upload-Length"] = str(upload.length)
    return Response(status_code=200, headers=headers)


@router.delete(PREFIX + "/{upload_id}")
def terminate(
    request: Request, school_id: str, upload_id: str, _device: AuthorisedDevice
) -> Response:
    """An unfinished upload is dropped; a finished one is the school's file and stays."""
    _check_version(request)
    hub = hub_state(request)
    upload = _live(hub, school_id, upload_id)
    if upload.state == OPEN:
        _expire(hub, upload)
    return Response(status_code=204, headers=_headers())


@router.patch(PREFIX + "/{upload_id}")
async def patch(
    request: Request, school_id: str, upload_id: str, _device: AuthorisedDevice
) -> Response:
    _check_version(request)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != (
        "application/offset+octet-stream"
    ):
        raise HubError("bad_content_type", "application/offset+octet-stream")
    offset = _count_header(request, "upload-offset")
    checksum = _checksum(request.headers.get("upload-checksum"))
    hub = hub_state(request)
    lock = hub.upload_locks.setdefault(upload_id, asyncio.Lock())
    if lock.locked():
        # An earlier PATCH of this upload still reads its body. Its client sends another
        # only after giving up on it, maybe over a link that died without a word: the
        # hub would wait for that body for ever, holding the lock. Stop it (as tusd does).
        reader = hub.upload_readers.get(upload_id)
        if reader is not None:
            reader.cancel()
    try:
        with anyio.fail_after(TAKE_OVER_S):
            await lock.acquire()
    except TimeoutError:  # still busy (checking a whole file): ask where it got to
        upload = await run_in_threadpool(_live, hub, school_id, upload_id)
        raise HubError("offset_mismatch", headers={"Upload-Offset": str(upload.offset)}) from None
    reader = hub.upload_readers[upload_id] = anyio.CancelScope()
    try:
        upload = await run_in_threadpool(_live, hub, school_id, upload_id)
        if offset != upload.offset:
            await drain(request.stream())
            raise HubError(
                "offset_mismatch",
                f"the upload is at {upload.offset}",
                headers={"Upload-Offset": str(upload.offset)},
            )
        if upload.state == COMPLETE:
            await drain(request.stream())
            return Response(status_code=204, headers=_upload_headers(upload, upload.offset))
        room = min(UPLOAD_CHUNK_BYTES, upload.length - offset)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > room:
            await drain(request.stream())
            raise HubError("too_large", f"at most {room} bytes fit at offset {offset}")
        written = await _receive(hub, request, upload, room, checksum, reader)
        at = offset + written
        expires = now_ms() + hub.upload_expires_s * 1000
        await run_in_threadpool(hub.store.update_upload, upload.id, offset=at, expires=expires)
        upload = Upload(**{**upload.__dict__, "offset": at, "expires": expires})
        if at == upload.length:
            hub.upload_locks.pop(upload_id, None)
            await run_in_threadpool(_finish, hub, upload)
            upload = Upload(**{**upload.__dict__, "state": COMPLETE})
    finally:
        hub.upload_readers.pop(upload_id, None)
        lock.release()
    return Response(status_code=204, headers=_upload_headers(upload, at))


async def _receive(
    hub: HubState,
    request: Request,
    upload: Upload,
    room: int,
    checksum: tuple[str, bytes] | None,
    reader: anyio.CancelScope,
) -> int:
    """Append the request body at the upload's offset, fsynced; the bytes kept.

    Without a checksum, bytes that arrived before a cut are kept. With one, a chunk is
    kept only whole and matching (else it is cut off again: HubError). `reader`
    cancelled (by a newer PATCH of the upload) stops the reading as a cut would.
    """
    digest = hashlib.new(checksum[0]) if checksum else None
    at, whole = hub.upload_hashes.get(upload.id, (0, hashlib.sha256()))
    whole = whole.copy() if at == upload.offset else None  # kept only if the chunk is
    chunks = request.stream()
    written, cut = 0, False
    problem: HubError | None = None
    f = await run_in_threadpool(open, hub.partial_path(upload.id), "r+b")
    try:
        await run_in_threadpool(f.truncate, upload.offset)
        f.seek(upload.offset)
        try:
            with reader:
                async for chunk in chunks:
                    if written + len(chunk) > room:
                        problem = HubError("too_large", f"at most {room} bytes fit here")
                        break
                    await anyio.to_thread.run_sync(f.write, chunk)  # finishes, even if stopped
                    if digest is not None:
                        digest.update(chunk)
                    if whole is not None:  # here, not in the thread: only counted bytes
                        whole.update(chunk)
                    written += len(chunk)
        except ClientDisconnect:
            cut = True
        cut = cut or reader.cancelled_caught
        if problem is None and checksum is not None and digest is not None:
            if cut:
                problem = HubError("bad_request", "the chunk was cut short")
            elif digest.digest() != checksum[1]:
                problem = HubError("checksum_mismatch", f"this chunk's {checksum[0]} differs")
        if problem is not None:
            written = 0
            await run_in_threadpool(f.truncate, upload.offset)
        await run_in_threadpool(f.flush)
        await run_in_threadpool(os.fsync, f.fileno())
    finally:
        await run_in_threadpool(f.close)
    if problem is not None:
        await drain(chunks)
        raise problem
    if whole is not None:
        hub.upload_hashes[upload.id] = (upload.offset + written, whole)
    else:
        hub.upload_hashes.pop(upload.id, None)
    return written
