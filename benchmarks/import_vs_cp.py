"""Import speed against a plain folder copy, measured in the same run.

Makes ≈1 GB of lesson-like files (40 videos and 100 small PDFs/subtitles of random
bytes from a seeded generator), packs them once into a signed repository (not timed),
then runs N rounds, each timing, in rotating order:

    cp          `cp -r REPO/blobs DEST && sync`
    cp_sha      `cp -r REPO/blobs DEST && sync && sha256sum DEST/*/*`  (copy, then verify)
    import      Library(fresh data dir).import_from(FolderSource(REPO)), in this process;
                it hashes while it copies and fdatasyncs each file itself

Before each timed step `sync` flushes what earlier steps left dirty, and the source is
read once before the first round so it is equally in the page cache for every step. On
a shared machine each step also waits (up to --quiet-timeout s) until other processes
leave the CPUs and the disk alone; the load seen is part of the result.

    $ .venv/bin/python benchmarks/import_vs_cp.py               # ≈1 GB, 3 rounds
    $ .venv/bin/python benchmarks/import_vs_cp.py --size-mb 100 --rounds 1
    $ .venv/bin/python benchmarks/import_vs_cp.py --via cli     # `kebao import` as a subprocess

Prints one JSON object; `import_vs_cp` = t_cp / t_import (target ≥ 0.9).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe, median, wait_until_quiet  # noqa: E402

from media.library import Library  # noqa: E402
from media.packer import pack  # noqa: E402
from media.repository import FolderSource  # noqa: E402
from media.signature import generate  # noqa: E402

VIDEOS = 40
SMALL_FILES = 100
SMALL_MIN, SMALL_MAX = 50_000, 500_000
UNITS = 8
SEED = 20240901
MB = 1_000_000

LESSON_TITLES = [
    "分数的初步认识",
    "几分之几",
    "分数的简单计算",
    "时、分、秒",
    "测量",
    "万以内的加法和减法",
    "倍的认识",
    "多位数乘一位数",
    "长方形和正方形",
    "数学广角——集合",
]


def _write_random(path: Path, size: int, rng: random.Random) -> None:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(rng.randbytes(n))
            left -= n


def make_source(src: Path, size_mb: int) -> dict[str, int]:
    """A pack source: UNITS units of lessons, each with a video, subtitles and PDFs."""
    rng = random.Random(SEED)
    scale = min(1.0, size_mb / 1000)
    small_sizes = [
        max(4096, int(rng.randint(SMALL_MIN, SMALL_MAX) * scale)) for _ in range(SMALL_FILES)
    ]
    video_size = max(4096, (size_mb * MB - sum(small_sizes)) // VIDEOS)
    (src / "package.toml").parent.mkdir(parents=True, exist_ok=True)
    (src / "package.toml").write_text(
        'id = "bench.math.g3a"\nversion = "2024.09"\ntitle = "数学 三年级上册（基准测试）"\n'
        'kind = "textbook"\n[tags]\n"学段" = "小学"\n"年级" = "三年级"\n"学科" = "数学"\n'
        '"教材版本" = "人教版"\n"册" = "上册"\n',
        encoding="utf-8",
    )
    # Each lesson: video + its subtitles + courseware; every other lesson a worksheet too.
    # 40 subtitles + 40 courseware + 20 worksheets = SMALL_FILES small files.
    small = iter(small_sizes)
    per_unit = VIDEOS // UNITS
    for v in range(VIDEOS):
        title = f"{LESSON_TITLES[v % len(LESSON_TITLES)]}（{v // len(LESSON_TITLES) + 1}）"
        lesson = src / f"第{v // per_unit + 1}单元" / f"第{v % per_unit + 1}课 {title}"
        lesson.mkdir(parents=True, exist_ok=True)
        _write_random(lesson / f"{title}.mp4", video_size, rng)
        _write_random(lesson / f"{title}.srt", next(small), rng)
        _write_random(lesson / f"课件 {title}.pdf", next(small), rng)
        if v % 2 == 0:
            _write_random(lesson / f"学习任务单 {title}.pdf", next(small), rng)
    files = [p for p in src.rglob("*") if p.is_file() and p.suffix != ".toml"]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def prepare(workdir: Path, size_mb: int) -> tuple[Path, Path, dict[str, int]]:
    """Source folder and signed repository, reused between runs of the same size."""
    base = workdir / f"data-{size_mb}mb"
    marker = base / "ready.json"
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        return base / "repo", base / "publisher.pub", info
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    info = make_source(base / "src", size_mb)
    private, public = generate("基准测试发布者")
    (base / "publisher.pub").write_bytes(public.to_bytes())
    pack(base / "src", base / "repo", private, public)
    shutil.rmtree(base / "src")  # only the repository is needed from here on
    marker.write_text(json.dumps(info), encoding="utf-8")
    return base / "repo", base / "publisher.pub", info


def blob_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def warm(folder: Path) -> None:
    """Read every file once, so each timed step starts with the source in the page cache."""
    for p in blob_files(folder):
        with open(p, "rb", buffering=0) as f:
            while f.read(1 << 20):
                pass


def clear(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    os.sync()


def time_cp(repo: Path, dest: Path) -> float:
    os.sync()
    t0 = time.perf_counter()
    subprocess.run(["cp", "-r", str(repo / "blobs"), str(dest)], check=True)
    subprocess.run(["sync"], check=True)
    return time.perf_counter() - t0


def time_cp_sha(repo: Path, dest: Path) -> float:
    os.sync()
    t0 = time.perf_counter()
    subprocess.run(["cp", "-r", str(repo / "blobs"), str(dest)], check=True)
    subprocess.run(["sync"], check=True)
    out = subprocess.run(
        ["sha256sum", *map(str, blob_files(dest))], check=True, capture_output=True, text=True
    ).stdout
    elapsed = time.perf_counter() - t0
    for line in out.splitlines():  # the baseline must really have verified every file
        digest, name = line.split(maxsplit=1)
        assert Path(name).name == digest, line
    return elapsed


def time_import(repo: Path, pub: Path, data: Path, via: str) -> float:
    if via == "cli":
        kebao = [sys.executable, "-m", "app.cli"]
        subprocess.run(
            [*kebao, "trust", "add", str(pub), "--data-dir", str(data)],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        os.sync()
        t0 = time.perf_counter()
        subprocess.run(
            [*kebao, "import", str(repo), "--data-dir", str(data)],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        return time.perf_counter() - t0
    from media.signature import PublicKey

    with Library(data) as lib:
        lib.trust.add(PublicKey.from_bytes(pub.read_bytes(), str(pub)))
        source = FolderSource(repo)
        os.sync()
        t0 = time.perf_counter()
        report = lib.import_from(source)
        elapsed = time.perf_counter() - t0
    assert report.installed, "the import installed nothing"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-out" / "import")
    parser.add_argument("--size-mb", type=int, default=1000, help="total size (default 1000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=60,
        help="wait at most this long before each step for the machine to be idle (0: never)",
    )
    parser.add_argument(
        "--via",
        choices=["library", "cli"],
        default="library",
        help="import in this process (default) or as a `kebao import` subprocess",
    )
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    repo, pub, info = prepare(workdir, args.size_mb)
    blobs = blob_files(repo / "blobs")
    size = sum(p.stat().st_size for p in blobs)
    warm(repo / "blobs")

    dest_cp, dest_sha, data = workdir / "dest-cp", workdir / "dest-cp-sha", workdir / "dest-kebao"
    steps = {
        "cp": lambda: time_cp(repo, dest_cp),
        "cp_sha256sum": lambda: time_cp_sha(repo, dest_sha),
        "import": lambda: time_import(repo, pub, data, args.via),
    }
    dests = {"cp": dest_cp, "cp_sha256sum": dest_sha, "import": data}
    names = list(steps)
    seconds: dict[str, list[float]] = {n: [] for n in names}
    loads = []
    for d in dests.values():
        clear(d)
    for r in range(args.rounds):
        for name in names[r % 3 :] + names[: r % 3]:  # rotate so no step always goes first
            if args.quiet_timeout > 0:
                loads.append(wait_until_quiet(args.quiet_timeout))
            seconds[name].append(steps[name]())
            clear(dests[name])

    med = {n: median(s) for n, s in seconds.items()}
    result = {
        "benchmark": "import_vs_cp",
        "machine": describe(workdir),
        "import_via": "in-process Library.import_from"
        if args.via == "library"
        else "`python -m app.cli import` subprocess",
        "files": len(blobs),
        "videos": VIDEOS,
        "small_files": SMALL_FILES,
        "bytes": size,
        "source_files_packed": info["files"],
        "rounds": args.rounds,
        "background_load_before_steps": {
            "max_cpu_busy": max((x["cpu_busy"] for x in loads), default=None),
            "max_io_stall": max((x["io_stall"] for x in loads), default=None),
        },
        "seconds": {n: [round(t, 3) for t in s] for n, s in seconds.items()},
        "median_seconds": {n: round(t, 3) for n, t in med.items()},
        "mb_per_s": {n: round(size / MB / t, 1) for n, t in med.items()},
        "import_vs_cp": round(med["cp"] / med["import"], 3),
        "import_vs_cp_sha256sum": round(med["cp_sha256sum"] / med["import"], 3),
        "target_import_vs_cp": 0.9,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
