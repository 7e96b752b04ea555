"""After a failure: what kind it was, and how long the scheduler waits before the next round.

`classify` is the retry table of docs/sync-protocol.md ("The client's round") as a
pure function; `Backoff` is its delay: `min(30 min, 5 s × 2^failures)` times a random
factor in [0.5, 1.0], so the county's schools do not all come back in the same second
after the hub was down.

    >>> backoff = Backoff()
    >>> classify(503, None)
    <Outcome.WAIT: 'wait'>
    >>> backoff.failure(retry_after_s=120)   # at least what the hub asked for
    120
    >>> backoff.failure()                     # the second failure in a row: 5–10 s
    >>> backoff.success()                     # the next failure starts at 2.5–5 s again
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Mapping

from media.errors import InputInvalid, SourceUnavailable


class Outcome(enum.Enum):
    """What the client does after one request, by the retry table."""

    OK = "ok"
    RETRY_ROUND = "retry_round"  # the round stops; the next one after the backoff
    WAIT = "wait"  # as RETRY_ROUND, waiting at least the hub's Retry-After
    STOP_REENROL = "stop_reenrol"  # no more rounds until the PC is enrolled again
    SET_ASIDE = "set_aside"  # that batch or upload is reported; the round goes on
    RESYNC_OFFSET = "resync_offset"  # tus: HEAD, then go on from the hub's offset
    RECREATE_UPLOAD = "recreate_upload"  # tus: create the upload again
    RESEND_CHUNK = "resend_chunk"  # tus: send the chunk again (at most 3 times)


_BY_STATUS = {
    401: Outcome.STOP_REENROL,
    408: Outcome.RETRY_ROUND,
    409: Outcome.RESYNC_OFFSET,
    410: Outcome.RECREATE_UPLOAD,
    429: Outcome.WAIT,
    460: Outcome.RESEND_CHUNK,
    503: Outcome.WAIT,
}


def retry_after(headers: Mapping[str, str]) -> float | None:
    """An answer's `Retry-After` in seconds (the hub sends seconds, never a date), or None."""
    try:
        return float(headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def classify(status: int | None, exc: BaseException | None = None) -> Outcome:
    """The outcome of a request that answered `status`, or raised `exc` before any answer.

    429 and 503 are WAIT with or without a `Retry-After` (the caller passes it, or
    None, to `Backoff.failure`). Codes the table does not name: other 5xx retry the
    round, other 4xx (400, 403, 404, 413, 415, 422, …) set that item aside.
    Exceptions: every `requests` exception is an `OSError`, so no import of `requests`
    is needed: an `OSError` (refused, reset, DNS, timeout, a cut mid-body) retries the
    round, except those that are also `ValueError` (a bad URL, an answer that is not
    JSON), which set the item aside like a 422. Anything else is a bug, not an outcome:
    TypeError.

        >>> classify(None, requests.ConnectTimeout())
        <Outcome.RETRY_ROUND: 'retry_round'>
    """
    if status is None and exc is not None:
        # The hub client's refusal carries the hub's status (sync/client.HubRefused).
        found = getattr(exc, "status", None)
        if isinstance(found, int) and not isinstance(found, bool):
            status = found
    if status is not None:
        if status < 400:
            return Outcome.OK
        if status in _BY_STATUS:
            return _BY_STATUS[status]
        return Outcome.RETRY_ROUND if status >= 500 else Outcome.SET_ASIDE
    if exc is None:
        return Outcome.OK
    if isinstance(exc, ValueError | InputInvalid):
        return Outcome.SET_ASIDE
    # exit_code 3 is the CLI's "could not reach the hub; run again later".
    if isinstance(exc, OSError | SourceUnavailable) or getattr(exc, "exit_code", None) == 3:
        return Outcome.RETRY_ROUND
    raise TypeError(f"not a transfer failure: {exc!r}") from exc


class Backoff:
    """Delays between failed rounds: exponential, capped, with equal jitter.

    The first failure waits `base_s` × [0.5, 1.0], each further one twice as long,
    up to `cap_s`; `success()` starts again from the first.

        >>> Backoff(base_s=5, cap_s=1800, rng=random.Random(7)).failure()  # 2.5–5 s
    """

    def __init__(
        self, base_s: float = 5.0, cap_s: float = 1800.0, rng: random.Random | None = None
    ) -> None:
        self.base_s, self.cap_s = base_s, cap_s
        self.failures = 0  # failed rounds in a row
        self._rng = rng or random.Random()  # noqa: S311 -- jitter, not a secret

    def failure(self, retry_after_s: float | None = None) -> float:
        """Count a failure; the seconds to wait before the next round."""
        # 2**60 would only overflow the float later; the cap is reached long before.
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures, 60))
        self.failures += 1
        delay = ceiling * self._rng.uniform(0.5, 1.0)
        if retry_after_s is not None and math.isfinite(retry_after_s) and retry_after_s > 0:
            delay = max(delay, retry_after_s)
        return delay

    def success(self) -> None:
        self.failures = 0
