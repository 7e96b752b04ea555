"""What the PC being installed has, and what it lacks, as sentences for the technician.

`kebao usb-kit apply` asks before it changes anything: too old a system or too little
disk stops it with every reason at once; a missing libvlc is only a notice (Qt's own
player plays instead). The facts are parameters, so each rule is a row in a table test.

    >>> too_old("Linux", glibc=(2, 17))
    '这台电脑的系统太旧：课包需要 glibc 2.28 或更新（本机 2.17）'
    >>> player_notice(libvlc_version())   # None when VLC is installed
    >>> content_bytes_needed(FolderSource(kit / "repo"), library.store)
    1_234_567_890
"""

from __future__ import annotations

import os
import platform
import sys

from media import manifest as mf
from media.disk import human_size
from media.errors import text
from media.repository import FolderSource, latest
from media.store import BlobStore

WINDOWS_BUILD = 17763  # Windows 10 1809: PySide6 6.10+ needs it
# The newest glibc the Linux kit's Python or any of its wheels needs: UOS 20 (Debian 10).
# Here, not in installer/runtime.py, so that a school PC's install reads no build code.
GLIBC = (2, 28)


def _glibc() -> tuple[int, int] | None:
    name, version = platform.libc_ver()
    if name != "glibc" or not version:
        return None
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _windows_build() -> int | None:
    return sys.getwindowsversion().build if sys.platform == "win32" else None


def too_old(
    system: str | None = None,
    *,
    glibc: tuple[int, int] | None = None,
    windows_build: int | None = None,
) -> str | None:
    """The sentence when this system is too old for Kebao's libraries, else None."""
    system = system or platform.system()
    if system == "Windows":
        build = windows_build if windows_build is not None else _windows_build()
        if build is not None and build < WINDOWS_BUILD:
            return text(
                f"这台电脑的系统太旧：课包需要 Windows 10 1809 或更新（本机版本号 {build}）",
                f"this system is too old: Kebao needs Windows 10 1809 or later (build {build})",
            )
    elif system == "Linux":
        found = glibc if glibc is not None else _glibc()
        if found is not None and found < GLIBC:
            need = ".".join(map(str, GLIBC))
            have = ".".join(map(str, found))
            return text(
                f"这台电脑的系统太旧：课包需要 glibc {need} 或更新（本机 {have}）",
                f"this system is too old: Kebao needs glibc {need} or later ({have} here)",
            )
    return None


def content_bytes_needed(repo: FolderSource, store: BlobStore) -> int:
    """Bytes the repository's newest packages add to the store (shared files once)."""
    sizes: dict[str, int] = {}
    for entry in latest(repo.entries()).values():
        m = mf.parse(repo.manifest_bytes(entry), entry.id)
        for blob in m.blobs():
            if not store.path(blob.sha256).exists():
                sizes[blob.sha256] = blob.size
    return sum(sizes.values())


def too_little_disk(needed: int, free: int, where: str) -> str | None:
    if needed <= free:
        return None
    return text(
        f"磁盘空间不足：U盘上的资源包需要 {human_size(needed)}，{where} 所在的磁盘只剩 {human_size(max(free, 0))}",
        f"not enough disk space: the packages need {human_size(needed)}, {where} has {human_size(max(free, 0))}",
    )


def player_notice(vlc_version: str | None) -> str | None:
    """Said when libvlc is missing (`libvlc_version()` is None): Qt's player will play."""
    if vlc_version:
        return None
    return text(
        "没有找到 VLC 播放组件：课包将用 Qt 自带的播放器（MP4 等常见格式都能播放，RMVB、FLV 等可能不行）；"
        + ("需要时请安装 VLC（sudo apt install vlc）" if os.name != "nt" else "需要时请安装 VLC"),
        "VLC was not found: Kebao will use Qt's own player (MP4 and the common formats play; "
        "RMVB, FLV and a few others may not); install VLC when needed",
    )
