"""The hub's HTTP API (docs/sync-protocol.md): hub info, enrolment, push and pull.

Uploads are in `hub.tus`, content in `hub.content`; every refusal, FastAPI's own
included, has the body of `sync.protocol.error_body` and the status of `ERRORS`.

    >>> app = create_app(Path("/srv/kebao-hub"), None, Path("/srv/kebao-repo"))
    >>> uvicorn.run(app, port=8470)
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import content, tus
from hub.db import HubStore, StoredEvent, now_ms
from hub.state import AuthorisedDevice, HubState, hub_state
from hub.wire import HubError, error_response, read_body
from media.errors import InputInvalid
from sync.protocol import (
    API,
    PROTOCOL,
    PULL_BYTES,
    PULL_EVENTS,
    PUSH_BYTES,
    PUSH_EVENTS,
    UPLOAD_BYTES,
    UPLOAD_CHUNK_BYTES,
    UPLOAD_EXPIRES_S,
    TooManyEvents,
    events_body,
    parse_enrolment,
    parse_push,
)

_STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
_ENROL_BYTES = 4096
_CURSOR_DIGITS = 18
_EVENT_BYTES = 128  # an event's wire form without its body: id, hlc, kind, keys


class ApiGzip:
    """gzip for API responses only: `/repo` files keep their byte ranges and lengths."""

    def __init__(self, app: ASGIApp) -> None:
        # Level 6, not Starlette's 9: a page of 5000 events is 2 % larger and 3× quicker.
        self.app, self.gzip = app, GZipMiddleware(app, minimum_size=1024, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.gzip if scope.get("path", "").startswith(API + "/") else self.app
        await target(scope, receive, send)


BODY_IDLE_S = 120.0  # a request body that stops this long: the PC that sent it is gone


class BodyIdleTimeout:
    """A request body that stops arriving for `BODY_IDLE_S` (env `KEBAO_HUB_BODY_IDLE_S`)
    is a cut connection: the handler sees Starlette's ClientDisconnect and keeps what
    arrived, as after any cut, and the socket is closed. Without this, a PC switched off
    in the middle of a push or an upload held its socket until the hub restarted. Only
    the body is timed: once it is whole, a slow reader of a long download is not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        try:
            self.seconds = float(os.environ.get("KEBAO_HUB_BODY_IDLE_S", BODY_IDLE_S))
        except ValueError:
            self.seconds = BODY_IDLE_S

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        whole = False

        async def timed() -> Message:
            nonlocal whole
            if whole:
                return await receive()
            with anyio.move_on_after(self.seconds) as waited:
                message = await receive()
            if waited.cancelled_caught:
                whole = True
                return {"type": "http.disconnect"}
            whole = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, timed, send)


def _limits() -> dict[str, int]:
    return {
        "push_events": PUSH_EVENTS,
        "push_bytes": PUSH_BYTES,
        "pull_events": PULL_EVENTS,
        "pull_bytes": PULL_BYTES,
        "upload_bytes": UPLOAD_BYTES,
        "upload_chunk_bytes": UPLOAD_CHUNK_BYTES,
    }


def _install_error_handlers(app: FastAPI) -> None:
    async def hub_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HubError)
        headers = dict(exc.headers)
        if "/uploads" in request.url.path:
            headers.setdefault("Tus-Resumable", tus.TUS_VERSION)
        return error_response(exc.code, exc.detail, headers)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _STATUS_CODES.get(exc.status_code, "bad_request")
        return error_response(code, headers=exc.headers)

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = ", ".join(".".join(map(str, e.get("loc", ()))) for e in exc.errors())
        return error_response("invalid", fields)

    async def database_down(_request: Request, _exc: Exception) -> Response:
        return error_response("unavailable", headers={"Retry-After": "30"})

    async def client_gone(_request: Request, _exc: Exception) -> Response:
        return error_response("bad_request", "the connection was closed")

    app.add_exception_handler(HubError, hub_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(OperationalError, database_down)
    app.add_exception_handler(ClientDisconnect, client_gone)


def _within(page: list[StoredEvent], budget: int) -> list[StoredEvent]:
    """The first events of `page` whose wire forms take about `budget` bytes (at least one)."""
    total = 0
    for n, stored in enumerate(page):
        total += len(stored.wire[3].encode()) + _EVENT_BYTES
        if n and total > budget:
            return page[:n]
    return page


def _cursor(after: str | None) -> int:
    if not after:
        return 0
    if not after.isdigit() or len(after) > _CURSOR_DIGITS:
        raise HubError("invalid", f"cursor {after[:40]!r}")
    return int(after)


def create_app(
    data_dir: Path,
    db_url: str | None,
    repo: Path | None,
    upload_expires_s: int = UPLOAD_EXPIRES_S,
) -> FastAPI:
    """The hub as an ASGI app; its database is opened (and created) on startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await run_in_threadpool(HubStore.open, data_dir, db_url)
        app.state.hub = HubState(store, data_dir, repo, upload_expires_s)
        await run_in_threadpool(tus.sweep, app.state.hub)
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="Kebao hub",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    _install_error_handlers(app)
    app.add_middleware(ApiGzip)
    app.add_middleware(BodyIdleTimeout)

    @app.get(API + "/hub")
    def info() -> dict:
        return {"hub": "kebao", "protocol": PROTOCOL, "time_ms": now_ms(), "limits": _limits()}

    @app.post(API + "/enrol", status_code=201)
    async def enrol(request: Request) -> JSONResponse:
        hub = hub_state(request)
        address = request.client.host if request.client else "?"
        wait = hub.enrol_failures.wait(address)
        if wait:
            raise HubError("too_many_requests", headers={"Retry-After": str(wait)})
        try:
            form = parse_enrolment(json.loads(await read_body(request, _ENROL_BYTES)))
        except (UnicodeDecodeError, ValueError):
            raise HubError("invalid", "the body is not JSON") from None
        except InputInvalid as e:
            raise HubError("invalid", str(e)) from None
        school = await run_in_threadpool(hub.store.school_by_code, form.code)
        if school is None:
            hub.enrol_failures.failed(address)
            raise HubError("enrol_code_invalid")
        token = secrets.token_urlsafe(32)
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        name = form.name or form.device_id
        await run_in_threadpool(hub.store.enrol, school.id, form.device_id, name, token_hash)
        return JSONResponse(
            {
                "school": {"id": school.id, "name": school.name},
                "device_id": form.device_id,
                "token": token,
            },
            status_code=201,
        )

    @app.post(API + "/schools/{school_id}/events")
    async def push(request: Request, school_id: str, _device: AuthorisedDevice) -> dict:
        hub = hub_state(request)
        data = await read_body(request, PUSH_BYTES)
        try:  # in a worker thread, as the store: checking a batch takes a while
            batch = await run_in_threadpool(parse_push, data)
        except TooManyEvents as e:
            raise HubError("too_large", str(e)) from None
        except InputInvalid as e:
            raise HubError("invalid", str(e)) from None
        stored, duplicates = await run_in_threadpool(hub.store.push, school_id, batch, now_ms())
        return {"stored": stored, "duplicates": duplicates}

    @app.get(API + "/schools/{school_id}/events")
    def pull(
        request: Request,
        school_id: str,
        device: AuthorisedDevice,
        after: str | None = None,
        limit: int = PULL_EVENTS,
    ) -> Response:
        start, size = _cursor(after), max(1, min(limit, PULL_EVENTS))
        hub = hub_state(request)
        rows = hub.store.pull(school_id, start, size, device.device_id)
        page = _within(rows, PULL_BYTES)
        cursor = str(page[-1].seq if page else start)
        more = len(page) < len(rows) or len(rows) == size
        repo = content.index_etag(hub.repo)  # only a hub with a repository says it
        extra = {"repo": repo} if repo else {}
        body = events_body([p.wire for p in page], cursor=cursor, more=more, **extra)
        return Response(body, media_type="application/json; charset=utf-8")

    app.include_router(tus.router)
    app.include_router(content.router)
    return app
