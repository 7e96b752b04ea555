"""Crash safety: a library killed at any moment, a disk that fills up, two writers at once.

The promise (DESIGN.md, "Local store"): killed at any moment (SIGKILL, power cut), the
store stays valid. The next start cleans staging/, a re-run finishes the job without
copying again what is already in, and `kebao verify` finds nothing wrong. These tests
SIGKILL real `kebao` processes at seeded random moments and check exactly that; set
KEBAO_CRASH_SEED to try other moments.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, SRT, Keys, Repo, run_cli, run_cli_process, snapshot

from media.disk import human_size
from media.errors import DiskFull
from media.library import Library
from media.repository import FolderSource

SEED = int(os.environ.get("KEBAO_CRASH_SEED", "20240901"))
PACKAGE_ID = "test.science.g5a"
FILES = 40
ROUNDS = 28


@dataclass(frozen=True)
class BigRepo:
    path: Path
    keys: Keys
    blobs: dict[str, int]  # sha256 → size of every file the package carries

    @property
    def total(self) -> int:
        return sum(self.blobs.values())


@dataclass(frozen=True)
class Timing:
    up_to_date: float  # `kebao import` with nothing to copy: start, checks, exit
    full_import: float  # `kebao import` of the whole big repository into an empty library

    @property
    def copy_begins(self) -> float:
        """Roughly when a full import starts copying: when one with nothing to copy ends."""
        return min(0.9 * self.up_to_date, 0.8 * self.full_import)


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory, video_file: Path, keys: Keys) -> BigRepo:
    """A signed package of ~100 MB in 4 units, so that an import takes a measurable time."""
    base = tmp_path_factory.mktemp("big")
    src = base / "src"
    src.mkdir()
    (src / "package.toml").write_text(
        f'id = "{PACKAGE_ID}"\nversion = "2024.09"\ntitle = "科学 五年级上册"\nkind = "textbook"\n'
        '[tags]\n"学段" = "小学"\n"年级" = "五年级"\n"学科" = "科学"\n"教材版本" = "教科版"\n"册" = "上册"\n',
        encoding="utf-8",
    )
    rng = random.Random(SEED)
    for i in range(FILES):
        lesson = src / f"第{i % 4 + 1}单元" / f"第{i % 3 + 1}课"
        lesson.mkdir(parents=True, exist_ok=True)
        name = ("课件", "教学设计", "学习任务单", "课后练习")[i % 4]
        (lesson / f"{name} {i}.pdf").write_bytes(rng.randbytes(rng.randint(1_000_000, 4_000_000)))
    lesson = src / "第1单元" / "第1课"
    shutil.copy(video_file, lesson / "水的三态.mp4")
    (lesson / "水的三态.srt").write_text(SRT, encoding="utf-8")
    r = run_cli("pack", src, "--key", keys.private, "--out", base / "repo")
    assert r.rc == 0, r.err
    blobs = {p.name: p.stat().st_size for p in (base / "repo" / "blobs").glob("*/*")}
    return BigRepo(base / "repo", keys, blobs)


@pytest.fixture(scope="module")
def timing(big_repo: BigRepo, tmp_path_factory: pytest.TempPathFactory) -> Timing:
    """How long imports take on this machine (median of three each)."""
    base = tmp_path_factory.mktemp("timing")

    def timed_import(data: Path) -> float:
        t0 = time.monotonic()
        r = run_cli_process("import", big_repo.path, "--data-dir", data)
        elapsed = time.monotonic() - t0
        assert r.rc == 0, r.err
        return elapsed

    full, up_to_date = [], []
    for i in range(3):
        data = base / f"data{i}"
        trust(data, big_repo.keys)
        full.append(timed_import(data))
        up_to_date.append(timed_import(data))
        shutil.rmtree(data)
    return Timing(statistics.median(up_to_date), statistics.median(full))


# -- helpers ----------------------------------------------------------------------------


def trust(data: Path, keys: Keys) -> None:
    r = run_cli("trust", "add", keys.public, "--data-dir", data)
    assert r.rc == 0, r.err


def start_kebao(*args: object) -> subprocess.Popen[str]:
    """A real `kebao` process, as IT staff would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *map(str, args)],
        cwd=ROOT,
        env={**os.environ, "KEBAO_LANG": "zh"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def kill_after(proc: subprocess.Popen[str], delay: float) -> int:
    """SIGKILL `proc` `delay` seconds after it started (it may have finished by then)."""
    time.sleep(delay)
    proc.kill()
    return proc.wait()


def moments(rng: random.Random, lo: float, hi: float, n: int) -> list[float]:
    """n random moments in [lo, hi), one in each of n equal slices, so they spread out."""
    step = (hi - lo) / n
    return [lo + (i + rng.random()) * step for i in range(n)]


def blob_files(data: Path) -> dict[str, tuple[int, int, int]]:
    """sha256 → (inode, mtime, size) of every blob; a re-copied blob gets a new inode/mtime."""
    files = {}
    for p in (data / "blobs").glob("*/*"):
        st = p.stat()
        files[p.name] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return files


def staged(data: Path) -> list[str]:
    return sorted(p.name for p in (data / "staging").iterdir())


def listed(data: Path) -> list[dict]:
    """`kebao list --json`: what a teacher would see in the library."""
    r = run_cli("list", "--json", "--data-dir", data)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def verified(data: Path, *extra: str) -> dict:
    r = run_cli("verify", "--json", *extra, "--data-dir", data)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def assert_complete(packages: list[dict], repo: BigRepo, where: str) -> None:
    assert [p["id"] for p in packages] == [PACKAGE_ID], where
    (p,) = packages
    assert p["state"] == "complete", where
    assert {u["state"] for u in p["units"]} == {"installed"}, where
    assert p["units_installed"] == p["units_total"] == 4, where
    assert p["resources"] == FILES + 1, where
    assert p["bytes_installed"] == p["bytes_total"], where


# -- killed at any moment ---------------------------------------------------------------


@pytest.mark.slow
def test_import_killed_at_random_moments_resumes_without_copying_again(
    big_repo: BigRepo, timing: Timing, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    # Half the moments spread over the whole run and a little past its end (startup,
    # copy, catalog commit, exit); the other half aim at the copy, where most can go
    # wrong. A start takes longer on a busy machine, so each aimed kill that came too
    # early or too late narrows the aim.
    spread = moments(rng, 0.0, 1.2 * timing.full_import, ROUNDS // 2)
    aim = [timing.copy_begins, timing.full_import]
    outcomes: Counter[str] = Counter()
    for i in range(ROUNDS):
        aimed = i >= len(spread)
        delay = rng.uniform(*aim) if aimed else spread[i]
        data = tmp_path / f"data{i}"
        trust(data, big_repo.keys)
        rc = kill_after(start_kebao("import", big_repo.path, "--data-dir", data), delay)
        where = f"round {i}: killed {delay:.3f} s after start (rc {rc}, seed {SEED})"
        left = blob_files(data)
        parts = staged(data)

        # The next start cleans staging/ and shows the package whole or not at all.
        packages = listed(data)
        assert staged(data) == [], where
        assert set(left) <= set(big_repo.blobs), where
        if packages:
            assert_complete(packages, big_repo, where)
            assert set(left) == set(big_repo.blobs), where
            outcome = "installed"
        elif not (left or parts):
            outcome = "starting"
        else:
            outcome = "copying" if set(left) != set(big_repo.blobs) else "cataloguing"
        outcomes[outcome] += 1
        if aimed and outcome == "starting":
            aim[0] = delay
        elif aimed and outcome == "installed":
            aim[1] = delay

        # A re-run finishes the job and copies only what was not in yet.
        r = run_cli_process("import", big_repo.path, "--data-dir", data)
        assert r.rc == 0, f"{where}: {r.err}"
        still_missing = sum(size for sha, size in big_repo.blobs.items() if sha not in left)
        assert f"共复制 {human_size(still_missing)}" in r.out, f"{where}: {r.out}"
        after = blob_files(data)
        assert set(after) == set(big_repo.blobs), where
        assert {sha: after[sha] for sha in left} == left, (
            f"{where}: a finished blob was copied again"
        )
        assert_complete(listed(data), big_repo, where)

        report = verified(data)
        assert report["problems"] == [], where
        assert report["orphans"] == 0, where
        assert report["blobs_checked"] == len(big_repo.blobs), where
        assert staged(data) == [], where
        shutil.rmtree(data)
    print(f"import killed (seed {SEED}, full import {timing.full_import:.2f} s):", dict(outcomes))
    assert outcomes["starting"] and outcomes["copying"], dict(outcomes)


@pytest.mark.slow
def test_remove_killed_at_random_moments_leaves_a_valid_store(
    big_repo: BigRepo, timing: Timing, tmp_path: Path
) -> None:
    def installed(data: Path) -> None:
        trust(data, big_repo.keys)
        r = run_cli("import", big_repo.path, "--data-dir", data)
        assert r.rc == 0, r.err

    data = tmp_path / "measure"
    installed(data)
    t0 = time.monotonic()
    assert run_cli_process("remove", PACKAGE_ID, "--data-dir", data).rc == 0
    full_remove = time.monotonic() - t0
    shutil.rmtree(data)

    rng = random.Random(SEED + 1)
    # Half over the whole run, half after the start-up, when the deleting begins.
    delays = moments(rng, 0.0, 1.2 * full_remove, 3)
    delays += moments(rng, min(timing.copy_begins, 0.8 * full_remove), full_remove, 3)
    for i, delay in enumerate(delays):
        data = tmp_path / f"data{i}"
        installed(data)
        rc = kill_after(start_kebao("remove", PACKAGE_ID, "--data-dir", data), delay)
        where = f"round {i}: killed {delay:.3f} s after start (rc {rc}, seed {SEED + 1})"

        packages = listed(data)
        assert staged(data) == [], where
        report = verified(data)
        assert report["problems"] == [], where
        left = blob_files(data)
        if packages:
            # Killed before the catalog let go of it: still whole, and removable.
            assert_complete(packages, big_repo, where)
            assert set(left) == set(big_repo.blobs), where
            assert report["orphans"] == 0, where
            assert run_cli_process("remove", PACKAGE_ID, "--data-dir", data).rc == 0, where
        else:
            # Killed while deleting files: what is left is unused, and repair deletes it.
            assert set(left) <= set(big_repo.blobs), where
            assert report["orphans"] == len(left), where
            assert verified(data, "--repair")["orphans"] == len(left), where
        assert listed(data) == [], where
        assert blob_files(data) == {}, where
        report = verified(data)
        assert (report["problems"], report["orphans"]) == ([], 0), where
        shutil.rmtree(data)


# -- a disk that fills up ---------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[int], Path]:
    """`small_disk(MB)`: a fresh tmpfs of that size, unmounted after the test."""

    def mount(megabytes: int) -> Path:
        if getattr(os, "geteuid", lambda: -1)() != 0:
            pytest.skip("needs root to mount a small tmpfs")
        where = tmp_path / f"disk{megabytes}m"
        where.mkdir()
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}M", "tmpfs", str(where)],
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
        request.addfinalizer(lambda: subprocess.run(["umount", str(where)], check=True))
        return where

    return mount


def fill(path: Path) -> None:
    """Write `path` until the disk holding it has not one byte left."""
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 20, 4096):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
                    break


@pytest.mark.root
def test_import_bigger_than_the_free_space_is_refused_before_copying(
    big_repo: BigRepo, small_disk: Callable[[int], Path]
) -> None:
    data = small_disk(32) / "data"
    trust(data, big_repo.keys)
    before = snapshot(data)
    r = run_cli_process(
        "import", big_repo.path, "--data-dir", data, env={"KEBAO_RESERVE_BYTES": "0"}
    )
    assert r.rc == 2
    assert r.err.count("\n") == 1, r.err
    assert "磁盘空间不足" in r.err
    assert f"还需要 {human_size(big_repo.total)}" in r.err, r.err
    assert snapshot(data) == before


@pytest.mark.root
def test_disk_filling_up_during_the_copy_rolls_the_import_back(
    big_repo: BigRepo, small_disk: Callable[[int], Path]
) -> None:
    disk = small_disk(128)
    data = disk / "data"
    trust(data, big_repo.keys)
    before = snapshot(data)
    filler = disk / "another program's file"
    lock = threading.Lock()

    def another_program_fills_the_disk(done: int, total: int) -> None:
        with lock:
            if not filler.exists():
                fill(filler)

    with Library(data, reserve=0) as lib, pytest.raises(DiskFull, match="磁盘空间不足"):
        lib.import_from(FolderSource.find(big_repo.path), progress=another_program_fills_the_disk)
    assert filler.exists(), "the pre-check should have passed and the copy begun"
    assert list(data.rglob("*.part")) == []
    filler.unlink()
    assert snapshot(data) == before

    # Once there is room again, the same import goes through and verifies clean.
    with Library(data, reserve=0) as lib:
        lib.import_from(FolderSource.find(big_repo.path))
    assert_complete(listed(data), big_repo, "after freeing space")
    report = verified(data)
    assert (report["problems"], report["orphans"]) == ([], 0)


# -- two writers ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["import", "remove"])
def test_a_second_writer_is_turned_away_while_the_library_is_being_changed(
    command: str, signed_repo: Repo, keys: Keys, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    trust(data, keys)
    if command == "remove":
        assert run_cli("import", signed_repo.path, "--data-dir", data).rc == 0
    args = [signed_repo.path] if command == "import" else [signed_repo.package_id]
    with Library(data) as lib, lib.writing():
        # As if the first writer were half way through copying a file.
        (data / "staging" / f"{'0' * 64}.1234abcd.part").write_bytes(b"half a copy")
        before = snapshot(data)
        r = run_cli_process(command, *args, "--data-dir", data)
        assert r.rc == 2
        assert r.err.count("\n") == 1, r.err
        assert "另一个课包程序正在修改资源库" in r.err
        assert snapshot(data) == before
    # Once the first writer is done, the same command goes through.
    r = run_cli_process(command, *args, "--data-dir", data)
    assert r.rc == 0, r.err
    assert staged(data) == []
