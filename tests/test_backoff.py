"""After a failure: the retry table of docs/sync-protocol.md, and how long the PC waits."""

from __future__ import annotations

import errno
import random
import socket

import pytest

from media.errors import InputInvalid, SourceUnavailable
from sync.backoff import Backoff, Outcome, classify


class Jitter(random.Random):
    """A random factor pinned at one end of [0.5, 1.0]: `at` 0 is 0.5, 1 is 1.0."""

    def __init__(self, at: float) -> None:
        super().__init__(0)
        self.at = at

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.at


@pytest.mark.parametrize(
    ("failures_before", "shortest", "longest"),
    [
        (0, 2.5, 5),  # the hub just went away: back in a few seconds
        (1, 5, 10),
        (2, 10, 20),
        (8, 640, 1280),
        (9, 900, 1800),  # 5 × 512 = 2560 s is past the cap: at most 30 minutes
        (40, 900, 1800),
        (5000, 900, 1800),  # a school offline for weeks still tries every half hour
    ],
)
def test_the_wait_doubles_up_to_half_an_hour(
    failures_before: int, shortest: float, longest: float
) -> None:
    delays = []
    for at in (0.0, 1.0):
        backoff = Backoff(rng=Jitter(at))
        backoff.failures = failures_before
        delays.append(backoff.failure())
    assert delays == [pytest.approx(shortest), pytest.approx(longest)]


@pytest.mark.parametrize(
    ("failures_before", "retry_after", "shortest"),
    [
        (0, 120, 120),  # the hub asked for two minutes: not sooner
        (0, 1, 2.5),  # the backoff is longer than what the hub asked
        (9, 60, 900),
        (0, 3600, 3600),  # longer than the cap: the hub knows best
        (0, None, 2.5),
        (0, -5, 2.5),  # nonsense from a proxy is ignored
        (0, float("nan"), 2.5),
    ],
)
def test_retry_after_is_a_lower_bound(
    failures_before: int, retry_after: float | None, shortest: float
) -> None:
    backoff = Backoff(rng=Jitter(0.0))
    backoff.failures = failures_before
    assert backoff.failure(retry_after) == pytest.approx(shortest)


def test_a_success_starts_the_waits_again_from_seconds() -> None:
    backoff = Backoff(rng=Jitter(1.0))
    assert [backoff.failure() for _ in range(4)] == [5, 10, 20, 40]
    backoff.success()
    assert backoff.failure() == 5


def test_schools_do_not_all_come_back_in_the_same_second() -> None:
    first_retries = [Backoff(rng=random.Random(seed)).failure() for seed in range(200)]
    assert all(2.5 <= d <= 5 for d in first_retries)
    assert max(first_retries) - min(first_retries) > 2
    assert len({round(d, 1) for d in first_retries}) > 20


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.OK),
        (204, Outcome.OK),
        (206, Outcome.OK),
        (304, Outcome.OK),
        (408, Outcome.RETRY_ROUND),
        (500, Outcome.RETRY_ROUND),
        (502, Outcome.RETRY_ROUND),
        (504, Outcome.RETRY_ROUND),
        (503, Outcome.WAIT),
        (429, Outcome.WAIT),
        (401, Outcome.STOP_REENROL),
        (403, Outcome.SET_ASIDE),
        (413, Outcome.SET_ASIDE),
        (422, Outcome.SET_ASIDE),
        (400, Outcome.SET_ASIDE),
        (404, Outcome.SET_ASIDE),
        (415, Outcome.SET_ASIDE),
        (409, Outcome.RESYNC_OFFSET),
        (410, Outcome.RECREATE_UPLOAD),
        (460, Outcome.RESEND_CHUNK),
    ],
)
def test_what_each_answer_of_the_hub_leads_to(status: int, outcome: Outcome) -> None:
    assert classify(status, None) is outcome


class HubRefused(Exception):
    """The hub client's refusal (sync/client.py on main) carries the status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class HubUnreachable(Exception):
    exit_code = 3


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (ConnectionRefusedError(), Outcome.RETRY_ROUND),  # the hub's PC is off
        (ConnectionResetError(), Outcome.RETRY_ROUND),
        (TimeoutError(), Outcome.RETRY_ROUND),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), Outcome.RETRY_ROUND),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), Outcome.RETRY_ROUND),
        (SourceUnavailable(where="http://hub", problem="cut"), Outcome.RETRY_ROUND),
        (HubUnreachable(), Outcome.RETRY_ROUND),
        (HubRefused(401), Outcome.STOP_REENROL),
        (HubRefused(413), Outcome.SET_ASIDE),
        (ValueError("not JSON"), Outcome.SET_ASIDE),
        (InputInvalid(where="hub URL", problem="not a URL"), Outcome.SET_ASIDE),
    ],
)
def test_what_each_failure_before_an_answer_leads_to(exc: BaseException, outcome: Outcome) -> None:
    assert classify(None, exc) is outcome


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("ConnectionError", Outcome.RETRY_ROUND),
        ("ConnectTimeout", Outcome.RETRY_ROUND),
        ("ReadTimeout", Outcome.RETRY_ROUND),
        ("ChunkedEncodingError", Outcome.RETRY_ROUND),  # the line broke mid-download
        ("SSLError", Outcome.RETRY_ROUND),
        ("InvalidURL", Outcome.SET_ASIDE),
        ("MissingSchema", Outcome.SET_ASIDE),
    ],
)
def test_requests_failures_are_classified_without_importing_requests(
    name: str, outcome: Outcome
) -> None:
    exceptions = pytest.importorskip("requests.exceptions")
    assert classify(None, getattr(exceptions, name)("boom")) is outcome


def test_the_status_decides_when_there_is_one() -> None:
    assert classify(401, TimeoutError()) is Outcome.STOP_REENROL
    assert classify(None, None) is Outcome.OK


def test_a_bug_is_not_mistaken_for_a_network_failure() -> None:
    with pytest.raises(TypeError):
        classify(None, KeyError("token"))
