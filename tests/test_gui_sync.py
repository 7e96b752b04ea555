"""同步 as a teacher or technician uses it: enrolment, the background rounds and what they
bring in, the hub going away and coming back, and sync through a USB drive."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import run_cli
from hubfixture import start_hub
from test_gui_learners import names

from app import i18n
from app.gui.sync_page import SyncPage
from app.qt import QApplication, Qt
from sync.journal import Journal
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
