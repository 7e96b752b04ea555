"""The content library: one data folder = blob store + catalog + trust store.

This is the service the CLI and the GUI both call. Every change goes through
`Library.writing()`, which holds the folder's lock (one writer at a time) and first
cleans what a crash left in staging/.

    >>> lib = Library(Path("~/.local/share/Kebao").expanduser())
    >>> lib.import_from(FolderSource.find(Path("/media/usb")), allow_unsigned=False)
    >>> lib.catalog.search("fenshu")
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from media import manifest as mf
from media import pinyin
from media.catalog import UNIT_DAMAGED, UNIT_INSTALLED, Catalog, PackageInfo
from media.disk import free_bytes
from media.errors import (
    BlobCorrupt,
    InputInvalid,
    KebaoError,
    NotFound,
    PackageUnsigned,
    PublisherUntrusted,
    SignatureInvalid,
    SourceUnavailable,
    StoreBusy,
)
from media.repository import FolderSource, IndexEntry, RepositoryWriter, latest, version_key
from media.signature import parse_signature, verify
from media.store import BlobStore, CopyJob, Progress, default_reserve
from media.trust import TrustStore


@dataclass(frozen=True)
class Candidate:
    """A package from a source that passed every check and is ready to copy."""

    entry: IndexEntry
    manifest: mf.Manifest
    manifest_bytes: bytes
    signature: bytes | None
    units: set[int]


@dataclass
class ImportReport:
    installed: list[tuple[str, list[str]]] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    bytes_copied: int = 0


@dataclass
class VerifyProblem:
    sha256: str
    problem: str
    users: list[str]


@dataclass
class VerifyReport:
    blobs_checked: int = 0
    bytes_checked: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)
    orphans: int = 0
    orphan_bytes: int = 0
    repaired: bool = False


def check_signature(
    label: str,
    m: mf.Manifest,
    data: bytes,
    signature: bytes | None,
    trust: TrustStore,
    allow_unsigned: bool,
) -> None:
    """Accept a manifest only with a valid signature by a trusted key (or explicit consent)."""
    if signature is None:
        if allow_unsigned:
            return
        raise PackageUnsigned(package=label)
    sig = parse_signature(signature, label)
    if m.publisher_key_id is not None and m.publisher_key_id != sig.key_id:
        raise SignatureInvalid(package=label, problem="签名密钥与清单中写明的发布者不一致")
    key = trust.get(sig.key_id)
    if key is None:
        raise PublisherUntrusted(package=label, key_id=sig.key_id)
    if not verify(key, data, sig):
        raise SignatureInvalid(package=label, problem="签名与清单内容不符（清单可能被篡改）")


def resolve_units(m: mf.Manifest, names: list[str]) -> set[int]:
    """Unit indexes named by title, by the start of a title, or by number (1 = first)."""
    chosen = set()
    for name in names:
        exact = [i for i, u in enumerate(m.units) if u.title == name]
        prefix = [i for i, u in enumerate(m.units) if u.title.startswith(name)]
        if exact:
            chosen.update(exact)
        elif len(prefix) == 1:
            chosen.update(prefix)
        elif name.isdigit() and 1 <= int(name) <= len(m.units):
            chosen.add(int(name) - 1)
        else:
            titles = "、".join(u.title for u in m.units)
            raise InputInvalid(where=m.label, problem=f"没有名为“{name}”的单元（有：{titles}）")
    return chosen


class Library:
    def __init__(self, data_dir: Path, *, reserve: int | None = None) -> None:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputInvalid(
                where=str(data_dir), problem=f"无法创建数据文件夹：{e.strerror}"
            ) from None
        self.data_dir = data_dir
        self.store = BlobStore(data_dir)
        self.catalog = Catalog(data_dir / "catalog.db")
        self.trust = TrustStore(data_dir / "trust")
        self.reserve = default_reserve(data_dir) if reserve is None else reserve
        self._lock = FileLock(data_dir / ".lock")
        # The next start cleans what a crash left behind, unless another process is at work.
        with contextlib.suppress(KebaoError), self.writing():
            pass

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the library's write lock; partial files left by a crash are removed first."""
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise StoreBusy(where=str(self.data_dir)) from None
        try:
            self.store.clean_staging()
            yield
        finally:
            self._lock.release()

    # -- import ----------------------------------------------------------------------

    def candidates(
        self,
        source: FolderSource,
        *,
        package_ids: list[str] | None = None,
        unit_names: list[str] | None = None,
        allow_unsigned: bool = False,
    ) -> list[Candidate]:
        """Check every chosen package of a source (index, manifest, signature, trust)."""
        newest = latest(source.entries())
        if package_ids:
            missing = [p for p in package_ids if p not in newest]
            if missing:
                raise NotFound(what=f"资源包（在 {source.label} 中）", name=missing[0])
            chosen = [newest[p] for p in package_ids]
        else:
            chosen = list(newest.values())
        if unit_names and len(chosen) != 1:
            raise InputInvalid(where="--unit", problem="选择单元时请用 --package 指定一个资源包")
        result = []
        for entry in chosen:
            label = f"{entry.title} ({entry.version})"
            data = source.manifest_bytes(entry)
            m = mf.parse(data, label)
            if (m.id, m.version) != (entry.id, entry.version):
                raise mf.ManifestInvalid(package=label, problem="清单的 id 或版本与索引不一致")
            check_signature(
                label, m, data, source.signature_bytes(entry), self.trust, allow_unsigned
            )
            units = resolve_units(m, unit_names) if unit_names else set(range(len(m.units)))
            result.append(Candidate(entry, m, data, source.signature_bytes(entry), units))
        return result

    def import_from(
        self,
        source: FolderSource,
        *,
        package_ids: list[str] | None = None,
        unit_names: list[str] | None = None,
        allow_unsigned: bool = False,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ImportReport:
        """Import packages (or chosen units) from a repository; all or nothing.

        Every manifest and signature is checked before the first byte is copied; the
        packages become visible together, in one catalog transaction, after all their
        blobs are in. On any error the catalog is untouched and the blobs this call
        added are removed again.
        """
        with self.writing():
            report = ImportReport()
            plan = []
            for c in self.candidates(
                source,
                package_ids=package_ids,
                unit_names=unit_names,
                allow_unsigned=allow_unsigned,
            ):
                units = self._units_after_import(c)
                if units is None:
                    report.up_to_date.append(c.manifest.label)
                    continue
                plan.append((c, units))
            jobs = [
                CopyJob(
                    lambda b=b, c=c: source.open_blob(b.sha256, c.manifest.label, b.name),
                    b.sha256,
                    b.size,
                    c.manifest.label,
                    b.name,
                )
                for c, units in plan
                for b in c.manifest.blobs(units)
            ]
            created: list[str] = []
            before = self._all_catalog_blobs()
            if plan:
                pinyin.preload()  # the catalog needs it after the copy; load it during
            try:
                self.store.ingest(
                    jobs, reserve=self.reserve, created=created, progress=progress, cancel=cancel
                )
                with self.catalog.db.atomic():
                    for c, units in plan:
                        self.catalog.install(
                            c.manifest,
                            c.manifest_bytes,
                            c.signature,
                            c.entry.manifest_sha256,
                            units,
                        )
            except BaseException as e:
                for sha in created:
                    self.store.delete(sha)
                if isinstance(e, BlobCorrupt) and not source.available():
                    # A file missing or cut short because the drive was pulled is not damage.
                    raise SourceUnavailable(where=source.label, problem="资源库已不存在") from None
                raise
            self._delete_unused(before)
            report.bytes_copied = sum(self.store.path(s).stat().st_size for s in created)
            for c, units in plan:
                report.installed.append(
                    (c.manifest.label, [c.manifest.units[u].title for u in sorted(units)])
                )
            return report

    def _units_after_import(self, c: Candidate) -> set[int] | None:
        """Which units will be installed after importing `c`; None when nothing changes."""
        row = self.catalog.package_row(c.manifest.id)
        if row is None:
            return c.units
        if version_key(row["version"]) > version_key(c.manifest.version):
            return None  # never downgrade a newer installed version
        if row["version"] != c.manifest.version:
            return c.units
        installed = {u.idx for u in self.catalog.units(c.manifest.id) if u.state == UNIT_INSTALLED}
        if c.units <= installed:
            return None
        return installed | c.units

    def _delete_unused(self, shas: set[str]) -> None:
        """Delete those of `shas` that no package in the catalog names any more."""
        for sha in shas - self._all_catalog_blobs():
            self.store.delete(sha)

    # -- export, remove, verify, status -----------------------------------------------

    def export(
        self,
        package_ids: list[str],
        dest: Path,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> list[str]:
        """Write installed packages as a repository at `dest`, then read it back to verify."""
        rows = []
        for pid in package_ids:
            row = self.catalog.package_row(pid)
            if row is None:
                raise NotFound(what="已安装的资源包", name=pid)
            info = next(p for p in self.catalog.packages() if p.id == pid)
            if info.state != "complete":
                raise InputInvalid(
                    where=f"{info.title} ({info.version})",
                    problem="没有完整安装（有未下载或损坏的单元），不能导出；请先补全",
                )
            rows.append(row)
        labels = []
        with RepositoryWriter(dest) as writer:
            for row in rows:
                m = mf.parse(row["manifest"], row["id"])
                jobs = [
                    CopyJob(
                        lambda b=b: open(self.store.path(b.sha256), "rb", buffering=0),
                        b.sha256,
                        b.size,
                        m.label,
                        b.name,
                    )
                    for b in m.blobs()
                ]
                writer.add_package(
                    row["manifest"], row["signature"], jobs, progress=progress, cancel=cancel
                )
                labels.append(m.label)
        self._verify_export(dest, rows)
        return labels

    def _verify_export(self, dest: Path, rows: list[dict]) -> None:
        """Read what was written back from the drive itself, not from the page cache."""
        source = FolderSource(dest)
        entries = {(e.id, e.version): e for e in source.entries()}
        for row in rows:
            m = mf.parse(row["manifest"], row["id"])
            entry = entries.get((m.id, m.version))
            if entry is None or source.manifest_bytes(entry) != row["manifest"]:
                raise SignatureInvalid(package=m.label, problem="导出后读回的清单不一致")
            for b in {b.sha256: b for b in m.blobs()}.values():
                with source.open_blob(b.sha256, m.label, b.name) as f:
                    path = dest / "blobs" / b.sha256[:2] / b.sha256
                    _drop_cache(path)
                    h = hashlib.sha256()
                    buf = memoryview(bytearray(1 << 20))
                    while n := f.readinto(buf):
                        h.update(buf[:n])
                if h.hexdigest() != b.sha256:
                    raise BlobCorrupt(
                        package=m.label,
                        name=b.name,
                        problem="导出后读回的内容不符（U盘可能有坏块）",
                    )

    def remove(self, package_id: str) -> str:
        """Uninstall a package and delete every blob no other package uses."""
        with self.writing():
            row = self.catalog.package_row(package_id)
            if row is None:
                raise NotFound(what="已安装的资源包", name=package_id)
            m = mf.parse(row["manifest"], package_id)
            self.catalog.remove(package_id)
            self._delete_unused({b.sha256 for b in m.blobs()})
            return f"{row['title']} ({row['version']})"

    def verify(self, *, repair: bool = False, progress: Progress | None = None) -> VerifyReport:
        """Re-hash every installed blob; with repair, quarantine bad ones and mark units damaged."""
        with self.writing() if repair else contextlib.nullcontext():
            report = VerifyReport(repaired=repair)
            refs = self.catalog.referenced_blobs()
            total = sum(refs.values())
            for sha, size in sorted(refs.items()):
                problem = self.store.check(sha, size)
                report.blobs_checked += 1
                report.bytes_checked += size
                if progress:
                    progress(report.bytes_checked, total)
                if problem is None:
                    continue
                users = self.catalog.blob_users(sha)
                labels = sorted({self._package_label(p) for p, _ in users})
                report.problems.append(VerifyProblem(sha, problem, labels))
                if repair:
                    if self.store.path(sha).exists():
                        self.store.quarantine(sha)
                    for pid, unit in users:
                        self.catalog.set_units(pid, [unit], UNIT_DAMAGED)
            all_refs = self._all_catalog_blobs()
            for sha, size in list(self.store.iter_blobs()):
                if sha not in all_refs:
                    report.orphans += 1
                    report.orphan_bytes += size
                    if repair:
                        self.store.delete(sha)
            return report

    def _all_catalog_blobs(self) -> set[str]:
        rows = self.catalog.db.query(
            "SELECT sha256 FROM resources UNION SELECT sha256 FROM subtitles"
        )
        return {r["sha256"] for r in rows}

    def _package_label(self, package_id: str) -> str:
        row = self.catalog.package_row(package_id)
        return package_id if row is None else f"{row['title']} ({row['version']})"

    def status(self) -> dict:
        packages: list[PackageInfo] = self.catalog.packages()
        used = sum(size for _, size in self.store.iter_blobs())
        return {
            "data_dir": str(self.data_dir),
            "packages": len(packages),
            "complete": sum(p.state == "complete" for p in packages),
            "partial": sum(p.state == "partial" for p in packages),
            "damaged": sum(p.state == "damaged" for p in packages),
            "lessons": sum(p.lessons for p in packages),
            "resources": sum(p.resources for p in packages),
            "bytes_used": used,
            "bytes_free": free_bytes(self.data_dir),
            "trusted_publishers": len(self.trust.keys()),
        }


def _drop_cache(path: Path) -> None:
    """Ask the kernel to forget cached pages so a read-back really reads the device."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
