"""`kebao` with no arguments: open the window on the library (the demo on first run)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from app import i18n
from app.demo import import_demo
from app.gui import style
from app.gui.window import MainWindow
from app.qt import QApplication
from app.settings import Settings
from app.tasks import Background
from media import pinyin
from media.library import Library


def warm_up() -> None:
    """Work that holds the GIL for long, done before the event loop starts so that it can
    never stall it later (a background import would otherwise freeze the window ~100 ms).

    Then what start-up built (modules, pypinyin's tables: ≈240 000 objects) is frozen out
    of the garbage collector: a full collection walked all of it, ≈65 ms with the GIL held,
    whichever thread's allocations set it off (the first sync round's imports did)."""
    pinyin.load()
    gc.freeze()


def run(data_dir: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Kebao")
    settings = Settings.load(data_dir)
    # The chosen language also picks the sentences of errors from media/ and sync/.
    os.environ.setdefault("KEBAO_LANG", settings.language)
    i18n.install(app)
    style.apply(app)
    warm_up()
    library = Library(data_dir)
    window = MainWindow(library)
    window.show()
    # First run: import the demo off the GUI thread (with its own connections), then show it.
    Background(lambda _job: import_demo(data_dir)).on_success(
        lambda imported: window.refresh() if imported else None
    ).start()
    code = app.exec()
    library.close()
    return code
