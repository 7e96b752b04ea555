"""Packages over HTTP: a repository behind any web server, downloaded resumably.

`HttpSource` is the content library's source interface (as `FolderSource` for a USB
drive) for a repository at a URL: the hub's `/repo/`, a county CDN, a peer on the LAN.
Each blob is first fetched whole into `<data>/downloads/<sha256>.part`, resuming to the
byte after a cut (`Range` + `If-Range` with the ETag seen: a file that changed on the
server restarts cleanly), at the shared throttle's pace; then the library imports it
from there like any other source, hashing it on the way in. Downloads already in the
folder are never fetched again; `Library.import_from` skips blobs already installed.

    >>> source = HttpSource("http://hub.example.cn:8470/repo", data_dir / "downloads")
    >>> library.import_from(source, package_ids=["pep.math.g3a"])
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

import requests

from media import manifest as mf
from media.disk import write_atomic
from media.errors import BlobCorrupt, Cancelled, RepositoryInvalid, SourceUnavailable, text
from media.repository import INDEX, MAX_INDEX_BYTES, MAX_SIGNATURE_BYTES, IndexEntry, parse_index
from sync.backoff import retry_after
from sync.client import cut_in_head, cut_short, network_reason, timeouts

CHUNK = 256 * 1024


class NotOnServer(SourceUnavailable):
    """The server answered 404: the file is not there (not a cut connection)."""


class DownloadBroken(SourceUnavailable):
    """The link failed mid-way (a cut, a timeout, a 5xx): nothing lost, run again later."""

    zh = "从 {where} 下载时连接中断（{problem}）；已收到的部分都保留，下次同步时接着下载"
    en = "The download from {where} broke off ({problem}); what arrived is kept for the next sync"
    exit_code = 3
    status: int | None = None  # the server's 5xx or 408, when it answered at all
    retry_after: float | None = None  # its Retry-After


def _refused(where: str, response: requests.Response) -> SourceUnavailable:
    """The error for an HTTP status other than 200/206: 404 missing, 5xx later, else
    refused. A 5xx or 408 keeps its status and `Retry-After`, as the hub client's errors
    do, so a 503 from the repository waits as long as the server asked."""
    status = response.status_code
    if status == 404:
        return NotOnServer(where=where, problem="HTTP 404")
    if status >= 500 or status == 408:
        error = DownloadBroken(where=where, problem=f"HTTP {status}")
        error.status, error.retry_after = status, retry_after(response.headers)
        return error
    return SourceUnavailable(where=where, problem=f"HTTP {status}")


class Pace(Protocol):
    """What the download asks of the shared throttle (sync/throttle.py)."""

    def take(self, n: int, cancel: threading.Event | None = None) -> None: ...


def fetch(
    http: requests.Session,
    url: str,
    part: Path,
    *,
    size: int | None = None,
    pace: Pace | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Download `url` into `part`, going on from what `part` already holds.

    The ETag of the first answer is kept beside it (`<part>.etag`); resuming sends
    `Range` from the bytes held and `If-Range` with that ETag, so a changed file comes
    back whole (200) and replaces the partial one. Every write is flushed before the
    next chunk is asked for: after a power cut, what is in `part` is what arrived.
    `progress(n)` gets each chunk's size. Raises DownloadBroken on a cut, a timeout or a
    5xx, NotOnServer on a 404, SourceUnavailable on another refusal, Cancelled when
    `cancel` is set.
    """
    etag_file = part.with_name(part.name + ".etag")
    have = part.stat().st_size if part.exists() else 0
    etag = etag_file.read_text(encoding="ascii").strip() if etag_file.exists() and have else ""
    if size is not None and have == size:
        return part
    headers = {"Accept-Encoding": "identity"}
    if have and etag:
        headers["Range"] = f"bytes={have}-"
        headers["If-Range"] = etag
    try:
        response = http.get(url, headers=headers, stream=True, timeout=timeouts())
    except requests.RequestException as e:
        raise DownloadBroken(where=url, problem=network_reason(e)) from None
    with contextlib.closing(response):
        if response.status_code == 416 and size is not None and have >= size:
            return part
        if response.status_code not in (200, 206):
            raise _refused(url, response)
        if cut_in_head(response):
            raise DownloadBroken(where=url, problem=cut_short())
        mode = "ab" if response.status_code == 206 else "wb"  # 200: whole file, from 0
        if mode == "wb":
            new_etag = response.headers.get("ETag", "")
            part.parent.mkdir(parents=True, exist_ok=True)
            etag_file.write_text(new_etag if new_etag.startswith('"') else "", encoding="ascii")
        with open(part, mode) as out:
            try:
                for chunk in response.iter_content(CHUNK):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled()
                    if pace is not None:
                        pace.take(len(chunk), cancel)
                    out.write(chunk)
                    out.flush()
                    if progress is not None:
                        progress(len(chunk))
            except requests.RequestException as e:
                raise DownloadBroken(where=url, problem=network_reason(e)) from None
            os.fsync(out.fileno())
    got = part.stat().st_size
    if size is not None and got != size:
        raise DownloadBroken(
            where=url, problem=text(f"只收到 {got}/{size} 字节", f"only {got}/{size} bytes arrived")
        )
    return part


class HttpSource:
    """A repository at an HTTP(S) URL, read through the library's source interface."""

    def __init__(
        self,
        url: str,
        downloads: Path,
        *,
        http: requests.Session | None = None,
        pace: Pace | None = None,
        progress: Callable[[int], None] | None = None,
        index_etag: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        # The index's ETag as the server said it is now (a hub's pull page): a copy with
        # that ETag is used without asking.
        self.index_etag = index_etag
        self.label = self.url
        self.downloads = downloads
        self.http = http or requests.Session()
        self.pace = pace
        self.progress = progress
        self.cancel = threading.Event()
        self._sizes: dict[str, int] = {}
        self._entries: list[IndexEntry] | None = None

    def _fetch(self, rel: str, limit: int, if_none_match: str = "") -> tuple[int, bytes, str]:
        """(status, body, ETag) of a small file of the repository: 200, 304 (`if_none_match`
        is still the file) or 404; the body at most `limit` bytes."""
        headers = {"If-None-Match": if_none_match} if if_none_match else {}
        where = f"{self.label}/{rel}"
        data = bytearray()
        try:
            response = self.http.get(
                f"{self.url}/{rel}", headers=headers, timeout=timeouts(), stream=True
            )
            with contextlib.closing(response):
                if response.status_code not in (200, 304, 404):
                    raise _refused(where, response)
                if response.status_code == 200:
                    if cut_in_head(response):  # never kept as an (empty) index
                        raise DownloadBroken(where=where, problem=cut_short())
                    # iter_content, not raw.read: a cut mid-body is then a requests error too.
                    for block in response.iter_content(CHUNK):
                        data += block
                        if len(data) > limit:
                            break
        except requests.RequestException as e:
            raise DownloadBroken(where=self.label, problem=network_reason(e)) from None
        if len(data) > limit:
            raise RepositoryInvalid(where=self.label, problem=f"{rel} 过大")
        return response.status_code, bytes(data), response.headers.get("ETag", "")

    def _get(self, rel: str, limit: int) -> bytes | None:
        """A small file of the repository (None when the server has none), at most `limit`."""
        status, data, _etag = self._fetch(rel, limit)
        return None if status == 404 else data

    def available(self) -> bool:
        try:
            return self._get(INDEX, MAX_INDEX_BYTES) is not None
        except SourceUnavailable:
            return False

    def entries(self) -> list[IndexEntry]:
        """The repository's index, read once per source (the library asks for it per
        package; over HTTP that would be the whole index each time)."""
        if self._entries is None:
            self._entries = parse_index(self._index(), self.label)
        return self._entries

    def _index(self) -> bytes:
        """The index: the copy kept in `downloads/` if it is still the server's (its ETag
        is `index_etag`, or the server answers 304), else fetched and kept."""
        copy = index_copy(self.downloads, self.url)
        held = held_index_etag(self.downloads, self.url)
        if held and held == self.index_etag:
            with contextlib.suppress(OSError):
                return copy.read_bytes()
        status, data, etag = self._fetch(INDEX, MAX_INDEX_BYTES, held)
        if status == 304:
            with contextlib.suppress(OSError):
                return copy.read_bytes()
            status, data, etag = self._fetch(INDEX, MAX_INDEX_BYTES)
        if status == 404:
            raise RepositoryInvalid(where=self.label, problem=f"找不到 {INDEX}")
        if etag.startswith('"'):  # only a strong ETag says the copy is the file
            with contextlib.suppress(OSError):  # a copy is a saving, not a need
                self.downloads.mkdir(parents=True, exist_ok=True)
                write_atomic(copy, data)
                write_atomic(copy.with_name(copy.name + ".etag"), etag.encode("ascii"))
        return data

    def manifest_bytes(self, entry: IndexEntry) -> bytes:
        """A manifest, checked against the index; kept in `downloads/manifests/` by its
        SHA-256, so the 下载 page's sizes do not fetch it again each round."""
        label = f"{entry.title} ({entry.version})"
        copy = self.downloads / "manifests" / f"{entry.manifest_sha256}.json"
        data = None
        with contextlib.suppress(OSError):
            data = copy.read_bytes()
        if data is None or hashlib.sha256(data).hexdigest() != entry.manifest_sha256:
            data = self._get(f"packages/{entry.id}/{entry.version}.json", mf.MAX_MANIFEST_BYTES)
            if data is None:
                raise RepositoryInvalid(where=self.label, problem=f"{label} 的清单文件缺失")
            if (
                len(data) != entry.manifest_size
                or hashlib.sha256(data).hexdigest() != entry.manifest_sha256
            ):
                raise mf.ManifestInvalid(
                    package=label, problem="清单与索引中的校验值不符（可能被篡改）"
                )
            with contextlib.suppress(OSError):
                copy.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(copy, data)
        with contextlib.suppress(mf.ManifestInvalid, ValueError):
            for blob in mf.parse(data, label).blobs(None):
                self._sizes[blob.sha256] = blob.size
        return data

    def signature_bytes(self, entry: IndexEntry) -> bytes | None:
        return self._get(f"packages/{entry.id}/{entry.version}.sig", MAX_SIGNATURE_BYTES)

    def open_blob(self, sha256: str, package: str, name: str) -> BinaryIO:
        """The blob, downloaded whole first (resuming); read by the store like a file."""
        part = self.downloads / f"{sha256}.part"
        url = f"{self.url}/blobs/{sha256[:2]}/{sha256}"
        try:
            fetch(self.http, url, part, size=self._sizes.get(sha256), pace=self.pace,
                  cancel=self.cancel, progress=self.progress)  # fmt: skip
        except NotOnServer:
            raise BlobCorrupt(package=package, name=name, problem="资源库里缺少这个文件") from None
        return open(part, "rb", buffering=0)

    def discard_damaged(self, installed: Callable[[str], bool]) -> int:
        """Delete the downloads of this source whose bytes are all here but do not hash to
        their name (a tampering peer, a server file changed under the same ETag); how many.

        A whole `.part` is never fetched again, so a damaged one would fail every later
        import, from any source. Called after an import of this source met BlobCorrupt.
        """
        removed = 0
        for sha, size in self._sizes.items():
            part = self.downloads / f"{sha}.part"
            try:
                whole = part.stat().st_size >= size
            except OSError:
                continue
            if not whole or installed(sha):
                continue
            with open(part, "rb") as f:
                if hashlib.file_digest(f, "sha256").hexdigest() == sha:
                    continue
            part.unlink(missing_ok=True)
            part.with_name(part.name + ".etag").unlink(missing_ok=True)
            removed += 1
        return removed


def index_copy(downloads: Path, url: str) -> Path:
    """Where the index of the repository at `url` is kept between rounds."""
    return downloads / f"index-{hashlib.sha256(url.rstrip('/').encode()).hexdigest()[:16]}.json"


def held_index_etag(downloads: Path, url: str) -> str:
    """The ETag of the kept copy of `url`'s index ("" when there is none)."""
    copy = index_copy(downloads, url)
    try:
        return copy.with_name(copy.name + ".etag").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def clean_downloads(downloads: Path, installed: Callable[[str], bool]) -> int:
    """Delete finished downloads of blobs now installed (`installed(sha256)`); how many."""
    removed = 0
    for part in downloads.glob("*.part") if downloads.is_dir() else ():
        sha = part.name.removesuffix(".part")
        if installed(sha):
            part.unlink(missing_ok=True)
            part.with_name(part.name + ".etag").unlink(missing_ok=True)
            removed += 1
    return removed
