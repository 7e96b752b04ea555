"""HTTP details every endpoint shares: the one error response, and reading a bounded body.

>>> raise HubError("too_large", "more than 4194304 bytes")
>>> data = await read_body(request, PUSH_BYTES)   # gunzipped, never more than the cap
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Mapping

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from sync.protocol import ERRORS, error_body

# What a gzip body may weigh on the wire: incompressible JSON grows a little in gzip.
_RAW_SLACK = 64 * 1024
# A body refused unread is drained (so the client reads the refusal instead of a reset)
# up to this much; beyond it the connection is simply closed.
_DRAIN_BYTES = 16 * 1024 * 1024


class HubError(Exception):
    """A refusal: the code from `sync.protocol.ERRORS`, a detail, extra headers."""

    def __init__(
        self, code: str, detail: str = "", headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.headers = code, detail, dict(headers or {})


def error_response(code: str, detail: str = "", headers: Mapping[str, str] | None = None):
    return JSONResponse(
        error_body(code, detail), status_code=ERRORS[code][0], headers=dict(headers or {})
    )


async def drain(chunks: AsyncIterator[bytes], budget: int = _DRAIN_BYTES) -> None:
    """Read and drop the rest of a refused body, up to `budget` bytes."""
    try:
        async for chunk in chunks:
            budget -= len(chunk)
            if budget < 0:
                return
    except ClientDisconnect:
        return


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped if `Content-Encoding: gzip`; 413 past `limit` bytes.

    A gzip body is inflated chunk by chunk with the output capped at `limit + 1`, so a
    bomb costs at most that much memory before it is refused.
    """
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise HubError("bad_request", f"Content-Encoding {encoding!r}")
    raw_limit = limit + _RAW_SLACK if encoding == "gzip" else limit
    declared = request.headers.get("content-length")
    chunks = request.stream()
    if declared is not None:
        if not declared.isdigit():
            raise HubError("bad_request", "Content-Length")
        if int(declared) > raw_limit:
            if int(declared) <= _DRAIN_BYTES:
                await drain(chunks)
            raise HubError("too_large", f"more than {limit} bytes")
    inflate = zlib.decompressobj(wbits=31) if encoding == "gzip" else None
    out = bytearray()
    raw = 0
    async for chunk in chunks:
        raw += len(chunk)
        if raw > raw_limit:
            raise HubError("too_large", f"more than {limit} bytes")
        if inflate is None:
            out += chunk
        else:
            try:
                out += inflate.decompress(chunk, limit + 1 - len(out))
            except zlib.error:
                raise HubError("bad_request", "the gzip body is damaged") from None
        if len(out) > limit:
            await drain(chunks)
            raise HubError("too_large", f"more than {limit} bytes after gunzip")
    if inflate is not None and not inflate.eof:
        raise HubError("bad_request", "the gzip body is cut short")
    return bytes(out)
