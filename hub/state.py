"""What every request handler shares: the store, the folders, the limits; and who is asking.

>>> device = authorised(request, school_id)   # 401 / 429 / 403, or the calling device
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import Depends, Request

from hub.db import Device, HubStore, now_ms
from hub.rate import FailureWindow, TokenBuckets
from hub.wire import HubError
from sync.protocol import (
    ENROL_ATTEMPTS,
    ENROL_WINDOW_S,
    RATE_BURST,
    RATE_PER_S,
    UPLOAD_EXPIRES_S,
)

SEEN_EVERY_MS = 60_000  # `last_seen` is written at most this often per device


def device_buckets() -> TokenBuckets:
    """Each device's request budget: RATE_BURST at once, RATE_PER_S after; env
    `KEBAO_HUB_RATE=BURST/PER_S` (e.g. `1/0.01`) sets others (a bad value: the defaults)."""
    burst, _, per_s = os.environ.get("KEBAO_HUB_RATE", "").partition("/")
    try:
        return TokenBuckets(max(1, int(burst)), max(0.001, float(per_s)))
    except ValueError:
        return TokenBuckets(RATE_BURST, RATE_PER_S)


@dataclass
class HubState:
    store: HubStore
    data_dir: Path
    repo: Path | None
    upload_expires_s: int = UPLOAD_EXPIRES_S
    buckets: TokenBuckets = field(default_factory=device_buckets)
    enrol_failures: FailureWindow = field(
        default_factory=lambda: FailureWindow(ENROL_ATTEMPTS, ENROL_WINDOW_S)
    )
    upload_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # upload id → (offset, SHA-256 of the bytes before it): the whole file's hash kept as
    # chunks arrive, so the last chunk need not read the file again. Lost on a restart;
    # the upload then re-reads its file once at the end.
    upload_hashes: dict[str, tuple[int, hashlib._Hash]] = field(default_factory=dict)
    # The PATCH reading each upload's body now; a newer PATCH of that upload cancels it.
    upload_readers: dict[str, anyio.CancelScope] = field(default_factory=dict)
    _seen: dict[str, int] = field(default_factory=dict)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def partial_path(self, upload_id: str) -> Path:
        return self.uploads_dir / "partial" / f"{upload_id}.part"

    def file_path(self, school_id: str, sha256: str) -> Path:
        return self.uploads_dir / school_id / sha256

    def mark_seen(self, device_id: str) -> None:
        now = now_ms()
        if now - self._seen.get(device_id, 0) >= SEEN_EVERY_MS:
            self._seen[device_id] = now
            self.store.seen(device_id, now)


def hub_state(request: Request) -> HubState:
    return request.app.state.hub


def authorised(request: Request, school_id: str) -> Device:
    """The device behind the Bearer token, if it may act on this school now."""
    hub = hub_state(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HubError("token_missing")
    device = hub.store.device_by_token(hashlib.sha256(token.strip().encode()).hexdigest())
    if device is None:
        raise HubError("token_invalid")
    wait = hub.buckets.take(device.device_id)
    if wait:
        raise HubError("too_many_requests", headers={"Retry-After": str(wait)})
    if device.school_id != school_id:
        raise HubError("other_school")
    hub.mark_seen(device.device_id)
    return device


# A handler's parameter `device: AuthorisedDevice` is the checked caller.
AuthorisedDevice = Annotated[Device, Depends(authorised)]
