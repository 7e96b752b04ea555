"""The sync scheduler's work on the GUI thread: what a minute's tick and its first tick cost.

The window owns one `SyncScheduler`; whatever its timer slots do on the GUI thread, the
window cannot paint meanwhile. This script times those slots with `perf_counter`, in
fresh processes (Qt offscreen), on a data folder enrolled with a "hub" on loopback:

    first_tick      the scheduler's first `tick()` in a fresh process (what its start-up
                    timer runs): Qt's network information backend is loaded then
    request_now     立即同步 (and each minute's tick when idle): the part on the GUI
                    thread before the round goes to the background
    tick_running    each minute's tick while a round runs (the rate of the hour)
    stall           the longest gap of a 1 ms timer on the GUI thread from making the
                    scheduler until 1.5 s after its first tick (the first round starts and
                    imports the HTTP libraries; baseline: the same probe for 1.5 s before
                    the scheduler exists, in the same process)

and the parts such a tick may do, each on its own: loading Qt's network information
backend (`QNetworkInformation.loadBackendByFeatures`, cold, once per process), reading
`settings.json`, listing the outbox (`--outbox` entries), reading the journal's sync
state. The "hub" accepts connections and never answers, so a round stays running
until the script lets it fail; nothing is sent anywhere.

    $ .venv/bin/python benchmarks/gui_scheduler.py
    $ .venv/bin/python benchmarks/gui_scheduler.py --runs 9 --outbox 200

Prints one JSON object. Budget: no slot above 5 ms on the GUI thread.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe, median, wait_until_quiet  # noqa: E402

BUDGET_MS = 5.0
PROBE_S = 1.5


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def enrol(data: Path, hub_url: str) -> None:
    """The data folder enrolled with the hub at `hub_url` (as `kebao enrol` leaves it)."""
    from sync.journal import Journal

    data.mkdir(parents=True, exist_ok=True)
    with Journal(data) as journal:
        journal.update_sync_state(
            hub_url=hub_url, school_id="bench-school", school_name="城关镇中心小学", token="t"
        )


def prepare(data: Path, outbox: int) -> None:
    """A data folder subscribed to two packages, with `outbox` files queued."""
    from app.settings import Settings
    from sync import upload

    data.mkdir(parents=True, exist_ok=True)
    settings = Settings.load(data)
    settings.subscriptions = ["pep.math.g3a", "pep.chinese.g3a"]
    settings.save(data)
    files = data.parent / "recordings"
    files.mkdir(exist_ok=True)
    for old in upload.outbox_dir(data).glob("*.json"):
        old.unlink()
    for i in range(outbox):
        path = files / f"2026-03-{i % 28 + 1:02d} 第{i}节.mp4"
        path.write_bytes(os.urandom(1024))
        upload.queue(data, path, kind="recording")


class SilentHub:
    """Accepts connections on loopback and never answers; `close()` drops them all."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.closed:
                    conn.close()
                    return
                self.held.append(conn)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            for conn in self.held:
                conn.close()
        self.sock.close()


def started_like_the_app() -> None:
    """What `app.main.run` has done before the window's scheduler ticks: the window's
    modules imported, `warm_up()` (pypinyin loaded; since 2026-11-26 the heap frozen)."""
    import app.gui.window  # noqa: F401
    from app.main import warm_up

    warm_up()


def child(data: Path, ticks: int) -> dict[str, Any]:
    """One fresh process: first tick cold, then repeated ticks, then the parts."""
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    started_like_the_app()
    hub = SilentHub()
    enrol(data, hub.url)

    def spin(until: Callable[[], bool], limit_s: float = 30) -> None:
        deadline = time.monotonic() + limit_s
        while not until() and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.001)

    def probe(seconds: float, during: Callable[[], None] | None = None) -> float:
        """The longest gap between 1 ms timer shots on this thread, in ms."""
        gaps: list[int] = []
        clock = QElapsedTimer()
        timer = QTimer(interval=1)
        last = [0]

        def shot() -> None:
            now = clock.nsecsElapsed()
            gaps.append(now - last[0])
            last[0] = now

        timer.timeout.connect(shot)
        clock.start()
        timer.start()
        if during is not None:
            QTimer.singleShot(5, during)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
        timer.stop()
        return round(max(gaps[1:]) / 1e6, 3)

    from app import sync_scheduler
    from app.sync_scheduler import SyncScheduler

    # The probe covers the first tick, whenever the scheduler makes it (0 s before 84ca74f,
    # FIRST_TICK_MS after), and the first round starting (its imports) and waiting.
    first_tick_s = getattr(sync_scheduler, "FIRST_TICK_MS", 0) / 1000
    out: dict[str, Any] = {"stall_baseline_ms": probe(PROBE_S)}
    made: list[SyncScheduler] = []
    out["stall_with_scheduler_ms"] = probe(
        first_tick_s + PROBE_S, lambda: made.append(SyncScheduler(data, interval_ms=3_600_000))
    )
    scheduler = made[0]
    scheduler.stop()
    hub.close()
    spin(lambda: scheduler._job is None)

    # A fresh scheduler object; the process has loaded the backend by now: warm ticks.
    hub = SilentHub()
    enrol(data, hub.url)
    scheduler = SyncScheduler(data, interval_ms=3_600_000)
    spin(lambda: scheduler.state.running)  # its own first tick started a round
    running = []
    for _ in range(ticks):
        t0 = time.perf_counter()
        scheduler.tick()
        running.append(time.perf_counter() - t0)
        QCoreApplication.processEvents()
    hub.close()  # the round fails: connection dropped
    spin(lambda: not scheduler.state.running)
    now = []
    for _ in range(ticks):
        hub = SilentHub()
        enrol(data, hub.url)
        t0 = time.perf_counter()
        scheduler.request_now()
        now.append(time.perf_counter() - t0)
        spin(lambda: scheduler.state.running)
        hub.close()
        spin(lambda: not scheduler.state.running)
    scheduler.stop()
    out["tick_running_ms"] = [ms(x) for x in running]
    out["request_now_ms"] = [ms(x) for x in now]
    out |= parts(data, ticks)
    app.quit()
    return out


def parts(data: Path, n: int) -> dict[str, Any]:
    """What a tick may read, each timed on its own (warm: the process did it before)."""
    from app.settings import Settings
    from sync import upload
    from sync.journal import Journal

    def timed(fn: Callable[[], object]) -> list[float]:
        runs = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            runs.append(ms(time.perf_counter() - t0))
        return runs

    with Journal(data) as journal:
        return {
            "settings_load_ms": timed(lambda: Settings.load(data)),
            "outbox_list_ms": timed(lambda: upload.pending(upload.outbox_dir(data))),
            "sync_state_ms": timed(journal.sync_state),
        }


def first_tick_child(data: Path) -> dict[str, Any]:
    """A fresh process: the scheduler's first tick, and the backend load on its own."""
    from PySide6.QtWidgets import QApplication

    QApplication([sys.argv[0]])
    started_like_the_app()
    hub = SilentHub()
    enrol(data, hub.url)
    from app.sync_scheduler import SyncScheduler

    t0 = time.perf_counter()
    scheduler = SyncScheduler(data, interval_ms=3_600_000)
    made = time.perf_counter()
    scheduler.tick()
    ticked = time.perf_counter()
    scheduler.stop()
    hub.close()
    return {"construct_ms": ms(made - t0), "first_tick_ms": ms(ticked - made)}


def backend_child() -> dict[str, Any]:
    from PySide6.QtNetwork import QNetworkInformation
    from PySide6.QtWidgets import QApplication

    QApplication([sys.argv[0]])
    t0 = time.perf_counter()
    loaded = QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Metered)
    took = time.perf_counter() - t0
    info = QNetworkInformation.instance()
    return {
        "backend_load_ms": ms(took),
        "backend": info.backendName() if loaded and info is not None else None,
    }


def run_child(mode: str, data: Path, ticks: int) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, __file__, "--child", mode, "--data", str(data)]
    done = subprocess.run(
        [*args, "--ticks", str(ticks)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def stats(values: list[float]) -> dict[str, float]:
    return {"p50": round(median(values), 3), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-out" / "gui-scheduler")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes of each kind")
    parser.add_argument("--ticks", type=int, default=20, help="warm ticks per process")
    parser.add_argument("--outbox", type=int, default=20, help="files waiting to be uploaded")
    parser.add_argument("--quiet-timeout", type=float, default=30)
    parser.add_argument("--child", choices=["run", "first", "backend"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = {
            "run": lambda: child(args.data, args.ticks),
            "first": lambda: first_tick_child(args.data),
            "backend": backend_child,
        }[args.child]()
        print(json.dumps(result))
        return

    workdir = args.workdir.resolve()
    data = workdir / "data"
    prepare(data, args.outbox)
    loads, runs, firsts, backends = [], [], [], []
    for _ in range(args.runs):
        if args.quiet_timeout > 0:
            loads.append(wait_until_quiet(args.quiet_timeout))
        backends.append(run_child("backend", data, args.ticks))
        firsts.append(run_child("first", data, args.ticks))
        runs.append(run_child("run", data, args.ticks))

    def pooled(key: str) -> list[float]:
        return [x for r in runs for x in r[key]]

    gui = {
        "first_tick_ms": stats([f["first_tick_ms"] for f in firsts]),
        "construct_ms": stats([f["construct_ms"] for f in firsts]),
        "request_now_ms": stats(pooled("request_now_ms")),
        "tick_running_ms": stats(pooled("tick_running_ms")),
        "stall_with_scheduler_ms": stats([r["stall_with_scheduler_ms"] for r in runs]),
        "stall_baseline_ms": stats([r["stall_baseline_ms"] for r in runs]),
    }
    parts = {
        "backend_load_cold_ms": stats([b["backend_load_ms"] for b in backends]),
        "settings_load_ms": stats(pooled("settings_load_ms")),
        "outbox_list_ms": stats(pooled("outbox_list_ms")),
        "sync_state_ms": stats(pooled("sync_state_ms")),
    }
    worst = max(v["p50"] for k, v in gui.items() if k.endswith("tick_ms") or "request" in k)
    result = {
        "benchmark": "gui_scheduler",
        "machine": describe(workdir),
        "runs": args.runs,
        "ticks_per_run": args.ticks,
        "outbox_entries": args.outbox,
        "network_backend": backends[0]["backend"],
        "gui_thread": gui,
        "parts": parts,
        "stall_vs_baseline": round(
            gui["stall_with_scheduler_ms"]["p50"] / gui["stall_baseline_ms"]["p50"], 2
        ),
        "budget_ms": BUDGET_MS,
        "worst_slot_p50_ms": worst,
        "meets_budget": worst <= BUDGET_MS,
        "background_load": {
            "max_cpu_busy": max((x["cpu_busy"] for x in loads), default=None),
            "max_io_stall": max((x["io_stall"] for x in loads), default=None),
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
