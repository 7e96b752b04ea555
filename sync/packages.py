"""Subscribed packages: what to download in a sync round, and downloading it.

A school subscribes to packages by id (设置, or `kebao subscribe add ID`). Each round
compares the hub's repository index with what is installed; a subscribed package the
hub has in a newer version (or that is not installed yet) is downloaded resumably and
installed through the content library's import path (same checks as a USB drive), from
a LAN peer first when one has that version.

    >>> wanted = updates(source.entries(), installed_versions(library.catalog), ["pep.math.g3a"])
    >>> download(library, "http://hub:8470/repo", wanted)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from media import manifest as mf
from media.catalog import Catalog
from media.errors import BlobCorrupt, Cancelled, DiskFull, KebaoError
from media.library import ImportReport, Library
from media.repository import IndexEntry, latest, version_key
from media.store import BlobStore, Progress
from sync.download import HttpSource, Pace, clean_downloads


def installed_versions(catalog: Catalog) -> dict[str, str]:
    """Package id → installed version (`library.catalog`, or a reader's own `Catalog`)."""
    return {pid: version for pid, version, _title, _state in catalog.package_list()}


def updates(
    entries: Iterable[IndexEntry], installed: dict[str, str], subscriptions: Iterable[str]
) -> list[IndexEntry]:
    """The subscribed packages the repository has newer than installed (or not installed),
    in the order of `subscriptions` (the school's priority: the first downloads first)."""
    newest = latest(list(entries))
    wanted = []
    for pid in dict.fromkeys(subscriptions):
        entry = newest.get(pid)
        if entry is None:
            continue
        have = installed.get(pid)
        if have is None or version_key(entry.version) > version_key(have):
            wanted.append(entry)
    return wanted


@dataclass(frozen=True)
class Sizes:
    """A package version's bytes: in all, still to fetch, and of those already downloaded."""

    total: int
    needed: int  # not in the store yet
    held: int  # of `needed`, already in `downloads/*.part` (a paused or cut download)


def package_bytes(store: BlobStore, source: HttpSource, entry: IndexEntry) -> Sizes:
    """How big `entry` is and how much of it is here, from its manifest at `source`:
    what a progress bar of its download goes from and to.

        >>> package_bytes(library.store, source, entry).needed
    """
    m = mf.parse(source.manifest_bytes(entry), f"{entry.title} ({entry.version})")
    blobs = {b.sha256: b.size for b in m.blobs()}
    needed = {sha: size for sha, size in blobs.items() if not store.has(sha, size)}
    held = 0
    for sha, size in needed.items():
        with contextlib.suppress(OSError):
            held += min(size, (source.downloads / f"{sha}.part").stat().st_size)
    return Sizes(sum(blobs.values()), sum(needed.values()), held)


# (package, bytes of it here, bytes in all): called as each chunk arrives.
Watch = Callable[[IndexEntry, int, int], None]


def download(
    library: Library,
    url: str,
    wanted: list[IndexEntry],
    *,
    peers: Iterable[str] = (),
    pace: Pace | None = None,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
    received: Callable[[int], None] | None = None,
    watch: Watch | None = None,
) -> ImportReport:
    """Download and install `wanted` from the first peer that has each version, else `url`.

    One package after the other, in the order of `wanted`, each installed before the next
    starts: the school's first choice is usable first, and a pause keeps it. A peer that
    fails for a package (gone, a bad signature, a file that does not hash) leaves it to
    the next peer or the hub; a pause or a full disk stops everything.
    """
    report = ImportReport()
    downloads = library.data_dir / "downloads"
    remaining = list(wanted)
    for base in [*peers, url]:
        if not remaining:
            break
        source = HttpSource(base, downloads, pace=pace)
        if cancel is not None:
            source.cancel = cancel
        try:
            offered = {(e.id, e.version) for e in source.entries()}
        except KebaoError:  # a peer that went away is only a mirror less
            if base == url:
                raise
            continue
        for entry in [e for e in remaining if (e.id, e.version) in offered]:
            try:
                source.progress = _counting(library, source, entry, received, watch)
                part = library.import_from(
                    source, package_ids=[entry.id], progress=progress, cancel=cancel
                )
            except KebaoError as e:
                if isinstance(e, BlobCorrupt):
                    source.discard_damaged(lambda sha: library.store.path(sha).exists())
                if base == url or isinstance(e, Cancelled | DiskFull):
                    raise
                continue  # a peer's bad copy is refused like a drive's; the next source has it
            report.installed += part.installed
            report.up_to_date += part.up_to_date
            report.bytes_copied += part.bytes_copied
            remaining.remove(entry)
    clean_downloads(downloads, lambda sha: library.store.path(sha).exists())
    return report


def _counting(
    library: Library,
    source: HttpSource,
    entry: IndexEntry,
    received: Callable[[int], None] | None,
    watch: Watch | None,
) -> Callable[[int], None] | None:
    """The per-chunk callback of one package's download (several blobs arrive at once)."""
    if watch is None:
        return received
    sizes = package_bytes(library.store, source, entry)
    total, done = sizes.needed, [sizes.held]
    lock = threading.Lock()
    watch(entry, sizes.held, total)

    def chunk(n: int) -> None:
        with lock:  # in order, one at a time: the bar never goes back, no count is lost
            if received is not None:
                received(n)
            done[0] += n
            watch(entry, done[0], total)

    return chunk
