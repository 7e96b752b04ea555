"""Search and list latency on a county-sized catalog of 100 000 resources.

Builds (once; cached in the work folder) a catalog of textbook and 专递课堂 packages
whose lesson titles are real textbook titles (`vocabulary.py`), installed through
`Catalog.install` so the pinyin keys are computed the real way. Then it times
`Catalog.search` for many queries of each class a teacher types:

    hanzi_3plus      three or more hanzi: 初步认, 鸡兔同笼
    hanzi_1_2        one or two hanzi: 圆, 分数
    initials_3plus   pinyin initials: fsdcbrs, jttl
    initials_1_2     one or two initials: f, sx
    pinyin_full      full pinyin fragments: fenshu, jitutong

and `kebao list` (a subprocess, as a technician runs it) and `Catalog.packages()`.
Baselines in the same process: `SELECT count(*) FROM search_items` (SQLite counts the
rows of its smallest index), and one pass over every title with `instr(lower(title), …)`,
the floor of any search that does not use an index.

    $ .venv/bin/python benchmarks/search.py
    $ .venv/bin/python benchmarks/search.py --queries 100 --packages 50

Targets: hanzi_3plus p95 < 20 ms; the other classes p95 < 50 ms; `kebao list` < 1 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe, median, percentile, wait_until_quiet  # noqa: E402
from pypinyin import lazy_pinyin  # noqa: E402
from vocabulary import EDITIONS, LESSONS, PERIODS, RESOURCE_WORDS, STAGES  # noqa: E402

from media import manifest as mf  # noqa: E402
from media.catalog import Catalog  # noqa: E402
from media.pinyin import keys as pinyin_keys  # noqa: E402

SEED = 7
GENERATOR_VERSION = 1
UNITS = 8
LESSONS_PER_PACKAGE = 100
TARGET_P95_MS = {
    "hanzi_3plus": 20,
    "hanzi_1_2": 50,
    "initials_3plus": 50,
    "initials_1_2": 50,
    "pinyin_full": 50,
}
HANZI_RUN = re.compile(r"[\u4e00-\u9fff]+")
_BAD_NAME = re.compile(r'[<>:"/\\|?*]')


def _resource(package_id: str, path: str, title: str, role: str, ext: str) -> mf.Resource:
    types = {
        ".mp4": "video/mp4",
        ".pptx": "application/vnd.ms-powerpoint",
        ".pdf": "application/pdf",
    }
    sha = hashlib.sha256(f"{package_id}/{path}".encode()).hexdigest()
    size = 40_000_000 if ext == ".mp4" else 800_000
    return mf.Resource(
        name=_BAD_NAME.sub("_", title)[:110] + ext,
        title=title,
        role=role,
        media_type=types[ext],
        sha256=sha,
        size=size,
        duration_ms=40 * 60_000 if ext == ".mp4" else None,
    )


def _lesson(package_id: str, path: str, title: str) -> mf.Lesson:
    """A national-platform lesson: video (titled like the lesson) and four documents."""
    resources = [_resource(package_id, f"{path}/0", title, "video", ".mp4")]
    for i, word in enumerate(RESOURCE_WORDS, 1):
        role = {"课件": "courseware", "教学设计": "design", "学习任务单": "worksheet"}.get(
            word, "exercise"
        )
        ext = ".pptx" if word == "课件" else ".pdf"
        resources.append(_resource(package_id, f"{path}/{i}", f"{word} {title}", role, ext))
    return mf.Lesson(title, tuple(resources))


def package_specs(count: int) -> list[dict]:
    """Every textbook volume of 小学 and 初中, then 专递课堂 recording packages up to `count`."""
    specs = []
    for stage, (grades, subjects) in STAGES.items():
        for g, grade in enumerate(grades):
            for subject in subjects:
                for volume in ("上册", "下册"):
                    specs.append(
                        {
                            "kind": "textbook",
                            "stage": stage,
                            "grade": grade,
                            "subject": subject,
                            "volume": volume,
                            "edition": EDITIONS[g % len(EDITIONS)],
                        }
                    )
    textbooks = list(specs)
    i = 0
    while len(specs) < count:
        base = textbooks[i % len(textbooks)]
        specs.append({**base, "kind": "remote_class", "edition": f"{2021 + i // len(textbooks)}"})
        i += 1
    return specs[:count]


def make_manifest(n: int, spec: dict, rng: random.Random) -> mf.Manifest:
    subject = spec["subject"]
    pool = LESSONS[subject]
    start = rng.randrange(len(pool))
    titles: list[str] = []
    k = 0
    while len(titles) < LESSONS_PER_PACKAGE:
        base = pool[(start + k) % len(pool)]
        k += 1
        periods = rng.choice([1, 1, 2, 2, 3])
        for p in range(periods):
            titles.append(base if periods == 1 else f"{base}（{PERIODS[p]}）")
    titles = titles[:LESSONS_PER_PACKAGE]
    recording = spec["kind"] == "remote_class"
    if recording:
        titles = [f"{9 + i // 22}月{1 + i % 22}日 {t}" for i, t in enumerate(titles)]
    package_id = f"bench.{n:03d}"
    per_unit = -(-LESSONS_PER_PACKAGE // UNITS)
    units = []
    for u in range(UNITS):
        chunk = titles[u * per_unit : (u + 1) * per_unit]
        if not chunk:
            break
        lessons = tuple(_lesson(package_id, f"{u}/{i}", t) for i, t in enumerate(chunk))
        first = chunk[0].split(" ")[-1] if recording else chunk[0]
        units.append(mf.Unit(f"第{u + 1}单元 {first}", lessons))
    label = "专递课堂" if recording else spec["edition"]
    return mf.Manifest(
        id=package_id,
        version="2024.09",
        title=f"{subject} {spec['grade']}{spec['volume']}（{label}）",
        kind=spec["kind"],
        units=tuple(units),
        tags={k: spec[k] for k in ("stage", "grade", "subject", "edition", "volume")},
        publisher_name="基准测试县教育局",
    )


def build_catalog(data: Path, packages: int) -> dict[str, int]:
    """The catalog in `data`, reused when it was built with the same parameters."""
    marker = data / "bench.json"
    params = {"packages": packages, "generator": GENERATOR_VERSION}
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info.get("params") == params:
            return info["counts"]
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    rng = random.Random(SEED)
    cat = Catalog(data / "catalog.db")
    t0 = time.perf_counter()
    for n, spec in enumerate(package_specs(packages)):
        m = mf.parse(mf.to_bytes(make_manifest(n, spec, rng)), "bench")
        data_bytes = mf.to_bytes(m)
        cat.install(
            m, data_bytes, None, hashlib.sha256(data_bytes).hexdigest(), set(range(len(m.units)))
        )
    counts = {
        t: cat.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("packages", "lessons", "resources", "search_items")
    }
    counts["build_seconds"] = round(time.perf_counter() - t0, 1)
    cat.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cat.close()
    marker.write_text(json.dumps({"params": params, "counts": counts}), encoding="utf-8")
    return counts


def _hanzi_piece(rng: random.Random, titles: list[str], lo: int, hi: int) -> str:
    while True:
        runs = [r for r in HANZI_RUN.findall(rng.choice(titles)) if len(r) >= lo]
        if runs:
            run = rng.choice(runs)
            n = rng.randint(lo, min(hi, len(run)))
            i = rng.randrange(len(run) - n + 1)
            return run[i : i + n]


def _initials(rng: random.Random, titles: list[str], lo: int, hi: int) -> str:
    while True:
        run = max(HANZI_RUN.findall(rng.choice(titles)) or [""], key=len)
        initials = pinyin_keys(run)[1]
        if len(initials) < lo:
            continue
        n = rng.randint(lo, min(hi, len(initials)))
        # Mostly typed from the start of a title, sometimes from inside it.
        i = 0 if rng.random() < 0.7 else rng.randrange(len(initials) - n + 1)
        return initials[i : i + n]


def _full_pinyin(rng: random.Random, titles: list[str]) -> str:
    while True:
        syllables = lazy_pinyin(max(HANZI_RUN.findall(rng.choice(titles)) or [""], key=len))
        if len(syllables) < 2:
            continue
        n = rng.randint(2, min(3, len(syllables)))
        i = 0 if rng.random() < 0.6 else rng.randrange(len(syllables) - n + 1)
        fragment = "".join(syllables[i : i + n])
        if rng.random() < 0.3:  # still typing the last syllable
            fragment = fragment[: max(3, len(fragment) - rng.randint(1, 2))]
        return fragment


def make_queries(count: int) -> dict[str, list[str]]:
    rng = random.Random(SEED + 1)
    titles = [t for pool in LESSONS.values() for t in pool] + RESOURCE_WORDS
    return {
        "hanzi_3plus": [_hanzi_piece(rng, titles, 3, 6) for _ in range(count)],
        "hanzi_1_2": [_hanzi_piece(rng, titles, 1, 2) for _ in range(count)],
        "initials_3plus": [_initials(rng, titles, 3, 7) for _ in range(count)],
        "initials_1_2": [_initials(rng, titles, 1, 2) for _ in range(count)],
        "pinyin_full": [_full_pinyin(rng, titles) for _ in range(count)],
    }


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-out" / "search")
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--queries", type=int, default=300, help="queries per class")
    parser.add_argument("--limit", type=int, default=50, help="hits asked for (as the CLI)")
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=30,
        help="wait at most this long before each class for the machine to be idle (0: never)",
    )
    args = parser.parse_args()
    data = args.workdir.resolve() / f"data-{args.packages}"
    counts = build_catalog(data, args.packages)

    cat = Catalog(data / "catalog.db")
    queries = make_queries(args.queries)
    for qs in queries.values():  # warm the page cache, as an open app would have it
        for q in qs[:20]:
            cat.search(q, args.limit)

    count_all = timed(lambda: cat.db.execute("SELECT count(*) FROM search_items").fetchone(), 20)
    title_scan = timed(
        lambda: cat.db.execute(
            "SELECT count(*) FROM search_items WHERE instr(lower(title), '分数') > 0"
        ).fetchone(),
        20,
    )
    baseline, scan = median(count_all), median(title_scan)

    loads = []

    def quiet() -> None:
        if args.quiet_timeout > 0:
            loads.append(wait_until_quiet(args.quiet_timeout))

    classes = {}
    for name, qs in queries.items():
        quiet()
        seconds, hits = [], []
        for q in qs:
            t0 = time.perf_counter()
            found = cat.search(q, args.limit)
            seconds.append(time.perf_counter() - t0)
            hits.append(len(found))
        slowest = sorted(zip(seconds, qs, strict=True), reverse=True)[:3]
        p95 = percentile(seconds, 95)
        classes[name] = {
            "queries": len(qs),
            "examples": qs[:6],
            "p50_ms": ms(percentile(seconds, 50)),
            "p95_ms": ms(p95),
            "max_ms": ms(max(seconds)),
            "slowest": [[q, ms(t)] for t, q in slowest],
            "mean_hits": round(sum(hits) / len(hits), 1),
            "no_hits": sum(h == 0 for h in hits),
            "p95_vs_count_all": round(p95 / baseline, 1),
            "p95_vs_title_scan": round(p95 / scan, 2),
            "target_p95_ms": TARGET_P95_MS[name],
            "meets_target": p95 * 1000 < TARGET_P95_MS[name],
        }

    packages = timed(cat.packages, 10)
    cat.close()

    cli = [sys.executable, "-m", "app.cli"]
    env_run = {"cwd": ROOT, "check": True, "capture_output": True}
    quiet()
    startup = timed(lambda: subprocess.run([*cli, "--help"], **env_run), 5)
    listing = timed(lambda: subprocess.run([*cli, "list", "--data-dir", str(data)], **env_run), 5)

    result = {
        "benchmark": "search",
        "machine": describe(data),
        "catalog": counts,
        "limit": args.limit,
        "background_load_before_classes": {
            "max_cpu_busy": max((x["cpu_busy"] for x in loads), default=None),
            "max_io_stall": max((x["io_stall"] for x in loads), default=None),
        },
        "baseline_ms": {
            "select_count_all_search_items": ms(baseline),
            "scan_every_title_instr_lower": ms(scan),
        },
        "search": classes,
        "list": {
            "kebao_list_subprocess_median_s": round(median(listing), 3),
            "kebao_list_subprocess_max_s": round(max(listing), 3),
            "kebao_help_subprocess_median_s": round(median(startup), 3),
            "catalog_packages_in_process_median_ms": ms(median(packages)),
            "target_kebao_list_s": 1.0,
            "meets_target": median(listing) < 1.0,
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
