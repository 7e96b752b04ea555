"""The shared throttle: transfers together keep to the rate; a new rate or a pause reaches
a waiting transfer at once. Simulated time where one thread is enough; the real clock,
loosely, where two threads must share."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from media.errors import Cancelled
from sync.throttle import TICK_S, Throttle, ThrottledReader

KB = 1024
MB = 1024 * 1024


class FakeTime:
    """A clock that moves only when someone sleeps; `on_sleep` sees each sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0
        self.on_sleep = lambda: None

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += 1
        self.now += seconds
        self.on_sleep()


@pytest.mark.parametrize(
    ("rate", "burst", "chunk"),
    [
        (64 * KB, 8 * KB, 4 * KB),  # the daytime cap, download chunks smaller than the bucket
        (64 * KB, 8 * KB, 256 * KB),  # chunks far larger than the bucket
        (1 * MB, 64 * KB, 16 * KB),
        (1 * MB, 64 * KB, 4 * MB),  # tus chunks
    ],
)
def test_a_transfer_keeps_to_the_rate_over_ten_seconds(rate: int, burst: int, chunk: int) -> None:
    fake = FakeTime()
    throttle = Throttle(rate, burst, clock=fake.clock, sleep=fake.sleep)
    total = rate * 10 + burst  # ten seconds of bytes after the first full bucket
    chunks = [b"x" * chunk] * (total // chunk) + ([b"x" * (total % chunk)] if total % chunk else [])
    start, sent = fake.now, 0
    for piece in throttle.wrap(chunks):
        sent += len(piece)
        # At no moment has more gone than the bucket plus the rate since the start:
        # the live lesson keeps its share of the line.
        assert sent <= burst + rate * (fake.now - start) + 1e-6
    assert sent == total
    assert fake.now - start == pytest.approx(10.0, rel=0.02)


def test_a_huge_chunk_on_a_small_bucket_does_not_wait_for_ever() -> None:
    fake = FakeTime()
    throttle = Throttle(1 * MB, burst=4 * KB, clock=fake.clock, sleep=fake.sleep)
    throttle.take(10 * MB)
    assert fake.now - 1000.0 == pytest.approx(10.0, rel=0.02)


def test_unlimited_never_waits() -> None:
    fake = FakeTime()
    throttle = Throttle(None, clock=fake.clock, sleep=fake.sleep)
    throttle.take(8 * 1024 * MB)
    assert fake.slept == 0


def test_a_cap_set_in_the_middle_holds_back_the_rest() -> None:
    fake = FakeTime()
    throttle = Throttle(None, burst=8 * KB, clock=fake.clock, sleep=fake.sleep)
    throttle.take(100 * MB)  # 放学后: no limit
    assert fake.slept == 0
    throttle.set_rate(64 * KB)  # a lesson starts streaming
    throttle.take(64 * KB * 5 + 8 * KB)
    assert fake.now - 1000.0 == pytest.approx(5.0, rel=0.02)


def test_unlimited_releases_a_waiter_within_a_tick_simulated() -> None:
    fake = FakeTime()
    throttle = Throttle(64 * KB, burst=64 * KB, clock=fake.clock, sleep=fake.sleep)
    throttle.take(64 * KB)  # the bucket is empty now
    fake.on_sleep = lambda: throttle.set_rate(None)
    throttle.take(64 * MB)  # 1000 s at 64 KB/s
    assert fake.now - 1000.0 <= TICK_S


def test_a_pause_stops_a_waiter_within_a_tick_simulated() -> None:
    fake = FakeTime()
    cancel = threading.Event()
    throttle = Throttle(64 * KB, burst=64 * KB, clock=fake.clock, sleep=fake.sleep)
    fake.on_sleep = cancel.set
    with pytest.raises(Cancelled):
        throttle.take(64 * MB, cancel)
    assert fake.now - 1000.0 <= TICK_S


class Waiter(threading.Thread):
    """A transfer waiting in `take` on the real clock; `sleeping` is set once it waits."""

    def __init__(self, throttle: Throttle, n: int, cancel: threading.Event | None = None):
        super().__init__(daemon=True)
        self.throttle, self.n, self.cancel = throttle, n, cancel
        self.error: BaseException | None = None
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self.throttle.take(self.n, self.cancel)
        except BaseException as e:
            self.error = e
        self.finished.set()


def sleeping_throttle(rate: float) -> tuple[Throttle, threading.Event]:
    sleeping = threading.Event()

    def sleep(seconds: float) -> None:
        sleeping.set()
        time.sleep(seconds)

    return Throttle(rate, burst=16 * KB, sleep=sleep), sleeping


def test_unlimited_releases_a_waiting_thread_at_once() -> None:
    throttle, sleeping = sleeping_throttle(64 * KB)
    waiter = Waiter(throttle, 10 * MB)  # 160 s at 64 KB/s
    waiter.start()
    assert sleeping.wait(5)
    released = time.monotonic()
    throttle.set_rate(None)
    assert waiter.finished.wait(5)
    assert time.monotonic() - released < 0.5
    assert waiter.error is None


def test_a_pause_stops_a_waiting_thread_promptly() -> None:
    throttle, sleeping = sleeping_throttle(64 * KB)
    cancel = threading.Event()
    waiter = Waiter(throttle, 10 * MB, cancel)
    waiter.start()
    assert sleeping.wait(5)
    paused = time.monotonic()
    cancel.set()
    assert waiter.finished.wait(5)
    assert time.monotonic() - paused < 0.5
    assert isinstance(waiter.error, Cancelled)


def test_two_transfers_share_the_rate_rather_than_each_getting_it() -> None:
    rate, burst, each = 250 * KB, 50 * KB, 150 * KB
    throttle = Throttle(rate, burst)
    done: list[int] = []

    def transfer() -> None:
        for chunk in throttle.wrap([b"x" * (10 * KB)] * (each // (10 * KB))):
            done.append(len(chunk))

    threads = [threading.Thread(target=transfer) for _ in range(2)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    elapsed = time.monotonic() - start
    assert sum(done) == 2 * each
    # Shared: (300 KB - 50 KB) / 250 KB/s = 1.0 s at least. Each with its own rate
    # would have taken 0.4 s.
    assert 0.98 <= elapsed < 1.8


def test_an_upload_body_goes_whole_with_its_length_at_the_rate() -> None:
    requests = pytest.importorskip("requests")
    received: dict[str, object] = {}

    class Hub(BaseHTTPRequestHandler):
        def do_PATCH(self) -> None:
            received["length"] = self.headers.get("Content-Length")
            received["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        fake = FakeTime()
        throttle = Throttle(64 * KB, burst=8 * KB, clock=fake.clock, sleep=fake.sleep)
        chunk = bytes(range(256)) * (4 * 64 * 4)  # 256 KB
        body = ThrottledReader(io.BytesIO(chunk), throttle)
        response = requests.patch(f"http://127.0.0.1:{server.server_port}/u", data=body, timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 204
    assert received == {"length": str(len(chunk)), "body": chunk}
    assert fake.now - 1000.0 == pytest.approx((256 - 8) / 64, rel=0.02)


def test_a_paused_upload_body_stops_reading() -> None:
    fake = FakeTime()
    cancel = threading.Event()
    throttle = Throttle(64 * KB, burst=8 * KB, clock=fake.clock, sleep=fake.sleep)
    body = ThrottledReader(io.BytesIO(b"x" * MB), throttle, cancel)
    assert len(body) == MB
    assert len(body.read(8 * KB)) == 8 * KB
    assert len(body) == MB - 8 * KB
    cancel.set()
    with pytest.raises(Cancelled):
        body.read(8 * KB)


@pytest.mark.parametrize("rate", [0, -1, float("nan"), float("inf")])
def test_a_rate_that_would_stop_everything_is_refused(rate: float) -> None:
    with pytest.raises(ValueError):
        Throttle(rate, 1024)
    with pytest.raises(ValueError):
        Throttle(None, 1024).set_rate(rate)
