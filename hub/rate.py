"""Request limits kept in memory: a token bucket per device, failed enrolments per address.

Both answer "wait this many seconds" (for `Retry-After`) or 0 for "go ahead". They live
in the hub process: a restart forgets them, which only ever lets a client in sooner.

    >>> buckets = TokenBuckets(burst=60, per_s=10)
    >>> buckets.take("3f2a9c0d4e5b6a71")
    0
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class TokenBuckets:
    """One bucket per key: `burst` requests at once, refilled at `per_s` per second."""

    def __init__(
        self, burst: int, per_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst, self.per_s, self._clock = burst, per_s, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> int:
        """Spend one token: 0, or the whole seconds to wait before one is there."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.per_s)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.per_s))


class FailureWindow:
    """At most `attempts` failures per key in any `window_s` seconds (a sliding window)."""

    def __init__(
        self, attempts: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts, self.window_s, self._clock = attempts, window_s, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> int:
        """0 if the key may try now, else the whole seconds until its oldest failure ages out."""
        now = self._clock()
        with self._lock:
            failures = self._failures.get(key)
            if failures is None:
                return 0
            while failures and failures[0] <= now - self.window_s:
                failures.popleft()
            if not failures:
                del self._failures[key]
                return 0
            if len(failures) < self.attempts:
                return 0
            return max(1, math.ceil(failures[0] + self.window_s - now))

    def failed(self, key: str) -> None:
        with self._lock:
            self._failures.setdefault(key, deque()).append(self._clock())
