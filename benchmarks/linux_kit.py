"""The Linux kit: its size, how long it takes to install, and how its own Python compares
with Debian's.

Builds a kit with `kebao usb-kit build --platform linux_x86_64` (the demo packages and a
school configuration; the kit's Python from the cache, built first when missing, which is
then timed too), then:

    install      `sh linux/install.sh` with no network (`unshare -n`), into a fresh prefix;
                 baseline in the same run: unpacking the same Python and wheels with
                 `tar -xzf` and `unzip -q` (what any install must at least write)
    again        the same kit installed a second time (the program is already there)
    python       the kit's CPython 3.13 (-O3, no PGO) against Debian 12's /usr/bin/python3
                 (3.11, PGO and LTO): `python -c pass` start (median of 15), SHA-256 of
                 512 MiB in memory (OpenSSL's), a pure-Python loop; and `import
                 PySide6.QtWidgets` (median of 5) with the kit's PySide6 6.9 against the
                 developers' .venv (PySide6 6.11)

    $ sudo .venv/bin/python benchmarks/linux_kit.py

Needs root (unshare; and debootstrap when the Python is not built yet). Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from machine import describe, median  # noqa: E402

from app.demo import DEMO_KEY, DEMO_REPO  # noqa: E402
from installer import runtime  # noqa: E402

DEMO = ("demo.math.g3a", "demo.chinese.g3a")
CPU = (
    "import hashlib, time\n"
    "data = bytes(512 * 1024 * 1024)\n"
    "t = time.perf_counter(); hashlib.sha256(data).digest(); h = time.perf_counter() - t\n"
    "t = time.perf_counter(); s = sum(i * i % 7 for i in range(5_000_000)); p = time.perf_counter() - t\n"
    "print(h, p)\n"
)


def kebao(*args: object) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", *map(str, args)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def timed(args: list[str | Path], **kw) -> float:
    start = time.perf_counter()
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def python_figures(python: str) -> dict[str, float]:
    starts = [timed([python, "-I", "-c", "pass"]) for _ in range(15)]
    out = subprocess.run([python, "-c", CPU], capture_output=True, text=True, check=True).stdout
    sha, loop = map(float, out.split())
    return {
        "start_ms": round(median(starts) * 1000, 1),
        "sha256_mb_per_s": round(512 * 1.048576 / sha),
        "loop_s": round(loop, 3),
    }


def qt_import_ms(python: str) -> float:
    return round(
        median([timed([python, "-c", "import PySide6.QtWidgets"]) for _ in range(5)]) * 1000, 1
    )


def main() -> None:
    result: dict[str, object] = {"machine": describe(ROOT)}
    with tempfile.TemporaryDirectory(prefix="kebao-bench-kit-") as tmp:
        base = Path(tmp)
        if runtime.cached() is None:
            start = time.perf_counter()
            runtime.build()
            result["python_build_s"] = round(time.perf_counter() - start, 1)
        data = base / "technician"
        kebao("trust", "add", DEMO_KEY, "--data-dir", data)
        kebao("import", DEMO_REPO, "--data-dir", data)
        config = base / "school.toml"
        shutil.copy(DEMO_KEY, base / "县教育局.pub")
        config.write_text('[school]\nname = "城关镇中心小学"\n[publishers]\nfiles = ["县教育局.pub"]\n',
                          encoding="utf-8")  # fmt: skip
        kit = base / "U盘"
        start = time.perf_counter()
        kebao("usb-kit", "build", kit, "--platform", "linux_x86_64", "--packages", *DEMO,
              "--school-config", config, "--data-dir", data)  # fmt: skip
        result["kit_build_s"] = round(time.perf_counter() - start, 1)
        linux = kit / "linux"
        tarball = next((linux / "python").glob("*.tar.gz"))
        result["kit_mb"] = round(size(kit) / 1e6, 1)
        result["python_mb"] = round(tarball.stat().st_size / 1e6, 1)
        result["wheels_mb"] = round(size(linux / "wheels") / 1e6, 1)

        pc = base / "pc"
        env = {**os.environ, "HOME": str(pc / "home"), "LC_ALL": "C.UTF-8"}
        install = ["unshare", "-n", "sh", linux / "install.sh", "--prefix", pc / "program",
                   "--bin-dir", pc / "bin", "--applications-dir", pc / "apps",
                   "--data-dir", pc / "data"]  # fmt: skip
        subprocess.run(["sync"], check=True)
        first = timed(install, env=env)
        again = timed(install, env=env)
        unpacked = base / "unpacked"
        unpacked.mkdir()
        subprocess.run(["sync"], check=True)
        start = time.perf_counter()
        subprocess.run(["tar", "-xzf", tarball, "-C", unpacked], check=True)
        for wheel in (linux / "wheels").glob("*.whl"):
            subprocess.run(["unzip", "-q", "-o", wheel, "-d", unpacked / "site"], check=True)
        baseline = time.perf_counter() - start
        result["install_s"] = round(first, 1)
        result["install_again_s"] = round(again, 1)
        result["unpack_baseline_s"] = round(baseline, 1)
        result["install_vs_unpack"] = round(first / baseline, 2)
        result["installed_mb"] = round(size(pc / "program") / 1e6, 1)

        kit_python = str(pc / "program" / "current" / "bin" / "python3")
        ours, theirs = python_figures(kit_python), python_figures("/usr/bin/python3")
        result["python"] = {"kit": ours, "debian": theirs}
        result["ratio_start"] = round(ours["start_ms"] / theirs["start_ms"], 2)
        result["ratio_loop"] = round(ours["loop_s"] / theirs["loop_s"], 2)
        result["ratio_sha256"] = round(ours["sha256_mb_per_s"] / theirs["sha256_mb_per_s"], 2)
        qt_kit, qt_dev = qt_import_ms(kit_python), qt_import_ms(str(ROOT / ".venv/bin/python"))
        result["import_qtwidgets_ms"] = {"kit_pyside6_6.9": qt_kit, "venv_pyside6_6.11": qt_dev}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
