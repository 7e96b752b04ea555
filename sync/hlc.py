"""Hybrid logical clock: wall-clock milliseconds, a counter, and the device id as tiebreak.

Timestamps order the journal's events across devices whose clocks disagree or jump
(a school PC whose CMOS battery died boots in 2009). A clock never issues a stamp
lower than one it issued or observed before, whatever the wall clock says, and a stamp
is a fixed-width string whose text order is its time order, so SQLite sorts it as is.

    >>> clock = Clock("3f2a9c1d0b7e4a66", now_ms=lambda: 1_732_500_000_000)
    >>> str(clock.tick())
    '001732500000000.00000.3f2a9c1d0b7e4a66'
    >>> str(clock.tick())
    '001732500000000.00001.3f2a9c1d0b7e4a66'
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_MS = 10**15 - 1
MAX_COUNTER = 10**5 - 1
DEVICE_PATTERN = r"[0-9a-f]{8,32}"
_STAMP = re.compile(rf"(\d{{15}})\.(\d{{5}})\.({DEVICE_PATTERN})")


def is_stamp(text: object) -> bool:
    """Whether `text` is a stamp's text form (what `Stamp.parse` takes), without parsing it."""
    return isinstance(text, str) and _STAMP.fullmatch(text) is not None


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, order=True)
class Stamp:
    """One HLC reading; compares like its text form: (ms, counter, device)."""

    ms: int
    counter: int
    device: str

    def __str__(self) -> str:
        return f"{self.ms:015d}.{self.counter:05d}.{self.device}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        """`Stamp.parse('001732500000000.00001.3f2a9c1d0b7e4a66')`; ValueError if malformed."""
        m = _STAMP.fullmatch(text)
        if m is None:
            raise ValueError(f"not an HLC timestamp: {text!r}")
        return cls(int(m[1]), int(m[2]), m[3])


def _next(ms: int, counter: int, device: str) -> Stamp:
    # A counter that would outgrow its digits borrows a millisecond instead, so the
    # text stays fixed-width and ordered even after a far-future clock was observed.
    if counter > MAX_COUNTER:
        ms, counter = ms + 1, 0
    return Stamp(min(ms, MAX_MS), counter, device)


class Clock:
    """The HLC of one device; `last` is the highest stamp it has issued or seen."""

    def __init__(
        self, device: str, *, now_ms: Callable[[], int] = wall_ms, last: Stamp | None = None
    ) -> None:
        if not re.fullmatch(DEVICE_PATTERN, device):
            raise ValueError(f"not a device id: {device!r}")
        self.device = device
        self.now_ms = now_ms
        self.last = last or Stamp(0, 0, device)

    def tick(self) -> Stamp:
        """A stamp for a local event, higher than every stamp issued or observed so far."""
        now = self.now_ms()
        if now > self.last.ms:
            stamp = _next(now, 0, self.device)
        else:
            stamp = _next(self.last.ms, self.last.counter + 1, self.device)
        self.last = stamp
        return stamp

    def observe(self, remote: Stamp) -> Stamp:
        """Merge a stamp received from another device; later local stamps sort after it."""
        now = self.now_ms()
        ms = max(now, self.last.ms, remote.ms)
        if ms == self.last.ms == remote.ms:
            counter = max(self.last.counter, remote.counter) + 1
        elif ms == self.last.ms:
            counter = self.last.counter + 1
        elif ms == remote.ms:
            counter = remote.counter + 1
        else:
            counter = 0
        self.last = _next(ms, counter, self.device)
        return self.last

    def advance_to(self, stamp: Stamp) -> None:
        """Never go below `stamp` (one this device already wrote, e.g. from another process)."""
        if (stamp.ms, stamp.counter) > (self.last.ms, self.last.counter):
            self.last = Stamp(stamp.ms, stamp.counter, self.device)
