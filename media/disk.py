"""Durable writes and disk facts: the few filesystem primitives every writer shares.

A file is made durable by writing a temporary sibling, fsyncing it, renaming it over
the target and fsyncing the folder, so a power cut leaves the old bytes or the new ones.

    >>> write_atomic(Path("kebao-repo.json"), data)
    >>> human_size(1_500_000)
    '1.5 MB'
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make renames and creations inside `folder` durable (a no-op where unsupported)."""
    if os.name == "nt":
        return  # NTFS journals directory entries; Windows cannot open a folder to fsync it
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems (vfat on old kernels) refuse fsync on a folder
    finally:
        os.close(fd)


def fdatasync(fd: int) -> None:
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def free_bytes(path: Path) -> int:
    """Free space on the filesystem holding `path` (its nearest existing ancestor)."""
    for p in (path, *path.parents):
        if p.exists():
            return shutil.disk_usage(p).free
    return 0


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def human_size(n: float) -> str:
    """Sizes the way people read them (decimal units, like the file manager)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
