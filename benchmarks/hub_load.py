"""The hub under many devices pushing at once: events per second, and nothing lost.

The real hub (`kebao hub serve`) in a subprocess on loopback; N devices (default 50) in
S schools (default 5) enrol with it, each with E events of its own (default 2000
progress events stamped with its device id, made and gzipped before the clock starts).
Each device pushes its events in batches of B (default 500) on its own thread and its own
connection, all starting together. What the protocol says to retry is retried: 429 and
503 after their Retry-After, another 5xx or a cut connection after 0.5 s (at most 20
times a batch).

Measured: events per second from the start to the last acknowledgement; requests and
retries (by cause). Checked: the hub holds exactly N×E events, each device's E events
once each (by id), and the hub's `stored` answers add up to N×E.

    $ .venv/bin/python benchmarks/hub_load.py [--devices 50] [--schools 5] [--events 2000]
          [--batch 500] [--postgres postgresql+psycopg://kebao:kebao@127.0.0.1:5432/kebao_bench]

Prints one JSON object; `met` = nothing lost or doubled and every batch acknowledged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import secrets
import shutil
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hubrun import Hub  # noqa: E402
from machine import describe, wait_until_quiet  # noqa: E402
from sync_journal import drop_tables  # noqa: E402

from hub.db import HubStore, events  # noqa: E402
from sync import protocol  # noqa: E402
from sync.events import PROGRESS, Event, new_id  # noqa: E402
from sync.hlc import Stamp  # noqa: E402

QUIET_S = [60.0]  # how long each measured part waits for other processes to calm down
WORK = ROOT / "bench-out" / "hub-load"
ATTEMPTS = 20


def device_events(device: str, count: int) -> list[Event]:
    """`count` progress events recorded on `device` (one learner, 50 resources)."""
    learner = str(uuid.uuid4())
    start = int(time.time() * 1000)
    return [
        Event(
            new_id(start + i),
            str(Stamp(start + i, 0, device)),
            PROGRESS,
            {
                "learner": learner,
                "package": "bench.pkg",
                "sha256": f"{i % 50:064x}",
                "position_ms": i,
                "furthest_ms": i,
                "duration_ms": 600_000,
                "completed": False,
                "watched_ms": i * 1000,
            },
        )
        for i in range(count)
    ]


class Device(threading.Thread):
    def __init__(
        self,
        device_id: str,
        url: str,
        school: str,
        token: str,
        bodies: list[bytes],
        go: threading.Barrier,
    ):
        super().__init__(daemon=True)
        self.device_id = device_id
        self.url = protocol.school_path(school, "events")
        self.base, self.token, self.bodies, self.go = url, token, bodies, go
        self.stored = self.duplicates = self.requests = 0
        self.retries: Counter[str] = Counter()
        self.failed: list[str] = []
        self.done_at = 0.0

    def run(self) -> None:
        http = requests.Session()
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Encoding": "gzip",
            "Content-Type": "application/json",
        }
        self.go.wait()
        for body in self.bodies:
            for _ in range(ATTEMPTS):
                self.requests += 1
                try:
                    r = http.post(self.base + self.url, data=body, headers=headers, timeout=120)
                except requests.RequestException as e:
                    self.retries[type(e).__name__] += 1
                    time.sleep(0.5)
                    continue
                if r.status_code == 200:
                    doc = r.json()
                    self.stored += doc["stored"]
                    self.duplicates += doc["duplicates"]
                    break
                self.retries[str(r.status_code)] += 1
                if r.status_code in (429, 503) or r.status_code >= 500:
                    time.sleep(float(r.headers.get("Retry-After", 0.5)))
                    continue
                self.failed.append(f"HTTP {r.status_code}: {r.text[:200]}")
                break
            else:
                self.failed.append("gave up after retries")
        self.done_at = time.perf_counter()


def run(args: argparse.Namespace, db: str | None) -> dict:
    work = WORK / ("pg" if db else "sqlite")
    shutil.rmtree(work, ignore_errors=True)
    if db:
        drop_tables(db)
    hub = Hub.start(work / "hub", db=db)
    try:
        schools = [hub.add_school(f"负载学校{s}") for s in range(args.schools)]
        go = threading.Barrier(args.devices + 1)
        devices = []
        for d in range(args.devices):
            school, code = schools[d % args.schools]
            device_id = secrets.token_hex(8)
            answer = requests.post(
                hub.url + protocol.API + "/enrol",
                json={"code": code, "device_id": device_id, "name": f"PC {d}"},
                timeout=30,
            )
            answer.raise_for_status()
            batch = device_events(device_id, args.events)
            bodies = [
                gzip.compress(protocol.events_body(batch[i : i + args.batch]), compresslevel=6)
                for i in range(0, len(batch), args.batch)
            ]
            token = answer.json()["token"]
            devices.append(Device(device_id, hub.url, school, token, bodies, go))
        for device in devices:
            device.start()
        quiet = wait_until_quiet(QUIET_S[0])
        go.wait()
        start = time.perf_counter()
        for device in devices:
            device.join()
        elapsed = max(d.done_at for d in devices) - start
        store = HubStore.open(work / "hub", db)
        with store.engine.connect() as conn:
            per_device = {
                row[0]: (row[1], row[2])
                for row in conn.execute(
                    sa.select(
                        events.c.device, sa.func.count(), sa.func.count(sa.distinct(events.c.id))
                    ).group_by(events.c.device)
                )
            }
        store.close()
    finally:
        hub.stop()
    sent = args.devices * args.events
    held = sum(count for count, _distinct in per_device.values())
    each_once = all(per_device.get(d.device_id) == (args.events, args.events) for d in devices)
    retries: Counter[str] = Counter()
    for d in devices:
        retries.update(d.retries)
    failed = [f for d in devices for f in d.failed]
    stored = sum(d.stored for d in devices)
    return {
        "devices": args.devices,
        "schools": args.schools,
        "events_sent": sent,
        "seconds": round(elapsed, 3),
        "events_per_s": round(sent / elapsed),
        "requests": sum(d.requests for d in devices),
        "retries": dict(retries),
        "failed_batches": failed[:5],
        "hub_holds": held,
        "stored_answered": stored,
        "each_device_once": each_once,
        "background_load": quiet,
        "met": held == sent and stored == sent and each_once and not failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--schools", type=int, default=5)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--postgres", help="a database of its own: its tables are dropped")
    parser.add_argument(
        "--quiet-timeout", type=float, default=60, help="seconds to wait for a quiet machine"
    )
    args = parser.parse_args()
    QUIET_S[0] = args.quiet_timeout
    WORK.mkdir(parents=True, exist_ok=True)
    result: dict = {"benchmark": "hub_load", "machine": describe(WORK), "sqlite": run(args, None)}
    if args.postgres:
        result["postgresql"] = run(args, args.postgres)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
