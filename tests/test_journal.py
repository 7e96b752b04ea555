"""The progress journal: HLC, merge rules as tables, convergence under any order, real SQLite.

Two journals that hold the same events must show the same progress, roster, play logs
and attempts, however the events were ordered, repeated or split between devices; the
tables updated event by event must equal a fold of all events from scratch.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from media.errors import InputInvalid, NotFound
from sync import protocol, views
from sync.events import Event
from sync.hlc import MAX_COUNTER, Clock, Stamp
from sync.journal import Journal, Progress

SHA_A = "a" * 64
SHA_B = "b" * 64
PKG = "demo.math.g3a"
DEV1, DEV2, DEV3 = "d1d1d1d1", "d2d2d2d2", "d3d3d3d3"
LEARNER = "5b8e3c1a-0f0e-4c1d-9a47-2f1f7c3d9e01"
OTHER = "0c0ffee0-1234-4abc-8def-0123456789ab"


def ev(kind: str, body: dict, ms: int, device: str = DEV1, counter: int = 0) -> Event:
    return Event(str(uuid.uuid4()), str(Stamp(ms, counter, device)), kind, body)


def prog(
    ms: int,
    *,
    device: str = DEV1,
    position: int = 0,
    furthest: int = 0,
    duration: int = 100_000,
    completed: bool = False,
    watched: int = 0,
    sha: str = SHA_A,
    learner: str = LEARNER,
) -> Event:
    return ev(
        "progress",
        {
            "learner": learner,
            "package": PKG,
            "sha256": sha,
            "position_ms": position,
            "furthest_ms": furthest,
            "duration_ms": duration,
            "completed": completed,
            "watched_ms": watched,
        },
        ms,
        device,
    )


def edit(ms: int, device: str = DEV1, learner: str = LEARNER, **fields: object) -> Event:
    fields = {("class" if k == "class_" else k): v for k, v in fields.items()}
    return ev("learner", {"learner": learner, "set": fields}, ms, device)


def all_orders(events: list[Event]) -> list[views.Views]:
    """The fold of `events` in several orders, with repeats."""
    rng = random.Random(7)
    results = []
    for _ in range(6):
        shuffled = events + rng.sample(events, k=len(events) // 2)
        rng.shuffle(shuffled)
        results.append(views.fold(shuffled))
    return results


# -- the hybrid logical clock ------------------------------------------------------------


def test_stamps_rise_while_the_wall_clock_goes_backwards() -> None:
    readings = iter([5_000, 5_000, 1_000, 9_000, 8_999, 0, 9_000])
    clock = Clock(DEV1, now_ms=lambda: next(readings))
    stamps = [clock.tick() for _ in range(7)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 7
    assert [str(s) for s in stamps] == sorted(str(s) for s in stamps)
    assert [(s.ms, s.counter) for s in stamps] == [
        (5_000, 0),
        (5_000, 1),
        (5_000, 2),
        (9_000, 0),
        (9_000, 1),
        (9_000, 2),
        (9_000, 3),
    ]


@pytest.mark.parametrize(
    ("now", "last", "remote", "expected"),
    [
        (100, (50, 3), (60, 7), (100, 0)),  # the wall clock is ahead of both
        (10, (50, 3), (60, 7), (60, 8)),  # the remote is ahead: its counter + 1
        (10, (60, 3), (50, 7), (60, 4)),  # we are ahead: our counter + 1
        (10, (60, 3), (60, 7), (60, 8)),  # same ms: the larger counter + 1
    ],
)
def test_observing_a_remote_stamp(
    now: int, last: tuple[int, int], remote: tuple[int, int], expected: tuple[int, int]
) -> None:
    clock = Clock(DEV1, now_ms=lambda: now, last=Stamp(*last, DEV1))
    got = clock.observe(Stamp(*remote, DEV2))
    assert (got.ms, got.counter) == expected
    assert clock.tick() > Stamp(*remote, DEV2)


def test_a_full_counter_borrows_a_millisecond_and_stays_ordered() -> None:
    clock = Clock(DEV1, now_ms=lambda: 0, last=Stamp(500, MAX_COUNTER, DEV1))
    nxt = clock.tick()
    assert (nxt.ms, nxt.counter) == (501, 0)
    assert str(nxt) > str(Stamp(500, MAX_COUNTER, DEV1))


def test_stamp_text_round_trips_and_rejects_garbage() -> None:
    s = Stamp(1_732_500_000_000, 42, DEV1)
    assert Stamp.parse(str(s)) == s
    for bad in ("", "1732500000000.00042.d1d1d1d1", "001732500000000.00042.XYZ", str(s) + " "):
        with pytest.raises(ValueError):
            Stamp.parse(bad)


def test_journal_stamps_stay_ordered_across_a_clock_reset_and_a_restart(tmp_path: Path) -> None:
    wall = iter([1_700_000_000_000, 1_600_000_000_000, 1_000])  # CMOS battery died mid-lesson
    j = Journal(tmp_path, now_ms=lambda: next(wall))
    ming = j.add_learner("王小明", "三年级1班")
    j.record_progress(ming.id, PKG, SHA_A, 10_000, 100_000, 5)
    j.record_progress(ming.id, PKG, SHA_A, 20_000, 100_000, 5)
    assert j.progress(ming.id, PKG, SHA_A).position_ms == 20_000
    j.close()
    j = Journal(tmp_path, now_ms=lambda: 0)  # next boot, the clock still says 1970
    j.record_progress(ming.id, PKG, SHA_A, 30_000, 100_000, 5)
    stamps = [e.hlc for e in j.events()]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    assert j.progress(ming.id, PKG, SHA_A).position_ms == 30_000


# -- merge rules as tables -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("furthest", "duration", "done"),
    [
        (0, 100_000, False),
        (89_999, 100_000, False),
        (90_000, 100_000, True),
        (120_000, 100_000, True),
        (50_000, 0, False),  # no duration (courseware): only an explicit end completes it
    ],
)
def test_completion_rule(furthest: int, duration: int, done: bool) -> None:
    assert views.reached_end(furthest, duration) is done


def test_progress_rules() -> None:
    events = [
        prog(1_000, device=DEV1, position=40_000, furthest=40_000, watched=40_000),
        prog(2_000, device=DEV1, position=10_000, furthest=40_000, watched=55_000),  # sought back
        prog(1_500, device=DEV2, position=95_000, furthest=95_000, completed=True, watched=9_000),
        prog(1_800, device=DEV2, position=30_000, furthest=95_000, completed=True, watched=12_000),
    ]
    for v in all_orders(events):
        s = v.progress[(LEARNER, PKG, SHA_A)]
        assert s.furthest_ms == 95_000  # max
        assert s.completed is True  # OR
        assert s.watched_ms == 55_000 + 12_000  # each device's highest running total, summed
        assert s.last[2] == 10_000  # position of the latest event by HLC


@pytest.mark.parametrize(
    ("a", "b", "winner"),
    [
        ((1_000, 0, DEV1), (2_000, 0, DEV1), "b"),  # later ms
        ((1_000, 1, DEV1), (1_000, 0, DEV2), "a"),  # same ms: higher counter
        ((1_000, 0, DEV1), (1_000, 0, DEV2), "b"),  # same ms and counter: device id breaks the tie
    ],
)
def test_last_position_is_the_latest_by_hlc(
    a: tuple[int, int, str], b: tuple[int, int, str], winner: str
) -> None:
    ea = prog(a[0], device=a[2], position=111)
    ea = Event(ea.id, str(Stamp(*a)), ea.kind, ea.body)
    eb = prog(b[0], device=b[2], position=222)
    eb = Event(eb.id, str(Stamp(*b)), eb.kind, eb.body)
    for v in all_orders([ea, eb]):
        assert v.progress[(LEARNER, PKG, SHA_A)].last[2] == (111 if winner == "a" else 222)


def test_learner_fields_merge_one_by_one() -> None:
    events = [
        edit(1_000, name="王小明", class_="三年级1班", teacher=False, archived=False),
        edit(3_000, DEV2, class_="三年级2班"),  # moved class on one PC …
        edit(2_000, DEV1, name="王晓明"),  # … name corrected on another, earlier
        edit(4_000, DEV1, archived=True),
        edit(1_500, DEV2, archived=False),  # an older un-archive loses
    ]
    for v in all_orders(events):
        s = v.learners[LEARNER]
        assert (s.get("name"), s.get("class"), s.get("archived")) == ("王晓明", "三年级2班", True)


def test_play_logs_and_attempts_are_a_union_by_id() -> None:
    play = {
        "class": "三年级1班",
        "package": PKG,
        "lesson": "分数的初步认识",
        "sha256": SHA_A,
        "start_ms": 1,
        "end_ms": 2,
        "mode": "classroom",
    }
    attempt = {
        "learner": LEARNER,
        "package": PKG,
        "sha256": SHA_B,
        "answers": [1, "B"],
        "score": 8,
        "max_score": 10,
    }
    events = [ev("play", play, 1), ev("play", play, 2, DEV2), ev("attempt", attempt, 3)]
    for v in all_orders(events):
        assert sorted(v.plays) == sorted(e.id for e in events[:2])
        assert [a.score for a in v.attempts.values()] == [8]


@pytest.mark.parametrize(
    ("position", "duration", "resume"),
    [(61_000, 300_000, 61_000), (296_000, 300_000, 0), (300_000, 300_000, 0), (5_000, 0, 5_000)],
)
def test_resume_starts_over_after_the_end(position: int, duration: int, resume: int) -> None:
    p = Progress(LEARNER, PKG, SHA_A, position, position, duration, False, 0, 0)
    assert p.resume_ms == resume


# -- events from the wire -----------------------------------------------------------------


def _wire(**changes: object) -> dict:
    d = prog(1_000, position=5).to_dict()
    for k, v in changes.items():
        if k.startswith("body_"):
            d["body"] = {**d["body"], k[5:]: v}
        else:
            d[k] = v
    return d


@pytest.mark.parametrize(
    "bad",
    [
        _wire(id="not-a-uuid"),
        _wire(hlc="yesterday"),
        _wire(kind="Progress!"),
        _wire(body="a string"),
        _wire(body_position_ms=-1),
        _wire(body_position_ms=1.5),
        _wire(body_completed=1),  # a number is not a boolean
        _wire(body_sha256="../../etc/passwd"),
        _wire(body_learner="王小明"),
        _wire(body_note="x" * 20_000),  # bodies are small
        {**_wire(), "extra": 1},
        {k: v for k, v in _wire().items() if k != "body"},
    ],
)
def test_a_malformed_event_is_refused(bad: dict) -> None:
    with pytest.raises(InputInvalid):
        Event.from_dict(bad)


def test_unknown_kinds_pass_through_unfolded(tmp_path: Path) -> None:
    future = Event.from_dict(
        {"id": str(uuid.uuid4()), "hlc": str(Stamp(5, 0, DEV3)), "kind": "badge", "body": {"x": 1}}
    )
    a, b = Journal(tmp_path / "a"), Journal(tmp_path / "b")
    assert a.apply_events([future]) == 1
    assert b.apply_events(a.events()) == 1
    assert b.events() == [future]
    assert b.read_views() == views.Views()


# -- the journal on real SQLite -------------------------------------------------------------


def test_device_id_is_made_once_per_data_folder(tmp_path: Path) -> None:
    first = Journal(tmp_path / "a").device_id
    assert Journal(tmp_path / "a").device_id == first
    assert Journal(tmp_path / "b").device_id != first
    conn = sqlite3.connect(tmp_path / "a" / "journal.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_applying_the_same_events_twice_changes_nothing(tmp_path: Path) -> None:
    src = Journal(tmp_path / "src")
    ming = src.add_learner("王小明", "三年级1班")
    src.record_progress(ming.id, PKG, SHA_A, 30_000, 100_000, 30)
    src.record_play("三年级1班", PKG, "分数的初步认识", SHA_A, datetime.now(), datetime.now())
    dst = Journal(tmp_path / "dst")
    events = src.events()
    assert dst.apply_events(events) == 3
    before = dst.read_views()
    assert dst.apply_events(events) == 0
    assert dst.apply_events(events[::-1] + events) == 0
    assert dst.read_views() == before == src.read_views()
    assert len(dst.events()) == 3


def _school_day(j: Journal, other: Journal) -> None:
    """A realistic mix of everything the GUI records, on two PCs that then exchange."""
    ming = j.add_learner("王小明", "三年级1班", pin="2468")
    hong = j.add_learner("李小红", "三年级1班")
    teacher = j.add_learner("张老师", "三年级1班", teacher=True, pin="13579")
    other.apply_events(j.events())
    for pos in range(0, 300_001, 10_000):
        j.record_progress(ming.id, PKG, SHA_A, pos, 300_000, 10)
    other.record_progress(ming.id, PKG, SHA_A, 120_000, 300_000, 120)
    other.record_progress(hong.id, PKG, SHA_B, 0, 0, 0, ended=True)
    other.update_learner(hong.id, class_="三年级2班")
    j.update_learner(hong.id, colour="#00a3a3")
    j.set_pin(ming.id, "1111")
    start = datetime(2024, 11, 25, 8, 0)
    j.record_play("三年级1班", PKG, "分数的初步认识", SHA_A, start, start + timedelta(minutes=40))
    other.record_attempt(ming.id, PKG, SHA_B, {"q1": "B", "q2": [1, 3]}, 7.5, 10)
    j.archive_learner(teacher.id)


def test_two_pcs_converge_and_a_refold_gives_the_same_tables(tmp_path: Path) -> None:
    wall = itertools.count(1_732_500_000_000, 1_000)  # one clock both PCs read in turn
    j = Journal(tmp_path / "j", now_ms=lambda: next(wall))
    other = Journal(tmp_path / "other", now_ms=lambda: next(wall))
    _school_day(j, other)
    j.apply_events(other.events())
    other.apply_events(j.events())
    assert j.read_views() == other.read_views() == views.fold(j.events())
    tables = j.read_views()
    j.rebuild()
    assert j.read_views() == tables

    ming = next(x for x in j.learners() if x.name == "王小明")
    p = j.progress(ming.id, PKG, SHA_A)
    assert p.completed and p.furthest_ms == 300_000 and p.watched_percent == 100
    assert p.watched_ms == 31 * 10_000 + 120_000  # this PC's total + the other PC's
    assert p.position_ms == 120_000  # the other PC recorded last
    assert j.verify_pin(ming.id, "1111") and not j.verify_pin(ming.id, "2468")
    hong = next(x for x in j.learners(include_archived=True) if x.name == "李小红")
    assert (hong.class_name, hong.colour) == ("三年级2班", "#00a3a3")
    assert [x.name for x in j.learners("三年级1班")] == ["王小明"]  # the teacher is archived
    assert j.progress(hong.id, PKG, SHA_B).completed  # courseware opened to the end
    assert [a.score for a in j.attempts(ming.id)] == [7.5]
    assert [p.lesson_title for p in j.plays("三年级1班")] == ["分数的初步认识"]


def test_record_progress_keeps_a_running_total_and_completes_at_90_percent(
    tmp_path: Path,
) -> None:
    j = Journal(tmp_path)
    ming = j.add_learner("王小明", "三年级1班")
    p = j.record_progress(ming.id, PKG, SHA_A, 200_000, 300_000, 200)
    assert not p.completed and p.watched_ms == 200_000 and p.resume_ms == 200_000
    p = j.record_progress(ming.id, PKG, SHA_A, 270_000, 300_000, 70.5)
    assert p.completed and p.watched_ms == 270_500
    p = j.record_progress(ming.id, PKG, SHA_A, 15_000, 300_000, 0)  # watched again from the start
    assert p.completed and p.furthest_ms == 270_000 and p.resume_ms == 15_000
    bodies = [e.body for e in j.events() if e.kind == "progress"]
    assert [b["watched_ms"] for b in bodies] == [200_000, 270_500, 270_500]


def test_progress_for_learner_is_most_recent_first(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    ming = j.add_learner("王小明", "三年级1班")
    j.record_progress(ming.id, PKG, SHA_A, 1_000, 300_000, 1)
    j.record_progress(ming.id, PKG, SHA_B, 1_000, 300_000, 1)
    assert [p.sha256 for p in j.progress_for_learner(ming.id)] == [SHA_B, SHA_A]
    j.record_progress(ming.id, PKG, SHA_A, 2_000, 300_000, 1)
    assert [p.sha256 for p in j.progress_for_learner(ming.id)] == [SHA_A, SHA_B]
    assert j.progress(ming.id, PKG, "c" * 64) is None


def test_pins_are_hashed_and_checked(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    t = j.add_learner("张老师", "三年级1班", teacher=True, pin="0246")
    s = j.add_learner("王小明", "三年级1班")
    assert t.has_pin and not s.has_pin
    assert j.verify_pin(t.id, "0246") and not j.verify_pin(t.id, "246")
    assert j.verify_pin(s.id, "anything")  # no PIN set: nothing to check
    assert not j.verify_pin(str(uuid.uuid4()), "0246")
    stored = j.db.execute("SELECT pin_hash FROM learners WHERE id = ?", [t.id]).fetchone()[0]
    assert stored.startswith("scrypt$")
    sets = [e.body["set"] for e in j.events()]
    assert all("pin" not in x and x.get("pin_hash") != "0246" for x in sets)
    j.set_pin(t.id, None)
    assert not j.learner(t.id).has_pin


def test_bad_calls_are_refused_and_record_nothing(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    ming = j.add_learner("王小明", "三年级1班")
    now = datetime.now()
    with pytest.raises(NotFound):
        j.record_progress(str(uuid.uuid4()), PKG, SHA_A, 0, 1, 0)
    with pytest.raises(InputInvalid):
        j.record_progress(ming.id, PKG, SHA_A, -5, 100, 0)
    with pytest.raises(InputInvalid):
        j.record_play("三年级1班", PKG, "课", SHA_A, now, now - timedelta(seconds=1))
    with pytest.raises(InputInvalid):
        j.add_learner("  ", "三年级1班")
    with pytest.raises(InputInvalid, match="4–8"):
        j.add_learner("李小红", "三年级1班", pin="12a4")
    with pytest.raises(InputInvalid), j.batch():
        j.add_learner("李小红", "三年级1班")
        j.add_learner("赵小刚", "")
    assert len(j.events()) == 1  # only 王小明


def test_plays_newest_first_by_class_and_since(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    day = datetime(2024, 11, 25, 8, 0)
    for i, cls in enumerate(["三年级1班", "三年级2班", "三年级 1 班"]):
        start = day + timedelta(hours=i)
        j.record_play(cls, PKG, f"第{i + 1}课", SHA_A, start, start + timedelta(minutes=40))
    assert [p.lesson_title for p in j.plays()] == ["第3课", "第2课", "第1课"]
    assert [p.lesson_title for p in j.plays("三年级１班")] == ["第3课", "第1课"]
    assert [p.lesson_title for p in j.plays(since=day + timedelta(minutes=30))] == [
        "第3课",
        "第2课",
    ]
    assert len(j.plays(limit=1)) == 1


# -- convergence under any order, repeat and split (hypothesis) ---------------------------

_devices = st.sampled_from([DEV1, DEV2, DEV3])
_learners = st.sampled_from([LEARNER, OTHER])
_stamp = st.builds(
    lambda ms, c, d: str(Stamp(ms, c, d)),
    st.integers(0, 6),
    st.integers(0, 2),
    _devices,
)
_progress_body = st.fixed_dictionaries(
    {
        "learner": _learners,
        "package": st.just(PKG),
        "sha256": st.sampled_from([SHA_A, SHA_B]),
        "position_ms": st.integers(0, 10),
        "furthest_ms": st.integers(0, 10),
        "duration_ms": st.sampled_from([0, 10]),
        "completed": st.booleans(),
        "watched_ms": st.integers(0, 5),
    }
)
_learner_body = st.fixed_dictionaries(
    {
        "learner": _learners,
        "set": st.fixed_dictionaries(
            {},
            optional={
                "name": st.sampled_from(["王小明", "王晓明"]),
                "class": st.sampled_from(["三年级1班", "三年级2班"]),
                "colour": st.sampled_from(["#2f80ed", "#e85d4a"]),
                "pin_hash": st.sampled_from([None, "scrypt$4096$8$1$c2FsdA==$aGFzaA=="]),
                "teacher": st.booleans(),
                "archived": st.booleans(),
            },
        ).filter(bool),
    }
)
_play_body = st.fixed_dictionaries(
    {
        "class": st.sampled_from(["三年级1班", "三年级2班"]),
        "package": st.just(PKG),
        "lesson": st.just("分数的初步认识"),
        "sha256": st.just(SHA_A),
        "start_ms": st.integers(0, 3),
        "end_ms": st.integers(3, 6),
        "mode": st.just("classroom"),
    }
)
_attempt_body = st.fixed_dictionaries(
    {
        "learner": _learners,
        "package": st.just(PKG),
        "sha256": st.just(SHA_B),
        "answers": st.lists(st.sampled_from(["A", "B", 1]), max_size=3),
        "score": st.one_of(st.none(), st.integers(0, 10), st.just(7.5)),
        "max_score": st.just(10),
    }
)
_event = st.one_of(
    *(
        st.builds(lambda i, h, b, k=kind: Event(str(i), h, k, b), st.uuids(), _stamp, body)
        for kind, body in [
            ("progress", _progress_body),
            ("learner", _learner_body),
            ("play", _play_body),
            ("attempt", _attempt_body),
        ]
    )
)
_events = st.lists(_event, min_size=1, max_size=25, unique_by=lambda e: e.id)


@settings(max_examples=200, derandomize=True)
@given(events=_events, data=st.data())
def test_fold_ignores_order_and_repeats(events: list[Event], data: st.DataObject) -> None:
    repeated = events + data.draw(st.lists(st.sampled_from(events), max_size=10))
    shuffled = data.draw(st.permutations(repeated))
    assert views.fold(shuffled) == views.fold(events)


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(events=_events, data=st.data())
def test_two_journals_converge_whatever_each_saw_first(
    events: list[Event], data: st.DataObject
) -> None:
    # Each event reaches PC a, PC b or both, in any order, repeated, in batches of any size.
    where = data.draw(st.lists(st.sampled_from("ab+"), min_size=len(events), max_size=len(events)))
    side_a = [e for e, w in zip(events, where, strict=True) if w in "a+"]
    side_b = [e for e, w in zip(events, where, strict=True) if w in "b+"]
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Journal(Path(tmp) / "a"), Journal(Path(tmp) / "b")
        for journal, side in ((a, side_a), (b, side_b)):
            stream = data.draw(st.permutations(side + side[: len(side) // 3]))
            size = data.draw(st.integers(1, 5))
            for i in range(0, len(stream), size):
                journal.apply_events(stream[i : i + size])
        # Exchange page by page through the sync hooks, as sync will.
        for src, dst in ((a, b), (b, a)):
            page = src.events_after(0, limit=4)
            while page.events:
                dst.apply_events(page.events)
                page = src.events_after(page.cursor, limit=4)
        expected = views.fold(events)
        assert a.read_views() == expected
        assert b.read_views() == expected
        a.rebuild()
        assert a.read_views() == expected
        a.close()
        b.close()


# -- events on the wire ------------------------------------------------------------------


def test_event_ids_are_version_7_and_sort_in_the_order_they_were_made(tmp_path: Path) -> None:
    wall = iter(range(1_764_100_000_000, 1_764_100_000_000 + 10**6, 7))
    j = Journal(tmp_path, now_ms=lambda: next(wall))
    learner = j.add_learner("王小明", "三年级1班")
    for i in range(20):
        j.record_progress(learner.id, "demo.math.g3a", "ab" * 32, i * 1000, 600_000, 1.0)
    ids = [e.id for e in j.events()]
    assert ids == sorted(ids) and len(set(ids)) == 21
    assert {uuid.UUID(i).version for i in ids} == {7}


def test_events_spliced_onto_the_wire_come_back_the_same(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    learner = j.add_learner('王"小明"', "三年级1班")
    tricky = {"text": 'a "quote", a \\ backslash,\nnew line, 中文, \u2028 and \U0001f600'}
    j.record_attempt(learner.id, "demo.math.g3a", "ab" * 32, tricky, 7.5, 10)
    events = j.events()
    page = protocol.parse_page(protocol.events_body(events, cursor="9", more=False))
    assert page.events == events and page.cursor == "9" and page.more is False
    stored = j.wire_to_send(0, 10, 10**6).events
    assert protocol.parse_push(protocol.events_body(stored)) == events
    assert [Event.stored(*parts) for parts in stored] == events
