"""同步 as a teacher or technician uses it: enrolment, the background rounds and what they
bring in, the hub going away and coming back, and sync through a USB drive."""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import run_cli
from hubfixture import RunningHub, start_hub
from test_gui_learners import names

from app import i18n
from app.gui.sync_page import SyncPage
from app.qt import QApplication, Qt
from app.sync_scheduler import SchedulerState, SyncScheduler
from sync.journal import Journal
from sync.protocol import error_body
from sync.usb import FOLDER

ROUND_MS = 30_000


@pytest.fixture
def pc(tmp_path: Path) -> Journal:
    i18n.install(QApplication.instance(), "zh")
    journal = Journal(tmp_path / "data")
    yield journal
    journal.close()


def test_an_unenrolled_pc_syncs_through_the_drive(qtbot, pc, tmp_path, scheduler) -> None:
    ming = pc.add_learner("王小明", "三年级1班")
    pc.record_progress(ming.id, "demo.math.g3a", "ab" * 32, 60_000, 300_000, 30.0)
    drives: list[Path] = []
    page = SyncPage(tmp_path / "data", lambda: list(drives), scheduler(tmp_path / "data"))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: "等待发送的记录：2 条" in page.counts.text())
    assert "还没有登记" in page.state_label.text() and page.enrol_box.isVisible()
    assert not page.sync_button.isEnabled()  # nothing to sync with yet

    qtbot.mouseClick(page.usb_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "请先插入U盘。"
    drive = tmp_path / "U盘"
    drive.mkdir()
    drives.append(drive)
    with qtbot.waitSignal(page.synced, timeout=10_000):
        qtbot.mouseClick(page.usb_button, Qt.MouseButton.LeftButton)
    assert page.message.text().startswith("已写入U盘 2 条记录")
    assert list((drive / FOLDER).rglob("*.jsonl.gz"))
    qtbot.waitUntil(lambda: page.usb_button.isEnabled())


def test_enrolling_needs_an_address_and_a_code(qtbot, pc, tmp_path, scheduler) -> None:
    page = SyncPage(tmp_path / "data", list, scheduler(tmp_path / "data"))
    qtbot.addWidget(page)
    page.show()
    page.hub_field.setText("hub.example.cn:8470")
    qtbot.mouseClick(page.enrol_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "请填写同步中心地址和学校登记码。"
    assert not pc.sync_state().enrolled


def test_a_round_brings_another_pcs_learner_to_this_window(qtbot, window, make_hub, tmp_path):
    hub = make_hub(None)
    _school, code = hub.add_school("城关镇中心小学")
    window.show_page("sync")
    page = window.sync_page
    page.hub_field.setText(hub.url)
    page.code_field.setText(code)
    with qtbot.waitSignal(window.scheduler.round_finished, timeout=ROUND_MS):
        qtbot.mouseClick(page.enrol_button, Qt.MouseButton.LeftButton)  # then a first round
    qtbot.waitUntil(lambda: "城关镇中心小学" in page.state_label.text())
    assert not page.enrol_box.isVisible() and page.sync_button.isEnabled()

    other = tmp_path / "机房2号"  # another PC of the school, synced by a technician
    r = run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", other)
    assert r.rc == 0, r.err
    with Journal(other) as journal:
        fang = journal.add_learner("李芳", "三年级1班")
        video = window.library_page.catalog.search("fsdcbrs")[0]
        row = next(
            x
            for x in window.library_page.catalog.resources(video.lesson_id)
            if x["role"] == "video"
        )
        journal.record_progress(fang.id, row["package_id"], row["sha256"], 6_000, 12_000, 6.0)
    assert run_cli("sync", "--now", "--data-dir", other).rc == 0

    with qtbot.waitSignal(window.scheduler.round_finished, timeout=ROUND_MS) as done:
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    assert done.args[0].journal.pulled == 2
    qtbot.waitUntil(lambda: "上次同步共传输" in page.activity.text())
    window.show_page("learners")
    qtbot.waitUntil(lambda: "李芳" in names(window.learners_page))
    window.session.switch_to(fang.id)
    home = window.home_page
    qtbot.waitUntil(lambda: len(home.continue_list.buttons) == 1)
    assert home.continue_list.buttons[0].text().startswith("分数的初步认识")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_with_the_hub_down_the_page_says_so_and_the_next_try_comes_by_itself(
    qtbot, pc, tmp_path, scheduler
) -> None:
    port = _free_port()
    hub = start_hub(tmp_path / "hub", None, "--port", str(port))
    try:
        _school, code = hub.add_school("城关镇中心小学")
        data = tmp_path / "data"
        assert run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", data).rc == 0
        pc.add_learner("王小明", "三年级1班")
        hub.stop()  # the county's line goes down
        sched = scheduler(data)
        page = SyncPage(data, list, sched)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(page.sync_button.isEnabled)  # the page has read the state
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "连不上同步中心" in page.error.text(), timeout=ROUND_MS)
        assert "再试" in page.error.text() and sched.state.next_attempt is not None
        assert "连不上" in (pc.sync_state().last_error or "")
        tries = sched.backoff.failures
        qtbot.waitUntil(lambda: sched.backoff.failures > tries, timeout=ROUND_MS)  # by itself

        hub = start_hub(tmp_path / "hub", None, "--port", str(port))  # back, same data
        qtbot.waitUntil(lambda: page.error.text() == "", timeout=ROUND_MS)
        qtbot.waitUntil(lambda: "等待发送的记录：0 条" in page.counts.text())
        assert hub.event_count() == 1 and pc.sync_state().last_error is None
        assert sched.backoff.failures == 0
    finally:
        hub.stop()


class Clock:
    """The school's clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


TUESDAY_10 = datetime(2026, 3, 3, 10, 0)  # class time: the journal may sync, packages wait


def enrol(hub: RunningHub, data: Path) -> None:
    """`kebao enrol` with 城关镇中心小学 at `hub` (a new code each time)."""
    _school, code = hub.add_school("城关镇中心小学")
    assert run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", data).rc == 0


def sync_page(
    qtbot, scheduler, data: Path, clock: Clock | None = None
) -> tuple[SyncScheduler, SyncPage]:
    """The scheduler (at `clock`) and the 同步 page on screen, for the PC at `data`."""
    sched = scheduler(data, clock or datetime.now)
    page = SyncPage(data, list, sched)
    qtbot.addWidget(page)
    page.show()
    return sched, page


def rounds_started(sched: SyncScheduler) -> list[SchedulerState]:
    """Grows by one each time the scheduler starts a round (its state then). The state is
    emitted synchronously: a round started by `tick()` is here when `tick()` returns."""
    started: list[SchedulerState] = []
    running = [sched.state.running]

    def seen(s: SchedulerState) -> None:
        if s.running and not running[0]:
            started.append(s)
        running[0] = s.running

    sched.state_changed.connect(seen)
    return started


def test_a_pc_the_hub_forgot_says_enrol_again_stops_and_resumes_once_enrolled(
    qtbot, pc, tmp_path, scheduler
) -> None:
    port = _free_port()
    data = tmp_path / "data"
    hub = start_hub(tmp_path / "hub", None, "--port", str(port))
    try:
        enrol(hub, data)
        pc.add_learner("王小明", "三年级1班")
        sched, page = sync_page(qtbot, scheduler, data)
        with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS):
            sched.request_now()
        assert hub.event_count() == 1

        hub.stop()  # the county reinstalls its hub: what it knew is gone
        hub = start_hub(tmp_path / "hub-new", None, "--port", str(port))
        qtbot.waitUntil(page.sync_button.isEnabled)
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: sched.state.stopped, timeout=ROUND_MS)
        assert page.error.text() == (
            "同步中心已不再认识本机（本机在那里被注销了，或同步中心的数据被重置了）："
            "请在下面重新登记本机，在此之前本机不会同步。"
        )
        assert page.enrol_box.isVisible() and not page.sync_button.isEnabled()
        assert sched.state.next_attempt is None  # no retry planned

        started = rounds_started(sched)
        sched.tick()  # a minute later
        sched.request_now()
        assert started == [] and not sched.state.running

        _school, code = hub.add_school("城关镇中心小学")
        assert page.hub_field.text() == hub.url  # the same address, filled in
        page.code_field.setText(code)
        with qtbot.waitSignal(sched.round_finished, timeout=ROUND_MS):
            qtbot.mouseClick(page.enrol_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.error.text() == "" and not page.enrol_box.isVisible())
        assert len(started) == 1 and hub.event_count() == 1  # the new hub has the record
        assert page.sync_button.isEnabled()
    finally:
        hub.stop()


def tries_again_only_when_due(sched: SyncScheduler, clock: Clock) -> None:
    """The minute's tick a second before the hub's time does nothing; at it, a round."""
    started = rounds_started(sched)
    due = sched.state.next_attempt
    assert due is not None
    clock.now = due - timedelta(seconds=1)
    sched.tick()
    assert started == []
    clock.now = due
    sched.tick()
    assert len(started) == 1


def test_a_device_over_its_rate_waits_as_long_as_the_hub_says(
    qtbot, pc, make_hub, tmp_path, scheduler
) -> None:
    hub = make_hub(None, env={"KEBAO_HUB_RATE": "1/0.01"})  # 1 request, then 1 per 100 s
    data = tmp_path / "data"
    enrol(hub, data)
    pc.add_learner("王小明", "三年级1班")
    clock = Clock(TUESDAY_10)
    sched, page = sync_page(qtbot, scheduler, data, clock)  # its backoff: a second at most
    sched.request_now()  # the push takes the device's one request; the pull meets 429
    qtbot.waitUntil(lambda: "再试" in page.error.text(), timeout=ROUND_MS)
    due = sched.state.next_attempt
    assert timedelta(seconds=98) <= due - clock.now <= timedelta(seconds=100)
    assert (
        page.error.text()
        == f"同步中心拒绝了请求：请求太频繁，请稍后再试。将在 {due:%H:%M:%S} 再试。"
    )
    assert hub.event_count() == 1  # what went before the refusal is kept

    tries_again_only_when_due(sched, clock)
    qtbot.waitUntil(lambda: sched.state.next_attempt not in (None, due), timeout=ROUND_MS)
    assert sched.state.next_attempt - due >= timedelta(seconds=98)  # still limited: later


class BusyFront(ThreadingHTTPServer):
    """What a county's front server answers for its hub while that is being maintained:
    503, the hub's error body and `Retry-After: 120`, to every request."""

    def __init__(self, port: int) -> None:
        class Busy(BaseHTTPRequestHandler):
            def answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps(error_body("unavailable")).encode()
                self.send_response(503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Retry-After", "120")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = do_PATCH = answer

            def log_message(self, *_args: object) -> None:
                pass

        super().__init__(("127.0.0.1", port), Busy)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def test_an_unavailable_hub_is_tried_again_when_it_said_and_then_syncs(
    qtbot, pc, tmp_path, scheduler
) -> None:
    port, data = _free_port(), tmp_path / "data"
    hub = start_hub(tmp_path / "hub", None, "--port", str(port))
    enrol(hub, data)
    hub.stop()
    front = BusyFront(port)
    try:
        pc.add_learner("王小明", "三年级1班")
        clock = Clock(TUESDAY_10)
        sched, page = sync_page(qtbot, scheduler, data, clock)
        qtbot.waitUntil(page.sync_button.isEnabled)  # the page has read the state
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "再试" in page.error.text(), timeout=ROUND_MS)
        assert sched.state.next_attempt == TUESDAY_10 + timedelta(seconds=120)
        assert page.error.text() == (
            f"连不上同步中心 {hub.url}（HTTP 503）；学习记录都保存在本机，下次能连上时会接着同步。"
            "将在 10:02:00 再试。"
        )
    finally:
        front.stop()
    hub = start_hub(tmp_path / "hub", None, "--port", str(port))  # back, with its data
    try:
        tries_again_only_when_due(sched, clock)
        qtbot.waitUntil(lambda: page.error.text() == "", timeout=ROUND_MS)
        qtbot.waitUntil(lambda: "等待发送的记录：0 条" in page.counts.text())
        assert hub.event_count() == 1
    finally:
        hub.stop()
