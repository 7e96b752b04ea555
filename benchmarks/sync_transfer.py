"""Sync transfers over the wire, against curl and against their targets, in the same run.

Packs one package whose single lesson file is a random blob of --mb MB (signed, not
timed), serves it from the real hub (`kebao hub serve --repo`, SQLite) on loopback,
and measures:

    download    `sync.download.fetch` of the blob (fsync at the end) vs `curl -o FILE`
                followed by `sync`; target: at least 0.95× curl's speed
    resume      a download cancelled at half and finished: bytes of the second request
    kill        `kebao import URL` as a subprocess, SIGKILLed when its `.part` file holds
                half the blob (polled), then run again to the end through a counting
                proxy: what the second run fetched beyond what the blob still needed
                (headers, index, manifest and signature included); target ≤ 1 MiB
    throttle    a real download from the hub's /repo through one `Throttle` for about
                --throttle-s seconds: the rate achieved ÷ the rate set; target ±5 %
    upload      tus upload of the blob (4 MiB chunks, each with its SHA-256)

Journal push and pull are measured by benchmarks/sync_journal.py.

    $ .venv/bin/python benchmarks/sync_transfer.py [--mb 200] [--runs 3] [--throttle-s 30]

Prints one JSON object; each target has a `met` flag.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hubrun import KEBAO, CountingProxy, Hub, kebao, wait_for  # noqa: E402
from machine import describe, median, wait_until_quiet  # noqa: E402

from media.errors import Cancelled  # noqa: E402
from media.packer import pack  # noqa: E402
from media.signature import generate  # noqa: E402
from sync.client import client_for, enrol  # noqa: E402
from sync.download import fetch  # noqa: E402
from sync.journal import Journal  # noqa: E402
from sync.throttle import Throttle  # noqa: E402
from sync.upload import queue, send  # noqa: E402

QUIET_S = [60.0]  # how long each measured part waits for other processes to calm down
WORK = ROOT / "bench-out" / "sync"
MIB = 1024 * 1024
THROTTLE_RATE = 2 * MIB


def make_repo(mb: int) -> tuple[Path, Path, str, int]:
    """A signed repository of one package holding one random `mb` MB file:
    (repository, publisher key file, the blob's sha256, its size)."""
    src = WORK / "src"
    lesson = src / "第1单元" / "第1课 大文件"
    lesson.mkdir(parents=True)
    (src / "package.toml").write_text(
        'id = "bench.big.g3a"\nversion = "2026.11"\ntitle = "大文件（基准测试）"\n'
        'kind = "textbook"\n',
        encoding="utf-8",
    )
    with open(lesson / "课件.pdf", "wb") as f:
        for _ in range(mb):
            f.write(os.urandom(MIB))
    private, public = generate("基准测试发布者")
    key = WORK / "publisher.pub"
    key.write_bytes(public.to_bytes())
    manifest, _changed = pack(src, WORK / "repo", private, public)
    blob = next(iter(manifest.blobs()))
    shutil.rmtree(src)
    return WORK / "repo", key, blob.sha256, blob.size


def curl_and_sync(url: str, out: Path) -> None:
    subprocess.run(["curl", "-s", "-o", str(out), url], check=True)
    subprocess.run(["sync"], check=True)


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def download_vs_curl(http: requests.Session, url: str, size: int, runs: int) -> dict:
    kebao_s, curl_s = [], []
    for run in range(runs):
        wait_until_quiet(QUIET_S[0])
        part = WORK / f"dl{run}.part"
        kebao_s.append(timed(lambda p=part: fetch(http, url, p, size=size)))
        out = WORK / f"curl{run}"
        curl_s.append(timed(lambda o=out: curl_and_sync(url, o)))
        part.unlink()
        out.unlink()
    speed = median(curl_s) / median(kebao_s)  # > 1: Kebao is the faster
    return {
        "kebao_s": [round(t, 3) for t in kebao_s],
        "curl_plus_sync_s": [round(t, 3) for t in curl_s],
        "kebao_mb_s": round(size / 1e6 / median(kebao_s), 1),
        "curl_mb_s": round(size / 1e6 / median(curl_s), 1),
        "speed_vs_curl": round(speed, 3),
        "target": 0.95,
        "met": speed >= 0.95,
    }


def resume_after_cancel(http: requests.Session, url: str, size: int) -> dict:
    part = WORK / "resume.part"
    stop = threading.Event()
    got = [0]

    def cut(n: int) -> None:
        got[0] += n
        if got[0] >= size // 2:
            stop.set()

    with contextlib.suppress(Cancelled):
        fetch(http, url, part, size=size, cancel=stop, progress=cut)
    held = part.stat().st_size
    second = [0]
    fetch(http, url, part, size=size, progress=lambda n: second.__setitem__(0, second[0] + n))
    part.unlink()
    return {"held_bytes": held, "fetched_after": second[0], "to_the_byte": held + second[0] == size}


def kill_and_resume(hub: Hub, key: Path, sha: str, size: int) -> dict:
    """`kebao import` SIGKILLed at half the blob, then run again through a counting proxy."""
    pc = WORK / "killed-pc"
    kebao("trust", "add", key, "--data-dir", pc)
    proxy = CountingProxy(hub.port)
    part = pc / "downloads" / f"{sha}.part"
    command = [*KEBAO, "import", f"{proxy.url}/repo", "--data-dir", str(pc)]
    try:
        first = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(lambda: part.exists() and part.stat().st_size >= size // 2, 120, "half")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        held = part.stat().st_size
        sent_before = proxy.down
        proxy.reset()
        second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        down = proxy.down
    finally:
        proxy.close()
    listed = json.loads(kebao("list", "--json", "--data-dir", pc).stdout)
    verified = kebao("verify", "--data-dir", pc, check=False).returncode == 0
    again = down - (size - held)
    return {
        "killed_at_bytes_on_disk": held,
        "bytes_through_proxy_before_kill": sent_before,
        "second_run_bytes_down": down,
        "still_needed": size - held,
        "fetched_again": again,
        "installed": [p["id"] for p in listed] == ["bench.big.g3a"] and second.returncode == 0,
        "verified": verified,
        "target_bytes": MIB,
        "met": again <= MIB and verified and second.returncode == 0,
    }


def throttled(http: requests.Session, hub: Hub, repo: Path, seconds: int) -> dict:
    """A download from /repo through one Throttle for about `seconds` seconds."""
    size = THROTTLE_RATE * seconds
    blob = repo / "blobs" / "th" / ("th" + "0" * 62)
    blob.parent.mkdir(parents=True, exist_ok=True)
    with open(blob, "wb") as f:
        for _ in range(size // MIB):
            f.write(os.urandom(MIB))
    part = WORK / "throttled.part"
    wait_until_quiet(QUIET_S[0])
    elapsed = timed(
        lambda: fetch(
            http,
            f"{hub.url}/repo/blobs/th/{blob.name}",
            part,
            size=size,
            pace=Throttle(THROTTLE_RATE),
        )
    )
    part.unlink()
    ratio = size / elapsed / THROTTLE_RATE
    return {
        "bytes": size,
        "seconds": round(elapsed, 3),
        "target_bytes_per_s": THROTTLE_RATE,
        "achieved_bytes_per_s": round(size / elapsed),
        "ratio": round(ratio, 4),
        "met": abs(ratio - 1) <= 0.05,
    }


def upload(hub: Hub, code: str, blob: Path, download_s: float) -> dict:
    pc = WORK / "pc"
    with Journal(pc) as journal:
        enrol(journal, hub.url, code, "bench")
        school = journal.sync_state().school_id
        assert school is not None
        entry = queue(pc, blob)
        client = client_for(journal)
        wait_until_quiet(QUIET_S[0])
        seconds = timed(lambda: send(client, school, entry, outbox=pc / "outbox"))
        client.close()
    return {
        "seconds": round(seconds, 3),
        "mb_s": round(blob.stat().st_size / 1e6 / seconds, 1),
        "vs_download": round(seconds / download_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--throttle-s", type=int, default=30)
    parser.add_argument(
        "--quiet-timeout", type=float, default=60, help="seconds to wait for a quiet machine"
    )
    args = parser.parse_args()
    QUIET_S[0] = args.quiet_timeout
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    repo, key, sha, size = make_repo(args.mb)
    hub = Hub.start(WORK / "hub", repo=repo)
    try:
        _school, code = hub.add_school("基准学校")
        blob_url = f"{hub.url}/repo/blobs/{sha[:2]}/{sha}"
        http = requests.Session()
        quiet = wait_until_quiet(QUIET_S[0])
        download = download_vs_curl(http, blob_url, size, args.runs)
        resume = resume_after_cancel(http, blob_url, size)
        killed = kill_and_resume(hub, key, sha, size)
        throttle = throttled(http, hub, repo, args.throttle_s)
        sent = upload(hub, code, repo / "blobs" / sha[:2] / sha, median(download["kebao_s"]))
    finally:
        hub.stop()
    result = {
        "benchmark": "sync_transfer",
        "machine": describe(WORK),
        "background_load": quiet,
        "blob_mb": round(size / 1e6, 1),
        "download": download,
        "resume_after_cancel": resume,
        "kill": killed,
        "throttle": throttle,
        "upload": sent,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
