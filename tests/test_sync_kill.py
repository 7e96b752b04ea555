"""`kebao sync` killed (SIGKILL) at random moments of a push, a pull, a download, an upload.

A real `kebao sync --now` process talks to the real hub through `faultproxy.FaultProxy`
(used here only to slow the line, so that each step lasts long enough to be cut into);
it is killed once the step has got a seeded random way through (the hub's record count,
the other PC's journal, the `downloads/*.part` bytes, the hub's partial upload), then
`kebao sync` runs again to the end. Nothing may be lost or doubled, the journal and the
library must be whole, and the second run must not send or fetch again what the first
had got acknowledged or onto the disk: that is measured, from the `--json` report and
the requests the proxy saw. Set KEBAO_KILL_SEED to try other moments.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Repo, run_cli
from faultproxy import FaultProxy, Pace
from hubfixture import RunningHub
from test_crash_safety import listed, moments, start_kebao, verified
from test_sync_e2e import views
from test_sync_faults import PACKAGE_ID, package, record  # noqa: F401 - `package`: a fixture

from media import manifest as mf
from sync.client import PUSH_IN_FLIGHT
from sync.journal import Journal
from sync.protocol import PULL_EVENTS, PUSH_EVENTS
from sync.upload import CHUNK, pending

SEED = int(os.environ.get("KEBAO_KILL_SEED", "20241127"))
MOMENTS = 5  # per step
RECORDS = 3 * PUSH_EVENTS  # per moment: three batches to push, three pages to pull
# How slow the line is while a step is cut into, so that the step lasts a second or two.
RECORDS_LINE = (PUSH_EVENTS, 0.01)  # a batch (~55 bytes an event, gzip) in ~0.5 s
BATCH_S = 0.3  # a random moment this long at most after a batch was stored or applied
PACKAGE_LINE = (16 * 1024, 0.01)  # ~1.6 MB/s
UPLOAD_LINE = (64 * 1024, 0.01)  # ~6.4 MB/s
KILL_WITHIN_S = 60


@dataclass
class School:
    hub: RunningHub
    proxy: FaultProxy
    id: str
    code: str
    package: Repo
    base: Path

    def pc(self, name: str, subscribe: bool = False) -> Path:
        """A PC of the school, enrolled through the proxy."""
        data = self.base / name
        steps = [("enrol", "--hub", self.proxy.url, "--code", self.code, "--name", name)]
        if subscribe:
            steps += [("trust", "add", self.package.keys.public), ("subscribe", "add", PACKAGE_ID)]
        for args in steps:
            r = run_cli(*args, "--data-dir", data)
            assert r.rc == 0, r.err
        return data


@pytest.fixture
def school(
    make_hub: Callable[..., RunningHub],
    hub_db: str | None,
    package: Repo,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> Iterator[School]:
    hub = make_hub(hub_db, "--repo", str(package.path))
    school_id, code = hub.add_school("城关镇中心小学")
    with FaultProxy(hub.url) as proxy:
        yield School(hub, proxy, school_id, code, package, tmp_path)


def kill_when(
    school: School,
    data: Path,
    line: Pace,
    progress: Callable[[], float],
    target: float,
    wait_s: float,
) -> int:
    """Start `kebao sync --now` on a line that slow; SIGKILL it `wait_s` after `progress()`
    first reaches `target`. Its exit status (-9 when killed)."""
    school.proxy.pace = line
    process = start_kebao("sync", "--now", "--data-dir", data)
    deadline = time.monotonic() + KILL_WITHIN_S
    try:
        while progress() < target:
            assert process.poll() is None, "the round ended before the moment to kill it"
            assert time.monotonic() < deadline, "the round never got there"
            time.sleep(0.002)  # polling the condition: how far the round has got
        time.sleep(wait_s)  # the random moment, after the step got that far
        process.kill()
        return process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        school.proxy.pace = None


def sync_to_the_end(school: School, data: Path) -> tuple[dict, int]:
    """`kebao sync --json --now` at full speed: (its report, where the proxy's log was)."""
    since = school.proxy.mark()
    r = run_cli("sync", "--json", "--now", "--data-dir", data)
    assert r.rc == 0, r.err
    return json.loads(r.out), since


def assert_intact(data: Path) -> None:
    """The journal file is sound and its tables are the fold of its events; the library
    verifies with nothing wrong and nothing left over."""
    with sqlite3.connect(data / "journal.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Journal(data) as journal:
        shown = views(journal)
        journal.rebuild()
        assert views(journal) == shown
    report = verified(data)
    assert (report["problems"], report["orphans"]) == ([], 0)


def count(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM events").fetchone()[0]


def upload_at_hub(school: School, pc: Path) -> int:
    """Bytes of the PC's upload on the hub's disk so far (a chunk grows as it comes)."""
    entries = pending(pc / "outbox")
    if not entries or entries[0].location is None:
        return 0
    part = (
        school.hub.data_dir
        / "uploads"
        / "partial"
        / f"{entries[0].location.rsplit('/', 1)[1]}.part"
    )
    return part.stat().st_size if part.exists() else 0


@pytest.mark.slow
def test_push_killed_at_random_moments(school: School) -> None:
    rng = random.Random(SEED)
    pc = school.pc("a")
    at_hub = partial(school.hub.event_count, school.id)
    made = 0
    for i, at in enumerate(moments(rng, 0.0, 1.0, MOMENTS)):
        with Journal(pc) as journal:
            record(journal, RECORDS, rng)
        made += RECORDS
        # After the first or the second batch was stored, and into the next one.
        target = made - RECORDS + 1 + at * (2 * PUSH_EVENTS - 1)
        wait = rng.uniform(0, BATCH_S)
        rc = kill_when(school, pc, RECORDS_LINE, at_hub, target, wait)
        where = f"moment {i}: killed {wait:.2f} s after {target:.0f} (rc {rc}, seed {SEED})"
        stored = at_hub()
        with Journal(pc) as journal:
            unacknowledged = journal.pending_count(journal.sync_state().push_cursor)
        assert unacknowledged > 0 and stored < made, where  # killed during the push

        report, _ = sync_to_the_end(school, pc)
        sent = report["journal"]["pushed"] + report["journal"]["duplicates"]
        assert sent == unacknowledged, where  # what the hub acknowledged is not sent again
        in_flight = PUSH_IN_FLIGHT * PUSH_EVENTS  # stored at the hub, not yet acknowledged
        assert sent <= made - stored + in_flight, where  # at most the batches in flight
        assert report["journal"]["duplicates"] <= in_flight, where
        assert at_hub() == made, where  # none lost, none twice
    assert_intact(pc)


@pytest.mark.slow
def test_pull_killed_at_random_moments(school: School) -> None:
    rng = random.Random(SEED + 1)
    source, pc = school.pc("a"), school.pc("b")
    made = 0
    db = sqlite3.connect(pc / "journal.db")
    try:
        for i, at in enumerate(moments(rng, 0.0, 1.0, MOMENTS)):
            with Journal(source) as journal:
                record(journal, RECORDS, rng)
            sync_to_the_end(school, source)
            made += RECORDS
            # After the first or the second page was applied, and into the next one.
            target = made - RECORDS + 1 + at * (2 * PULL_EVENTS - 1)
            wait = rng.uniform(0, BATCH_S)
            rc = kill_when(school, pc, RECORDS_LINE, partial(count, db), target, wait)
            where = f"moment {i}: killed {wait:.2f} s after {target:.0f} (rc {rc}, seed {SEED + 1})"
            held = count(db)
            with Journal(pc) as journal:
                cursor = journal.sync_state().pull_cursor
            assert held < made, where  # killed during the pull

            report, since = sync_to_the_end(school, pc)
            assert report["journal"]["pulled"] == made - held, where
            pulls = [
                q
                for q in school.proxy.requests[since:]
                if q.line.startswith("GET ") and "/events?" in q.line
            ]
            first = parse_qs(urlsplit(pulls[0].line.split()[1]).query, keep_blank_values=True)
            assert first["after"] == [cursor], where  # no page it had applied is asked again
            assert count(db) == made, where
    finally:
        db.close()
    with Journal(source) as a, Journal(pc) as b:
        assert views(a) == views(b)
    assert_intact(pc)


@pytest.mark.slow
def test_download_killed_at_random_moments(school: School) -> None:
    rng = random.Random(SEED + 2)
    blobs = {
        b.sha256: b.size
        for path in (school.package.path / "packages" / PACKAGE_ID).glob("*.json")
        for b in mf.parse(path.read_bytes(), PACKAGE_ID).blobs(None)
    }
    total = sum(blobs.values())

    def on_disk(data: Path) -> int:
        """Bytes of the package here: downloaded (whole or in part), or already in the store."""
        held = 0
        for sha, size in blobs.items():
            part = data / "downloads" / f"{sha}.part"
            if (data / "blobs" / sha[:2] / sha).exists():
                held += size
            elif part.exists():
                held += part.stat().st_size
        return held

    for i, at in enumerate(moments(rng, 0.05, 0.9, MOMENTS)):
        pc = school.pc(f"pc{i}", subscribe=True)
        rc = kill_when(school, pc, PACKAGE_LINE, partial(on_disk, pc), at * total, 0.0)
        where = f"moment {i}: killed at {at:.0%} of the download (rc {rc}, seed {SEED + 2})"
        held = on_disk(pc)
        assert held < total and listed(pc) == [], where  # killed during the download

        report, _ = sync_to_the_end(school, pc)
        assert report["installed"], where
        assert report["bytes_downloaded"] == total - held, where  # the rest, to the byte
        assert [(p["id"], p["state"]) for p in listed(pc)] == [(PACKAGE_ID, "complete")], where
        assert not list((pc / "downloads").glob("*.part")), where
        assert_intact(pc)


@pytest.mark.slow
def test_upload_killed_at_random_moments(school: School) -> None:
    rng = random.Random(SEED + 3)
    pc = school.pc("a")
    for i, at in enumerate(moments(rng, 0.05, 0.9, MOMENTS)):
        recording = school.base / f"第{i + 1}节.mp4"
        recording.write_bytes(rng.randbytes(2 * CHUNK + rng.randint(1, CHUNK)))
        size = recording.stat().st_size
        assert run_cli("upload", recording, "--data-dir", pc).rc == 0

        rc = kill_when(school, pc, UPLOAD_LINE, partial(upload_at_hub, school, pc), at * size, 0.0)
        where = f"moment {i}: killed at {at:.0%} of the upload (rc {rc}, seed {SEED + 3})"
        (entry,) = pending(pc / "outbox")
        assert entry.location is not None, where
        upload = school.hub.store.upload(entry.location.rsplit("/", 1)[1])
        assert upload is not None and upload.offset < size, where  # killed during the upload
        acknowledged = upload.offset

        report, since = sync_to_the_end(school, pc)
        patches = [q for q in school.proxy.requests[since:] if q.line.startswith("PATCH ")]
        assert int(patches[0].headers["upload-offset"]) >= acknowledged, where  # the hub's
        # On the wire, what the hub had not acknowledged at the kill, at most (a chunk the
        # killed PC had in flight may still have arrived; then it is not sent again).
        sent = sum(int(q.headers["content-length"]) for q in patches)
        assert report["bytes_uploaded"] <= sent <= size - acknowledged, where
        sha = hashlib.sha256(recording.read_bytes()).hexdigest()
        held = school.hub.data_dir / "uploads" / school.id / sha
        assert held.read_bytes() == recording.read_bytes(), where
        assert pending(pc / "outbox") == [], where
    assert_intact(pc)
