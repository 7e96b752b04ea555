"""`SHA256SUMS`: every file of a kit with its SHA-256, in coreutils' format, and the check.

One line per file, `<64 hex>  <path relative to the kit, with />`, sorted by path, so
any Linux checks a drive with `cd /media/U盘 && sha256sum -c SHA256SUMS`. The file does
not list itself, nor the school-data exchange folder (`kebao-sync/`, which each visit
changes) or what an operating system leaves on a drive's root.

    >>> write(kit, progress=update)
    >>> report = check(kit)
    >>> report.damaged, report.missing, report.extra
    ([], [], [])
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from media.disk import write_atomic
from media.errors import InputInvalid, text
from media.store import Progress

FILE = "SHA256SUMS"
SYNC_FOLDER = "kebao-sync"  # sync.protocol.FOLDER (installer/ does not import sync/)
# Left on a drive's root by Windows, Linux desktops and macOS: never part of a kit.
SYSTEM_ENTRIES = re.compile(
    r"(System Volume Information|\$RECYCLE\.BIN|\.Trash-\d+|\.Trashes|\.Spotlight-V100|\.fseventsd)\Z"
)
_LINE = re.compile(r"([0-9a-f]{64})  (\S.*)\Z")
BLOCK = 1024 * 1024


@dataclass
class SumsReport:
    checked: int = 0
    damaged: list[str] = field(default_factory=list)  # paths whose bytes changed
    missing: list[str] = field(default_factory=list)  # listed but not on the drive
    extra: list[str] = field(default_factory=list)  # on the drive but not listed

    @property
    def ok(self) -> bool:
        return not (self.damaged or self.missing or self.extra)

    def sentences(self) -> list[str]:
        """One line per problem, naming the file, for the technician."""
        return (
            [text(f"已损坏：{p}", f"damaged: {p}") for p in self.damaged]
            + [text(f"缺少：{p}", f"missing: {p}") for p in self.missing]
            + [
                text(f"多出（不属于安装U盘）：{p}", f"extra (not part of the kit): {p}")
                for p in self.extra
            ]
        )


def kit_files(kit: Path) -> Iterator[tuple[str, Path]]:
    """(relative posix path, path) of every file a kit's sums cover, sorted."""
    found = []
    for folder, dirs, files in os.walk(kit):
        here = Path(folder)
        top = here == kit
        dirs[:] = sorted(
            d for d in dirs if not (top and (d == SYNC_FOLDER or SYSTEM_ENTRIES.fullmatch(d)))
        )
        for name in files:
            if top and (name == FILE or SYSTEM_ENTRIES.fullmatch(name)):
                continue
            path = here / name
            found.append((path.relative_to(kit).as_posix(), path))
    return iter(sorted(found))


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    """The file's SHA-256, read from the device: cached pages are dropped first, so a
    check right after writing reads what the drive holds (after `os.sync()`)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        buf = memoryview(bytearray(BLOCK))
        while n := f.readinto(buf):
            digest.update(buf[:n])
            if progress:
                progress(n)
    return digest.hexdigest()


class _Counter:
    """Bytes hashed so far over a whole run, for one progress bar."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def __call__(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress(self.done, self.total)


def write(kit: Path, progress: Progress | None = None) -> int:
    """Hash every file of the kit into `SHA256SUMS` (atomically); the number of files."""
    files = list(kit_files(kit))
    counter = _Counter(sum(p.stat().st_size for _, p in files), progress)
    lines = [f"{sha256_file(path, counter)}  {rel}\n" for rel, path in files]
    write_atomic(kit / FILE, "".join(lines).encode("utf-8"))
    return len(lines)


def read(kit: Path) -> dict[str, str]:
    """{relative path: sha256} from the kit's `SHA256SUMS`; InputInvalid if unreadable."""
    where = str(kit / FILE)
    try:
        data = (kit / FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputInvalid(
            where=str(kit),
            problem=text(f"没有 {FILE}，不是课包安装U盘", f"no {FILE}: not a Kebao kit"),
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputInvalid(
            where=where, problem=text(f"无法读取：{e}", f"unreadable: {e}")
        ) from None
    sums = {}
    for number, line in enumerate(data.splitlines(), 1):
        match = _LINE.fullmatch(line)
        if match is None:
            raise InputInvalid(
                where=f"{where}:{number}",
                problem=text("不是“校验值  文件”格式的一行", "not a `<sha256>  <file>` line"),
            )
        sums[match[2]] = match[1]
    return sums


def check(
    kit: Path, *, only: Callable[[str], bool] | None = None, progress: Progress | None = None
) -> SumsReport:
    """Compare the kit's files with `SHA256SUMS`; `only` limits the check to some paths."""
    listed = read(kit)
    present = {rel: path for rel, path in kit_files(kit)}
    wanted = sorted(rel for rel in listed if only is None or only(rel))
    report = SumsReport()
    report.extra = sorted(
        rel for rel in present if rel not in listed and (only is None or only(rel))
    )
    counter = _Counter(sum(present[r].stat().st_size for r in wanted if r in present), progress)
    for rel in wanted:
        path = present.get(rel)
        if path is None:
            report.missing.append(rel)
            continue
        try:
            actual = sha256_file(path, counter)
        except OSError:
            actual = ""
        report.checked += 1
        if actual != listed[rel]:
            report.damaged.append(rel)
    return report
