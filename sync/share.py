"""Sharing inside the school: this PC's packages, served read-only as a repository.

A school downloads each package once: `kebao serve` makes the local store look like any
repository (docs/repository-format.md) over HTTP, and announces it on the LAN with
mDNS/DNS-SD (`_kebao._tcp.local.`). Another Kebao PC imports from it exactly as from a
USB drive or the hub (`kebao import http://<peer>:8471`), with the same signature and
hash checks: a peer is a faster mirror, never trusted more than a drive.

Only packages installed whole are listed. Nothing is written: the catalog is read with
a connection per request, blobs are served from the store with Range and ETag.

    >>> app = share_app(data_dir)              # an ASGI app; `kebao serve` runs it
    >>> with announce(8471):                   # others find it with `find_peers()`
    ...     uvicorn.run(app, host="0.0.0.0", port=8471)
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from media.catalog import Catalog
from media.repository import INDEX, IndexEntry, index_bytes
from media.store import BlobStore
from sync.protocol import LAN_PORT, PROTOCOL

SERVICE = "_kebao._tcp.local."
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
_SHA = re.compile(r"[0-9a-f]{64}")


def _complete(catalog: Catalog) -> list[dict]:
    rows = []
    for pid, _version, _title, state in catalog.package_list():
        if state == "complete":
            row = catalog.package_row(pid)
            if row is not None:
                rows.append(row)
    return rows


def share_app(data_dir: Path) -> Starlette:
    """The read-only repository view of the data folder at `data_dir`."""
    catalog_path = data_dir / "catalog.db"
    store = BlobStore(data_dir)

    @contextlib.contextmanager
    def catalog() -> Iterator[Catalog]:
        c = Catalog(catalog_path)  # one per request: Starlette runs handlers on threads
        try:
            yield c
        finally:
            c.close()

    def index(_request: Request) -> Response:
        with catalog() as c:
            entries = [
                IndexEntry(
                    r["id"],
                    r["version"],
                    r["title"],
                    hashlib.sha256(r["manifest"]).hexdigest(),
                    len(r["manifest"]),
                )
                for r in _complete(c)
            ]
        return Response(index_bytes(entries), media_type="application/json")

    def package_file(request: Request) -> Response:
        pid, name = request.path_params["id"], request.path_params["file"]
        version, _, suffix = name.rpartition(".")
        if not (_ID.fullmatch(pid) and _VERSION.fullmatch(version) and suffix in ("json", "sig")):
            return _not_found()
        with catalog() as c:
            complete = any(
                p == pid and state == "complete" for p, _v, _t, state in c.package_list()
            )
            row = c.package_row(pid) if complete else None
        if row is None or row["version"] != version:
            return _not_found()
        data = row["manifest"] if suffix == "json" else row["signature"]
        if data is None:
            return _not_found()
        return Response(data, media_type="application/json")

    def blob(request: Request) -> Response:
        prefix, sha = request.path_params["prefix"], request.path_params["sha"]
        if not _SHA.fullmatch(sha) or prefix != sha[:2]:
            return _not_found()
        path = store.path(sha)
        if not path.is_file():
            return _not_found()
        return FileResponse(path, media_type="application/octet-stream")

    return Starlette(
        routes=[
            Route(f"/{INDEX}", index),
            Route("/packages/{id}/{file}", package_file),
            Route("/blobs/{prefix}/{sha}", blob),
        ]
    )


def _not_found() -> Response:
    return PlainTextResponse("not found", status_code=404)


# -- finding each other on the LAN ---------------------------------------------------------


def _addresses() -> list[bytes]:
    """This PC's IPv4 addresses (not loopback), packed, for the announcement."""
    found = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))  # no packet is sent: it picks the LAN interface
        found.add(s.getsockname()[0])
    return [socket.inet_aton(a) for a in sorted(found) if not a.startswith("127.")]


@contextlib.contextmanager
def announce(port: int = LAN_PORT, name: str | None = None) -> Iterator[None]:
    """Say on the LAN (mDNS) that this PC shares packages on `port`, until the block ends."""
    from zeroconf import ServiceInfo, Zeroconf

    label = re.sub(r"[^0-9A-Za-z-]", "-", name or socket.gethostname())[:50] or "kebao"
    info = ServiceInfo(
        SERVICE,
        f"{label}-{port}.{SERVICE}",
        addresses=_addresses() or [socket.inet_aton("127.0.0.1")],
        port=port,
        properties={"protocol": str(PROTOCOL), "path": "/"},
    )
    zc = Zeroconf()
    try:
        zc.register_service(info, allow_name_change=True)
        yield
    finally:
        with contextlib.suppress(Exception):
            zc.unregister_service(info)
        zc.close()


def find_peers(timeout_s: float = 3.0) -> list[str]:
    """URLs of Kebao PCs sharing packages on the LAN, found within `timeout_s`."""
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    names: set[str] = set()

    class Listener(ServiceListener):
        def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            names.add(name)

        def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            names.add(name)

        def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            names.discard(name)

    zc = Zeroconf()
    try:
        ServiceBrowser(zc, SERVICE, Listener())
        time.sleep(timeout_s)  # answers arrive on zeroconf's thread, from every peer
        urls = []
        for name in sorted(names):
            info = zc.get_service_info(SERVICE, name, timeout=int(timeout_s * 1000))
            if info is None or info.properties.get(b"protocol") != str(PROTOCOL).encode():
                continue
            for address in info.parsed_addresses():
                urls.append(f"http://{address}:{info.port}")
        return urls
    finally:
        zc.close()
