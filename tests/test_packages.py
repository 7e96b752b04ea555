"""Which subscribed packages a sync round downloads, in which order (a pure decision, as a table)."""

from __future__ import annotations

import pytest

from media.repository import IndexEntry
from sync.packages import updates


def entry(pid: str, version: str) -> IndexEntry:
    return IndexEntry(pid, version, pid, "0" * 64, 1)


HUB = [entry("math", "2024.9"), entry("math", "2024.10"), entry("chinese", "2024.09")]


@pytest.mark.parametrize(
    ("installed", "subscribed", "fetched"),
    [
        ({}, {"math"}, [("math", "2024.10")]),  # new: the newest version
        ({"math": "2024.9"}, {"math"}, [("math", "2024.10")]),  # 10 after 9, not before
        ({"math": "2024.10"}, {"math"}, []),  # up to date
        ({"math": "2025.1"}, {"math"}, []),  # newer here (a USB drive brought it)
        ({}, {"music"}, []),  # the hub does not have it
        ({}, set(), []),  # nothing subscribed: nothing downloaded, whatever the hub has
        # The school's order of priority, as 下载 sets it: the first downloads first.
        ({}, ["math", "chinese"], [("math", "2024.10"), ("chinese", "2024.09")]),
        ({}, ["chinese", "math"], [("chinese", "2024.09"), ("math", "2024.10")]),
        ({}, ["chinese", "math", "chinese"], [("chinese", "2024.09"), ("math", "2024.10")]),
    ],
)
def test_what_a_round_downloads(installed, subscribed, fetched) -> None:
    assert [(e.id, e.version) for e in updates(HUB, installed, subscribed)] == fetched
