"""Sharing inside the school: one PC serves its packages, another imports them from it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import ROOT, run_cli

from app.demo import DEMO_KEY, ensure_demo
from media.library import Library

START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen) -> None:
    """Poll until the server answers (or died); a condition, not a fixed sleep."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def peer(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A school PC holding the demo library, sharing it on loopback."""
    data = tmp_path_factory.mktemp("peer") / "data"
    with Library(data) as library:
        assert ensure_demo(library)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--no-announce", "--data-dir", str(data)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url + "/kebao-repo.json", process)
        yield url, data
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_another_pc_imports_every_package_from_the_peer(peer, tmp_path) -> None:
    url, peer_data = peer
    here = tmp_path / "data"
    assert run_cli("trust", "add", DEMO_KEY, "--data-dir", here).rc == 0
    r = run_cli("import", url, "--data-dir", here)
    assert r.rc == 0, r.err
    listed = json.loads(run_cli("list", "--json", "--data-dir", here).out)
    shared = json.loads(run_cli("list", "--json", "--data-dir", peer_data).out)
    assert [(p["id"], p["version"]) for p in listed] == [(p["id"], p["version"]) for p in shared]
    verify = run_cli("verify", "--data-dir", here)
    assert verify.rc == 0, verify.out + verify.err
    assert not list((here / "downloads").glob("*.part"))  # imported: nothing left behind

    again = run_cli("import", url, "--data-dir", here)
    assert again.rc == 0 and "已是最新" in again.out


def test_an_untrusted_peer_changes_nothing(peer, tmp_path) -> None:
    url, _ = peer
    here = tmp_path / "data"
    r = run_cli("import", url, "--data-dir", here)
    assert r.rc == 2 and r.err.count("\n") == 1 and "未受信任" in r.err
    assert json.loads(run_cli("list", "--json", "--data-dir", here).out) == []


def test_blobs_are_served_with_ranges_and_nothing_outside(peer) -> None:
    url, data = peer
    blob = next(p for p in (data / "blobs").rglob("*") if p.is_file())
    whole = blob.read_bytes()
    path = f"/blobs/{blob.name[:2]}/{blob.name}"
    part = requests.get(url + path, headers={"Range": "bytes=100-"}, timeout=10)
    assert part.status_code == 206 and part.content == whole[100:]
    etag = part.headers["ETag"]
    resumed = requests.get(
        url + path, headers={"Range": "bytes=100-", "If-Range": etag}, timeout=10
    )
    assert resumed.status_code == 206
    changed = requests.get(
        url + path, headers={"Range": "bytes=100-", "If-Range": '"other"'}, timeout=10
    )
    assert changed.status_code == 200 and changed.content == whole
    for bad in (
        f"/blobs/00/{blob.name}",  # wrong prefix
        "/blobs/ab/" + "g" * 64,
        "/packages/../catalog.db",
        "/catalog.db",
        "/packages/demo.math.g3a/0.json",
    ):
        assert requests.get(url + bad, timeout=10).status_code == 404, bad


def test_a_peer_is_found_on_the_lan() -> None:
    from sync.peers import announce, find_peers

    port = free_port()
    with announce(port, name="test-peer"):
        urls = find_peers(2.0)
    assert any(u.endswith(f":{port}") for u in urls), urls
