"""`kebao hub serve`: the hub on uvicorn, on a socket bound before anything is announced.

>>> serve(Path("/srv/kebao-hub"), None, None, "0.0.0.0", 8470, announce=print)
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn

from hub.app import create_app
from hub.db import HubStore
from media.errors import KebaoError
from sync.protocol import UPLOAD_EXPIRES_S


class PortTaken(KebaoError):
    zh = "端口 {port} 已被占用（是否已有一个同步中心在运行？），请用 --port 换一个端口"
    en = "port {port} is already in use (is a hub already running?); choose another with --port"


class AddressUnusable(KebaoError):
    zh = "无法在 {host}:{port} 上提供服务：{problem}"
    en = "cannot serve on {host}:{port}: {problem}"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio sets TCP_NODELAY only on sockets whose proto is
    # TCP, and without it every answer waited ~40 ms for the client's delayed ACK
    # (uvicorn writes the headers and the body separately).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise PortTaken(port=port) from None
        raise AddressUnusable(host=host, port=port, problem=e.strerror or str(e)) from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    data_dir: Path,
    db_url: str | None,
    repo: Path | None,
    host: str,
    port: int,
    announce: Callable[[str], None],
    upload_expires_s: int = UPLOAD_EXPIRES_S,
) -> None:
    """Serve until SIGINT/SIGTERM; `announce(url)` once the port and database are usable."""
    HubStore.open(data_dir, db_url).close()  # a database problem is one line, not a trace
    sock = bind(host, port)
    app = create_app(data_dir, db_url, repo, upload_expires_s)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    announce(url_of(sock))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
