"""The Python the Linux kit brings, so a school PC needs none of its own.

UOS 20 and Kylin V10 ship Python 3.7/3.8 on glibc 2.28/2.31; Kebao needs Python 3.11+
and no package index carries a CPython that can be copied onto another Linux. So the
kit carries one built here: CPython with OpenSSL and SQLite linked in, compiled in a
Debian 11 chroot (`debootstrap`) for glibc 2.28 and later (installer/build-runtime.sh
checks every ELF file for that). The sources are Debian's copies of the upstream
tarballs, pinned by hash; the build runs with the network cut off.

Building needs root (debootstrap, chroot) and about six minutes; the result (≈ 25 MB)
is kept in a cache and reused until a pin or the build script changes:

    >>> build(progress=update)
    PosixPath('/var/cache/kebao/runtime/kebao-python-3.13.5-glibc2.28-1a2b3c4d5e6f.tar.gz')

CI runs `kebao usb-kit runtime` in the background, niced, before the suite; the kit's
tests then wait for it on the cache's lock.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from installer.host import GLIBC  # UOS 20 (Debian 10); Kylin V10 SP1 has 2.31
from media.disk import fdatasync, fsync_dir
from media.errors import KebaoError, text
from media.store import Progress

PYTHON_VERSION = "3.13.5"
PYTHON = PYTHON_VERSION.rsplit(".", 1)[0]  # "3.13": the wheels' CPython
SUITE = "bullseye"  # the oldest Debian deb.debian.org still serves
MIRROR = os.environ.get("KEBAO_DEBIAN_MIRROR", "http://deb.debian.org/debian")
BUILD_PACKAGES = (
    "gcc", "make", "libc6-dev", "pkg-config", "perl", "tcl", "binutils", "file", "xz-utils",
    "libffi-dev", "zlib1g-dev", "libbz2-dev", "liblzma-dev", "uuid-dev",
)  # fmt: skip
SCRIPT = Path(__file__).with_name("build-runtime.sh")
SYSTEM_CACHE = Path("/var/cache/kebao/runtime")


@dataclass(frozen=True)
class Source:
    name: str  # as build-runtime.sh expects it in /build/src
    pool: str  # under the Debian mirror
    sha256: str


OPENSSL = "3.5.7"  # the LTS branch in Debian 13
SQLITE = "3.46.1"
SOURCES = (
    Source(f"Python-{PYTHON_VERSION}.tar.xz",
           f"pool/main/p/python3.13/python3.13_{PYTHON_VERSION}.orig.tar.xz",
           "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"),
    Source(f"openssl-{OPENSSL}.tar.gz", f"pool/main/o/openssl/openssl_{OPENSSL}.orig.tar.gz",
           "a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8"),
    Source(f"sqlite-{SQLITE}.tar.xz", f"pool/main/s/sqlite3/sqlite3_{SQLITE}.orig.tar.xz",
           "d0cdd2ece271b29e7ce18095745d892517ee26d0f270065b3a25c2e9eb11639c"),
)  # fmt: skip


STEPS = len(SOURCES) + 3  # debootstrap, each source, compiling, keeping


class RuntimeBuildFailed(KebaoError):
    zh = "构建 Linux 安装文件自带的 Python 失败（{step}）：{reason}"
    en = "Could not build the Python the Linux kit brings ({step}): {reason}"


def key() -> str:
    """What the runtime is made from: the pins and the build script."""
    h = hashlib.sha256(SCRIPT.read_bytes())
    for part in (SUITE, *(f"{s.name}:{s.sha256}" for s in SOURCES), *BUILD_PACKAGES):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:12]


def file_name() -> str:
    return f"kebao-python-{PYTHON_VERSION}-glibc{GLIBC[0]}.{GLIBC[1]}-{key()}.tar.gz"


def cache_dirs() -> list[Path]:
    """Where a built runtime is looked for, first to last; the first is written to.
    Root writes to /var/cache, so a later `kebao usb-kit build` by any user finds it."""
    if override := os.environ.get("KEBAO_RUNTIME_CACHE"):
        return [Path(override)]
    if os.geteuid() == 0:
        return [SYSTEM_CACHE]
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kebao" / "runtime"
    return [user, SYSTEM_CACHE]


def cached() -> Path | None:
    name = file_name()
    return next((d / name for d in cache_dirs() if (d / name).is_file()), None)


def _fetch(source: Source, dest: Path) -> None:
    url = f"{MIRROR.rstrip('/')}/{source.pool}"
    step = text(f"下载 {source.name}", f"downloading {source.name}")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as answer, open(dest, "wb") as out:  # noqa: S310
            while chunk := answer.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except OSError as e:
        raise RuntimeBuildFailed(step=step, reason=f"{url}: {e}") from None
    if digest.hexdigest() != source.sha256:
        raise RuntimeBuildFailed(
            step=step,
            reason=text(
                f"{url} 的校验值不对（源被替换？请更新 installer/runtime.py 中的固定版本）",
                f"{url} does not match its pinned hash (update the pin in installer/runtime.py)",
            ),
        )


def _run(step: str, args: list[str | Path], log: Path) -> None:
    with open(log, "ab") as out:
        result = subprocess.run(
            [str(a) for a in args], stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-1:] or [f"exit {result.returncode}"]
        raise RuntimeBuildFailed(step=step, reason=f"{tail[0]}（{log}）")


def check_host() -> None:
    """RuntimeBuildFailed, saying what to do, when this machine cannot build it."""
    if sys.platform != "linux":
        reason = text("只能在 Linux 上构建", "it can only be built on Linux")
    elif os.geteuid() != 0:
        reason = text(
            "需要 root（debootstrap 和 chroot）；请运行一次 sudo kebao usb-kit runtime（约 6 分钟）",
            "it needs root (debootstrap, chroot): run `sudo kebao usb-kit runtime` once (≈ 6 min)",
        )
    elif not (shutil.which("debootstrap") and shutil.which("unshare")):
        reason = text(
            "缺少 debootstrap（sudo apt install debootstrap）",
            "debootstrap is missing (apt install debootstrap)",
        )
    else:
        return
    raise RuntimeBuildFailed(step=text("准备", "preparing"), reason=reason)


def require() -> None:
    """RuntimeBuildFailed, before anything is written, unless the runtime is cached or
    this machine can build it."""
    if cached() is None:
        check_host()


def build(*, progress: Progress | None = None) -> Path:
    """The runtime's tarball, from the cache or built now (see the module's docstring)."""
    steps = STEPS
    progress = progress or (lambda done, total: None)
    if found := cached():
        progress(steps, steps)
        return found
    check_host()
    folder = cache_dirs()[0]
    folder.mkdir(parents=True, exist_ok=True)
    # One build at a time per cache: a second caller waits, then finds the result.
    name = file_name()
    with FileLock(folder / ".lock"):
        if found := cached():  # built by whoever held the lock before us
            progress(steps, steps)
            return found
        with tempfile.TemporaryDirectory(prefix="build-", dir=folder) as tmp:
            work = Path(tmp)
            log = folder / "build.log"
            log.write_text("", encoding="utf-8")
            root = work / "root"
            _run(
                text("准备 Debian 11 构建环境（debootstrap）", "debootstrap Debian 11"),
                ["debootstrap", "--variant=minbase", "--include=" + ",".join(BUILD_PACKAGES),
                 SUITE, root, MIRROR],
                log,
            )  # fmt: skip
            progress(1, steps)
            src = root / "build" / "src"
            src.mkdir(parents=True)
            for done, source in enumerate(SOURCES, 2):
                _fetch(source, src / source.name)
                progress(done, steps)
            shutil.copyfile(SCRIPT, root / "build" / "build-runtime.sh")
            env = {
                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME": "/root",
                "PYTHON_VERSION": PYTHON_VERSION,
                "OPENSSL_VERSION": OPENSSL,
                "SQLITE_VERSION": SQLITE,
                "GLIBC_MAX": f"{GLIBC[0]}.{GLIBC[1]}",
            }
            # No network, its own /proc, and nothing mounted that outlives the build.
            _run(
                text("编译 Python", "compiling Python"),
                [
                    "env", "-i", *(f"{k}={v}" for k, v in env.items()),
                    "unshare", "--net", "--mount", "--pid", "--fork", "chroot", root, "/bin/sh",
                    "-c", "mount -t proc proc /proc && exec /bin/sh /build/build-runtime.sh",
                ],
                log,
            )  # fmt: skip
            progress(steps - 1, steps)
            out = folder / name
            part = out.with_name(out.name + ".part")
            shutil.copyfile(root / "build" / "out" / "runtime.tar.gz", part)
            with open(part, "rb") as f:
                fdatasync(f.fileno())
            part.replace(out)
            fsync_dir(folder)
        progress(steps, steps)
        return out
