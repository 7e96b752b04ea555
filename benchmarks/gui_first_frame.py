"""Click to first frame in the app: from the 播放 button to the lesson's picture on screen.

Makes (once; cached) a data folder with one real lesson imported the way a technician
does it: the 30 s 720p video of `player_first_frame.py` (H.264, keyframe every 10 s,
AAC) in a lesson folder, `kebao keygen`, `kebao pack`, `kebao trust add`, `kebao import`.
Then, under an Xvfb it starts itself, it builds the app's `MainWindow` in this process
(Qt on xcb, the app's translations and style) and, N times, as a teacher would:

    search     types the lesson's pinyin initials into the search box, clicks the hit
    click      QTest clicks 播放 (the clock starts just before the click)
    on screen  the middle of the video surface, read back from the X screen (XGetImage)
               every few ms, is mostly lit: the picture is there
    back       stops the player and clicks 资源库 again

The first click of a window also builds the player page and starts libvlc (the app does
that on the first play); it is reported on its own (`first_click`), the other runs as
`click_to_picture`. The engine's FIRST_FRAME event, as the page receives it, is reported
too.

Baseline in the same run, on the same Xvfb and the same file: the engine alone drawing
into a bare black QWidget, `player_first_frame.py --window` (a subprocess, run before
the app's window opens), its `on_screen.start`.

    $ .venv/bin/python benchmarks/gui_first_frame.py
    $ .venv/bin/python benchmarks/gui_first_frame.py --runs 30

libvlc's audio goes to its dummy output, as in the baseline (`--aout default` uses the
app's own choice, which on a machine without a sound card first probes for one).
Needs Xvfb (`apt-get install xvfb`), ffmpeg and libvlc. Prints one JSON object.
Target: click to picture p95 < 500 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gui_start import SCREEN, Screen, xvfb  # noqa: E402
from machine import describe, percentile, wait_until_quiet  # noqa: E402
from player_first_frame import SECONDS, make_lesson, stats  # noqa: E402
from PySide6.QtCore import QEventLoop, QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from app import i18n  # noqa: E402
from app.gui import style  # noqa: E402
from app.gui.window import MainWindow  # noqa: E402
from media.library import Library  # noqa: E402
from media.player import EventKind, PlayerEvent, VlcEngine  # noqa: E402

TARGET_MS = 500
TIMEOUT_S = 20
PACKAGE_ID = "bench.gui.play"
LESSON = "分数的初步认识"
QUERY = "fsdcbrs"
# PySide6 6.12.0 (not 6.11.3) drops a reference to True on every Signal.emit() from Python
# and to None on every call of a static method (QTest.mouseClick, processEvents). The app
# emits one signal per player event, so after a few thousand of them Python aborts
# ("bool_dealloc"). These references keep a long benchmark alive, and it ends with
# os._exit, before the interpreter's clean-up would find the counts short.
_HELD = [True, False, None] * 100_000


def kebao(*args: object) -> None:
    subprocess.run(
        [sys.executable, "-m", "app.cli", *map(str, args)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "KEBAO_LANG": "zh"},
    )


def make_library(workdir: Path, video: Path) -> Path:
    """A data folder with one signed package holding the lesson video; cached."""
    data = workdir / "data"
    marker = data / "bench.json"
    if marker.is_file() and json.loads(marker.read_text())["video_bytes"] == video.stat().st_size:
        return data
    for old in ("data", "src", "repo", "keys"):
        shutil.rmtree(workdir / old, ignore_errors=True)
    src = workdir / "src"
    lesson = src / "第八单元 分数的初步认识" / LESSON
    lesson.mkdir(parents=True)
    (src / "package.toml").write_text(
        f'id = "{PACKAGE_ID}"\nversion = "2026.11"\ntitle = "数学 三年级上册（基准）"\n'
        'kind = "textbook"\n[tags]\n"学段" = "小学"\n"年级" = "三年级"\n"学科" = "数学"\n'
        '"教材版本" = "人教版"\n"册" = "上册"\n',
        encoding="utf-8",
    )
    shutil.copy(video, lesson / f"{LESSON}.mp4")
    keys = workdir / "keys"
    keys.mkdir()
    kebao("keygen", "--out", keys / "bench.key", "--name", "基准测试县教育局")
    kebao("pack", "--key", keys / "bench.key", "--out", workdir / "repo", src)
    kebao("trust", "add", keys / "bench.pub", "--data-dir", data)
    kebao("import", workdir / "repo", "--data-dir", data)
    (data / ".demo-offered").write_text("1\n", encoding="utf-8")
    marker.write_text(json.dumps({"video_bytes": video.stat().st_size}), encoding="utf-8")
    return data


def engine_baseline(video_dir: Path, display: str, runs: int) -> dict[str, Any]:
    """`player_first_frame.py --window` on the same display: the engine without the app."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "player_first_frame.py"), "--window",
         "--runs", str(runs), "--workdir", str(video_dir), "--quiet-timeout", "0"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
    )  # fmt: skip
    return json.loads(out.stdout)


class App:
    """The app's main window in this process, driven with QTest."""

    def __init__(self, data: Path, audio_out: str) -> None:
        self.qt = QApplication.instance() or QApplication([sys.argv[0]])
        i18n.install(self.qt, "zh")
        style.apply(self.qt)
        self.library = Library(data)
        options = () if audio_out == "default" else (f"--aout={audio_out}",)
        self.window = MainWindow(
            self.library, engine_factory=lambda notify: VlcEngine(notify, options=options)
        )
        self.window.show()
        # Not QApplication.processEvents(): in PySide6 6.12 every call of that static
        # method drops a reference to None, and a few thousand calls crash Python at exit.
        self._events = QEventLoop()
        self.first_frame_at = 0.0
        self._watching = False

    def spin(self, until: Callable[[], object], what: str) -> float:
        """Run the event loop until `until()` holds; when it did."""
        deadline = time.monotonic() + TIMEOUT_S
        while not until():
            if time.monotonic() > deadline:
                raise SystemExit(f"{what}: not within {TIMEOUT_S} s")
            self._events.processEvents()
            time.sleep(0.002)  # leave the GIL to libvlc's threads between looks
        return time.perf_counter()

    def click(self, widget: QWidget, pos: QPoint | None = None) -> None:
        if pos is None:
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        else:
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)

    def open_lesson(self) -> None:
        """Search by pinyin initials and click the lesson in the results."""
        page = self.window.library_page
        page.search_box.setText(QUERY)
        self.spin(lambda: page.results.count() > 0 and page.left.currentWidget() is page.results,
                  "search results")  # fmt: skip
        item = page.results.item(0)
        self.click(page.results.viewport(), page.results.visualItemRect(item).center())
        self.spin(page.play_button.isEnabled, "lesson page")

    def _on_event(self, event: PlayerEvent) -> None:
        if event.kind is EventKind.FIRST_FRAME and not self.first_frame_at:
            self.first_frame_at = time.perf_counter()

    def play_once(self, screen: Screen) -> dict[str, float]:
        """Click 播放; seconds to the FIRST_FRAME event and to the picture on screen."""
        page = self.window.library_page
        self.first_frame_at = 0.0
        t0 = time.perf_counter()
        self.click(page.play_button)
        player = self.window.player_page
        if not self._watching:  # made by the first click; its events are queued to us
            player.event_seen.connect(self._on_event)
            self._watching = True
        surface = player.surface
        shown = self.spin(lambda: colourful(screen, surface) > 0.5, "picture on screen")
        self.spin(lambda: self.first_frame_at > 0, "FIRST_FRAME event")
        return {"on_screen": shown - t0, "first_frame_event": self.first_frame_at - t0}

    def back_to_library(self, screen: Screen) -> None:
        player = self.window.player_page
        player.stop()
        self.spin(lambda: lit(screen, player.surface) < 0.02, "black surface after stop")
        self.click(self.window.nav["library"])
        self.spin(lambda: self.window.stack.currentWidget() is self.window.library_page,
                  "library page")  # fmt: skip

    def close(self) -> None:
        if self.window.player_page is not None:
            self.window.player_page.release()
        self.window.close()
        self.library.close()


def _patch(widget: QWidget) -> tuple[int, int, int, int]:
    """A 320×180 rectangle in the middle of `widget`, in screen coordinates."""
    corner = widget.mapToGlobal(QPoint(widget.width() // 2 - 160, widget.height() // 2 - 90))
    return corner.x(), corner.y(), 320, 180


def lit(screen: Screen, widget: QWidget) -> float:
    """Share of non-black pixels in the middle of `widget` on screen."""
    pixels = screen.sample(*_patch(widget), step=4)
    return sum(1 for p in pixels if p > 40) / len(pixels)


def colourful(screen: Screen, widget: QWidget) -> float:
    """Share of strongly coloured pixels in the middle of `widget` on screen: the test
    card is all colour, the app's own pages are grey and white (and may still be on
    screen where the video surface has just been mapped, before it is painted)."""
    data = screen.colours(*_patch(widget))
    quads = range(0, len(data), 16)  # every 4th pixel
    hits = sum(1 for i in quads if max(data[i : i + 3]) - min(data[i : i + 3]) > 60)
    return hits / len(quads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-out" / "gui-play")
    parser.add_argument(
        "--video-dir", type=Path, default=ROOT / "bench-out" / "player",
        help="where player_first_frame.py keeps its video (shared, made once)",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--aout", default="dummy", help="libvlc audio output ('default': the app's)"
    )
    parser.add_argument("--quiet-timeout", type=float, default=30)
    args = parser.parse_args()
    workdir, video_dir = args.workdir.resolve(), args.video_dir.resolve()
    video = video_dir / "lesson-720p-30s.mp4"
    make_lesson(video)
    data = make_library(workdir, video)

    loads = []
    with xvfb() as display:
        if args.quiet_timeout > 0:
            loads.append(wait_until_quiet(args.quiet_timeout))
        baseline = engine_baseline(video_dir, display, args.runs)
        screen = Screen(display)
        app = App(data, args.aout)
        if not QTest.qWaitForWindowExposed(app.window, TIMEOUT_S * 1000):
            raise SystemExit("the window was never exposed")
        if args.quiet_timeout > 0:
            loads.append(wait_until_quiet(args.quiet_timeout))
        app.open_lesson()
        first = app.play_once(screen)
        app.back_to_library(screen)
        runs = []
        for _ in range(args.runs):
            app.open_lesson()
            runs.append(app.play_once(screen))
            app.back_to_library(screen)
        app.close()

    on_screen = [r["on_screen"] for r in runs]
    events = [r["first_frame_event"] for r in runs]
    engine_p50 = baseline["on_screen"]["start"]["p50_ms"]
    p95_ms = percentile(on_screen, 95) * 1000
    result = {
        "benchmark": "gui_first_frame",
        "machine": describe(workdir),
        "libvlc": baseline["libvlc"],
        "video": {
            "file": video.name,
            "bytes": video.stat().st_size,
            "seconds": SECONDS,
            "format": baseline["video"]["format"],
        },
        "display": f"Xvfb {SCREEN}, Qt xcb, no window manager",
        "audio_out": args.aout,
        "runs": args.runs,
        "first_click": {
            "on_screen_ms": round(first["on_screen"] * 1000, 1),
            "first_frame_event_ms": round(first["first_frame_event"] * 1000, 1),
        },
        "click_to_picture": stats(on_screen),
        "click_to_first_frame_event": stats(events),
        "baseline_engine_alone": {
            "on_screen": baseline["on_screen"]["start"],
            "first_frame_event": baseline["first_frame_event"]["start"],
            "engine_start_ms": baseline["engine_start_ms"],
        },
        "click_p50_vs_engine_alone": round(percentile(on_screen, 50) * 1000 / engine_p50, 2),
        "background_load": {
            "max_cpu_busy": max((x["cpu_busy"] for x in loads), default=None),
            "max_io_stall": max((x["io_stall"] for x in loads), default=None),
        },
        "target_p95_ms": TARGET_MS,
        "meets_target": p95_ms < TARGET_MS,
        "first_click_meets_target": first["on_screen"] * 1000 < TARGET_MS,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
