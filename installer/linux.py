"""The Linux kit (`linux/` on the drive): Kebao's own Python, a wheelhouse and `install.sh`.

    linux/install.sh      unpacks the Python, installs the wheels into it, no network
    linux/kit.env         what install.sh reads: version, Python, glibc, space needed
    linux/python/         the CPython built for glibc 2.28+ (installer/runtime.py)
    linux/wheels/         kebao + every dependency for that CPython, manylinux ≤ 2.28, + pip

The school PC's own Python is never used (docs/decisions.md, "USB kit: Linux"): UOS 20
and Kylin V10 have 3.7/3.8, other PCs have none or lack venv and pip. With one Python
and one set of wheels, every PC runs what was tested. PySide6 is therefore the newest
release built for manylinux_2_28 (6.9), not the 6.10+ that needs glibc 2.34.

    >>> build(kit / "linux", progress=update)
    PosixPath('kit/linux/install.sh')
"""

from __future__ import annotations

import re
import shutil
import tarfile
import zipfile
from pathlib import Path

from installer import host, runtime, wheels
from media.store import Progress

PYTHON = runtime.PYTHON  # "3.13"
GLIBC = host.GLIBC  # the newest glibc the Python or a wheel may need: (2, 28)
ARCH = "x86_64"
INSTALL_SH = Path(__file__).with_name("install.sh")
_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_" + ARCH)
_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def platform_tags() -> list[str]:
    """Every manylinux tag up to GLIBC (pip does not widen `--platform` by itself)."""
    major, newest = GLIBC
    tags = [f"manylinux_{major}_{minor}_{ARCH}" for minor in range(newest, 4, -1)]
    return tags + [f"{name}_{ARCH}" for name in _LEGACY]


def glibc_needed(filename: str) -> tuple[int, int]:
    """The oldest glibc a wheel runs on; (0, 0) for a pure-Python one."""
    found = [(0, 0)]
    for tag in wheels.wheel_tags(filename)[2].split("."):
        if m := _MANYLINUX.fullmatch(tag):
            found.append((int(m[1]), int(m[2])))
        elif tag.removesuffix(f"_{ARCH}") in _LEGACY:
            found.append(_LEGACY[tag.removesuffix(f"_{ARCH}")])
    return min(found[1:], default=(0, 0))


def installed_bytes(wheelhouse: Path) -> int:
    """About what the wheels take once unpacked (all are for the kit's one Python)."""
    total = 0
    for whl in wheelhouse.glob("*.whl"):
        with zipfile.ZipFile(whl) as z:
            total += sum(i.file_size for i in z.infolist())
    return total


def unpacked_bytes(tarball: Path) -> int:
    with tarfile.open(tarball) as tar:
        return sum(m.size for m in tar)


def build(out_dir: Path, *, progress: Progress) -> Path:
    """Write the Linux kit at `out_dir` (replacing an older one whole); install.sh's path."""
    new = out_dir.with_name(out_dir.name + ".new")
    shutil.rmtree(new, ignore_errors=True)
    wheelhouse = new / "wheels"
    steps = runtime.STEPS + 2
    # From the cache after the first build; its name carries what it was built from.
    python = runtime.build(progress=lambda done, _total: progress(done, steps))
    (new / "python").mkdir(parents=True)
    shutil.copyfile(python, new / "python" / python.name)
    kebao = wheels.build_kebao(wheelhouse)
    progress(steps - 1, steps)
    wheels.download([kebao, "pip"], wheelhouse, platforms=platform_tags(), python=PYTHON)
    progress(steps, steps)
    glibc = max([GLIBC, *(glibc_needed(w.name) for w in wheelhouse.glob("*.whl"))])
    space = installed_bytes(wheelhouse) + unpacked_bytes(python)
    env = (
        f"KEBAO_VERSION={wheels.kebao_version()}\n"
        f"KEBAO_PYTHON={PYTHON}\n"
        f"KEBAO_RUNTIME=python/{python.name}\n"
        f"KEBAO_GLIBC={glibc[0]}.{glibc[1]}\n"
        f"KEBAO_INSTALL_MB={space * 11 // 10 // 10**6 + 1}\n"
    )
    (new / "kit.env").write_text(env, encoding="utf-8", newline="\n")
    shutil.copyfile(INSTALL_SH, new / "install.sh")
    (new / "install.sh").chmod(0o755)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    new.rename(out_dir)
    return out_dir / "install.sh"
