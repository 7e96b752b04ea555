"""The journal over the wire: push + pull of many events, and what an idle round costs.

Against the real hub (`kebao hub serve`) in a subprocess on loopback:

    push+pull   a data folder holding N progress events (recorded through the journal,
                one learner, 500 resources; made once, copied for each run) pushes them
                all (`sync_journal`); a second, freshly enrolled data folder pulls them
                all. Timed separately, target: both together < 10 s for 100 000 events.
                Bytes per event: the bodies as they cross the wire (gzip). Checked: the
                hub holds N events, the second folder's views equal the first's.
                On SQLite, and on PostgreSQL with --postgres URL (a database of its
                own: its tables are dropped first).
    idle round  a PC enrolled through a counting proxy, subscribed to the demo package
                and up to date, runs `kebao sync --now` with nothing to move: the
                requests and bytes (headers included) that pass the proxy. Target: one
                request.

    $ .venv/bin/python benchmarks/sync_journal.py [--events 100000] [--runs 3]
          [--postgres postgresql+psycopg://kebao:kebao@127.0.0.1:5432/kebao_bench]

Prints one JSON object; each target has a `met` flag.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hubrun import CountingProxy, Hub, kebao  # noqa: E402
from machine import describe, median, wait_until_quiet  # noqa: E402

from sync.client import client_for, enrol, sync_journal  # noqa: E402
from sync.journal import Journal  # noqa: E402

QUIET_S = [60.0]  # how long each measured part waits for other processes to calm down
WORK = ROOT / "bench-out" / "sync-journal"
TARGET_S = 10.0
DEMO = ROOT / "app" / "demo"


def recorded(events: int) -> Path:
    """A data folder whose journal holds `events` events of its own (made once)."""
    folder = WORK / f"journal-{events}"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    with Journal(folder) as journal:
        learner = journal.add_learner("基准", "一班")
        with journal.batch():
            for i in range(events - 1):
                journal.record_progress(learner.id, "bench.pkg", f"{i % 500:064x}", i, 600_000, 1.0)
    (folder / "ready").touch()
    return folder


def drop_tables(db: str) -> None:
    import sqlalchemy as sa

    from hub.db import metadata

    engine = sa.create_engine(db)
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def push_and_pull(source: Path, events: int, run: int, db: str | None) -> dict:
    work = WORK / f"run-{run}-{'pg' if db else 'sqlite'}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work / "pc")
    if db:
        drop_tables(db)
    hub = Hub.start(work / "hub", db=db)
    try:
        _school, code = hub.add_school(f"基准学校{run}")
        quiet = wait_until_quiet(QUIET_S[0])
        with Journal(work / "pc") as pc:
            enrol(pc, hub.url, code, "push")
            client = client_for(pc)
            t0 = time.perf_counter()
            pushed = sync_journal(pc, client)
            push_s = time.perf_counter() - t0
            client.close()
            with Journal(work / "pc2") as pc2:
                enrol(pc2, hub.url, code, "pull")
                client2 = client_for(pc2)
                t0 = time.perf_counter()
                pulled = sync_journal(pc2, client2)
                pull_s = time.perf_counter() - t0
                client2.close()
                same_views = pc.read_views() == pc2.read_views()
        from hub.db import HubStore

        store = HubStore.open(work / "hub", db)
        held = store.event_count()
        store.close()
    finally:
        hub.stop()
    assert pushed.pushed == events and pulled.pulled == events, (pushed, pulled)
    return {
        "push_s": round(push_s, 3),
        "pull_s": round(pull_s, 3),
        "total_s": round(push_s + pull_s, 3),
        "push_bytes_per_event": round(pushed.bytes_sent / events, 1),
        "pull_bytes_per_event": round(pulled.bytes_received / events, 1),
        "hub_holds": held,
        "views_identical": same_views,
        "background_load": quiet,
    }


def summary(runs: list[dict], events: int) -> dict:
    total = median([r["total_s"] for r in runs])
    return {
        "runs": runs,
        "total_s_median": total,
        "events_per_s": round(events / total),
        "push_events_per_s": round(events / median([r["push_s"] for r in runs])),
        "pull_events_per_s": round(events / median([r["pull_s"] for r in runs])),
        "target_s": TARGET_S,
        "met": total < TARGET_S
        and all(r["views_identical"] and r["hub_holds"] == events for r in runs),
    }


def idle_round() -> dict:
    """Requests and bytes of `kebao sync` with nothing to move (subscribed, up to date)."""
    work = WORK / "idle"
    shutil.rmtree(work, ignore_errors=True)
    hub = Hub.start(work / "hub", repo=DEMO / "repo")
    proxy = CountingProxy(hub.port)
    pc = work / "pc"
    try:
        _school, code = hub.add_school("空闲学校")
        kebao("enrol", "--hub", proxy.url, "--code", code, "--data-dir", pc)
        kebao("trust", "add", DEMO / "publisher.pub", "--data-dir", pc)
        kebao("subscribe", "add", "demo.math.g3a", "--data-dir", pc)
        first = json.loads(kebao("sync", "--now", "--json", "--data-dir", pc).stdout)
        assert first["installed"], first  # the package came: from now on, nothing to do
        rounds = []
        for _ in range(3):
            proxy.reset()
            report = json.loads(kebao("sync", "--now", "--json", "--data-dir", pc).stdout)
            assert not report["installed"] and not report["uploaded"], report
            rounds.append(
                {"requests": list(proxy.requests), "bytes_up": proxy.up, "bytes_down": proxy.down}
            )
    finally:
        proxy.close()
        hub.stop()
    last = rounds[-1]
    return {
        "requests": len(last["requests"]),
        "request_lines": last["requests"],
        "bytes_up": last["bytes_up"],
        "bytes_down": last["bytes_down"],
        "each_round": [(len(r["requests"]), r["bytes_up"], r["bytes_down"]) for r in rounds],
        "target_requests": 1,
        "met": all(len(r["requests"]) == 1 for r in rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", help="a database of its own: its tables are dropped")
    parser.add_argument("--skip-idle", action="store_true")
    parser.add_argument(
        "--quiet-timeout", type=float, default=60, help="seconds to wait for a quiet machine"
    )
    args = parser.parse_args()
    QUIET_S[0] = args.quiet_timeout
    WORK.mkdir(parents=True, exist_ok=True)
    source = recorded(args.events)
    result: dict = {"benchmark": "sync_journal", "machine": describe(WORK), "events": args.events}
    result["sqlite"] = summary(
        [push_and_pull(source, args.events, run, None) for run in range(args.runs)], args.events
    )
    if args.postgres:
        runs = [push_and_pull(source, args.events, run, args.postgres) for run in range(args.runs)]
        result["postgresql"] = summary(runs, args.events)
    if not args.skip_idle:
        result["idle_round"] = idle_round()
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
