"""A school downloads each package once: a sync round fetches a subscribed package from a
PC that shares it on the LAN (a real `kebao serve`) before the county hub (the real hub),
with the same checks, and takes the hub's copy when the peer's is bad."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
from conftest import ROOT, run_cli
from test_share import free_port, wait_until_serving

from app.demo import DEMO_DIR, DEMO_KEY, ensure_demo
from app.settings import Settings
from media import manifest as mf
from media.library import Library

PACKAGE = "demo.math.g3a"
LABEL = "数学 三年级上册（演示） (2024.09)"


@pytest.fixture
def share(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """`share(data)`: `kebao serve` on loopback for that data folder; its URL."""
    started: list[subprocess.Popen] = []

    def start(data: Path) -> str:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--no-announce", "--data-dir", str(data)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url + "/kebao-repo.json", process)
        return url

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


def peer_holding_the_demo(data: Path) -> Library:
    library = Library(data)
    assert ensure_demo(library)
    return library


def school_pc(make_hub, data: Path, repo: Path):
    """A hub serving `repo`, and this PC enrolled, trusting the demo key, subscribed."""
    hub = make_hub(None, "--repo", str(repo))
    _school, code = hub.add_school("城关镇中心小学")
    assert run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", data).rc == 0
    assert run_cli("trust", "add", DEMO_KEY, "--data-dir", data).rc == 0
    assert run_cli("subscribe", "add", PACKAGE, "--data-dir", data).rc == 0
    return hub


def package_blobs() -> dict[str, int]:
    data = (DEMO_DIR / "repo" / "packages" / PACKAGE / "2024.09.json").read_bytes()
    return {b.sha256: b.size for b in mf.parse(data, PACKAGE).blobs()}


def sync(data: Path, *args: str) -> dict:
    r = run_cli("sync", "--json", "--now", "--no-discover", *args, "--data-dir", data)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def test_a_round_takes_the_package_from_the_schools_peer(make_hub, share, tmp_path) -> None:
    peer = peer_holding_the_demo(tmp_path / "机房1号")
    url = share(peer.data_dir)
    # The county's repository lists the package but holds none of its files: whatever
    # this PC installs came from the peer.
    repo = tmp_path / "县资源库"
    shutil.copytree(DEMO_DIR / "repo", repo, ignore=shutil.ignore_patterns("blobs"))
    here = tmp_path / "机房2号"
    hub = school_pc(make_hub, here, repo)
    some_blob = next(iter(package_blobs()))
    blob_path = f"/repo/blobs/{some_blob[:2]}/{some_blob}"
    assert requests.get(hub.url + blob_path, timeout=10).status_code == 404

    done = sync(here, "--peer", url.removeprefix("http://"))  # as a technician types it
    assert done["installed"] == [LABEL]
    listed = json.loads(run_cli("list", "--json", "--data-dir", here).out)
    assert [(p["id"], p["state"]) for p in listed] == [(PACKAGE, "complete")]
    assert run_cli("verify", "--data-dir", here).rc == 0
    assert done["bytes_downloaded"] == sum(package_blobs().values())  # each file once
    assert not list((here / "downloads").glob("*.part"))
    peer.close()


def test_a_peer_with_a_damaged_file_is_passed_over_for_the_hub(make_hub, share, tmp_path):
    peer = peer_holding_the_demo(tmp_path / "机房1号")
    blobs = package_blobs()
    sha, size = max(blobs.items(), key=lambda item: item[1])
    damaged = peer.store.path(sha)
    damaged.chmod(0o644)
    data = bytearray(damaged.read_bytes())
    data[size // 2] ^= 0xFF  # same size, other bytes: only the hash can tell
    damaged.write_bytes(bytes(data))
    url = share(peer.data_dir)
    here = tmp_path / "机房2号"
    school_pc(make_hub, here, DEMO_DIR / "repo")
    settings = Settings.load(here)
    settings.peers = [url]  # typed in 设置 this time
    settings.save(here)

    done = sync(here)
    assert done["installed"] == [LABEL]
    listed = json.loads(run_cli("list", "--json", "--data-dir", here).out)
    assert [(p["id"], p["state"]) for p in listed] == [(PACKAGE, "complete")]
    verify = run_cli("verify", "--data-dir", here)
    assert verify.rc == 0, verify.out
    # The peer's copy of the file came and was refused; the hub's came after it.
    assert done["bytes_downloaded"] >= sum(blobs.values()) + size
    assert not list((here / "downloads").glob("*.part"))
    peer.close()


def test_a_mistyped_peer_is_one_sentence_and_nothing_moves(make_hub, tmp_path) -> None:
    here = tmp_path / "机房2号"
    school_pc(make_hub, here, DEMO_DIR / "repo")
    r = run_cli("sync", "--now", "--no-discover", "--peer", "192.168.1", "--data-dir", here)
    assert r.rc == 2 and r.err.count("\n") == 1 and "不是共享电脑的地址" in r.err
    assert json.loads(run_cli("list", "--json", "--data-dir", here).out) == []


def test_the_windows_rounds_ask_the_peers_too(qtbot, make_hub, share, scheduler, tmp_path):
    peer = peer_holding_the_demo(tmp_path / "机房1号")
    url = share(peer.data_dir)
    repo = tmp_path / "县资源库"  # again without the files: they can only come from the peer
    shutil.copytree(DEMO_DIR / "repo", repo, ignore=shutil.ignore_patterns("blobs"))
    here = tmp_path / "机房2号"
    school_pc(make_hub, here, repo)
    settings = Settings.load(here)
    settings.peers = [url]
    settings.save(here)
    saturday = datetime(2026, 3, 7, 10, 0)  # in the weekend's window: packages may come
    sched = scheduler(here, clock=lambda: saturday)
    with qtbot.waitSignal(sched.round_finished, timeout=60_000) as finished:
        sched.request_now()
    assert finished.args[0].installed == [LABEL]
    assert run_cli("verify", "--data-dir", here).rc == 0
    peer.close()
