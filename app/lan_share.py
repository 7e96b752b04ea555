"""Sharing on the school's LAN from the window: `kebao serve` as a child process, and
the search for the other PCs that share, in a child too.

The share is a web server (uvicorn, Starlette) and an mDNS announcement (zeroconf): run
in the GUI process they would add their memory to its start-up peak and their threads
to its GIL. A child process keeps both out, and stops with the window.

    >>> share = ShareProcess(data_dir, parent=window)
    >>> share.changed.connect(page.show_share)       # ShareState: off, starting, on, failed
    >>> share.start()                                # 设置's switch; stop() turns it off
    >>> discover_peers(settings.peers)               # on a worker thread: blocks ~2 s
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from app.qt import QObject, QProcess, QProcessEnvironment, QTimer, Signal
from sync.peers import ROUND_DISCOVERY_S, lan_peers
from sync.protocol import LAN_PORT

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_MS = 5_000  # after asking the share to stop, before it is killed
_URL = re.compile(r"https?://[^\s（(]+")


def kebao_command(*args: str) -> tuple[str, list[str], dict[str, str]]:
    """Program, arguments and environment that run `kebao ARGS` as a child process.

    `-X utf8` because the Windows build's embeddable Python ignores PYTHONUTF8 (its
    `._pth`): without it the child would write its sentences in the ANSI code page."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}
    return sys.executable, ["-X", "utf8", "-m", "app.cli", *args], env


def discover_peers(typed: list[str], wait_s: float = ROUND_DISCOVERY_S) -> list[str]:
    """The peers a round asks: `typed`, then those `kebao peers` hears of on the LAN
    (not this PC). Blocks for about `wait_s` plus a Python start: never on the GUI thread.
    Discovery that fails (no network, no multicast) leaves the typed ones."""
    program, args, env = kebao_command("peers", "--json", "--wait", str(wait_s))
    try:
        done = subprocess.run(
            [program, *args], env=env, capture_output=True, encoding="utf-8", timeout=wait_s + 30
        )
        found = json.loads(done.stdout) if done.returncode == 0 else []
    except (OSError, subprocess.SubprocessError, ValueError):
        found = []
    return lan_peers(typed, [u for u in found if isinstance(u, str)])


class Sharing(Enum):
    OFF = "off"
    STARTING = "starting"
    ON = "on"
    FAILED = "failed"


@dataclass(frozen=True)
class ShareState:
    sharing: Sharing = Sharing.OFF
    address: str = ""  # what the other PCs type, once on
    error: str = ""  # one sentence, when failed


class ShareProcess(QObject):
    """`kebao serve --data-dir D` while switched on; `changed(ShareState)` on each change."""

    changed = Signal(object)

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = LAN_PORT,
        host: str = "0.0.0.0",  # noqa: S104 - the other PCs of the school must reach it
        announce: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.port = port
        self.host = host
        self.announce = announce
        self.state = ShareState()
        self._process: QProcess | None = None
        self._stopping = False
        self._closed = False  # the window closed: nothing starts any more
        self._stderr = ""
        self._kill = QTimer(self, singleShot=True, interval=STOP_GRACE_MS)
        self._kill.timeout.connect(self._kill_now)

    def start(self) -> None:
        """Start sharing (nothing when it already runs); `changed` says when it is on."""
        if self._process is not None or self._closed:
            return
        program, args, env = kebao_command(
            "serve", "--data-dir", str(self.data_dir), "--host", self.host,
            "--port", str(self.port), "--stop-with-parent",
            *([] if self.announce else ["--no-announce"]),
        )  # fmt: skip
        process = QProcess(self)
        environment = QProcessEnvironment()
        for key, value in env.items():
            environment.insert(key, value)
        process.setProcessEnvironment(environment)
        process.setWorkingDirectory(str(ROOT))
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.errorOccurred.connect(self._error)
        process.finished.connect(self._finished)
        self._process, self._stopping, self._stderr = process, False, ""
        self._set(ShareState(Sharing.STARTING))
        process.start(program, args)

    def stop(self) -> None:
        """Stop sharing; `changed` says OFF once the child has gone (it says goodbye on
        mDNS first; it is killed if it takes longer than STOP_GRACE_MS)."""
        process = self._process
        if process is None or self._stopping:
            return
        self._stopping = True
        if sys.platform == "win32":
            process.kill()  # a console child cannot be asked to stop on Windows
        else:
            process.terminate()
        self._kill.start()

    def stop_and_wait(self) -> None:
        """The window closes: stop, and do not leave before the child has gone."""
        self._closed = True
        process = self._process
        if process is None:
            return
        self.stop()
        if not process.waitForFinished(STOP_GRACE_MS):
            process.kill()
            process.waitForFinished(STOP_GRACE_MS)

    # -- the child's output --------------------------------------------------------------

    def _read_stdout(self) -> None:
        if self._process is None:
            return
        out = bytes(self._process.readAllStandardOutput().data()).decode("utf-8", "replace")
        found = _URL.search(out)
        if found and self.state.sharing is Sharing.STARTING:
            self._set(ShareState(Sharing.ON, address=found.group(0)))

    def _read_stderr(self) -> None:
        if self._process is not None:
            data = bytes(self._process.readAllStandardError().data())
            self._stderr = (self._stderr + data.decode("utf-8", "replace"))[-4000:]

    def _error(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart:
            self._done(self.tr("The sharing program could not start."))

    def _finished(self, _code: int, _status: QProcess.ExitStatus) -> None:
        self._read_stderr()
        lines = [line for line in self._stderr.splitlines() if line.startswith("kebao: ")]
        sentence = lines[-1].removeprefix("kebao: ") if lines else ""
        self._done(sentence or self.tr("Sharing stopped unexpectedly."))

    def _done(self, sentence: str) -> None:
        if self._process is None:
            return
        self._kill.stop()
        self._process.deleteLater()
        self._process = None
        if self._stopping:
            self._set(ShareState(Sharing.OFF))
        else:
            self._set(ShareState(Sharing.FAILED, error=sentence))

    def _kill_now(self) -> None:
        if self._process is not None:
            self._process.kill()

    def _set(self, state: ShareState) -> None:
        self.state = state
        self.changed.emit(state)
