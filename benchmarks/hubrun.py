"""What the sync benchmarks share: the real hub in a subprocess, and a counting proxy.

>>> hub = Hub.start(WORK / "hub", repo=WORK / "repo", db=None)
>>> school_id, code = hub.add_school("基准学校")
>>> proxy = CountingProxy(hub.port)      # http://127.0.0.1:{proxy.port} → the hub
>>> proxy.reset(); ...; proxy.requests, proxy.up, proxy.down
>>> hub.stop()
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
KEBAO = [sys.executable, "-m", "app.cli"]
ENV = {**os.environ, "KEBAO_LANG": "zh", "PYTHONPATH": str(ROOT)}
_REQUEST_LINE = re.compile(rb"(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\S+) HTTP/1\.[01]\r\n")


def kebao(*args: object, check: bool = True) -> subprocess.CompletedProcess:
    """`kebao ARGS` of the code beside this folder, as a subprocess."""
    return subprocess.run(
        [*KEBAO, *map(str, args)], cwd=ROOT, env=ENV, capture_output=True, text=True, check=check
    )


@dataclass
class Hub:
    process: subprocess.Popen
    url: str
    data: Path
    db: str | None

    @classmethod
    def start(cls, data: Path, *, repo: Path | None = None, db: str | None = None) -> Hub:
        """`kebao hub serve --port 0` on loopback; returns once it answers."""
        args = [*KEBAO, "hub", "serve", "--port", "0", "--data-dir", str(data)]
        args += [*(["--repo", str(repo)] if repo else []), *(["--db", db] if db else [])]
        process = subprocess.Popen(
            args, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert process.stdout is not None
        line = process.stdout.readline()  # "课包同步中心：http://127.0.0.1:PORT（…）"
        if "http://" not in line:
            raise RuntimeError(f"the hub did not start: {line!r}")
        return cls(process, line.split("：", 1)[1].split("（", 1)[0].strip(), data, db)

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80

    def add_school(self, name: str) -> tuple[str, str]:
        """(school id, enrolment code) of a new school."""
        args = ["hub", "add-school", name, "--data-dir", self.data]
        out = kebao(*args, *(["--db", self.db] if self.db else [])).stdout.splitlines()
        return out[0].rsplit("：", 1)[1].strip(), out[1].rsplit("：", 1)[1].strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class CountingProxy:
    """A loopback TCP proxy in front of a port: the bytes each way and the HTTP request
    lines that pass (headers included: what a school's line would carry)."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.reset()
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.up = self.down = 0
            self.requests: list[str] = []

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, up: bool) -> None:
        try:
            while data := source.recv(256 * 1024):
                with self.lock:
                    if up:
                        self.up += len(data)
                        found = _REQUEST_LINE.findall(data)
                        self.requests += [f"{m.decode()} {p.decode()}" for m, p in found]
                    else:
                        self.down += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Poll `condition()` until it holds (every 10 ms), or raise after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.01)
