"""The learner progress journal: `<data>/journal.db` (SQLite, WAL, sqlite-utils migrations).

Every change (a learner added, a position reached, a lesson played in class, an
exercise tried) is appended as an immutable event (`sync.events`) stamped by this
device's hybrid logical clock. The tables the GUI reads (progress, learners, plays,
attempts) are the folds of `sync.views`, updated with the same merge as each event
arrives, so `rebuild()` from the events alone gives the same tables. Sync moves events
only: `events_after(cursor)` pages what this journal holds, `apply_events` takes in
another device's, duplicates ignored.

    >>> j = Journal(data_dir)
    >>> ming = j.add_learner("王小明", "三年级1班")
    >>> j.record_progress(ming.id, "demo.math.g3a", sha256, 61_000, 300_000, 5.0)
    >>> j.progress(ming.id, "demo.math.g3a", sha256).resume_ms
    61000
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from media.collation import natural_key
from media.errors import InputInvalid, NotFound, text
from media.pinyin import keys as pinyin_keys
from sync import protocol, views
from sync.events import (
    ATTEMPT,
    LEARNER,
    PLAY,
    PROGRESS,
    Event,
    WireEvent,
    canonical_json,
    new_id,
)
from sync.hlc import Clock, Stamp, wall_ms

migrations = Migrations("kebao.journal")

PLAY_MODES = ("classroom", "student", "preview")
# Avatar colours: readable white initials on each, distinct on a projector.
PALETTE = (
    "#e85d4a",
    "#f0a030",
    "#3aa757",
    "#2f80ed",
    "#9b51e0",
    "#00a3a3",
    "#d6457a",
    "#7a6a58",
)
# The last seconds of a video: resuming there would only show the credits.
RESUME_TAIL_MS = 5_000

# Low scrypt cost on purpose: a 4–8 digit PIN cannot be protected by any hash from
# someone holding the file; the hash keeps PINs (which children reuse) from being read,
# and a roster of hundreds imports in seconds on an old PC. Parameters are stored.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**12, 8, 1


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    # Statement by statement: executescript would COMMIT the migration's transaction.
    schema = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        -- seq is this journal's arrival order: the cursor sync pages by.
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            hlc TEXT NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX events_hlc ON events(hlc);
        CREATE TABLE progress (
            learner TEXT NOT NULL,
            package TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            furthest_ms INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            watched_ms INTEGER NOT NULL,
            position_ms INTEGER NOT NULL,
            last_hlc TEXT NOT NULL,
            last_event TEXT NOT NULL,
            PRIMARY KEY (learner, package, sha256)
        ) WITHOUT ROWID;
        CREATE INDEX progress_recent ON progress(learner, last_hlc);
        CREATE TABLE progress_devices (
            learner TEXT NOT NULL,
            package TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            device TEXT NOT NULL,
            watched_ms INTEGER NOT NULL,
            PRIMARY KEY (learner, package, sha256, device)
        ) WITHOUT ROWID;
        -- stamps: {field: [hlc, event id]} of the event that set each field.
        CREATE TABLE learners (
            id TEXT PRIMARY KEY,
            name TEXT,
            class TEXT,
            colour TEXT,
            pin_hash TEXT,
            teacher INTEGER,
            archived INTEGER,
            stamps TEXT NOT NULL
        );
        CREATE TABLE plays (
            id TEXT PRIMARY KEY,
            hlc TEXT NOT NULL,
            class TEXT NOT NULL,
            package TEXT NOT NULL,
            lesson TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            mode TEXT NOT NULL
        );
        CREATE INDEX plays_start ON plays(start_ms);
        CREATE INDEX plays_class ON plays(class, start_ms);
        -- score and max_score without a type: SQLite keeps 8 as 8 and 7.5 as 7.5.
        CREATE TABLE attempts (
            id TEXT PRIMARY KEY,
            hlc TEXT NOT NULL,
            learner TEXT NOT NULL,
            package TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            answers TEXT NOT NULL,
            score,
            max_score
        );
        CREATE INDEX attempts_learner ON attempts(learner, hlc);
    """
    for statement in schema.split(";\n"):
        if statement.strip():
            db.execute(statement)
    # One random id per data folder, made once: it names this device in every stamp.
    db.execute("INSERT INTO meta (key, value) VALUES ('device_id', ?)", [secrets.token_hex(8)])


@migrations()
def m002_sync_state(db: sqlite_utils.Database) -> None:
    # via: where an event came from (local, usb, hub, peer). Events from the hub are
    # never pushed back to it; every other event is, after the push cursor.
    db.execute("ALTER TABLE events ADD COLUMN via TEXT NOT NULL DEFAULT 'local'")
    # One row: the hub this data folder is enrolled with, and how far sync has got.
    db.execute(
        """CREATE TABLE sync_state (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            hub_url TEXT, school_id TEXT, school_name TEXT, token TEXT,
            push_cursor INTEGER NOT NULL DEFAULT 0,
            pull_cursor TEXT NOT NULL DEFAULT '',
            usb_cursor INTEGER NOT NULL DEFAULT 0,
            last_success_ms INTEGER, last_error TEXT
        )"""
    )
    db.execute("INSERT INTO sync_state (one) VALUES (1)")


# -- learner fields ------------------------------------------------------------------------


def match_key(value: str) -> str:
    """How names and classes are compared: ＮＦＫＣ, no spaces, case-folded (三年级（1）班 = 三年级(1)班)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).casefold()


def tidy(value: str) -> str:
    """A name or class as stored: trimmed, inner runs of spaces made one."""
    return " ".join(value.split())


def _label_problem(value: str, zh: str, en: str) -> str | None:
    if not tidy(value):
        return text(f"{zh}为空", f"the {en} is empty")
    if len(tidy(value)) > 40:
        return text(f"{zh}超过 40 个字", f"the {en} is longer than 40 characters")
    return None


def name_problem(name: str) -> str | None:
    return _label_problem(name, "姓名", "name")


def class_problem(class_: str) -> str | None:
    return _label_problem(class_, "班级", "class")


def pin_problem(pin: str) -> str | None:
    if re.fullmatch(r"[0-9]{4,8}", pin):
        return None
    if re.fullmatch(r"[0-9]{1,3}", pin):
        return text(
            f"密码“{pin}”太短，应为 4–8 位数字（Excel 可能去掉了开头的 0：请把密码列设为“文本”格式）",
            f"PIN “{pin}” is too short; use 4–8 digits (Excel may have dropped leading zeros: format the column as text)",
        )
    return text(f"密码“{pin}”应为 4–8 位数字", f"PIN “{pin}” must be 4–8 digits")


def hash_pin(pin: str) -> str:
    """`scrypt$N$r$p$salt$hash` (base64), with a fresh random salt."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            pin.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def _colour_for(learner_id: str) -> str:
    return PALETTE[uuid.UUID(learner_id).int % len(PALETTE)]


# -- what the GUI reads --------------------------------------------------------------------


@dataclass(frozen=True)
class Learner:
    id: str
    name: str
    class_name: str
    colour: str
    teacher: bool
    archived: bool
    has_pin: bool


@dataclass(frozen=True)
class Progress:
    """One learner on one resource, merged over every device the journal has heard from."""

    learner_id: str
    package_id: str
    sha256: str
    position_ms: int  # where they last were (latest event by HLC)
    furthest_ms: int
    duration_ms: int
    completed: bool
    watched_ms: int  # time actually spent watching, summed over devices
    last_ms: int  # when they last watched (wall-clock ms of the latest event)

    @property
    def resume_ms(self) -> int:
        """Where playing should start again: the last position, or 0 if that was the end."""
        if self.duration_ms and self.position_ms >= self.duration_ms - RESUME_TAIL_MS:
            return 0
        return self.position_ms

    @property
    def watched_percent(self) -> int | None:
        """How far they got, 0–100; None for a resource without a duration (a PDF)."""
        if not self.duration_ms:
            return None
        return min(100, self.furthest_ms * 100 // self.duration_ms)


@dataclass(frozen=True)
class EventPage:
    events: list[Event]
    cursor: int  # pass to the next `events_after` call


@dataclass(frozen=True)
class WirePage:
    events: list[WireEvent]  # as stored: (id, hlc, kind, body JSON)
    cursor: int  # the `seq` of the last one


VIAS = ("usb", "hub", "peer")


@dataclass(frozen=True)
class SyncState:
    """The hub this data folder is enrolled with, and how far each way of syncing got."""

    hub_url: str | None
    school_id: str | None
    school_name: str | None
    token: str | None
    push_cursor: int  # events.seq of the last event the hub acknowledged
    pull_cursor: str  # the hub's opaque cursor after the last page applied
    usb_cursor: int  # events.seq of the last event written to a USB drive
    last_success_ms: int | None
    last_error: str | None

    @property
    def enrolled(self) -> bool:
        return bool(self.hub_url and self.token and self.school_id)


def _progress(key: views.ProgressKey, s: views.ProgressState) -> Progress:
    return Progress(
        *key,
        position_ms=s.last[2],
        furthest_ms=s.furthest_ms,
        duration_ms=s.duration_ms,
        completed=s.completed,
        watched_ms=s.watched_ms,
        last_ms=views.stamp_ms(s.last[0]),
    )


def _learner(learner_id: str, s: views.LearnerState) -> Learner:
    return Learner(
        id=learner_id,
        name=s.get("name", ""),
        class_name=s.get("class", ""),
        colour=s.get("colour") or _colour_for(learner_id),
        teacher=bool(s.get("teacher", False)),
        archived=bool(s.get("archived", False)),
        has_pin=bool(s.get("pin_hash")),
    )


def _millis(moment: datetime) -> int:
    """Epoch ms; a naive datetime is local time, as the GUI's clock shows it."""
    return round(moment.timestamp() * 1000)


class Journal:
    def __init__(self, data_dir: Path, *, now_ms: Callable[[], int] = wall_ms) -> None:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputInvalid(
                where=str(data_dir),
                problem=text(f"无法创建数据文件夹：{e.strerror}", f"cannot create: {e.strerror}"),
            ) from None
        self.path = data_dir / "journal.db"
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a learner's progress must survive the power cut that ends the lesson.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        migrations.apply(self.db)
        self.device_id: str = self.db.execute(
            "SELECT value FROM meta WHERE key = 'device_id'"
        ).fetchone()[0]
        self._clock = Clock(self.device_id, now_ms=now_ms)
        self._lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and the clock ----------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Commit every event recorded inside together, or none (nests; one thread at a time).

        >>> with journal.batch():
        ...     for name in names:
        ...         journal.add_learner(name, "三年级1班")
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            # IMMEDIATE: take the write lock now, so the stamp read below stays the highest
            # while this transaction adds events (another process may share the file).
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                top = self.db.execute("SELECT max(hlc) FROM events").fetchone()[0]
                if top:
                    self._clock.advance_to(Stamp.parse(top))
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")
            finally:
                self._depth = 0

    def _record(self, kind: str, body: dict) -> Event:
        with self.batch():
            stamp = self._clock.tick()
            event = Event(new_id(stamp.ms), str(stamp), kind, body)
            self._store([event])
        return event

    def _store(self, events: Iterable[Event], via: str = "local") -> int:
        """Append the events not yet held and merge them into the tables; how many were new.

        Every event is merged, held or not: each merge is idempotent (`sync.views`), so
        one already folded in changes nothing, and no query has to find out which.
        """
        events = list(events)
        before = self.db.conn.total_changes
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO events (id, hlc, kind, body, via) VALUES (?, ?, ?, ?, ?)",
            [(e.id, e.hlc, e.kind, e.body_json, via) for e in events],
        )
        new = self.db.conn.total_changes - before  # an ignored row is no change
        self._merge(views.fold(events))
        return new

    # -- the materialised views: read and merge ----------------------------------------

    def _progress_state(self, key: views.ProgressKey) -> views.ProgressState | None:
        row = self.db.execute(
            "SELECT furthest_ms, duration_ms, completed, position_ms, last_hlc, last_event"
            " FROM progress WHERE learner = ? AND package = ? AND sha256 = ?",
            key,
        ).fetchone()
        if row is None:
            return None
        watched = dict(
            self.db.execute(
                "SELECT device, watched_ms FROM progress_devices"
                " WHERE learner = ? AND package = ? AND sha256 = ?",
                key,
            ).fetchall()
        )
        furthest, duration, completed, position, last_hlc, last_event = row
        return views.ProgressState(
            furthest, duration, bool(completed), watched, (last_hlc, last_event, position)
        )

    def _learner_state(self, learner_id: str) -> views.LearnerState | None:
        rows = list(self.db.query("SELECT * FROM learners WHERE id = ?", [learner_id]))
        return _learner_state_of(rows[0]) if rows else None

    def _merge(self, v: views.Views) -> None:
        execute = self.db.execute
        for key, state in v.progress.items():
            old = self._progress_state(key)
            s = state if old is None else views.merge_progress(old, state)
            execute(
                "INSERT OR REPLACE INTO progress (learner, package, sha256, furthest_ms,"
                " duration_ms, completed, watched_ms, position_ms, last_hlc, last_event)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    *key,
                    s.furthest_ms,
                    s.duration_ms,
                    int(s.completed),
                    s.watched_ms,
                    s.last[2],
                    s.last[0],
                    s.last[1],
                ],
            )
            for device in state.watched:
                execute(
                    "INSERT OR REPLACE INTO progress_devices VALUES (?, ?, ?, ?, ?)",
                    [*key, device, s.watched[device]],
                )
        for learner_id, lstate in v.learners.items():
            old_l = self._learner_state(learner_id)
            ls = lstate if old_l is None else views.merge_learner(old_l, lstate)
            stamps = {name: [r[0], r[1]] for name, r in sorted(ls.fields.items())}
            execute(
                "INSERT OR REPLACE INTO learners (id, name, class, colour, pin_hash, teacher,"
                " archived, stamps) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    learner_id,
                    *(ls.get(f) for f in ("name", "class", "colour", "pin_hash")),
                    *(
                        None if ls.get(f) is None else int(ls.get(f))
                        for f in ("teacher", "archived")
                    ),
                    json.dumps(stamps),
                ],
            )
        for p in v.plays.values():
            execute(
                "INSERT OR IGNORE INTO plays VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    p.id,
                    p.hlc,
                    p.class_name,
                    p.package_id,
                    p.lesson_title,
                    p.sha256,
                    p.start_ms,
                    p.end_ms,
                    p.mode,
                ],
            )
        for a in v.attempts.values():
            execute(
                "INSERT OR IGNORE INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    a.id,
                    a.hlc,
                    a.learner_id,
                    a.package_id,
                    a.sha256,
                    canonical_json(a.answers),
                    a.score,
                    a.max_score,
                ],
            )

    def read_views(self) -> views.Views:
        """The materialised tables read back as `sync.views` states (for checks and tests)."""
        with self._lock:
            v = views.Views()
            keys = self.db.execute("SELECT learner, package, sha256 FROM progress").fetchall()
            for key in keys:
                state = self._progress_state(tuple(key))
                assert state is not None
                v.progress[tuple(key)] = state
            for row in self.db.query("SELECT * FROM learners"):
                v.learners[row["id"]] = _learner_state_of(row)
            for row in self.db.query("SELECT * FROM plays"):
                v.plays[row["id"]] = _play_of(row)
            for row in self.db.query("SELECT * FROM attempts"):
                v.attempts[row["id"]] = _attempt_of(row)
            return v

    def rebuild(self) -> None:
        """Empty the tables and fold them again from the events (after a fold rule changed)."""
        with self.batch():
            for table in ("progress", "progress_devices", "learners", "plays", "attempts"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608
            self._merge(views.fold(self.events()))

    # -- events, for sync ----------------------------------------------------------------

    def events(self) -> list[Event]:
        """Every event this journal holds, in the order it received them."""
        return self.events_after(0, limit=None).events

    def events_after(self, cursor: int = 0, limit: int | None = 1000) -> EventPage:
        """Events received after `cursor` (0 = from the start), oldest first, and the next cursor.

        >>> page = journal.events_after(0)
        >>> while page.events:
        ...     send(page.events)
        ...     page = journal.events_after(page.cursor)
        """
        with self._lock:
            rows = self.db.execute(
                "SELECT seq, id, hlc, kind, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                [cursor, -1 if limit is None else limit],
            ).fetchall()
        events = [Event.stored(i, h, k, b) for _, i, h, k, b in rows]
        return EventPage(events, rows[-1][0] if rows else cursor)

    def apply_events(self, events: Iterable[Event], via: str = "usb") -> int:
        """Take in events from elsewhere (other devices, a USB drive, the hub), all or none.

        Events already held are ignored, so sending a batch twice is harmless. Returns
        how many were new. The clock observes them: this device's next stamps sort after.
        `via` ("usb", "hub", "peer") says where they came from: events from the hub are
        not pushed back to it.
        """
        if via not in VIAS:
            raise ValueError(f"via must be one of {VIAS}")
        events = list(events)
        if not events:
            return 0
        with self.batch():
            # Stamps are fixed-width text in time order: the greatest text is the latest.
            self._clock.observe(Stamp.parse(max(e.hlc for e in events)))
            return self._store(events, via)

    # -- sync bookkeeping ------------------------------------------------------------------

    def sync_state(self) -> SyncState:
        with self._lock:
            row = self.db.execute(
                "SELECT hub_url, school_id, school_name, token, push_cursor, pull_cursor,"
                " usb_cursor, last_success_ms, last_error FROM sync_state"
            ).fetchone()
        return SyncState(*row)

    def update_sync_state(self, **fields: object) -> None:
        """Set some of `SyncState`'s fields (enrolment, cursors, the last outcome)."""
        unknown = set(fields) - set(SyncState.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown sync state fields: {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)  # names checked above
        with self.batch():
            self.db.execute(f"UPDATE sync_state SET {assignments}", list(fields.values()))  # noqa: S608

    def events_to_send(
        self, cursor: int, limit: int | None = 1000, *, skip: tuple[str, ...] = ("hub",)
    ) -> EventPage:
        """Events after `cursor` (an `events.seq`) that did not come `via` one of `skip`.

        What push sends (cursor: `push_cursor`; not what came from the hub) and what a
        USB drive carries (cursor: `usb_cursor`; nor what came from a drive, which is
        on a drive already); the page's `cursor` is the last `seq` in it.
        """
        rows = self._rows_to_send(cursor, limit, skip)
        events = [Event.stored(i, h, k, b) for _, i, h, k, b in rows]
        return EventPage(events, rows[-1][0] if rows else cursor)

    def wire_to_send(
        self, cursor: int, limit: int, max_bytes: int, *, skip: tuple[str, ...] = ("hub",)
    ) -> WirePage:
        """As `events_to_send`, as stored (no parsing): at most `limit` events whose wire
        forms (`sync.protocol.event_json`) add up to at most `max_bytes`, but at least one."""
        rows = self._rows_to_send(cursor, limit, skip)
        events: list[WireEvent] = []
        size, last = 0, cursor
        for seq, *parts in rows:
            size += len(protocol.event_json(*parts).encode()) + 1  # and a comma
            if events and size > max_bytes:
                break
            events.append(tuple(parts))  # type: ignore[arg-type]
            last = seq
        return WirePage(events, last)

    def _rows_to_send(self, cursor: int, limit: int | None, skip: tuple[str, ...]) -> list:
        query = "SELECT seq, id, hlc, kind, body FROM events WHERE seq > ? AND via NOT IN ({})"
        marks = ", ".join("?" for _ in skip)  # placeholders only; the values are bound
        with self._lock:
            return self.db.execute(
                query.format(marks) + " ORDER BY seq LIMIT ?",
                [cursor, *skip, -1 if limit is None else limit],
            ).fetchall()

    def pending_count(self, cursor: int) -> int:
        with self._lock:
            return self.db.execute(
                "SELECT count(*) FROM events WHERE seq > ? AND via != 'hub'", [cursor]
            ).fetchone()[0]

    def apply_pulled(self, events: list[Event], cursor: str) -> int:
        """A page pulled from the hub and the cursor after it, in one transaction."""
        with self.batch():
            new = self.apply_events(events, via="hub")
            self.db.execute("UPDATE sync_state SET pull_cursor = ?", [cursor])
        return new

    # -- learners ------------------------------------------------------------------------

    def add_learner(
        self,
        name: str,
        class_: str,
        *,
        colour: str | None = None,
        pin: str | None = None,
        teacher: bool = False,
    ) -> Learner:
        """A new learner (or teacher) in the roster.

        >>> journal.add_learner("李老师", "三年级1班", pin="2468", teacher=True)
        """
        learner_id = str(uuid.uuid4())
        changes: dict[str, Any] = {
            "name": name,
            "class": class_,
            "colour": colour or _colour_for(learner_id),
            "teacher": teacher,
            "archived": False,
        }
        if pin is not None:
            changes["pin"] = pin
        self._change_learner(learner_id, changes)
        learner = self.learner(learner_id)
        assert learner is not None
        return learner

    def update_learner(
        self,
        learner_id: str,
        *,
        name: str | None = None,
        class_: str | None = None,
        colour: str | None = None,
        teacher: bool | None = None,
        archived: bool | None = None,
    ) -> Learner:
        """Change some fields; each field merges on its own, so two teachers' edits both stay."""
        self._existing(learner_id)
        given = {
            "name": name,
            "class": class_,
            "colour": colour,
            "teacher": teacher,
            "archived": archived,
        }
        changes = {k: v for k, v in given.items() if v is not None}
        if changes:
            self._change_learner(learner_id, changes)
        return self._existing(learner_id)

    def archive_learner(self, learner_id: str) -> Learner:
        """Hide a learner who left; their progress stays in the journal and the reports."""
        return self.update_learner(learner_id, archived=True)

    def set_pin(self, learner_id: str, pin: str | None) -> None:
        """Set a new PIN, or remove it with None."""
        self._existing(learner_id)
        self._change_learner(learner_id, {"pin": pin})

    def _change_learner(self, learner_id: str, changes: dict[str, Any]) -> None:
        where = text("学生", "learner")
        problem = (
            ("name" in changes and name_problem(changes["name"]))
            or ("class" in changes and class_problem(changes["class"]))
            or (changes.get("pin") is not None and pin_problem(changes["pin"]))
        )
        if problem:
            raise InputInvalid(where=where, problem=problem)
        if "colour" in changes and not re.fullmatch(r"#[0-9a-f]{6}", changes["colour"]):
            raise InputInvalid(where=where, problem=f"colour {changes['colour']!r} is not #rrggbb")
        fields = dict(changes)
        for key in ("name", "class"):
            if key in fields:
                fields[key] = tidy(fields[key])
        if "pin" in fields:
            pin = fields.pop("pin")
            fields["pin_hash"] = None if pin is None else hash_pin(pin)
        self._record(LEARNER, {"learner": learner_id, "set": fields})

    def _existing(self, learner_id: str) -> Learner:
        learner = self.learner(learner_id)
        if learner is None:
            raise NotFound(what=text("学生", "learner"), name=learner_id)
        return learner

    def learner(self, learner_id: str) -> Learner | None:
        with self._lock:
            state = self._learner_state(learner_id)
        if state is None or state.get("name") is None:
            return None  # only a later edit has arrived so far, not the learner itself
        return _learner(learner_id, state)

    def learners(
        self, class_: str | None = None, *, include_archived: bool = False
    ) -> list[Learner]:
        """The roster, by class then name in pinyin order; `class_` matches as `match_key`."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM learners WHERE name IS NOT NULL"))
        result = [_learner(r["id"], _learner_state_of(r)) for r in rows]
        if class_ is not None:
            result = [x for x in result if match_key(x.class_name) == match_key(class_)]
        if not include_archived:
            result = [x for x in result if not x.archived]
        return sorted(
            result, key=lambda x: (natural_key(x.class_name), pinyin_keys(x.name), x.name, x.id)
        )

    def verify_pin(self, learner_id: str, pin: str) -> bool:
        """True if `pin` is this learner's PIN, or if they have none; False otherwise."""
        with self._lock:
            state = self._learner_state(learner_id)
        if state is None:
            return False
        stored = state.get("pin_hash")
        return True if not stored else pin_matches(pin, stored)

    # -- progress ------------------------------------------------------------------------

    def record_progress(
        self,
        learner_id: str,
        package_id: str,
        sha256: str,
        position_ms: int,
        duration_ms: int,
        watched_seconds_delta: float,
        *,
        ended: bool = False,
    ) -> Progress:
        """Where a learner is in a resource, and how long they watched since the last call.

        Call every few seconds while playing and on pause, stop and end (`ended=True`
        when the player reached the end). Completed once 90 % of the duration was
        reached or the end was; it stays completed. `duration_ms` 0 means unknown
        (courseware): such a resource completes only with `ended=True`.
        """
        self._existing(learner_id)
        if position_ms < 0 or duration_ms < 0 or watched_seconds_delta < 0:
            raise InputInvalid(
                where="record_progress", problem="position, duration and delta must be ≥ 0"
            )
        key = (learner_id, package_id, sha256)
        with self.batch():
            old = self._progress_state(key)
            furthest = max(position_ms, old.furthest_ms if old else 0)
            duration = max(duration_ms, old.duration_ms if old else 0)
            # This device's running total: each device only ever raises its own.
            own = old.watched.get(self.device_id, 0) if old else 0
            self._record(
                PROGRESS,
                {
                    "learner": learner_id,
                    "package": package_id,
                    "sha256": sha256,
                    "position_ms": int(position_ms),
                    "furthest_ms": int(furthest),
                    "duration_ms": int(duration),
                    "completed": bool(
                        ended
                        or (old is not None and old.completed)
                        or views.reached_end(furthest, duration)
                    ),
                    "watched_ms": own + round(watched_seconds_delta * 1000),
                },
            )
            state = self._progress_state(key)
            assert state is not None
        return _progress(key, state)

    def progress(self, learner_id: str, package_id: str, sha256: str) -> Progress | None:
        key = (learner_id, package_id, sha256)
        with self._lock:
            state = self._progress_state(key)
        return None if state is None else _progress(key, state)

    def progress_for_learner(self, learner_id: str) -> list[Progress]:
        """Everything a learner started, most recent first (继续学习; filter `completed`)."""
        with self._lock:
            keys = self.db.execute(
                "SELECT learner, package, sha256 FROM progress WHERE learner = ?"
                " ORDER BY last_hlc DESC",
                [learner_id],
            ).fetchall()
            result = []
            for key in keys:
                state = self._progress_state(tuple(key))
                assert state is not None
                result.append(_progress(tuple(key), state))
        return result

    # -- classroom play logs and exercise attempts -----------------------------------------

    def record_play(
        self,
        class_name: str,
        package_id: str,
        lesson_title: str,
        sha256: str,
        start: datetime,
        end: datetime,
        mode: str = "classroom",
    ) -> views.Play:
        """Log that a class watched a resource from `start` to `end` (三个课堂 reporting)."""
        problem = class_problem(class_name)
        if problem is None and end < start:
            problem = text("结束时间早于开始时间", "the end is before the start")
        if problem is None and mode not in PLAY_MODES:
            problem = f"mode {mode!r} is not one of {', '.join(PLAY_MODES)}"
        if problem:
            raise InputInvalid(where=text("播放记录", "play log"), problem=problem)
        event = self._record(
            PLAY,
            {
                "class": tidy(class_name),
                "package": package_id,
                "lesson": lesson_title,
                "sha256": sha256,
                "start_ms": _millis(start),
                "end_ms": _millis(end),
                "mode": mode,
            },
        )
        return views.play_of(event)

    def plays(
        self,
        class_name: str | None = None,
        *,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[views.Play]:
        """Play logs, newest first; of one class (as `match_key`) and from `since` on if given."""
        sql = "SELECT * FROM plays WHERE start_ms >= ? ORDER BY start_ms DESC, id"
        with self._lock:
            rows = self.db.query(sql, [_millis(since) if since else -(2**62)])
            result = [_play_of(r) for r in rows]
        if class_name is not None:
            result = [p for p in result if match_key(p.class_name) == match_key(class_name)]
        return result if limit is None else result[:limit]

    def record_attempt(
        self,
        learner_id: str,
        package_id: str,
        sha256: str,
        answers: Any,
        score: float | None = None,
        max_score: float | None = None,
    ) -> views.Attempt:
        """Store an exercise attempt as given: answers (any JSON) and the score."""
        self._existing(learner_id)
        event = self._record(
            ATTEMPT,
            {
                "learner": learner_id,
                "package": package_id,
                "sha256": sha256,
                "answers": answers,
                "score": score,
                "max_score": max_score,
            },
        )
        return views.attempt_of(event)

    def attempts(self, learner_id: str) -> list[views.Attempt]:
        with self._lock:
            rows = self.db.query(
                "SELECT * FROM attempts WHERE learner = ? ORDER BY hlc DESC", [learner_id]
            )
            return [_attempt_of(r) for r in rows]


def _learner_state_of(row: dict) -> views.LearnerState:
    stamps = json.loads(row["stamps"])
    fields = {}
    for name, (hlc, event_id) in stamps.items():
        value = row[name]
        if name in ("teacher", "archived"):
            value = bool(value)
        fields[name] = (hlc, event_id, value)
    return views.LearnerState(fields)


def _play_of(row: dict) -> views.Play:
    return views.Play(
        row["id"],
        row["hlc"],
        row["class"],
        row["package"],
        row["lesson"],
        row["sha256"],
        row["start_ms"],
        row["end_ms"],
        row["mode"],
    )


def _attempt_of(row: dict) -> views.Attempt:
    return views.Attempt(
        row["id"],
        row["hlc"],
        row["learner"],
        row["package"],
        row["sha256"],
        json.loads(row["answers"]),
        row["score"],
        row["max_score"],
    )
