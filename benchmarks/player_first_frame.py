"""Click to first frame: how long a teacher waits between tapping a lesson and seeing it.

Makes (once; cached in the work folder) a 30 s 720p lesson-like video with ffmpeg
(H.264 25 fps, keyframe every 10 s as x264 makes them by default, AAC), then, with one
`VlcEngine` created up front as the app does at start, times N runs of each:

    start     engine.load(video); engine.play()  → FIRST_FRAME event
    resume    engine.load(video, start_ms=15 500); engine.play()  → FIRST_FRAME
              (继续学习: libvlc decodes from the keyframe at 10 s up to 15.5 s first)

Baselines in the same run: libvlc parsing the same file (`Media.parse_with_options`,
local, fresh media each time), the floor of opening the container at all; and an
`ffmpeg -ss S -i VIDEO -frames:v 1 -f null -` process decoding the same first frame
(process start included), what any player must at least do to show it.

Video goes to libvlc's dummy output by default (decoding happens, drawing does not);
`--window` draws into a real X11 window (a QWidget; run under `xvfb-run -a` or on a
desktop), as the app does, and also times when the picture is really on screen, by
reading the screen every few ms. The FIRST_FRAME event comes when libvlc's video output
opens with the first decoded picture; for a resume libvlc then still decodes from the
keyframe to the resume point, so only `on_screen` tells the whole wait.

    $ .venv/bin/python benchmarks/player_first_frame.py
    $ xvfb-run -a -s '-screen 0 1280x720x24' \
          .venv/bin/python benchmarks/player_first_frame.py --window --runs 30

Prints one JSON object. Target: start p95 < 500 ms.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe, percentile, wait_until_quiet  # noqa: E402

from media.player import (  # noqa: E402
    HEADLESS_OPTIONS,
    EventKind,
    PlayerEvent,
    VlcEngine,
    libvlc_version,
)

TARGET_MS = 500
RESUME_MS = 15_500
SECONDS = 30
TIMEOUT_S = 20


def make_lesson(path: Path) -> None:
    """A 720p lesson stand-in: moving test card, a tone; cached between runs."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part.mp4")
    subprocess.run(
        [
            "ffmpeg", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:d={SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency=440:d={SECONDS}",
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", "1500k", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-shortest", str(part),
        ],
        check=True,
    )  # fmt: skip
    part.rename(path)


class FirstFrame:
    """`notify` for the engine: the moment the current run's FIRST_FRAME event came."""

    def __init__(self) -> None:
        self.seen = threading.Event()
        self.at = 0.0
        self.error = ""

    def __call__(self, event: PlayerEvent) -> None:
        if event.kind is EventKind.FIRST_FRAME:
            self.at = time.perf_counter()
            self.seen.set()
        elif event.kind is EventKind.ERROR:
            self.error = event.message
            self.seen.set()


def stats(seconds: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def time_first_frames(
    engine: VlcEngine, probe: FirstFrame, video: Path, start_ms: int, runs: int, screen: Screen
) -> tuple[list[float], list[float]]:
    """Seconds from load() to the FIRST_FRAME event, and to a picture on screen (--window)."""
    events, shown = [], []
    for _ in range(runs):
        engine.stop()
        screen.wait_black()
        probe.seen.clear()
        t0 = time.perf_counter()
        engine.load(video, start_ms=start_ms)
        engine.play()
        on_screen = screen.wait_picture()
        if not probe.seen.wait(TIMEOUT_S) or probe.error:
            raise SystemExit(f"no first frame within {TIMEOUT_S} s: {probe.error or 'timeout'}")
        events.append(probe.at - t0)
        if on_screen is not None:
            shown.append(on_screen - t0)
    engine.stop()
    return events, shown


def time_parse(video: Path, runs: int) -> list[float]:
    import vlc

    instance = vlc.Instance(["--no-xlib", "--quiet", *HEADLESS_OPTIONS])
    seconds = []
    for _ in range(runs):
        done = threading.Event()
        t0 = time.perf_counter()
        media = instance.media_new_path(str(video))
        media.event_manager().event_attach(
            vlc.EventType.MediaParsedChanged, lambda _event, done=done: done.set()
        )
        media.parse_with_options(vlc.MediaParseFlag.local, TIMEOUT_S * 1000)
        done.wait(TIMEOUT_S)
        seconds.append(time.perf_counter() - t0)
        if media.get_parsed_status() != vlc.MediaParsedStatus.done:
            raise SystemExit("libvlc could not parse the benchmark video")
        media.release()
    instance.release()
    return seconds


def time_ffmpeg_decode(video: Path, start_ms: int, runs: int) -> list[float]:
    """`ffmpeg -ss S -i VIDEO -frames:v 1 -f null -`: a process decoding the frame at S."""
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-ss", f"{start_ms / 1000:.3f}", "-i", str(video),
             "-frames:v", "1", "-f", "null", "-"],
            check=True,
        )  # fmt: skip
        seconds.append(time.perf_counter() - t0)
    return seconds


class Screen:
    """Without --window: nothing to look at. With it: a black 1280×720 QWidget on screen."""

    def __init__(self, window: bool) -> None:
        self.handle = 0
        self._qt: Any = None
        if not window:
            return
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
        from PySide6.QtWidgets import QApplication, QWidget

        app = QApplication([sys.argv[0]])
        widget = QWidget()
        palette = widget.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(Qt.GlobalColor.black))
        widget.setPalette(palette)
        widget.setAutoFillBackground(True)
        widget.setGeometry(0, 0, 1280, 720)
        widget.show()
        self._qt = (app, widget, QGuiApplication.primaryScreen(), QImage, QPoint)
        self.wait_black()
        self.handle = int(widget.winId())

    def _lit(self) -> float:
        """Share of non-black pixels in a 320×180 patch in the middle of the window."""
        app, widget, screen, qimage, qpoint = self._qt
        app.processEvents()
        corner = widget.mapToGlobal(qpoint(480, 270))
        image = screen.grabWindow(0, corner.x(), corner.y(), 320, 180).toImage()
        data = bytes(image.convertToFormat(qimage.Format.Format_RGB32).constBits())
        lit = sum(1 for i in range(0, len(data), 16) if max(data[i : i + 3]) > 40)
        return lit / (len(data) / 16)

    def wait_black(self) -> None:
        if self._qt is None:
            return
        deadline = time.monotonic() + TIMEOUT_S
        while self._lit() > 0.02:
            if time.monotonic() > deadline:
                raise SystemExit("the window never turned black")

    def wait_picture(self) -> float | None:
        """When the video first covered the patch (polled via XGetImage every few ms)."""
        if self._qt is None:
            return None
        deadline = time.monotonic() + TIMEOUT_S
        while self._lit() < 0.5:
            if time.monotonic() > deadline:
                raise SystemExit("no picture on screen")
            time.sleep(0.002)  # leave the GIL to libvlc's callbacks between looks
        return time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-out" / "player")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--window", action="store_true", help="draw into a real X11 window")
    parser.add_argument("--quiet-timeout", type=float, default=30)
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    video = workdir / "lesson-720p-30s.mp4"
    make_lesson(video)

    screen = Screen(args.window)
    options = ("--aout=dummy",) if args.window else HEADLESS_OPTIONS

    loads = []
    if args.quiet_timeout > 0:
        loads.append(wait_until_quiet(args.quiet_timeout))
    probe = FirstFrame()
    t0 = time.perf_counter()
    engine = VlcEngine(probe, options=options)
    engine_start = time.perf_counter() - t0
    if args.window:
        engine.attach(screen.handle)
    time_first_frames(engine, probe, video, 0, 2, screen)  # warm the page cache and codecs

    runs = {}
    for name, start_ms in (("start", 0), ("resume_at_15_5s", RESUME_MS)):
        if args.quiet_timeout > 0:
            loads.append(wait_until_quiet(args.quiet_timeout))
        runs[name] = time_first_frames(engine, probe, video, start_ms, args.runs, screen)
    engine.release()
    parse = time_parse(video, args.runs)
    decode = {
        name: stats(time_ffmpeg_decode(video, start_ms, args.runs))
        for name, start_ms in (("start", 0), ("resume_at_15_5s", RESUME_MS))
    }
    start_events, start_shown = runs["start"]
    start_p95 = percentile(start_shown or start_events, 95)

    result = {
        "benchmark": "player_first_frame",
        "machine": describe(workdir),
        "libvlc": libvlc_version(),
        "video": {
            "file": video.name,
            "bytes": video.stat().st_size,
            "seconds": SECONDS,
            "format": "H.264 1280x720 25 fps 1.5 Mb/s, keyframe every 10 s; AAC",
        },
        "output": "X11 window (QWidget)" if args.window else "dummy (decode only)",
        "runs": args.runs,
        "engine_start_ms": round(engine_start * 1000, 1),
        "first_frame_event": {name: stats(events) for name, (events, _shown) in runs.items()},
        "on_screen": {name: stats(shown) for name, (_events, shown) in runs.items() if shown},
        "baseline_parse": stats(parse),
        "baseline_ffmpeg_decode": decode,
        "start_event_p50_vs_parse": round(percentile(start_events, 50) / percentile(parse, 50), 1),
        "background_load": {
            "max_cpu_busy": max((x["cpu_busy"] for x in loads), default=None),
            "max_io_stall": max((x["io_stall"] for x in loads), default=None),
        },
        "target_p95_ms": TARGET_MS,
        "target_measured_on": "on_screen.start" if start_shown else "first_frame_event.start",
        "meets_target": start_p95 * 1000 < TARGET_MS,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
