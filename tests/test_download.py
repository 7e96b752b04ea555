"""Downloads resume to the byte, restart cleanly when the file changed, and can be stopped."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from faultproxy import Fault, FaultProxy
from test_share import peer  # noqa: F401 - the fixture: a PC sharing the demo on loopback

from media.errors import Cancelled, SourceUnavailable
from sync.backoff import Backoff, Outcome, classify
from sync.download import DownloadBroken, fetch

SIZE = 3 * 1024 * 1024 + 12_345


@pytest.fixture(scope="module")
def big_blob(peer) -> tuple[str, bytes]:  # noqa: F811
    """A 3 MB blob in the sharing PC's store: (its URL, its bytes)."""
    url, data = peer
    content = os.urandom(SIZE)
    sha = hashlib.sha256(content).hexdigest()
    path = data / "blobs" / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return f"{url}/blobs/{sha[:2]}/{sha}", content


class Counter:
    def __init__(self) -> None:
        self.bytes = 0

    def __call__(self, n: int) -> None:
        self.bytes += n


def test_a_cut_download_goes_on_from_the_bytes_it_has(big_blob, tmp_path: Path) -> None:
    url, content = big_blob
    part = tmp_path / "x.part"
    stop = threading.Event()
    first = Counter()

    def cut_after_a_megabyte(n: int) -> None:
        first(n)
        if first.bytes >= 1024 * 1024:
            stop.set()  # as a pause, or a cable pulled: the next chunk is not taken

    with pytest.raises(Cancelled):
        fetch(requests.Session(), url, part, size=SIZE, cancel=stop, progress=cut_after_a_megabyte)
    held = part.stat().st_size
    assert 1024 * 1024 <= held < SIZE and part.read_bytes() == content[:held]

    rest = Counter()
    fetch(requests.Session(), url, part, size=SIZE, progress=rest)
    assert rest.bytes == SIZE - held  # to the byte: nothing fetched twice
    assert part.read_bytes() == content


def test_a_file_that_changed_on_the_server_comes_again_whole(big_blob, tmp_path: Path) -> None:
    url, content = big_blob
    part = tmp_path / "x.part"
    part.write_bytes(b"old version of the file")
    (tmp_path / "x.part.etag").write_text('"an-older-etag"', encoding="ascii")
    got = Counter()
    fetch(requests.Session(), url, part, size=SIZE, progress=got)
    assert got.bytes == SIZE and part.read_bytes() == content


def test_a_finished_download_is_not_fetched_again(big_blob, tmp_path: Path) -> None:
    url, content = big_blob
    part = tmp_path / "x.part"
    fetch(requests.Session(), url, part, size=SIZE)
    again = Counter()
    fetch(requests.Session(), url, part, size=SIZE, progress=again)
    assert again.bytes == 0 and part.read_bytes() == content


def test_a_missing_file_or_a_dead_server_is_one_sentence(peer, tmp_path: Path) -> None:  # noqa: F811
    url, _ = peer
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        fetch(requests.Session(), f"{url}/blobs/ab/{'ab' * 32}", tmp_path / "y.part")
    with pytest.raises(SourceUnavailable, match="连接失败"):
        fetch(requests.Session(), "http://127.0.0.1:9/blobs/x", tmp_path / "z.part")
    assert not (tmp_path / "y.part").exists()


def test_a_busy_server_is_waited_for_as_long_as_it_asks(big_blob, tmp_path: Path) -> None:
    url, _ = big_blob
    parts = urlsplit(url)
    with FaultProxy(f"http://{parts.netloc}") as proxy:
        proxy.plan(Fault("answer", status=503, retry_after=600, when=r"^GET /blobs/"))
        with pytest.raises(DownloadBroken, match="HTTP 503") as caught:
            fetch(requests.Session(), proxy.url + parts.path, tmp_path / "x.part")
    error = caught.value
    assert error.exit_code == 3 and classify(None, error) is Outcome.WAIT
    assert Backoff().failure(error.retry_after) >= 600  # not the first retry's 2.5-5 s
