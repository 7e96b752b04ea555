"""Sync over the wire, against curl on the same loopback hub in the same run.

Starts the real hub (`kebao hub serve`, SQLite) on loopback with a repository holding one
random blob, enrols a data folder, then measures:

    download    `sync.download.fetch` of the blob (fsync at the end) vs
                `curl -o FILE` + `sync`: the ratio is what Kebao's resumable download
                costs over a plain one
    resume      a download cut at half and finished: bytes fetched the second time
    throttle    a download through a `Throttle` at a set rate: the rate achieved
    upload      tus upload of the same file (4 MiB chunks, each with its SHA-256)
    push/pull   N journal events pushed (gzip batches of 1000) and pulled by a second PC

    $ .venv/bin/python benchmarks/sync_transfer.py [--mb 200] [--events 20000] [--runs 3]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe, median, wait_until_quiet  # noqa: E402

from media.errors import Cancelled  # noqa: E402
from sync.client import client_for, enrol, sync_journal  # noqa: E402
from sync.download import fetch  # noqa: E402
from sync.journal import Journal  # noqa: E402
from sync.throttle import Throttle  # noqa: E402
from sync.upload import queue, send  # noqa: E402

WORK = ROOT / "bench-out" / "sync"


def start_hub(data: Path, repo: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "hub", "serve", "--port", "0",
         "--data-dir", str(data), "--repo", str(repo)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "KEBAO_LANG": "zh"},
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line.split("：", 1)[1].split("（", 1)[0].strip()


def add_school(data: Path) -> tuple[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "hub", "add-school", "基准学校", "--data-dir", str(data)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    return out[0].rsplit("：", 1)[1], out[1].rsplit("：", 1)[1]


def curl_and_sync(url: str, out: Path) -> None:
    subprocess.run(["curl", "-s", "-o", str(out), url], check=True)
    subprocess.run(["sync"], check=True)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    repo = WORK / "repo"
    content = os.urandom(args.mb * 1024 * 1024)
    sha = hashlib.sha256(content).hexdigest()
    blob = repo / "blobs" / sha[:2] / sha
    blob.parent.mkdir(parents=True)
    blob.write_bytes(content)
    (WORK / "recording.mp4").write_bytes(content)
    hub, url = start_hub(WORK / "hub", repo)
    try:
        _, code = add_school(WORK / "hub")
        blob_url = f"{url}/repo/blobs/{sha[:2]}/{sha}"
        import requests

        http = requests.Session()
        quiet = wait_until_quiet(20)
        kebao, curl = [], []
        for run in range(args.runs):
            part = WORK / f"dl{run}.part"
            kebao.append(timed(lambda p=part: fetch(http, blob_url, p, size=len(content))))
            out = WORK / f"curl{run}"
            curl.append(timed(lambda o=out: curl_and_sync(blob_url, o)))
            part.unlink()
            out.unlink()

        # Resume: cut at half, then finish; count the bytes of the second request.
        part = WORK / "resume.part"
        stop = threading.Event()
        got = [0]

        def cut(n: int) -> None:
            got[0] += n
            if got[0] >= len(content) // 2:
                stop.set()

        with contextlib.suppress(Cancelled):
            fetch(http, blob_url, part, size=len(content), cancel=stop, progress=cut)
        held = part.stat().st_size
        second = [0]
        fetch(
            http,
            blob_url,
            part,
            size=len(content),
            progress=lambda n: second.__setitem__(0, second[0] + n),
        )
        part.unlink()

        # Throttle: 2 MB/s for 8 MB.
        rate = 2 * 1024 * 1024
        small = WORK / "throttled.part"
        throttle = Throttle(rate)
        head = 8 * 1024 * 1024
        part_url_content = content[:head]
        small_blob = repo / "blobs" / "th" / ("th" + "0" * 62)
        small_blob.parent.mkdir(parents=True, exist_ok=True)
        small_blob.write_bytes(part_url_content)
        throttled_s = timed(
            lambda: fetch(
                http, f"{url}/repo/blobs/th/{small_blob.name}", small, size=head, pace=throttle
            )
        )

        # Upload and journal.
        pc = WORK / "pc"
        with Journal(pc) as journal:
            enrol(journal, url, code, "bench")
            school = journal.sync_state().school_id
            entry = queue(pc, WORK / "recording.mp4")
            client = client_for(journal)
            upload_s = timed(lambda: send(client, school, entry, outbox=pc / "outbox"))
            learner = journal.add_learner("基准", "一班")
            with journal.batch():
                for i in range(args.events - 1):
                    journal.record_progress(
                        learner.id, "bench.pkg", f"{i % 500:064x}", i, 600_000, 1.0
                    )
            before = client.bytes_sent
            push_s = timed(lambda: sync_journal(journal, client))
            pushed_bytes = client.bytes_sent - before
        other = WORK / "pc2"
        with Journal(other) as journal2:
            enrol(journal2, url, code, "bench2")
            client2 = client_for(journal2)
            pull_s = timed(lambda: sync_journal(journal2, client2))
            pulled_bytes = client2.bytes_received
    finally:
        hub.terminate()
        hub.wait(timeout=10)
    mb = len(content) / 1e6
    result = {
        "benchmark": "sync_transfer",
        "machine": describe(WORK),
        "background_load": quiet,
        "blob_mb": round(mb, 1),
        "download": {
            "kebao_s": [round(t, 3) for t in kebao],
            "curl_plus_sync_s": [round(t, 3) for t in curl],
            "kebao_mb_s": round(mb / median(kebao), 1),
            "curl_mb_s": round(mb / median(curl), 1),
            "kebao_vs_curl": round(median(kebao) / median(curl), 2),
        },
        "resume": {
            "held_bytes": held,
            "fetched_after_resume": second[0],
            "to_the_byte": held + second[0] == len(content),
        },
        "throttle": {
            "target_mb_s": rate / 1e6,
            "achieved_mb_s": round(head / throttled_s / 1e6, 3),
            "ratio": round(head / throttled_s / rate, 3),
        },
        "upload": {
            "seconds": round(upload_s, 3),
            "mb_s": round(mb / upload_s, 1),
            "vs_download": round(upload_s / median(kebao), 2),
        },
        "journal": {
            "events": args.events,
            "push_s": round(push_s, 3),
            "push_events_per_s": round(args.events / push_s),
            "push_bytes_per_event": round(pushed_bytes / args.events, 1),
            "pull_s": round(pull_s, 3),
            "pull_events_per_s": round(args.events / pull_s),
            "pull_bytes_per_event": round(pulled_bytes / args.events, 1),
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
