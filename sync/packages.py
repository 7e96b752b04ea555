"""Subscribed packages: what to download in a sync round, and downloading it.

A school subscribes to packages by id (设置, or `kebao subscribe add ID`). Each round
compares the hub's repository index with what is installed; a subscribed package the
hub has in a newer version (or that is not installed yet) is downloaded resumably and
installed through the content library's import path (same checks as a USB drive), from
a LAN peer first when one has that version.

    >>> wanted = updates(source.entries(), installed_versions(library), {"pep.math.g3a"})
    >>> download(library, "http://hub:8470/repo", wanted)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from media.errors import KebaoError
from media.library import ImportReport, Library
from media.repository import IndexEntry, latest, version_key
from media.store import Progress
from sync.download import HttpSource, Pace, clean_downloads


def installed_versions(library: Library) -> dict[str, str]:
    return {pid: version for pid, version, _title, _state in library.catalog.package_list()}


def updates(
    entries: Iterable[IndexEntry], installed: dict[str, str], subscriptions: Iterable[str]
) -> list[IndexEntry]:
    """The subscribed packages the repository has newer than installed (or not installed)."""
    newest = latest(list(entries))
    wanted = []
    for pid in sorted(set(subscriptions)):
        entry = newest.get(pid)
        if entry is None:
            continue
        have = installed.get(pid)
        if have is None or version_key(entry.version) > version_key(have):
            wanted.append(entry)
    return wanted


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
) -> ImportReport:
    """Download and install `wanted` from the first peer that has each version, else `url`."""
    report = ImportReport()
    downloads = library.data_dir / "downloads"
    remaining = list(wanted)
    for base in [*peers, url]:
        if not remaining:
            break
        source = HttpSource(base, downloads, pace=pace, progress=received)
        if cancel is not None:
            source.cancel = cancel
        try:
            offered = {(e.id, e.version) for e in source.entries()}
        except KebaoError:  # a peer that went away is only a mirror less
            if base == url:
                raise
            continue
        here = [e for e in remaining if (e.id, e.version) in offered]
        if not here:
            continue
        part = library.import_from(
            source, package_ids=[e.id for e in here], progress=progress, cancel=cancel
        )
        report.installed += part.installed
        report.up_to_date += part.up_to_date
        report.bytes_copied += part.bytes_copied
        remaining = [e for e in remaining if e not in here]
    clean_downloads(downloads, lambda sha: library.store.path(sha).exists())
    return report
