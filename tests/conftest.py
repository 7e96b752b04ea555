"""Shared fixtures: real lesson files (ffmpeg), real keys, real repositories, real SQLite.

def test_something(signed_repo, kebao):
    result = kebao("import", signed_repo.path)
    assert result.rc == 0
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Qt draws into memory in tests unless a test starts its own X server (Xvfb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KEBAO_LANG", "zh")
# libvlc and Qt want a runtime folder; CI as root has none.
if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(tempfile.mkdtemp(prefix="kebao-runtime-"))
    _runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

from hubfixture import hub, hub_db, make_hub  # noqa: F401  (fixtures for every test file)

from app import cli

if TYPE_CHECKING:
    from app.sync_scheduler import SyncScheduler

ROOT = Path(__file__).resolve().parent.parent


def make_video(path: Path, seconds: int = 2, size: str = "160x120") -> None:
    """A real H.264/AAC MP4 with a moving test pattern and a tone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size={size}:rate=10:d={seconds}",
            "-f", "lavfi", "-i", f"sine=d={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "32k",
            "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip


SRT = "1\n00:00:00,000 --> 00:00:01,500\n同学们好，今天我们学习分数。\n\n2\n00:00:01,500 --> 00:00:02,000\n请看屏幕。\n"


@dataclass(frozen=True)
class Keys:
    private: Path
    public: Path
    key_id: str


@dataclass(frozen=True)
class Repo:
    path: Path
    package_id: str
    keys: Keys


@dataclass(frozen=True)
class Result:
    rc: int
    out: str
    err: str


@pytest.fixture(scope="session")
def video_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "lesson.mp4"
    make_video(path)
    return path


def write_source(src: Path, video: Path, package_id: str = "test.math.g3a") -> Path:
    """A pack source: two units, three lessons, video + subtitles + PDF + worksheet."""
    (src).mkdir(parents=True, exist_ok=True)
    (src / "package.toml").write_text(
        f'id = "{package_id}"\nversion = "2024.09"\ntitle = "数学 三年级上册"\nkind = "textbook"\n'
        '[tags]\n"学段" = "小学"\n"年级" = "三年级"\n"学科" = "数学"\n"教材版本" = "人教版"\n"册" = "上册"\n',
        encoding="utf-8",
    )
    lesson = src / "第八单元" / "第1课"
    lesson.mkdir(parents=True)
    shutil.copy(video, lesson / "分数的初步认识.mp4")
    (lesson / "分数的初步认识.srt").write_text(SRT, encoding="utf-8")
    (lesson / "课件 分数的初步认识.pdf").write_bytes(b"%PDF-1.4\n% courseware for the tests\n" * 50)
    lesson2 = src / "第八单元" / "第2课"
    lesson2.mkdir(parents=True)
    (lesson2 / "学习任务单 几分之几.pdf").write_bytes(os.urandom(200_000))
    lesson3 = src / "第一单元" / "第1课"
    lesson3.mkdir(parents=True)
    (lesson3 / "时分秒 课后练习.pdf").write_bytes(os.urandom(300_000))
    (src / "outline.toml").write_text(
        '[[units]]\nfolder = "第八单元"\ntitle = "第八单元 分数的初步认识"\n'
        'lessons = [ { folder = "第1课", title = "分数的初步认识" }, { folder = "第2课", title = "几分之几" } ]\n'
        '[[units]]\nfolder = "第一单元"\ntitle = "第一单元 时、分、秒"\n',
        encoding="utf-8",
    )
    return src


def run_cli(*args: object) -> Result:
    """Run `kebao ARGS` in this process (fast); stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = cli.main([str(a) for a in args])
    return Result(rc, out.getvalue(), err.getvalue())


def run_cli_process(*args: object, env: dict[str, str] | None = None) -> Result:
    """Run `kebao ARGS` as a real subprocess."""
    p = subprocess.run(
        [sys.executable, "-m", "app.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KEBAO_LANG": "zh", **(env or {})},
        check=False,
    )
    return Result(p.returncode, p.stdout, p.stderr)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = tmp_path_factory.mktemp("keys")
    r = run_cli("keygen", "--out", folder / "county.key", "--name", "测试县教育局")
    assert r.rc == 0, r.err
    key_id = r.out.strip().rsplit("：", 1)[-1]
    return Keys(folder / "county.key", folder / "county.pub", key_id)


@pytest.fixture(scope="session")
def _pristine_repo(tmp_path_factory: pytest.TempPathFactory, video_file: Path, keys: Keys) -> Repo:
    base = tmp_path_factory.mktemp("pristine")
    src = write_source(base / "src", video_file)
    r = run_cli("pack", src, "--key", keys.private, "--out", base / "repo")
    assert r.rc == 0, r.err
    return Repo(base / "repo", "test.math.g3a", keys)


@pytest.fixture
def signed_repo(_pristine_repo: Repo, tmp_path: Path) -> Repo:
    """A fresh copy of a signed repository, free to tamper with."""
    dest = tmp_path / "usb" / "repo"
    shutil.copytree(_pristine_repo.path, dest)
    return Repo(dest, _pristine_repo.package_id, _pristine_repo.keys)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def kebao(data_dir: Path):
    """`kebao(...)` with this test's data folder."""

    def run(*args: object) -> Result:
        return run_cli(*args, "--data-dir", data_dir)

    return run


@pytest.fixture
def trusted(kebao, keys: Keys) -> None:
    assert kebao("trust", "add", keys.public).rc == 0


def snapshot(data_dir: Path) -> dict[str, object]:
    """Everything a user could notice about a library: its blobs and its catalog rows."""
    blobs = {}
    blob_root = data_dir / "blobs"
    if blob_root.exists():
        for p in sorted(blob_root.rglob("*")):
            if p.is_file():
                blobs[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    rows: dict[str, list] = {}
    db = data_dir / "catalog.db"
    if db.exists():
        conn = sqlite3.connect(db)
        for table in ("packages", "units", "lessons", "resources", "subtitles", "search_items"):
            rows[table] = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        conn.close()
    staging = (
        sorted(p.name for p in (data_dir / "staging").glob("*"))
        if (data_dir / "staging").exists()
        else []
    )
    return {"blobs": blobs, "catalog": rows, "staging": staging}


def blob_paths(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / "blobs").rglob("*") if p.is_file())


EVENT_TIMEOUT_MS = 20_000  # libvlc events on a noisy 2-core machine


def headless_engine(notify):
    """The real libvlc engine with dummy audio and video outputs."""
    from media.player import HEADLESS_OPTIONS, VlcEngine

    return VlcEngine(notify, options=HEADLESS_OPTIONS)


@pytest.fixture
def window(qtbot, tmp_path: Path):
    """The main window, in Chinese, on a fresh library holding the demo."""
    from app import i18n
    from app.demo import ensure_demo
    from app.gui.window import MainWindow
    from app.qt import QApplication
    from media.library import Library

    i18n.install(QApplication.instance(), "zh")
    library = Library(tmp_path / "data")
    assert ensure_demo(library)
    win = MainWindow(library, engine_factory=headless_engine)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    library.close()


@pytest.fixture
def scheduler() -> Iterator[Callable[..., SyncScheduler]]:
    """`scheduler(data, clock=..., metered=...)`: the scheduler with the school's clock at
    `clock()`, the link metered when `metered()` says so, and short backoffs. Its minute
    ticks never come by themselves (tests call `tick`); its retries after a failure do.
    Stopped after the test."""
    from app.sync_scheduler import SyncScheduler
    from sync.backoff import Backoff

    made: list[SyncScheduler] = []

    def make(
        data: Path,
        clock: Callable[[], datetime] = datetime.now,
        metered: Callable[[], bool] = lambda: False,
    ) -> SyncScheduler:
        made.append(
            SyncScheduler(
                data,
                clock=clock,
                interval_ms=3_600_000,
                first_tick_ms=3_600_000,
                metered=metered,
                backoff=Backoff(base_s=0.3, cap_s=1.0),
            )
        )
        return made[-1]

    yield make
    for s in made:
        s.stop()
