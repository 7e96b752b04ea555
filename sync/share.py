"""Sharing inside the school: this PC's packages, served read-only as a repository.

A school downloads each package once: `kebao serve` (or 设置's switch, which runs it as
a child process) makes the local store look like any repository
(docs/repository-format.md) over HTTP, and announces it on the LAN with mDNS/DNS-SD
(`sync.peers.announce`). Another Kebao PC's sync round fetches packages from it before
the hub, and `kebao import http://<peer>:8471` reads it exactly as a USB drive, with the
same signature and hash checks: a peer is a faster mirror, never trusted more than a
drive.

Only packages installed whole are listed. Nothing is written: the catalog is read with
a connection per request, blobs are served from the store with Range and ETag.

    >>> sock = bind("0.0.0.0", 8471)           # a taken port is one sentence, before anything
    >>> app = share_app(data_dir)              # an ASGI app; `kebao serve` runs it
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
from collections.abc import Iterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from media.catalog import Catalog
from media.errors import KebaoError
from media.repository import INDEX, IndexEntry, index_bytes
from media.store import BlobStore
from sync.protocol import listen

_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
_SHA = re.compile(r"[0-9a-f]{64}")


class SharePortTaken(KebaoError):
    zh = "端口 {port} 已被占用：本机可能已经在共享资源包，或有别的程序在用这个端口"
    en = "port {port} is already in use: this PC may already be sharing, or another program uses it"


class ShareAddressUnusable(KebaoError):
    zh = "无法在 {host}:{port} 上共享：{problem}"
    en = "cannot share on {host}:{port}: {problem}"


def bind(host: str, port: int) -> socket.socket:
    """The listening socket of the share, bound before anything is announced."""
    return listen(host, port, taken=SharePortTaken, unusable=ShareAddressUnusable)


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
