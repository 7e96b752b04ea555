"""The bandwidth policy (docs/sync-protocol.md, "Bandwidth policy"): pure decisions.

`Policy` is what 设置 stores, `Conditions` what the world looks like now, and `decide`
says which transfers may run, which one goes next and how fast. Nothing here reads a
clock or the network: the scheduler passes the local time in, so every rule is a row
in a table test.

    >>> policy = Policy.from_dict(settings_doc.get("bandwidth"))   # damaged → defaults
    >>> d = decide(policy, Conditions(now=datetime(2026, 3, 3, 10, 0),  # a Tuesday
    ...                               pending={TransferClass.PACKAGE_DOWNLOAD}))
    >>> d.next, d.rate, d.reason
    (None, 65536, '上课时间，大文件（课程包、录像）等到 12:00 再传')
    >>> next_window_start(policy, datetime(2026, 3, 3, 10, 0))
    datetime.datetime(2026, 3, 3, 12, 0)
"""

from __future__ import annotations

import contextlib
import enum
import math
from collections.abc import Callable, Set
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from media.errors import text

DAY_MINUTES = 24 * 60


class TransferClass(enum.Enum):
    """What a transfer is. Declared in priority order: a class waits while one above it has work."""

    JOURNAL = "journal"
    SMALL_UPLOAD = "small_upload"  # outbox files up to protocol.SMALL_UPLOAD_BYTES
    PACKAGE_DOWNLOAD = "package_download"
    RECORDING_UPLOAD = "recording_upload"  # larger outbox files


JOURNAL_ONLY = frozenset({TransferClass.JOURNAL})
ANY_TIME = frozenset({TransferClass.JOURNAL, TransferClass.SMALL_UPLOAD})
EVERYTHING = frozenset(TransferClass)


def _minutes(hhmm: object, *, end: bool = False) -> int:
    """Minutes since midnight: "07:30" → 450; "24:00" only as an end; else ValueError."""
    if not isinstance(hhmm, str) or len(hhmm) != 5 or hhmm[2] != ":":
        raise ValueError(f"expected HH:MM, got {hhmm!r}")
    hours, minutes = hhmm[:2], hhmm[3:]
    if not (hours.isdigit() and minutes.isdigit()) or int(minutes) > 59:
        raise ValueError(f"expected HH:MM, got {hhmm!r}")
    value = int(hours) * 60 + int(minutes)
    if value > DAY_MINUTES or (value == DAY_MINUTES and not end):
        raise ValueError(f"{hhmm!r} is not a time of day")
    return value


@dataclass(frozen=True)
class Window:
    """Hours when big transfers may run, on some days of the week.

    `days` are ISO weekdays (1 = 星期一 … 7 = 星期日). The hours are clock times *of
    those days*: an end before the start crosses midnight, so Mon–Fri 17:00–07:00 means
    00:00–07:00 and 17:00–24:00 of each school day (Monday early morning included,
    Saturday early morning not). "00:00"–"24:00" is the whole day.

        >>> Window(frozenset({1, 2, 3, 4, 5}), "17:00", "07:00").contains(datetime(2026, 3, 3, 6, 59))
        True
    """

    days: frozenset[int]
    start: str
    end: str

    def __post_init__(self) -> None:
        if not self.days or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in self.days
        ):
            raise ValueError(f"days must be ISO weekdays 1–7, got {sorted(self.days)!r}")
        if _minutes(self.start) == _minutes(self.end, end=True):
            raise ValueError("a window that ends when it starts is empty")

    def contains(self, now: datetime) -> bool:
        if now.isoweekday() not in self.days:
            return False
        start, end, at = (
            _minutes(self.start),
            _minutes(self.end, end=True),
            now.hour * 60 + now.minute,
        )
        return start <= at < end if start < end else (at >= start or at < end)

    def openings(self, day: date) -> list[int]:
        """Minutes of `day` at which this window opens (a crossing one also at 00:00)."""
        if day.isoweekday() not in self.days:
            return []
        start, end = _minutes(self.start), _minutes(self.end, end=True)
        return [start] if start < end else [0, start]

    def to_dict(self) -> dict:
        return {"days": sorted(self.days), "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, raw: object) -> Window:
        """ValueError (or TypeError) when `raw` is not a window."""
        if not isinstance(raw, dict) or not isinstance(raw.get("days"), list):
            raise ValueError(f"not a window: {raw!r}")
        return cls(frozenset(raw["days"]), raw.get("start"), raw.get("end"))  # type: ignore[arg-type]


SCHOOL_DAYS = frozenset({1, 2, 3, 4, 5})
WEEKEND = frozenset({6, 7})
DEFAULT_WINDOWS = (
    Window(SCHOOL_DAYS, "12:00", "14:00"),  # 午休
    Window(SCHOOL_DAYS, "17:00", "07:00"),  # 放学后 until the next morning's first lesson
    Window(WEEKEND, "00:00", "24:00"),
)


def _rate_or_none(value: object, *, zero: bool) -> int | None:
    """A JSON rate (bytes per second) as an int; ValueError if it is not one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a rate: {value!r}")
    if value < 0 or (value == 0 and not zero):
        raise ValueError(f"not a rate: {value!r}")
    return int(value)


def _windows(value: object) -> tuple[Window, ...]:
    if not isinstance(value, list):
        raise ValueError(f"windows must be a list, not {value!r}")
    return tuple(Window.from_dict(w) for w in value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, not {value!r}")
    return value


# How each field of Policy is read from JSON; ValueError or TypeError when it is bad.
_READERS: dict[str, Callable[[object], object]] = {
    "windows": _windows,
    "daytime_cap_bytes_per_s": lambda v: _rate_or_none(v, zero=True),
    "window_rate_bytes_per_s": lambda v: _rate_or_none(v, zero=False),
    "metered_journal_only": _flag,
}


@dataclass(frozen=True)
class Policy:
    """What 设置 stores: the user's rules for bandwidth. JSON via `to_dict`/`from_dict`.

    - `windows`: when package downloads and recording uploads may run. An empty tuple
      means never automatically.
    - `daytime_cap_bytes_per_s`: outside the windows (and while a lesson streams), all
      transfers together at most this. `None`: no cap. `0`: outside the windows only the
      journal runs (small uploads wait for a window too), and it is not held back: a
      bucket of 0 would stop it for ever, and its batches are a few KB of gzip.
    - `window_rate_bytes_per_s`: the limit inside the windows; `None` = unlimited.
    - `metered_journal_only`: on a metered link, only the journal.

        >>> Policy.from_dict({"daytime_cap_bytes_per_s": "fast"}).daytime_cap_bytes_per_s
        65536
    """

    windows: tuple[Window, ...] = DEFAULT_WINDOWS
    daytime_cap_bytes_per_s: int | None = 64 * 1024
    window_rate_bytes_per_s: int | None = None
    metered_journal_only: bool = True

    def in_window(self, now: datetime) -> bool:
        return any(w.contains(now) for w in self.windows)

    def to_dict(self) -> dict:
        return {
            "windows": [w.to_dict() for w in self.windows],
            "daytime_cap_bytes_per_s": self.daytime_cap_bytes_per_s,
            "window_rate_bytes_per_s": self.window_rate_bytes_per_s,
            "metered_journal_only": self.metered_journal_only,
        }

    @classmethod
    def from_dict(cls, raw: object) -> Policy:
        """The policy in `raw`; each missing or bad field is its default, on its own.

        A hand-edited settings file with one bad time keeps the user's cap, and the
        other way round: nothing in it can stop sync or make it unthrottled by accident.
        """
        doc = raw if isinstance(raw, dict) else {}
        values = {}
        for f in fields(cls):
            # A bad field keeps its default; the others are read on their own.
            if f.name in doc:
                with contextlib.suppress(TypeError, ValueError):
                    values[f.name] = _READERS[f.name](doc[f.name])
        return cls(**values)

    @classmethod
    def parse(cls, raw: dict) -> Policy:
        """The policy in `raw`, strictly (a technician's school configuration): ValueError
        naming the first unknown or bad field; missing fields are the defaults.

            >>> Policy.parse({"windows": [{"days": [1], "start": "25:00", "end": "07:00"}]})
            ValueError: windows: expected HH:MM, got '25:00'
        """
        for key in raw:
            if key not in _READERS:
                known = "、".join(_READERS)
                raise ValueError(
                    text(f"{key}：未知的设置项（可用：{known}）", f"{key}: unknown field")
                )
        values = {}
        for key, value in raw.items():
            try:
                values[key] = _READERS[key](value)
            except (TypeError, ValueError) as e:
                raise ValueError(f"{key}: {e}") from None
        return cls(**values)


@dataclass(frozen=True)
class Conditions:
    """The world as the scheduler sees it now. `now` is local time (the school's clock)."""

    now: datetime
    metered: bool = False
    streaming_lesson: bool = False
    pending: Set[TransferClass] = field(default_factory=frozenset)  # classes with work


@dataclass(frozen=True)
class Decision:
    """What may run now: `allowed` by the rules, `next` the one to start, `rate` in bytes/s."""

    allowed: frozenset[TransferClass]
    next: TransferClass | None
    rate: float | None  # for Throttle.set_rate; None = unlimited
    reason: str  # one sentence for the 同步 page


def decide(policy: Policy, conditions: Conditions) -> Decision:
    """Which transfer classes may run now, which goes next, how fast, and why.

    >>> decide(Policy(), Conditions(datetime(2026, 3, 7, 10, 0), metered=True)).allowed
    frozenset({<TransferClass.JOURNAL: 'journal'>})
    """
    now = conditions.now
    in_window = policy.in_window(now)
    cap = policy.daytime_cap_bytes_per_s or None  # 0: journal only, not held back (see Policy)
    by_time = policy.window_rate_bytes_per_s if in_window else cap
    if conditions.streaming_lesson:
        # The stream needs the line even inside a window: the daytime cap holds too.
        allowed, rate = JOURNAL_ONLY, _lowest(by_time, cap)
        reason = text(
            "正在播放网络课程：暂停其他传输，只同步学习记录",
            "A lesson is streaming: other transfers are paused, only learning records sync",
        )
    elif conditions.metered and policy.metered_journal_only:
        allowed, rate = JOURNAL_ONLY, by_time
        reason = text(
            "按流量计费的网络：只同步学习记录",
            "Metered network: only learning records sync",
        )
    elif in_window:
        allowed, rate = EVERYTHING, by_time
        reason = text("现在可以传输大文件", "Large files may transfer now")
        if rate is not None:
            reason += text(f"（限速 {rate_text(rate)}）", f" (at most {rate_text(rate)})")
    else:
        allowed = JOURNAL_ONLY if policy.daytime_cap_bytes_per_s == 0 else ANY_TIME
        rate = by_time
        reason = _waiting_reason(policy, now, allowed)
    runnable = [c for c in TransferClass if c in allowed and c in conditions.pending]
    return Decision(allowed, runnable[0] if runnable else None, rate, reason)


def _lowest(*rates: float | None) -> float | None:
    limits = [r for r in rates if r is not None]
    return min(limits) if limits else None


def _waiting_reason(policy: Policy, now: datetime, allowed: frozenset[TransferClass]) -> str:
    opens = next_window_start(policy, now)
    if opens is None:
        return text(
            "没有设置大文件传输时段：课程包和录像不会自动传输",
            "No hours are set for large files: packages and recordings do not transfer by themselves",
        )
    when = when_text(opens, now)
    if allowed == JOURNAL_ONLY:
        return text(
            f"上课时间，只同步学习记录；其他内容等到 {when} 再传",
            f"Class time: only learning records sync; the rest waits until {when}",
        )
    return text(
        f"上课时间，大文件（课程包、录像）等到 {when} 再传",
        f"Class time: large files (packages, recordings) wait until {when}",
    )


def next_window_start(policy: Policy, now: datetime) -> datetime | None:
    """When big transfers may start: `now` inside a window, None when there are no windows.

    >>> next_window_start(Policy(), datetime(2026, 3, 6, 15, 0))  # Friday afternoon
    datetime.datetime(2026, 3, 6, 17, 0)
    """
    if policy.in_window(now):
        return now
    # The first moment in any window is one of the windows' openings; a week holds them all.
    candidates = [
        datetime.combine(day, time(m // 60, m % 60), now.tzinfo)
        for day in (now.date() + timedelta(days=i) for i in range(8))
        for w in policy.windows
        for m in w.openings(day)
    ]
    later = [c for c in candidates if c > now]
    return min(later) if later else None


WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def when_text(at: datetime, now: datetime) -> str:
    """When `at` is, said from `now`: "12:00" today, "明天 07:00", else "星期一 12:00"."""
    clock = f"{at:%H:%M}"
    days = (at.date() - now.date()).days
    if days == 0:
        return clock
    if days == 1:
        return text(f"明天 {clock}", f"tomorrow {clock}")
    return text(f"{WEEKDAYS_ZH[at.weekday()]} {clock}", f"{at:%A} {clock}")


def rate_text(rate: float) -> str:
    """Bytes per second as the settings write them: 65536 → "64 KB/s" (1 KB = 1024 bytes)."""
    if rate < 1024 * 1024:
        return f"{rate / 1024:.0f} KB/s"
    return f"{round(rate / (1024 * 1024), 1):g} MB/s"
