"""The content-addressed blob store: every file once, named by its SHA-256.

    <data>/blobs/<h0h1>/<sha256>   immutable; created only by rename after the hash matched
    <data>/staging/*.part          partial copies, cleaned on every open
    <data>/quarantine/<sha256>     blobs `verify --repair` found damaged

`ingest` copies files in while hashing them (each source byte is read once), fsyncs
each copy and renames it into place. Several files are in flight at once, and each
copy is written out to disk while it is still being made, so fsyncs overlap copying:
that is what keeps import close to `cp -r && sync`.

    >>> store = BlobStore(data_dir)
    >>> store.ingest([CopyJob(open_src, sha, size, "数学 (2024.09)", "第1课.mp4")])
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from media.disk import fdatasync, free_bytes, fsync_dir, human_size, remove_quietly
from media.errors import BlobCorrupt, Cancelled, DiskFull
from media.manifest import SHA256_RE

CHUNK = 1024 * 1024
SUFFIX_RE = re.compile(r"\.[A-Za-z0-9]{1,8}\Z")
# Files in flight, of which at most COPIES are being read, hashed and written at a time;
# the others are waiting for their copy's fdatasync, which needs neither a CPU nor the
# source drive. When each copy thread waited for its own fdatasync, import took two to
# three times as long as `cp -r && sync` (docs/performance.md).
WORKERS = 6
COPIES = 3
# Start writing a copy out every WRITEBACK bytes rather than all at its fdatasync, so the
# disk works while the copy goes on and fdatasync has little left to wait for.
WRITEBACK = 4 * 1024 * 1024

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CopyJob:
    """One file to bring into the store: how to open it and what it must hash to."""

    open: Callable[[], BinaryIO]
    sha256: str
    size: int
    package: str
    name: str


def default_reserve(data_dir: Path) -> int:
    """Space always left free: 2 % of the disk, between 100 MB and 1 GB (env override)."""
    env = os.environ.get("KEBAO_RESERVE_BYTES")
    if env and env.isdigit():
        return int(env)
    try:
        total = shutil.disk_usage(data_dir).total
    except OSError:
        return 1_000_000_000
    return max(100_000_000, min(1_000_000_000, total // 50))


class BlobStore:
    def __init__(self, data_dir: Path, staging: Path | None = None) -> None:
        self.data_dir = data_dir
        self.blobs = data_dir / "blobs"
        self.staging = staging or data_dir / "staging"
        self.quarantine_dir = data_dir / "quarantine"
        self.named_dir = data_dir / "named"
        for d in (self.blobs, self.staging):
            d.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256

    def has(self, sha256: str, size: int) -> bool:
        try:
            return self.path(sha256).stat().st_size == size
        except OSError:
            return False

    def clean_staging(self) -> int:
        """Delete partial copies left by a crash; returns how many there were."""
        n = 0
        for p in self.staging.iterdir():
            if p.is_file() or p.is_symlink():
                p.unlink()
                n += 1
        return n

    def iter_blobs(self) -> Iterator[tuple[str, int]]:
        """Every blob on disk as (sha256, size), whether or not a package uses it."""
        for sub in self.blobs.iterdir():
            if not sub.is_dir():
                continue
            for p in sub.iterdir():
                if SHA256_RE.match(p.name) and p.name[:2] == sub.name:
                    yield p.name, p.stat().st_size

    def named(self, sha256: str, suffix: str) -> Path:
        """The blob under a name ending in `suffix` (".srt", ".mp4"): players and viewers
        choose a demuxer or program by extension. A hard link, so it costs no space;
        a copy where the filesystem has no hard links."""
        suffix = suffix.lower() if SUFFIX_RE.match(suffix) else ""
        path = self.named_dir / f"{sha256}{suffix}"
        if not path.exists():
            self.named_dir.mkdir(exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
            try:
                os.link(self.path(sha256), tmp)
            except OSError:
                shutil.copyfile(self.path(sha256), tmp)
            os.replace(tmp, path)
        return path

    def delete(self, sha256: str) -> None:
        remove_quietly(self.path(sha256))
        self._forget_names(sha256)

    def _forget_names(self, sha256: str) -> None:
        if self.named_dir.is_dir():
            for p in self.named_dir.glob(f"{sha256}*"):
                remove_quietly(p)

    def quarantine(self, sha256: str) -> Path:
        self.quarantine_dir.mkdir(exist_ok=True)
        dest = self.quarantine_dir / sha256
        os.replace(self.path(sha256), dest)
        self._forget_names(sha256)
        return dest

    def check(self, sha256: str, size: int) -> str | None:
        """Re-hash one blob; None when sound, else what is wrong with it."""
        try:
            with open(self.path(sha256), "rb", buffering=0) as f:
                st = os.fstat(f.fileno())
                if st.st_size != size:
                    return f"大小为 {st.st_size} 字节，应为 {size} 字节"
                digest = hashlib.file_digest(f, "sha256").hexdigest()
        except FileNotFoundError:
            return "文件丢失"
        except OSError as e:
            return f"无法读取：{e.strerror}"
        return None if digest == sha256 else "内容与校验值不符"

    def ingest(
        self,
        jobs: Iterable[CopyJob],
        *,
        reserve: int,
        created: list[str],
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Copy each job's file into the store, hashing as it goes.

        Appends each new blob to `created` as soon as it is in place, so the caller can
        roll back on failure. Jobs whose blob is already present are skipped. Raises the
        first KebaoError any copy met; copies in flight are abandoned and cleaned.
        """
        todo = []
        seen: set[str] = set()
        for job in jobs:
            if job.sha256 not in seen and not self.has(job.sha256, job.size):
                seen.add(job.sha256)
                todo.append(job)
        total = sum(j.size for j in todo)
        counter = _Counter(total, progress)
        stop = cancel or threading.Event()
        self._check_space(total, reserve)
        touched: set[Path] = set()
        pending: set[Future[str]] = set()
        slots = threading.Semaphore(COPIES)
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="kebao-copy") as pool:
            try:
                for job in todo:
                    # Keep a bounded number in flight so space checks and cancel stay prompt.
                    while len(pending) >= WORKERS:
                        done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                        self._collect(done, created, touched)
                    if stop.is_set():
                        raise Cancelled()
                    self._check_space(total - counter.done, reserve)
                    pending.add(pool.submit(self._copy_one, job, counter, stop, slots))
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                self._collect(done, created, touched)
                if pending:
                    done, pending = wait(pending)
                    self._collect(done, created, touched)
            except BaseException:
                stop.set()
                for f in wait(pending).done:
                    if not f.exception():
                        created.append(f.result())
                raise
        for folder in touched:
            fsync_dir(folder)

    def _collect(self, done: set[Future[str]], created: list[str], touched: set[Path]) -> None:
        for f in done:
            if f.exception() is None:
                created.append(f.result())
                touched.add(self.path(f.result()).parent)
        for f in done:
            exc = f.exception()
            if exc is not None:
                raise exc

    def _check_space(self, remaining: int, reserve: int) -> None:
        free = free_bytes(self.data_dir)
        if free - reserve < remaining:
            raise DiskFull(needed=human_size(remaining + reserve), free=human_size(free))

    def _copy_one(
        self, job: CopyJob, counter: _Counter, stop: threading.Event, slots: threading.Semaphore
    ) -> str:
        part = self.staging / f"{job.sha256}.{uuid.uuid4().hex[:8]}.part"
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
            try:
                # The source is opened only once a copy slot is free, and the slot is given
                # back before the wait for fdatasync.
                with slots, job.open() as src:
                    digest = _copy_hashing(src, fd, job, counter, stop)
                fdatasync(fd)
            finally:
                os.close(fd)
            if digest != job.sha256:
                raise BlobCorrupt(package=job.package, name=job.name, problem="内容与校验值不符")
            final = self.path(job.sha256)
            final.parent.mkdir(exist_ok=True)
            os.replace(part, final)
        except OSError as e:
            remove_quietly(part)
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                # Say what the whole import still needs, not just this one file.
                raise DiskFull(
                    needed=human_size(counter.total - counter.done),
                    free=human_size(free_bytes(self.data_dir)),
                ) from None
            raise
        except BaseException:
            remove_quietly(part)
            raise
        return job.sha256


class _Counter:
    """Bytes copied so far across all workers, reported to one progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self._progress = progress
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.done += n
            if self._progress:
                self._progress(self.done, self.total)


def _copy_hashing(
    src: BinaryIO, fd: int, job: CopyJob, counter: _Counter, stop: threading.Event
) -> str:
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    n = 0
    written_out = 0
    while True:
        if stop.is_set():
            raise Cancelled()
        k = src.readinto(view)
        if not k:
            break
        n += k
        if n > job.size:
            raise BlobCorrupt(
                package=job.package, name=job.name, problem=f"比清单所写的 {job.size} 字节长"
            )
        chunk = view[:k]
        h.update(chunk)
        while chunk:
            chunk = chunk[os.write(fd, chunk) :]
        if n - written_out >= WRITEBACK:
            _start_writeback(fd, written_out, n - written_out)
            written_out = n
        counter.add(k)
    if n < job.size:
        raise BlobCorrupt(
            package=job.package,
            name=job.name,
            problem=f"只有 {n} 字节，清单写的是 {job.size} 字节（文件不完整）",
        )
    return h.hexdigest()


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Have the kernel start writing a range of a file out now (a hint; may do nothing).

    On Linux, POSIX_FADV_DONTNEED on a range just written starts its write-back at once
    (pages not yet on disk are written, never dropped). Windows and macOS have no
    posix_fadvise: there fdatasync alone writes the file out.
    """
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
