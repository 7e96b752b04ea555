"""Render every screen of Kebao, in Chinese, to docs/screenshots/*.png.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots.py

Runs the real window on a fresh data folder holding the demo library, under a real X
server (video is drawn by libvlc into the window, so an offscreen platform would show
a black player). The screen is grabbed whole, as a person would see it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KEBAO_LANG", "zh")
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from app import i18n  # noqa: E402
from app.demo import ensure_demo  # noqa: E402
from app.gui import style  # noqa: E402
from app.gui.window import MainWindow  # noqa: E402
from app.qt import QApplication  # noqa: E402
from media.library import Library  # noqa: E402
from media.player import PlayerState  # noqa: E402


def settle(app: QApplication, seconds: float = 0.6) -> None:
    """Let the window paint (and the video run) for a moment."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def wait_for(app: QApplication, condition, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the screen did not get ready")
        app.processEvents()
        time.sleep(0.02)


def shoot(app: QApplication, name: str) -> None:
    settle(app)
    image = app.primaryScreen().grabWindow(0)
    image.save(str(OUT / f"{name}.png"))
    print(f"docs/screenshots/{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    i18n.install(app, "zh")
    style.apply(app)
    work = Path(tempfile.mkdtemp(prefix="kebao-shots-"))
    library = Library(work / "data")
    ensure_demo(library)
    drive = work / "U盘"  # a folder standing in for a USB drive the technician brought
    library.export(["demo.chinese.g3a"], drive / "课包")
    library.remove("demo.chinese.g3a")
    window = MainWindow(library, drive_roots=lambda: [drive])
    window.resize(1280, 800)
    window.move(0, 0)
    window.show()
    page = window.library_page

    math = page.tree.topLevelItem(0)
    math.setExpanded(True)
    unit = math.child(1)
    unit.setExpanded(True)
    page.tree.itemClicked.emit(unit.child(0), 0)
    shoot(app, "library")

    page.search_box.insert("fsdcbrs")
    wait_for(app, lambda: page.results.count() > 0)
    shoot(app, "search")

    page.results.itemClicked.emit(page.results.item(0))
    page.play_button.click()
    player = window.player()
    wait_for(app, lambda: player.state() is PlayerState.PLAYING and player.position() > 2500)
    shoot(app, "player")

    page.queue_button.click()
    page.search_box.clear()
    page.search_box.insert("几分之几")
    wait_for(app, lambda: page.results.count() > 0 and "几分之几" in page.results.item(0).text())
    page.results.itemClicked.emit(page.results.item(0))
    page.queue_button.click()
    window.enter_classroom()
    wait_for(app, lambda: player.state() is PlayerState.PLAYING and player.position() > 2500)
    shoot(app, "classroom")
    window.classroom().leave()
    player.stop()

    window.show_page("drives")
    wait_for(app, lambda: window.drives_page.table.rowCount() > 0)
    shoot(app, "drives")
    window.show_page("settings")
    settle(app, 1.5)
    shoot(app, "settings")
    window.close()
    library.close()


if __name__ == "__main__":
    main()
