"""One token bucket shared by every transfer of the process (docs/sync-protocol.md).

Downloads, uploads and the journal take their bytes from the same bucket, so together
they stay under the policy's current rate: with a 64 KB/s cap, a download and an upload
share 64 KB/s, they do not get 64 KB/s each. The scheduler calls `set_rate` whenever
`policy.decide` says something new; waiting transfers follow within a tick.

    >>> throttle = Throttle(64 * 1024, burst=64 * 1024)
    >>> for chunk in throttle.wrap(response.iter_content(256 * 1024), cancel):
    ...     out.write(chunk)
    >>> session.patch(url, data=ThrottledReader(io.BytesIO(chunk), throttle, cancel))
    >>> throttle.set_rate(None)  # 放学了: unlimited
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from media.errors import Cancelled

# The longest a waiter sleeps before it looks again at the rate and at its cancel event:
# a new rate or a pause reaches a waiting transfer within this, without a second
# wake-up mechanism (an Event cannot wake a condition).
TICK_S = 0.05
# The shortest sleep: below it the clock may not move, and a waiter would spin.
MIN_SLEEP_S = 0.001


def _checked(rate: float | None) -> float | None:
    if rate is not None and not (rate > 0 and math.isfinite(rate)):
        raise ValueError(f"a rate is a positive number of bytes per second or None, not {rate!r}")
    return rate


class Throttle:
    """A thread-safe token bucket: `take(n)` returns when n more bytes may go.

    `rate` is bytes per second (None = unlimited); `burst` is the bucket's size, the
    most that may go at once after a quiet spell. A take larger than the bucket is
    served piece by piece as tokens arrive, so it never waits for a bucket it cannot fit.

        >>> throttle = Throttle(64 * 1024, burst=16 * 1024)
        >>> throttle.take(256 * 1024, cancel)  # ~3.75 s; Cancelled once cancel is set
    """

    def __init__(
        self,
        rate: float | None,
        burst: int = 64 * 1024,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if burst < 1:
            raise ValueError("burst must be at least 1 byte")
        self._rate = _checked(rate)
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()

    @property
    def rate(self) -> float | None:
        return self._rate

    def set_rate(self, rate: float | None) -> None:
        """The new limit, for waiting and later takes alike (None = unlimited)."""
        rate = _checked(rate)
        with self._lock:
            self._refill()  # tokens earned so far count at the old rate
            self._rate = rate

    def _refill(self) -> None:
        now = self._clock()
        if self._rate is None:
            self._tokens = float(self._burst)
        else:
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def take(self, n: int, cancel: threading.Event | None = None) -> None:
        """Block until `n` bytes may go; Cancelled (soon) after `cancel` is set."""
        remaining = n
        while remaining > 0:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            with self._lock:
                self._refill()
                if self._rate is None:
                    return
                # Take what there is rather than waiting for all of it at once: a big
                # take cannot be starved by small ones that keep emptying the bucket.
                got = min(remaining, int(self._tokens))
                self._tokens -= got
                remaining -= got
                if remaining == 0:
                    return
                needed = min(remaining, self._burst) - self._tokens
                delay = min(TICK_S, max(MIN_SLEEP_S, needed / self._rate))
            self._sleep(delay)

    def wrap(
        self, chunks: Iterable[bytes], cancel: threading.Event | None = None
    ) -> Iterator[bytes]:
        """Yield each chunk once the bucket allows it (downloads: `iter_content`).

        >>> for chunk in throttle.wrap(response.iter_content(CHUNK), cancel): ...
        """
        for chunk in chunks:
            self.take(len(chunk), cancel)
            yield chunk


class ThrottledReader:
    """A file-like upload body for `requests` that reads at the throttle's pace.

    `len()` is what is left to read, so `requests` sends a `Content-Length` (tus wants
    one) instead of a chunked body; the length comes from `raw` when it can seek. There is
    no `tell`: `requests` would call it, and a failing one makes it send the body chunked.

        >>> session.patch(url, data=ThrottledReader(io.BytesIO(chunk), throttle, cancel))
    """

    def __init__(
        self,
        raw: BinaryIO,
        throttle: Throttle,
        cancel: threading.Event | None = None,
        length: int | None = None,
    ) -> None:
        if length is None:
            here = raw.tell()
            length = raw.seek(0, io.SEEK_END) - here
            raw.seek(here)
        self._raw, self._throttle, self._cancel = raw, throttle, cancel
        self._left = length

    def __len__(self) -> int:
        return self._left

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._raw.read(size)
        self._throttle.take(len(data), self._cancel)
        self._left -= len(data)
        return data
