"""What the journal's events add up to: pure folds with DESIGN.md's merge rules.

Each view is a state with a `merge` that is commutative, associative and idempotent,
and each event maps to a one-event state; folding is merging them all. So two devices
that hold the same set of events show the same views, whatever order the events came
in and however often each came. The journal's tables store these states and update
them with the same `merge`, so a re-fold from scratch gives the same tables.

    progress (per learner, package, resource sha256):
        furthest = max, duration = max, completed = OR,
        watched = sum over devices of each device's highest running total,
        position = the one of the latest event by (HLC, event id)
    learner (per learner id): each field on its own, latest by (HLC, event id)
    play, attempt: set union by event id

    >>> views = fold(events)
    >>> views.progress[(learner_id, "demo.math.g3a", sha256)].furthest_ms
    95000
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.events import ATTEMPT, LEARNER, PLAY, PROGRESS, Event
from sync.hlc import Stamp

ProgressKey = tuple[str, str, str]  # learner id, package id, resource sha256


def reached_end(furthest_ms: int, duration_ms: int) -> bool:
    """The completion rule: 90 % of the duration reached (end-of-media is told separately)."""
    return duration_ms > 0 and furthest_ms * 10 >= duration_ms * 9


@dataclass(frozen=True)
class ProgressState:
    furthest_ms: int
    duration_ms: int
    completed: bool
    watched: Mapping[str, int]  # device id → that device's running total of ms watched
    last: tuple[str, str, int]  # (hlc, event id, position_ms) of the latest event

    @property
    def watched_ms(self) -> int:
        return sum(self.watched.values())


def merge_progress(a: ProgressState, b: ProgressState) -> ProgressState:
    watched = dict(a.watched)
    for device, ms in b.watched.items():
        watched[device] = max(watched.get(device, 0), ms)
    return ProgressState(
        furthest_ms=max(a.furthest_ms, b.furthest_ms),
        duration_ms=max(a.duration_ms, b.duration_ms),
        completed=a.completed or b.completed,
        watched=watched,
        last=max(a.last, b.last),
    )


def progress_of(e: Event) -> tuple[ProgressKey, ProgressState]:
    b = e.body
    state = ProgressState(
        furthest_ms=max(b["furthest_ms"], b["position_ms"]),
        duration_ms=b["duration_ms"],
        completed=b["completed"],
        watched={e.device: b["watched_ms"]},
        last=(e.hlc, e.id, b["position_ms"]),
    )
    return (b["learner"], b["package"], b["sha256"]), state


@dataclass(frozen=True)
class LearnerState:
    # field → (hlc, event id, value) of the latest event that set it
    fields: Mapping[str, tuple[str, str, Any]]

    def get(self, name: str, default: Any = None) -> Any:
        register = self.fields.get(name)
        return default if register is None else register[2]


def merge_learner(a: LearnerState, b: LearnerState) -> LearnerState:
    fields = dict(a.fields)
    for name, register in b.fields.items():
        mine = fields.get(name)
        if mine is None or register[:2] > mine[:2]:
            fields[name] = register
    return LearnerState(fields)


def learner_of(e: Event) -> tuple[str, LearnerState]:
    return e.body["learner"], LearnerState(
        {name: (e.hlc, e.id, value) for name, value in e.body["set"].items()}
    )


@dataclass(frozen=True)
class Play:
    """A classroom play log entry: what a class watched, from when to when."""

    id: str
    hlc: str
    class_name: str
    package_id: str
    lesson_title: str
    sha256: str
    start_ms: int
    end_ms: int
    mode: str


def play_of(e: Event) -> Play:
    b = e.body
    return Play(
        e.id,
        e.hlc,
        b["class"],
        b["package"],
        b["lesson"],
        b["sha256"],
        b["start_ms"],
        b["end_ms"],
        b["mode"],
    )


@dataclass(frozen=True)
class Attempt:
    """One try at an exercise: the answers as given, and the score (stored, not judged)."""

    id: str
    hlc: str
    learner_id: str
    package_id: str
    sha256: str
    answers: Any
    score: float | None
    max_score: float | None


def attempt_of(e: Event) -> Attempt:
    b = e.body
    return Attempt(
        e.id,
        e.hlc,
        b["learner"],
        b["package"],
        b["sha256"],
        b["answers"],
        b["score"],
        b["max_score"],
    )


@dataclass
class Views:
    progress: dict[ProgressKey, ProgressState] = field(default_factory=dict)
    learners: dict[str, LearnerState] = field(default_factory=dict)
    plays: dict[str, Play] = field(default_factory=dict)
    attempts: dict[str, Attempt] = field(default_factory=dict)


def fold(events: Iterable[Event]) -> Views:
    """All views of a set of events; the order of `events` and repeats do not matter."""
    v = Views()
    for e in events:
        if e.kind == PROGRESS:
            key, state = progress_of(e)
            old = v.progress.get(key)
            v.progress[key] = state if old is None else merge_progress(old, state)
        elif e.kind == LEARNER:
            key, lstate = learner_of(e)
            old_l = v.learners.get(key)
            v.learners[key] = lstate if old_l is None else merge_learner(old_l, lstate)
        elif e.kind == PLAY:
            v.plays[e.id] = play_of(e)
        elif e.kind == ATTEMPT:
            v.attempts[e.id] = attempt_of(e)
    return v


def stamp_ms(hlc: str) -> int:
    """Wall-clock milliseconds of an HLC stamp (when, roughly, the event happened)."""
    return Stamp.parse(hlc).ms
