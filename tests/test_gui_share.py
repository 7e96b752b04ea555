"""设置's 局域网共享 as a school's IT teacher uses it: the switch starts and stops a real
`kebao serve` for this data folder (a child process), shows the address the other PCs
type, says in one sentence when the port is taken, comes back on at the next start and
stops with the window; the other sharing PCs' addresses are checked before they are kept."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from conftest import ROOT, headless_engine
from test_share import free_port

from app import i18n
from app.demo import ensure_demo
from app.gui.window import MainWindow
from app.lan_share import ShareProcess, Sharing
from app.qt import QApplication, QCheckBox, QPoint, Qt
from app.settings import Settings
from media.library import Library

START_MS = 30_000  # a Python child starting on a noisy 2-core machine


@pytest.fixture
def open_window(qtbot, tmp_path: Path) -> Iterator[Callable[[], MainWindow]]:
    """`open_window()`: the window on one data folder holding the demo, its share on a
    free loopback-reachable port and not announced; each call is Kebao opened again."""
    i18n.install(QApplication.instance(), "zh")
    library = Library(tmp_path / "data")
    assert ensure_demo(library)
    port = free_port()
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        share = ShareProcess(library.data_dir, port=port, announce=False)
        window = MainWindow(library, engine_factory=headless_engine, share=share)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
    library.close()


def click(qtbot, box: QCheckBox) -> None:
    """A finger on the box itself (a wide check box toggles only on its box and words)."""
    middle = box.height() // 2
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(middle, middle))


def index(window: MainWindow) -> list[str]:
    url = f"http://127.0.0.1:{window.share.port}/kebao-repo.json"
    return [p["id"] for p in requests.get(url, timeout=10).json()["packages"]]


def answers(window: MainWindow) -> bool:
    try:
        index(window)
    except requests.ConnectionError:
        return False
    return True


def test_the_switch_shares_this_pcs_packages_and_stops(qtbot, open_window) -> None:
    window = open_window()
    window.show_page("settings")
    page = window.settings_page
    assert page.share_state.text().startswith("未共享") and not answers(window)

    click(qtbot, page.share_switch)
    qtbot.waitUntil(lambda: window.share.state.sharing is Sharing.ON, timeout=START_MS)
    assert page.share_state.text().startswith("正在共享。本机共享地址：http://")
    assert page.share_state.text().endswith(f":{window.share.port}")
    assert sorted(index(window)) == ["demo.chinese.g3a", "demo.math.g3a"]
    assert Settings.load(window.library.data_dir).share_on_lan is True

    click(qtbot, page.share_switch)
    qtbot.waitUntil(lambda: window.share.state.sharing is Sharing.OFF, timeout=START_MS)
    assert not answers(window)
    assert page.share_state.text().startswith("未共享")
    assert Settings.load(window.library.data_dir).share_on_lan is False


def test_the_share_comes_back_at_the_next_start_and_ends_with_the_window(
    qtbot, open_window
) -> None:
    first = open_window()
    first.show_page("settings")
    click(qtbot, first.settings_page.share_switch)
    qtbot.waitUntil(lambda: first.share.state.sharing is Sharing.ON, timeout=START_MS)
    pid = first.share._process.processId()
    first.close()  # the teacher closes Kebao: the share stops with it
    assert not answers(first)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

    again = open_window()  # opened again the next morning: sharing, as it was left
    assert again.settings_page.share_switch.isChecked()
    qtbot.waitUntil(lambda: again.share.state.sharing is Sharing.ON, timeout=START_MS)
    assert answers(again)


def test_a_taken_port_is_one_sentence(qtbot, open_window) -> None:
    window = open_window()
    window.show_page("settings")
    page = window.settings_page
    with socket.socket() as other_program:
        other_program.bind(("0.0.0.0", window.share.port))  # as the share binds
        other_program.listen()
        click(qtbot, page.share_switch)
        qtbot.waitUntil(lambda: window.share.state.sharing is Sharing.FAILED, timeout=START_MS)
    assert page.share_state.text() == (
        f"端口 {window.share.port} 已被占用：本机可能已经在共享资源包，或有别的程序在用这个端口"
    )
    click(qtbot, page.share_switch)  # off, and on again:
    click(qtbot, page.share_switch)  # the port is free now
    qtbot.waitUntil(lambda: window.share.state.sharing is Sharing.ON, timeout=START_MS)


def test_peer_addresses_are_checked_before_they_are_kept(qtbot, open_window) -> None:
    window = open_window()
    window.show_page("settings")
    page = window.settings_page
    data = window.library.data_dir
    page.peers_field.setText("192.168.1.20，192.168.1.21:9000")  # a Chinese comma too
    qtbot.mouseClick(page.save_peers_button, Qt.MouseButton.LeftButton)
    kept = ["http://192.168.1.20:8471", "http://192.168.1.21:9000"]
    assert Settings.load(data).peers == kept
    assert page.peers_field.text() == ", ".join(kept)
    assert page.peers_message.text().startswith("已保存")

    page.peers_field.setText("192.168.1.22, 192.168.1")  # one mistyped: nothing is kept
    qtbot.mouseClick(page.save_peers_button, Qt.MouseButton.LeftButton)
    assert page.peers_message.text().startswith("192.168.1：不是共享电脑的地址")
    assert Settings.load(data).peers == kept

    page.peers_field.clear()
    qtbot.keyClick(page.peers_field, Qt.Key.Key_Return)
    assert Settings.load(data).peers == []
    again = open_window()
    assert again.settings_page.peers_field.text() == ""


KEEPS_OUT = """
import json, sys, time
from pathlib import Path
from app.qt import QApplication
from app.demo import ensure_demo
from app.gui.window import MainWindow
from app.lan_share import ShareProcess, Sharing, discover_peers
from media.library import Library

app = QApplication([])
library = Library(Path(sys.argv[2]))
ensure_demo(library)
window = MainWindow(library, share=ShareProcess(library.data_dir, port=int(sys.argv[1]), announce=False))
window.share.start()
deadline = time.monotonic() + 30
while window.share.state.sharing is Sharing.STARTING and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.02)
discover_peers([])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"uvicorn", "starlette", "zeroconf", "fastapi"})
print(json.dumps([window.share.state.sharing.value, heavy]))
window.close()
"""


def test_the_window_keeps_the_web_server_and_mdns_out_of_its_own_process(tmp_path) -> None:
    # The GUI's start-up memory peak is close to its limit: sharing and discovery run in
    # children, and their libraries never load in the window's process.
    done = subprocess.run(
        [sys.executable, "-c", KEEPS_OUT, str(free_port()), str(tmp_path / "data")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == ["on", []]


CRASHES = """
import sys
from pathlib import Path
from app.qt import QApplication
from app.demo import ensure_demo
from app.gui.window import MainWindow
from app.lan_share import ShareProcess, Sharing
from media.library import Library

app = QApplication([])
library = Library(Path(sys.argv[2]))
ensure_demo(library)
window = MainWindow(library, share=ShareProcess(library.data_dir, port=int(sys.argv[1]), announce=False))
def ready(state):
    if state.sharing is Sharing.ON:
        print(window.share._process.processId(), flush=True)
window.share.changed.connect(ready)
window.share.start()
app.exec()
"""


def test_a_window_that_crashes_does_not_leave_its_share_behind(tmp_path) -> None:
    port = free_port()
    window = subprocess.Popen(
        [sys.executable, "-c", CRASHES, str(port), str(tmp_path / "data")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    try:
        assert window.stdout is not None
        share_pid = int(window.stdout.readline())
        url = f"http://127.0.0.1:{port}/kebao-repo.json"
        assert requests.get(url, timeout=10).status_code == 200
    finally:
        window.kill()  # as a power button or the task manager would
        window.wait()
    deadline = time.monotonic() + 30
    while alive(share_pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the condition, with a deadline
    assert not alive(share_pid)
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An orphan that exited stays a zombie until init reaps it: gone all the same.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ")[1][0] != "Z"
