"""The Linux kit (`linux/` on the drive): a wheelhouse and `install.sh`.

    linux/install.sh      creates a private virtual environment from the wheels only
    linux/kit.env         what install.sh reads: version, Pythons, glibc, space needed
    linux/wheels/         kebao + every dependency, for each supported CPython, + pip

The school PC's own `python3` runs Kebao (docs/decisions.md, "USB kit"): no package
on PyPI carries a relocatable CPython for Linux, so the kit brings wheels for every
CPython a current Debian, Ubuntu, UOS or Kylin may have (`PYTHONS`), and install.sh
says in Chinese when the system is older. pip comes from its wheel on the kit, so a
system without `python3-venv`/`ensurepip` or pip installs all the same.

    >>> build(kit / "linux", progress=update)
    PosixPath('kit/linux/install.sh')
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from installer import wheels
from media.store import Progress

PYTHONS = ("3.11", "3.12", "3.13", "3.14")  # Kebao needs 3.11; newest first in install.sh
# The newest glibc a wheel may need. PySide6 6.11 is built for manylinux_2_34:
# Debian 12, Ubuntu 22.04, and anything newer.
GLIBC = (2, 34)
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


def _for_python(filename: str, python: str) -> bool:
    py, abi, _platform = wheels.wheel_tags(filename)
    version = "cp" + python.replace(".", "")
    return abi in ("none", "abi3") or abi == version or py == version


def installed_bytes(wheelhouse: Path, python: str) -> int:
    """About what the wheels for `python` take once unpacked (the venv's size)."""
    total = 0
    for whl in wheelhouse.glob("*.whl"):
        if _for_python(whl.name, python):
            with zipfile.ZipFile(whl) as z:
                total += sum(i.file_size for i in z.infolist())
    return total


def build(out_dir: Path, *, progress: Progress, pythons: tuple[str, ...] = PYTHONS) -> Path:
    """Write the Linux kit at `out_dir` (replacing an older one whole); install.sh's path."""
    new = out_dir.with_name(out_dir.name + ".new")
    shutil.rmtree(new, ignore_errors=True)
    wheelhouse = new / "wheels"
    steps = len(pythons) + 1
    kebao = wheels.build_kebao(wheelhouse)
    progress(1, steps)
    for done, python in enumerate(pythons, 2):
        wheels.download([kebao, "pip"], wheelhouse, platforms=platform_tags(), python=python)
        progress(done, steps)
    glibc = max(glibc_needed(w.name) for w in wheelhouse.glob("*.whl"))
    space_mb = max(installed_bytes(wheelhouse, p) for p in pythons) * 11 // 10 // 10**6 + 1
    env = (
        f"KEBAO_VERSION={wheels.kebao_version()}\n"
        f'KEBAO_PYTHONS="{" ".join(sorted(pythons, reverse=True))}"\n'
        f"KEBAO_GLIBC={glibc[0]}.{glibc[1]}\n"
        f"KEBAO_INSTALL_MB={space_mb}\n"
    )
    (new / "kit.env").write_text(env, encoding="utf-8", newline="\n")
    shutil.copyfile(INSTALL_SH, new / "install.sh")
    (new / "install.sh").chmod(0o755)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    new.rename(out_dir)
    return out_dir / "install.sh"
