"""Facts about the machine a benchmark ran on, printed with every result.

>>> describe(Path("bench-out"))["cpus"]
2
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def _first_line(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError):
        return ""


def _mount_of(path: Path) -> dict[str, str]:
    """The device and filesystem type holding `path` (Linux: from /proc/mounts)."""
    best = {"device": "", "fstype": "", "mountpoint": ""}
    try:
        lines = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return best
    resolved = str(path.resolve())
    for line in lines:
        device, mountpoint, fstype, *_ = line.split()
        inside = resolved == mountpoint or resolved.startswith(mountpoint.rstrip("/") + "/")
        if inside and len(mountpoint) >= len(best["mountpoint"]):
            best = {"device": device, "fstype": fstype, "mountpoint": mountpoint}
    return best


def describe(workdir: Path) -> dict[str, object]:
    """CPU count, OS, Python, SQLite, and the disk the work folder is on."""
    mount = _mount_of(workdir)
    disk = os.path.basename(mount["device"])
    rotational = _first_line(f"/sys/block/{disk}/queue/rotational")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    os_name = platform.platform()
    if Path("/etc/debian_version").exists():
        os_name = f"Debian {_first_line('/etc/debian_version')}, Linux {platform.release()}"
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "os": os_name,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "workdir": str(workdir),
        "filesystem": mount["fstype"],
        "device": mount["device"],
        "rotational": {"1": True, "0": False}.get(rotational),
    }


def _cpu_and_io_stall() -> tuple[int, int, int]:
    """(all CPU ticks, idle ticks, µs some task waited on I/O) since boot; Linux only."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    try:
        some = Path("/proc/pressure/io").read_text().split("\n", 1)[0]
        stall = int(some.rsplit("total=", 1)[1])
    except (OSError, IndexError, ValueError):
        stall = 0
    return sum(fields), fields[3] + fields[4], stall


def background_load(seconds: float = 0.5) -> dict[str, float]:
    """How busy the machine is without us: CPU busy share and I/O stall share."""
    try:
        t0, idle0, s0 = _cpu_and_io_stall()
    except OSError:
        return {"cpu_busy": 0.0, "io_stall": 0.0}
    time.sleep(seconds)
    t1, idle1, s1 = _cpu_and_io_stall()
    busy = 1 - (idle1 - idle0) / max(1, t1 - t0)
    return {"cpu_busy": round(busy, 2), "io_stall": round((s1 - s0) / 1e6 / seconds, 2)}


def wait_until_quiet(timeout: float, cpu: float = 0.2, io: float = 0.1) -> dict[str, float]:
    """Wait (at most `timeout` s) until other processes leave the CPUs and the disk alone.

    Benchmarks on a shared machine are otherwise measuring the neighbours. Returns the
    load seen last, so a result can say how quiet it really was.
    """
    deadline = time.monotonic() + timeout
    load = background_load()
    while (load["cpu_busy"] > cpu or load["io_stall"] > io) and time.monotonic() < deadline:
        load = background_load()
    return load


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation, like numpy's default."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)
