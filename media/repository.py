"""Repositories: the one folder format for USB drives, HTTP mirrors and LAN peers.

    kebao-repo.json                       index (format, version, packages)
    packages/<id>/<version>.json          manifest
    packages/<id>/<version>.sig           detached signature over the manifest bytes
    blobs/<h0h1>/<sha256>                 every file, by content

`FolderSource` reads one defensively (no symlinks, size limits, strict names: only
validated ids, versions and hashes ever become path parts). `RepositoryWriter` adds
packages to one durably; `kebao pack` and `kebao export` both go through it.

    >>> src = FolderSource.find(Path("/media/usb"))
    >>> [e.id for e in src.entries()]
    >>> with RepositoryWriter(Path("/media/usb/课包")) as repo:
    ...     repo.add_package(manifest_bytes, signature_bytes, jobs)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from natsort import natsort_keygen

from media import manifest as mf
from media.disk import write_atomic
from media.errors import BlobCorrupt, InputInvalid, RepositoryInvalid, SourceUnavailable
from media.store import BlobStore, CopyJob, Progress

INDEX = "kebao-repo.json"
FORMAT = "kebao-repo"
FORMAT_VERSION = 1
MAX_INDEX_BYTES = 16 * 1024 * 1024
MAX_SIGNATURE_BYTES = 4096
version_key = natsort_keygen()


@dataclass(frozen=True)
class IndexEntry:
    id: str
    version: str
    title: str
    manifest_sha256: str
    manifest_size: int


def parse_index(data: bytes, where: str) -> list[IndexEntry]:
    doc = mf.load_json(data, where, MAX_INDEX_BYTES, RepositoryInvalid)

    def bad(problem: str) -> RepositoryInvalid:
        return RepositoryInvalid(where=where, problem=problem)

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad("索引文件 kebao-repo.json 格式不对")
    if doc.get("format_version") != FORMAT_VERSION:
        raise bad(
            f"资源库格式版本 {doc.get('format_version')!r:.20} 不受支持"
            f"（本程序支持 {FORMAT_VERSION}），请升级课包"
        )
    packages = doc.get("packages")
    if not isinstance(packages, list) or len(packages) > mf.MAX_ITEMS:
        raise bad("packages 应为数组")
    entries = []
    seen = set()
    for i, p in enumerate(packages):
        if not isinstance(p, dict):
            raise bad(f"packages[{i}] 应为对象")
        ok = (
            isinstance(p.get("id"), str)
            and mf.ID_RE.match(p["id"])
            and isinstance(p.get("version"), str)
            and mf.VERSION_RE.match(p["version"])
            and mf.valid_title(p.get("title"))
            and isinstance(p.get("manifest_sha256"), str)
            and mf.SHA256_RE.match(p["manifest_sha256"])
            and type(p.get("manifest_size")) is int
            and 0 < p["manifest_size"] <= mf.MAX_MANIFEST_BYTES
        )
        if not ok:
            raise bad(f"packages[{i}] 的字段无效")
        key = (p["id"], p["version"])
        if key in seen:
            raise bad(f"{p['id']} {p['version']} 重复出现")
        seen.add(key)
        entries.append(
            IndexEntry(p["id"], p["version"], p["title"], p["manifest_sha256"], p["manifest_size"])
        )
    return entries


def index_bytes(entries: list[IndexEntry]) -> bytes:
    ordered = sorted(entries, key=lambda e: (e.id, version_key(e.version)))
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "packages": [
            {
                "id": e.id,
                "version": e.version,
                "title": e.title,
                "manifest_sha256": e.manifest_sha256,
                "manifest_size": e.manifest_size,
            }
            for e in ordered
        ],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def latest(entries: list[IndexEntry]) -> dict[str, IndexEntry]:
    """The newest version of each package id (natural order: 2024.10 after 2024.9)."""
    best: dict[str, IndexEntry] = {}
    for e in entries:
        if e.id not in best or version_key(e.version) > version_key(best[e.id].version):
            best[e.id] = e
    return best


class _SourceFile:
    """A blob being read from a source; a read error means the drive went away."""

    def __init__(self, f: BinaryIO, where: str) -> None:
        self._f = f
        self._where = where

    def readinto(self, buf: memoryview) -> int:
        try:
            return self._f.readinto(buf) or 0
        except OSError as e:
            raise SourceUnavailable(where=self._where, problem=e.strerror or str(e)) from None

    def __enter__(self) -> _SourceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()


class FolderSource:
    """A repository in a folder: a USB drive, a copied folder, a mounted share."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)

    @classmethod
    def find(cls, path: Path) -> FolderSource:
        """The repository at `path`, or in one of its sub-folders (a drive's root)."""
        if not path.is_dir():
            raise SourceUnavailable(where=str(path), problem="文件夹不存在")
        if (path / INDEX).is_file():
            return cls(path)
        try:
            subs = sorted(p for p in path.iterdir() if (p / INDEX).is_file())
        except OSError as e:
            raise SourceUnavailable(where=str(path), problem=e.strerror or str(e)) from None
        if len(subs) == 1:
            return cls(subs[0])
        if len(subs) > 1:
            names = "、".join(p.name for p in subs)
            raise RepositoryInvalid(
                where=str(path), problem=f"有多个资源库（{names}），请指定其中一个"
            )
        raise RepositoryInvalid(where=str(path), problem=f"找不到 {INDEX}")

    def _open(self, rel: str) -> BinaryIO:
        """Open a file inside the repository, refusing symlinks anywhere below the root."""
        path = self.root
        try:
            for part in rel.split("/"):
                path = path / part
                if stat.S_ISLNK(os.lstat(path).st_mode):
                    raise RepositoryInvalid(where=self.label, problem=f"{rel} 是符号链接，不予读取")
            fd = os.open(
                path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
            )
        except FileNotFoundError:
            if not self.root.is_dir():
                raise SourceUnavailable(where=self.label, problem="资源库已不存在") from None
            raise
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise RepositoryInvalid(
                    where=self.label, problem=f"{rel} 是符号链接，不予读取"
                ) from None
            raise SourceUnavailable(where=self.label, problem=e.strerror or str(e)) from None
        f = os.fdopen(fd, "rb", buffering=0)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            f.close()
            raise RepositoryInvalid(where=self.label, problem=f"{rel} 不是普通文件")
        return f

    def _read(self, rel: str, limit: int) -> bytes:
        with self._open(rel) as f:
            try:
                data = f.read(limit + 1)
            except OSError as e:
                raise SourceUnavailable(where=self.label, problem=e.strerror or str(e)) from None
        if len(data) > limit:
            raise RepositoryInvalid(where=self.label, problem=f"{rel} 过大")
        return data

    def available(self) -> bool:
        """Whether the repository can still be read (False once its drive is pulled)."""
        return (self.root / INDEX).is_file()

    def entries(self) -> list[IndexEntry]:
        try:
            data = self._read(INDEX, MAX_INDEX_BYTES)
        except FileNotFoundError:
            raise RepositoryInvalid(where=self.label, problem=f"找不到 {INDEX}") from None
        return parse_index(data, self.label)

    def manifest_bytes(self, entry: IndexEntry) -> bytes:
        label = f"{entry.title} ({entry.version})"
        try:
            data = self._read(f"packages/{entry.id}/{entry.version}.json", mf.MAX_MANIFEST_BYTES)
        except FileNotFoundError:
            raise RepositoryInvalid(where=self.label, problem=f"{label} 的清单文件缺失") from None
        if (
            len(data) != entry.manifest_size
            or hashlib.sha256(data).hexdigest() != entry.manifest_sha256
        ):
            raise mf.ManifestInvalid(
                package=label, problem="清单与索引中的校验值不符（可能被篡改）"
            )
        return data

    def signature_bytes(self, entry: IndexEntry) -> bytes | None:
        try:
            return self._read(f"packages/{entry.id}/{entry.version}.sig", MAX_SIGNATURE_BYTES)
        except FileNotFoundError:
            return None

    def open_blob(self, sha256: str, package: str, name: str) -> _SourceFile:
        try:
            f = self._open(f"blobs/{sha256[:2]}/{sha256}")
        except FileNotFoundError:
            raise BlobCorrupt(package=package, name=name, problem="资源库里缺少这个文件") from None
        return _SourceFile(f, self.label)


class RepositoryWriter:
    """Adds packages to a repository folder; the index is replaced atomically on close."""

    def __init__(self, root: Path, *, reserve: int = 0) -> None:
        self.root = root
        self.reserve = reserve
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SourceUnavailable(where=str(root), problem=e.strerror or str(e)) from None
        self.entries: list[IndexEntry] = []
        if (root / INDEX).exists():
            self.entries = FolderSource(root).entries()
        self.store = BlobStore(root, staging=root / ".kebao-staging")
        self.changed = False

    def __enter__(self) -> RepositoryWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None and self.changed:
            write_atomic(self.root / INDEX, index_bytes(self.entries))
        self.store.clean_staging()
        self.store.staging.rmdir()

    def add_package(
        self,
        manifest_bytes: bytes,
        signature: bytes | None,
        jobs: list[CopyJob],
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> bool:
        """Write blobs, then manifest and signature; False when this exact package was there."""
        m = mf.parse(manifest_bytes, "manifest")
        sha = hashlib.sha256(manifest_bytes).hexdigest()
        existing = next((e for e in self.entries if (e.id, e.version) == (m.id, m.version)), None)
        if existing and existing.manifest_sha256 != sha:
            raise InputInvalid(
                where=str(self.root),
                problem=f"{m.label} 已在资源库中且内容不同；请改用新的版本号",
            )
        self.store.ingest(jobs, reserve=self.reserve, created=[], progress=progress, cancel=cancel)
        folder = self.root / "packages" / m.id
        folder.mkdir(parents=True, exist_ok=True)
        if existing is None or not (folder / f"{m.version}.json").is_file():
            write_atomic(folder / f"{m.version}.json", manifest_bytes)
            self.changed = True
        sig_path = folder / f"{m.version}.sig"
        if signature is not None and (not sig_path.is_file() or sig_path.read_bytes() != signature):
            write_atomic(sig_path, signature)
            self.changed = True
        if existing is None:
            self.entries.append(IndexEntry(m.id, m.version, m.title, sha, len(manifest_bytes)))
            self.changed = True
        return self.changed
