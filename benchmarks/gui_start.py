"""Start of the desktop app on a county-sized catalog: time to the library on screen, memory.

Builds (once; cached, with `search.build_catalog`) the 100 000-resource catalog of
`benchmarks/search.py` into a data folder, marks the demo as already offered (so the
first-run import does not start), then runs the real app N times as a teacher starts it,
`python -m app.cli --data-dir D` (Qt on xcb), under an Xvfb this script starts itself.
Nothing in the app is instrumented; the script watches the screen like a person would:

    mapped     `xdotool search --onlyvisible --pid P` finds the app's window (every 10 ms)
    painted    the package tree on screen (read back with XGetImage) is mostly light and
               has dark glyphs in it: the window is drawn and the tree is filled
    rss        VmRSS of the process at that moment (/proc/P/status), again 1 s later
               ("settled": what the app started in the background at start has run)
    search     `xdotool` clicks into the search box and types a query (XTEST); timed until
               the tree's area changes to the results; VmRSS 1 s later, and VmHWM (peak)

Baseline in the same run, under the same Xvfb and the same way: a minimal PySide6 app,
`python -c` showing one QLabel (Python + PySide6 + an X connection + fonts + one paint).
The app and the baseline alternate, after one unmeasured start of each.

    $ .venv/bin/python benchmarks/gui_start.py
    $ .venv/bin/python benchmarks/gui_start.py --runs 9 --query fsdcbrs

Needs Xvfb and xdotool (`apt-get install xvfb xdotool`). Prints one JSON object.
Targets: start p50 < 1.5 s; RSS < 250 MB (the largest VmRSS read in any run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe, median, wait_until_quiet  # noqa: E402
from search import build_catalog  # noqa: E402

from app.gui.drives_page import removable_roots  # noqa: E402

TARGET_START_S = 1.5
TARGET_RSS_MB = 250
TIMEOUT_S = 30
POLL_S = 0.01
SETTLE_S = 1.0
SCREEN = "1600x1000x24"
BASELINE = (
    "from PySide6.QtWidgets import QApplication, QLabel\n"
    "app = QApplication([])\n"
    "label = QLabel('课包 Kebao: 基准 baseline')\n"
    "label.resize(1280, 800)\n"
    "label.show()\n"
    "app.exec()\n"
)


@contextmanager
def xvfb(screen: str = SCREEN) -> Iterator[str]:
    """A private Xvfb on a free display number (`-displayfd`); yields ':N'."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        raise SystemExit("Xvfb did not start (apt-get install xvfb)")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait()


class Screen:
    """Reads the X screen back (XGetImage through Qt) from the benchmark's own process."""

    def __init__(self, display: str) -> None:
        os.environ["DISPLAY"] = display
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        from PySide6.QtGui import QGuiApplication, QImage
        from PySide6.QtWidgets import QApplication

        # A QApplication, so that a benchmark can also show widgets of its own.
        self._app = QApplication.instance() or QApplication([sys.argv[0]])
        self._screen = QGuiApplication.primaryScreen()
        self._format = QImage.Format

    def _grab(self, x: int, y: int, w: int, h: int, fmt: object) -> bytes:
        image = self._screen.grabWindow(0, x, y, w, h).toImage().convertToFormat(fmt)
        return bytes(image.constBits())[: image.bytesPerLine() * image.height()]

    def sample(self, x: int, y: int, w: int, h: int, step: int = 7) -> bytes:
        """Every `step`-th pixel of the rectangle, as grey levels 0–255."""
        return self._grab(x, y, w, h, self._format.Format_Grayscale8)[::step]

    def colours(self, x: int, y: int, w: int, h: int) -> bytes:
        """The rectangle's pixels as B, G, R, 255 (4 bytes each)."""
        return self._grab(x, y, w, h, self._format.Format_RGB32)


def drawn(pixels: bytes) -> bool:
    """Mostly light (a painted list or label, not the black of an unpainted window) with
    dark glyphs on it (not an empty list)."""
    light = sum(1 for p in pixels if p > 200)
    dark = sum(1 for p in pixels if p < 100)
    return light > len(pixels) / 2 and dark >= 20


def changed(before: bytes, after: bytes) -> float:
    return sum(1 for a, b in zip(before, after, strict=True) if abs(a - b) > 60) / len(before)


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def xdotool(*args: str) -> str:
    return subprocess.run(["xdotool", *args], capture_output=True, text=True).stdout


def wait_window(process: subprocess.Popen) -> tuple[float, dict[str, int]]:
    """When the process's first visible top-level window appeared, and its geometry."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited with {process.returncode} before its window showed")
        found = xdotool("search", "--onlyvisible", "--pid", str(process.pid)).split()
        if found:
            at = time.perf_counter()
            shell = xdotool("getwindowgeometry", "--shell", found[0])
            geometry = dict(line.split("=", 1) for line in shell.split())
            return at, {k: int(v) for k, v in geometry.items()}
        time.sleep(POLL_S)
    raise SystemExit(f"no window within {TIMEOUT_S} s")


def wait_until(test: Callable[[], bool], what: str) -> float:
    deadline = time.monotonic() + TIMEOUT_S
    while not test():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {TIMEOUT_S} s")
        time.sleep(POLL_S)
    return time.perf_counter()


def area(window: dict[str, int], tree: bool) -> tuple[int, int, int, int]:
    """The part of the window to watch: in the app, a band inside the package tree (left
    third, below the search box and facet boxes); for the baseline, all of it."""
    x, y, w, h = window["X"], window["Y"], window["WIDTH"], window["HEIGHT"]
    if not tree:
        return x, y, w, h
    return x + w * 15 // 100, y + h * 25 // 100, w * 30 // 100, h * 60 // 100


def start_once(
    command: list[str], env: dict[str, str], screen: Screen, tree: bool, query: str, log: Path
) -> dict[str, Any]:
    """Start `command`, time it to a drawn window, read its memory, optionally search."""
    with open(log, "ab") as out:
        t0 = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            return watch(process, t0, screen, tree, query)
        finally:
            process.terminate()
            process.wait()


def watch(
    process: subprocess.Popen, t0: float, screen: Screen, tree: bool, query: str
) -> dict[str, Any]:
    mapped, window = wait_window(process)
    box = area(window, tree)
    painted = wait_until(lambda: drawn(screen.sample(*box)), "window drawn")
    run: dict[str, Any] = {
        "mapped_s": round(mapped - t0, 3),
        "painted_s": round(painted - t0, 3),
        "at_paint": memory(process.pid),
    }
    time.sleep(SETTLE_S)  # what the app started in the background at start has run
    run["settled"] = memory(process.pid)
    if query:
        before = screen.sample(*box)
        # No window manager gives the window the keyboard: click into the search box.
        x, y = window["WIDTH"] // 2, window["HEIGHT"] * 45 // 800
        xdotool("mousemove", "--window", str(window["WINDOW"]), str(x), str(y), "click", "1")
        typed = time.perf_counter()
        xdotool("type", "--delay", "30", query)
        shown = wait_until(lambda: changed(before, screen.sample(*box)) > 0.03, "results")
        time.sleep(SETTLE_S)
        run["search_to_results_s"] = round(shown - typed, 3)
        run["after_search"] = memory(process.pid)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-out" / "gui")
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query", default="sx", help="typed into the search box after start")
    parser.add_argument("--quiet-timeout", type=float, default=30)
    args = parser.parse_args()
    if not shutil.which("xdotool"):
        raise SystemExit("needs xdotool (apt-get install xdotool)")
    workdir = args.workdir.resolve()
    data = workdir / f"data-{args.packages}"
    counts = build_catalog(data, args.packages)
    (data / ".demo-offered").write_text("1\n", encoding="utf-8")
    log = workdir / "start.log"  # what the started processes print
    log.unlink(missing_ok=True)

    loads = []
    app_runs, base_runs = [], []
    with xvfb() as display:
        screen = Screen(display)
        drives = removable_roots()
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        app = [sys.executable, "-m", "app.cli", "--data-dir", str(data)]
        base = [sys.executable, "-c", BASELINE]
        first_app = start_once(app, env, screen, True, args.query, log)
        first_base = start_once(base, env, screen, False, "", log)
        for _ in range(args.runs):
            if args.quiet_timeout > 0:
                loads.append(wait_until_quiet(args.quiet_timeout))
            base_runs.append(start_once(base, env, screen, False, "", log))
            if args.quiet_timeout > 0:
                loads.append(wait_until_quiet(args.quiet_timeout))
            app_runs.append(start_once(app, env, screen, True, args.query, log))

    def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
        painted = [r["painted_s"] for r in runs]
        out = {
            "start_s": painted,
            "start_p50_s": round(median(painted), 3),
            "start_max_s": max(painted),
            "mapped_p50_s": round(median([r["mapped_s"] for r in runs]), 3),
        }
        for key, name in (("at_paint", "rss_at_start"), ("settled", "rss_settled")):
            rss = [r[key]["VmRSS"] for r in runs]
            out[f"{name}_mb"] = rss
            out[f"{name}_p50_mb"] = round(median(rss), 1)
            out[f"{name}_max_mb"] = max(rss)
        last = "after_search" if "after_search" in runs[0] else "settled"
        if last == "after_search":
            after = [r["after_search"]["VmRSS"] for r in runs]
            out |= {
                "search_to_results_p50_s": round(
                    median([r["search_to_results_s"] for r in runs]), 3
                ),
                "rss_after_search_p50_mb": round(median(after), 1),
                "rss_after_search_max_mb": max(after),
            }
        out["rss_peak_max_mb"] = max(r[last]["VmHWM"] for r in runs)
        return out

    app_sum, base_sum = summary(app_runs), summary(base_runs)
    rss_worst = max(
        r[key]["VmRSS"]
        for r in app_runs
        for key in ("at_paint", "settled", "after_search")
        if key in r
    )
    result = {
        "benchmark": "gui_start",
        "machine": describe(workdir),
        "catalog": counts,
        "display": f"Xvfb {SCREEN}, Qt xcb, no window manager",
        # The U盘 page lists these at start (and reads the catalog for them).
        "drives_the_app_sees": [str(d) for d in drives],
        "runs": args.runs,
        "query": args.query,
        "app": app_sum,
        "baseline_qlabel": base_sum,
        "first_unmeasured_start_s": {
            "app": first_app["painted_s"],
            "baseline": first_base["painted_s"],
        },
        "start_p50_vs_baseline": round(app_sum["start_p50_s"] / base_sum["start_p50_s"], 2),
        "rss_settled_vs_baseline": round(
            app_sum["rss_settled_p50_mb"] / base_sum["rss_settled_p50_mb"], 2
        ),
        "background_load": {
            "max_cpu_busy": max((x["cpu_busy"] for x in loads), default=None),
            "max_io_stall": max((x["io_stall"] for x in loads), default=None),
        },
        "target_start_s": TARGET_START_S,
        "target_rss_mb": TARGET_RSS_MB,
        "meets_target_start": app_sum["start_p50_s"] < TARGET_START_S,
        "rss_max_mb": rss_worst,
        "meets_target_rss": rss_worst < TARGET_RSS_MB,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
