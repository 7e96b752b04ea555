"""A folder served over HTTP on loopback by Python's own web server, in a thread.

with serve_folder(tmp_path) as url:
    engine.load(f"{url}/lesson.mp4")   # a lesson "streamed from the network"
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import make_video

HLS = "lesson.m3u8"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """`http://127.0.0.1:PORT` serving `folder` (Range requests answered whole)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_hls(folder: Path, seconds: int) -> None:
    """`folder/lesson.m3u8` and its 2 s segments: a real H.264/AAC lesson, as HTTP Live
    Streaming serves it (a plain MP4 needs Range requests, which this server lacks)."""
    make_video(folder / "source.mp4", seconds=seconds, size="160x120")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(folder / "source.mp4"), "-c", "copy",
         "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", str(folder / HLS)],
        check=True,
    )  # fmt: skip
