"""A TCP proxy on loopback that breaks the link on purpose, between a client and a real hub.

    proxy = FaultProxy(hub.url)                       # listens on a free loopback port
    proxy.plan(Fault("cut", after=2000, when="GET /api/v1/schools/"),
               Fault("answer", status=503, retry_after=7))
    ...  # the client talks to proxy.url
    assert proxy.pending() == []                      # every planned fault went off
    proxy.close()

It forwards bytes both ways and reads the client's HTTP/1.1 requests as they pass (a
head, then `Content-Length` bytes of body), so that a fault can be aimed at a request and
at a byte of it. Each planned fault is armed on the next request whose request line
matches its `when` (a regular expression; the one planned first when several match,
one per connection at a time). An armed fault goes off once
`after` bytes of that request (side "request") or of its response (side "response")
have passed, counting on through the next requests of the same connection while they
match too; one that did not go off goes back to its place in the plan when a request
it is not aimed at comes, or its connection closes. Kinds:

- `cut`: those bytes pass, then both connections are closed (FIN);
- `reset`: those bytes pass, then the client's connection is reset (RST: SO_LINGER 0);
- `stall`: nothing more passes either way; the client's connection is closed when the
  client gives up, the hub's is held open until the proxy closes, as a dead link leaves
  it (the hub hears nothing);
- `trickle`: the rest of that request or response passes `pace` = (bytes, seconds) at
  a time;
- `answer`: the hub never sees the request: the proxy reads it and answers `status`
  itself (the hub's JSON for 503, a gateway's HTML page otherwise; `Retry-After` if
  given), then closes the connection.

`proxy.pace = (bytes, seconds)` slows every connection both ways (a slow line), and
`proxy.requests` lists every request line with its headers, in order: what a client
asked for, to measure what it asked for again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import struct
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from sync.protocol import error_body

_READ = 64 * 1024
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

Pace = tuple[int, float]  # (bytes, seconds): that many bytes, then a pause that long


@dataclass(frozen=True)
class Fault:
    kind: Literal["cut", "reset", "stall", "trickle", "answer"]
    after: int = 0
    side: Literal["request", "response"] = "response"
    when: str = ""
    pace: Pace = (8, 0.01)  # trickle
    status: int = 503  # answer
    retry_after: int | None = None  # answer

    def answer(self) -> bytes:
        if self.status == 503:
            body, kind = json.dumps(error_body("unavailable")).encode(), "application/json"
        else:
            body, kind = f"<html><body>{self.status}</body></html>".encode(), "text/html"
        head = [
            f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Error')}",
            f"Content-Type: {kind}",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *([f"Retry-After: {self.retry_after}"] if self.retry_after is not None else []),
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


@dataclass(frozen=True)
class Request:
    connection: int
    line: str  # "GET /api/v1/schools/…/events?after=1000&limit=1000 HTTP/1.1"
    headers: dict[str, str] = field(repr=False)  # names in lower case


class _Done(Exception):
    """This link is over: a fault went off."""


class _Link:
    """One client connection and the proxy's own connection to the hub for it."""

    def __init__(
        self,
        proxy: FaultProxy,
        number: int,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        hub: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.proxy, self.number = proxy, number
        self.client_in, self.client_out = client
        self.hub_in, self.hub_out = hub
        self.armed: tuple[int, Fault] | None = None  # (its place in the plan, the fault)
        self.counted = 0  # bytes of the armed fault's side since it was armed
        self.trickling: str | None = None  # the side a trickle fault slows now ...
        self.trickle_pace: Pace | None = None  # ... and how slowly
        self.stalled = asyncio.Event()

    async def run(self) -> None:
        tasks = {
            asyncio.create_task(self._requests()),
            asyncio.create_task(self._responses()),
            asyncio.create_task(self.stalled.wait()),
        }
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.armed is not None:
                self.proxy._unarm(self.armed[0])  # it never went off: back to the plan
        if self.stalled.is_set():
            with contextlib.suppress(OSError):  # the client gives up when its timeout fires
                while await self.client_in.read(_READ):
                    pass
            self.proxy._held.append(self.hub_out)
            _close(self.client_out)
            return
        _close(self.client_out)
        _close(self.hub_out)

    async def _requests(self) -> None:
        """Client → hub, one request at a time (the client waits for each answer)."""
        with contextlib.suppress(_Done, OSError, asyncio.IncompleteReadError):
            while True:
                head = await self.client_in.readuntil(b"\r\n\r\n")
                line, headers = _parse_head(head)
                if self.trickling == "response":
                    self.trickling = None  # the slow answer is over: this is a new request
                self.proxy._log(Request(self.number, line, headers))
                if self.armed is not None and not re.search(self.armed[1].when, line):
                    self.proxy._unarm(self.armed[0])  # wait for a request it is aimed at
                    self.armed = None
                if self.armed is None:
                    self.armed = self.proxy._arm(line)
                    self.counted = 0
                length = int(headers.get("content-length") or 0)
                if self.armed is not None and self.armed[1].kind == "answer":
                    await self.client_in.readexactly(length)
                    self.client_out.write(self.armed[1].answer())
                    await self.client_out.drain()
                    self._went_off()
                    return
                await self._pass("request", head)
                while length:
                    body = await self.client_in.read(min(length, _READ))
                    if not body:
                        return
                    length -= len(body)
                    await self._pass("request", body)
                if self.trickling == "request":
                    self.trickling = None

    async def _responses(self) -> None:
        """Hub → client, as it comes."""
        with contextlib.suppress(_Done, OSError):
            while data := await self.hub_in.read(_READ):
                await self._pass("response", data)

    async def _pass(self, side: str, data: bytes) -> None:
        """Forward `data`, unless the armed fault goes off in it."""
        to = self.hub_out if side == "request" else self.client_out
        if self.armed is not None and self.armed[1].side == side:
            fault = self.armed[1]
            room = fault.after - self.counted
            self.counted += len(data)
            if len(data) < room:
                await self._write(to, data, self.proxy.pace)
                return
            await self._write(to, data[:room], self.proxy.pace)
            data = data[room:]
            self._went_off()
            if fault.kind != "trickle":
                await self._break(fault.kind)
            self.trickling = side
            self.trickle_pace = fault.pace
        pace = self.trickle_pace if self.trickling == side else self.proxy.pace
        await self._write(to, data, pace)

    def _went_off(self) -> None:
        assert self.armed is not None
        self.proxy._went_off(self.armed[0])
        self.armed = None

    @staticmethod
    async def _write(to: asyncio.StreamWriter, data: bytes, pace: Pace | None) -> None:
        if pace is None:
            to.write(data)
            await to.drain()
            return
        step, interval = pace
        for i in range(0, len(data), step):
            to.write(data[i : i + step])
            await to.drain()
            await asyncio.sleep(interval)

    async def _break(self, kind: str) -> None:
        if kind == "stall":
            self.stalled.set()  # run() takes over
            await asyncio.Event().wait()
        for writer in (self.client_out, self.hub_out):
            with contextlib.suppress(OSError, RuntimeError):
                writer.transport.set_write_buffer_limits(0)
                await writer.drain()  # the bytes that pass are on their way first
        if kind == "reset":
            sock = self.client_out.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.client_out.transport.abort()
        raise _Done


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, RuntimeError):
        writer.close()


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    first, *rest = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in rest:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return first, headers


class FaultProxy:
    """The proxy on its own event-loop thread; `close()` ends it and every connection."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.pace: Pace | None = None
        self.requests: list[Request] = []
        self._faults: list[Fault] = []
        self._waiting: list[int] = []  # places in `_faults` not armed yet, in order
        self._fired: list[int] = []
        self._lock = threading.Lock()
        self._held: list[asyncio.StreamWriter] = []
        self._links: set[asyncio.Task] = set()
        self._count = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def plan(self, *faults: Fault) -> None:
        """Add faults to the plan; each is armed on the next request it matches."""
        with self._lock:
            for fault in faults:
                self._waiting.append(len(self._faults))
                self._faults.append(fault)

    def pending(self) -> list[Fault]:
        """The planned faults that have not gone off."""
        with self._lock:
            return [f for i, f in enumerate(self._faults) if i not in self._fired]

    def mark(self) -> int:
        """Where the request log is now: `proxy.requests[mark:]` came after."""
        with self._lock:
            return len(self.requests)

    def close(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- for the links, on the loop's thread ------------------------------------------------

    def _log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _arm(self, line: str) -> tuple[int, Fault] | None:
        with self._lock:
            for place in self._waiting:
                if re.search(self._faults[place].when, line):
                    self._waiting.remove(place)
                    return place, self._faults[place]
        return None

    def _unarm(self, place: int) -> None:
        with self._lock:
            self._waiting.insert(0, place)
            self._waiting.sort()

    def _went_off(self, place: int) -> None:
        with self._lock:
            self._fired.append(place)

    def _call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._count += 1
        try:
            hub = await asyncio.open_connection(*self.upstream)
        except OSError:
            _close(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        try:
            await _Link(self, self._count, (reader, writer), hub).run()
        except asyncio.CancelledError:
            _close(writer)  # the proxy is closing
        finally:
            self._links.discard(task)

    async def _shutdown(self) -> None:
        self._server.close()
        for task in list(self._links):
            task.cancel()
        await asyncio.gather(*self._links, return_exceptions=True)
        for writer in self._held:
            _close(writer)
