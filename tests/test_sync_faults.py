"""Sync over a link that breaks: cuts, stalls, resets, a trickle, 5xx from the hub.

Two school PCs with thousands of records each, a recording to upload and a subscribed
package to download talk to the real hub through `faultproxy.FaultProxy`, which breaks
their requests as planned. Each PC runs `kebao sync` again until a round succeeds (as
the scheduler would, without its waits); then the hub holds every record exactly once,
both PCs show the same thing, the recording is on the hub byte for byte, and the
package is installed and verifies. Set KEBAO_FAULT_SEED to try another mixed schedule.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Keys, Repo, run_cli
from faultproxy import Fault, FaultProxy
from hubfixture import RunningHub
from test_sync_e2e import SHA, views

from hub.db import events as hub_events
from sync.journal import Journal
from sync.protocol import PUSH_EVENTS
from sync.upload import CHUNK

SEED = int(os.environ.get("KEBAO_FAULT_SEED", "20241126"))
PACKAGE_ID = "test.faults.g4a"
RECORDS = PUSH_EVENTS * 5 // 2  # per PC: three batches to push, three pages to pull
TIMEOUT_S = "1.5"  # the client's network timeout here: a stalled link costs this much

# Request lines, as the proxy matches them (`Fault.when`), in the order a round sends them.
PUSH = r"^POST \S*/events "
PULL = r"^GET \S*/events\?"
CREATE = r"^POST \S*/uploads/ "
HEAD = r"^HEAD "
PATCH = r"^PATCH "
INDEX = r"^GET /repo/kebao-repo\.json"
MANIFEST = r"^GET /repo/packages/"
BLOB = r"^GET /repo/blobs/"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Repo:
    """A signed package of ~3 MB in four files: a download of several chunks, three in flight."""
    base = tmp_path_factory.mktemp("package")
    src = base / "src"
    (src / "第一单元" / "第1课").mkdir(parents=True)
    (src / "package.toml").write_text(
        f'id = "{PACKAGE_ID}"\nversion = "2024.09"\ntitle = "科学 四年级上册"\nkind = "textbook"\n'
        '[tags]\n"学段" = "小学"\n"学科" = "科学"\n',
        encoding="utf-8",
    )
    rng = random.Random(SEED)
    for i in range(4):
        name = src / "第一单元" / "第1课" / f"课件 {i}.pdf"
        name.write_bytes(rng.randbytes(600_000 + 150_000 * i))
    r = run_cli("pack", src, "--key", keys.private, "--out", base / "repo")
    assert r.rc == 0, r.err
    return Repo(base / "repo", PACKAGE_ID, keys)


@dataclass
class School:
    hub: RunningHub
    proxy: FaultProxy
    id: str
    pcs: list[Path]
    recording: Path
    made: set[str]  # the id of every record made on any PC


def record(journal: Journal, n: int, rng: random.Random) -> None:
    """`n` records as a school day makes them: a roster, progress, plays, attempts."""
    with journal.batch():
        learners = [
            journal.add_learner(f"学生{i:04d}", f"四年级{i % 4 + 1}班") for i in range(n // 5)
        ]
        start = datetime(2026, 11, 25, 8, 0)
        for i in range(n - len(learners)):
            who = rng.choice(learners).id
            if i % 3 == 0:
                journal.record_attempt(who, PACKAGE_ID, SHA, {"q1": rng.randint(0, 9)}, 1.0, 1.0)
            elif i % 3 == 1:
                at = start + timedelta(minutes=i)
                journal.record_play(f"四年级{i % 4 + 1}班", PACKAGE_ID, "水的三态", SHA,
                                    at, at + timedelta(minutes=40))  # fmt: skip
            else:
                journal.record_progress(who, PACKAGE_ID, SHA, rng.randint(0, 300_000), 300_000, 1.0)


@pytest.fixture
def school(
    make_hub: Callable[..., RunningHub],
    hub_db: str | None,
    package: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[School]:
    """A hub with the package, two PCs enrolled through the proxy, records and a recording."""
    monkeypatch.setenv("KEBAO_SYNC_TIMEOUT_S", TIMEOUT_S)
    hub = make_hub(hub_db, "--repo", str(package.path))
    school_id, code = hub.add_school("城关镇中心小学")
    rng = random.Random(SEED)
    pcs: list[Path] = []
    made: set[str] = set()
    with FaultProxy(hub.url) as proxy:
        for name in ("a", "b"):
            data = tmp_path / name
            for args in (
                ("enrol", "--hub", proxy.url, "--code", code, "--name", name),
                ("trust", "add", package.keys.public),
                ("subscribe", "add", PACKAGE_ID),
            ):
                r = run_cli(*args, "--data-dir", data)
                assert r.rc == 0, r.err
            with Journal(data) as journal:
                record(journal, RECORDS, rng)
                made |= {e.id for e in journal.events()}
            pcs.append(data)
        recording = tmp_path / "2026-11-25 第三节 水的三态.mp4"
        recording.write_bytes(rng.randbytes(2 * CHUNK + 345_678))
        r = run_cli("upload", recording, "--kind", "recording", "--data-dir", pcs[0])
        assert r.rc == 0, r.err
        assert len(made) == 2 * RECORDS
        yield School(hub, proxy, school_id, pcs, recording, made)


def sync_until_done(data: Path, attempts: int) -> list[str]:
    """`kebao sync --now` until a round succeeds (as the scheduler would, without its
    waits); the sentences of the rounds that failed."""
    failed = []
    for _ in range(attempts):
        r = run_cli("sync", "--json", "--now", "--data-dir", data)
        if r.rc == 0:
            return failed
        # Only "later" (exit 3): never a refusal, never a trace; one sentence each time.
        assert r.rc == 3 and r.err.count("\n") == 1, (r.rc, r.err, failed)
        failed.append(r.err.strip())
    pytest.fail(f"no round succeeded in {attempts}: {failed}")


def converge(school: School, attempts: int) -> list[str]:
    """A, then B, then A again: each one's records reach the other. The failed rounds."""
    failed = []
    for data in (school.pcs[0], school.pcs[1], school.pcs[0]):
        failed += sync_until_done(data, attempts)
    return failed


def assert_whole(school: School) -> None:
    """What the county and every teacher would check once the link came back."""
    with school.hub.store.engine.connect() as conn:
        ids = conn.scalars(
            sa.select(hub_events.c.id).where(hub_events.c.school_id == school.id)
        ).all()
    assert len(ids) == len(school.made) and set(ids) == school.made  # none lost, none twice
    shown = []
    for data in school.pcs:
        with Journal(data) as journal:
            assert {e.id for e in journal.events()} == school.made
            shown.append(views(journal))
        listed = json.loads(run_cli("list", "--json", "--data-dir", data).out)
        assert [(p["id"], p["state"]) for p in listed] == [(PACKAGE_ID, "complete")]
        r = run_cli("verify", "--data-dir", data)
        assert r.rc == 0, r.err
        assert not list((data / "downloads").glob("*.part"))
    assert shown[0] == shown[1]
    sha = hashlib.sha256(school.recording.read_bytes()).hexdigest()
    held = school.hub.data_dir / "uploads" / school.id / sha
    assert held.read_bytes() == school.recording.read_bytes()
    assert not list((school.pcs[0] / "outbox").glob("*.json"))


# -- one kind of fault at a time, at every step of a round ---------------------------------

# (when, side, after, pace): a place in a round where the link can break, and the pace of
# a trickle there (slow, yet never silent for as long as the client's timeout).
PLACES = [
    (PUSH, "response", 0, (4, 0.02)),  # the hub stored the batch; its answer is lost
    (PUSH, "request", 20_000, (2048, 0.01)),  # the batch never arrives whole
    (PULL, "response", 30_000, (2048, 0.01)),  # a page cut half-way
    (CREATE, "response", 0, (8, 0.01)),  # the upload exists at the hub; its address is lost
    (PATCH, "request", CHUNK // 2, (64 * 1024, 0.01)),  # half a chunk arrives
    (PATCH, "response", 0, (8, 0.01)),  # a chunk stored, its answer lost
    (INDEX, "response", 200, (8, 0.02)),  # ~700 bytes in 1.7 s: longer than the timeout
    (MANIFEST, "response", 300, (64, 0.01)),
    (BLOB, "response", 400_000, (16 * 1024, 0.01)),
]


def everywhere(kind: str, **how: object) -> list[Fault]:
    return [
        Fault(kind, after, side, when, pace, **how)  # type: ignore[arg-type]
        for when, side, after, pace in PLACES
    ]


# Cuts inside answers' headers, where the rest looks like a whole answer with no body:
# 71 bytes is the status line, `date` and `server` of a 200 (before its length, or an
# upload's offset); 110 bytes into the index, after its ETag (a copy kept by ETag must not
# be this empty one); 141 bytes into a page of events, its `content-encoding: gzip` is lost.
IN_HEADS = [
    *(Fault("cut", 71, when=w) for w in (PUSH, CREATE, HEAD, PATCH, INDEX, MANIFEST, BLOB)),
    Fault("cut", 110, when=INDEX),
    Fault("cut", 141, when=r"^GET \S*/events\?after=\d"),
]


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(everywhere("cut"), id="cut"),
        pytest.param(IN_HEADS, id="cut-in-head"),
        pytest.param(everywhere("reset"), id="reset"),
        pytest.param(everywhere("stall"), id="stall"),
        pytest.param(everywhere("answer", status=503, retry_after=7), id="503"),
        pytest.param(everywhere("answer", status=502), id="502"),
    ],
)
def test_every_sync_completes_after_the_link_breaks(school: School, faults: list[Fault]) -> None:
    school.proxy.plan(*faults)
    failed = converge(school, attempts=len(faults) + 2)
    assert school.proxy.pending() == []
    # Each fault costs at most one round; two pushes in flight may meet two in one round.
    assert len(faults) - 1 <= len(failed) <= len(faults)
    assert_whole(school)


def test_a_slow_trickle_is_slow_but_not_broken(school: School) -> None:
    """Bytes that keep coming, however slowly, never time out: one round each, no failure."""
    school.proxy.plan(*everywhere("trickle"))
    assert converge(school, attempts=1) == []
    assert school.proxy.pending() == []
    assert_whole(school)


def test_a_mixed_schedule_of_faults(school: School) -> None:
    """Each place of a round gets a fault of a random kind at a random byte (seeded)."""
    rng = random.Random(SEED)
    faults = []
    for when, side, after, pace in PLACES:
        kind = rng.choice(["cut", "reset", "stall", "answer", "answer", "trickle"])
        how = {"status": rng.choice([500, 502, 503]), "retry_after": rng.choice([None, 3])}
        faults.append(Fault(kind, rng.randint(0, after), side, when, pace, **how))  # type: ignore[arg-type]
    rng.shuffle(faults)
    school.proxy.plan(*faults)
    failed = converge(school, attempts=len(faults) + 2)
    assert school.proxy.pending() == []
    breaking = sum(f.kind != "trickle" for f in faults)
    assert breaking - 1 <= len(failed) <= breaking, faults  # as above: at most one round each
    assert_whole(school)


def test_an_upload_the_hub_keeps_refusing_with_409_is_not_retried_for_ever(
    school: School,
) -> None:
    """A hub that answers every PATCH 409 (an earlier one still holds the upload) gets
    three tries, then the round stops as "later"; the next one goes on from its offset."""
    school.proxy.plan(*[Fault("answer", when=PATCH, status=409) for _ in range(3)])
    since = school.proxy.mark()
    r = run_cli("sync", "--now", "--data-dir", school.pcs[0])
    assert r.rc == 3 and "同步中心还在接收这个文件的上一次上传" in r.err
    patches = [q for q in school.proxy.requests[since:] if q.line.startswith("PATCH ")]
    assert len(patches) == 3 and school.proxy.pending() == []
    assert converge(school, attempts=1) == []
    assert_whole(school)


def test_a_503_s_retry_after_holds_the_scheduler_back(qtbot, school: School, scheduler) -> None:
    """The hub (or a gateway before it) says "503, come back in 120 s": the next try is
    not sooner, though the scheduler's own backoff here is under a second."""
    school.proxy.plan(Fault("answer", when=PUSH, status=503, retry_after=120))
    sched = scheduler(school.pcs[0])
    before = datetime.now()
    sched.request_now()
    qtbot.waitUntil(lambda: sched.state.next_attempt is not None, timeout=30_000)
    assert sched.state.next_attempt >= before + timedelta(seconds=120)
    assert "HTTP 503" in (sched.state.last_error or "")
