"""按流量计费的网络 where the OS cannot tell (a phone hotspot looks like any Wi-Fi): 设置
says 自动检测, 是 or 否, and both the GUI's scheduler and `kebao sync` obey it; on a
metered link only learning records move."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import run_cli

from app.settings import Settings
from sync.policy import JOURNAL_ONLY, TransferClass

METERED = "按流量计费的网络：只同步学习记录"
TUESDAY_10AM = datetime(2026, 3, 3, 10, 0)


def choose(data: Path, metered: str) -> None:
    settings = Settings.load(data)
    settings.metered = metered
    settings.save(data)


@pytest.mark.parametrize(
    ("setting", "os_says", "metered"),
    [("auto", False, False), ("auto", True, True), ("yes", False, True), ("no", True, False)],
)
def test_the_scheduler_takes_the_setting_over_the_os(
    tmp_path, scheduler, setting: str, os_says: bool, metered: bool
) -> None:
    data = tmp_path / "data"
    sched = scheduler(data, clock=lambda: TUESDAY_10AM)
    sched.metered = lambda: os_says
    choose(data, setting)
    decision = sched.decision()
    assert (decision.reason == METERED) is metered
    assert (decision.allowed == JOURNAL_ONLY) is metered


def test_the_settings_page_choice_holds_at_once(qtbot, window) -> None:
    window.show_page("settings")
    page = window.settings_page
    scheduler = window.scheduler
    scheduler.clock, scheduler.metered = lambda: TUESDAY_10AM, lambda: False
    assert [page.metered.itemText(i) for i in range(3)] == ["自动检测", "是", "否"]
    assert page.metered.currentData() == "auto"
    assert TransferClass.SMALL_UPLOAD in scheduler.decision().allowed

    page.metered.setCurrentIndex(page.metered.findData("yes"))  # on the phone's hotspot
    assert Settings.load(window.library.data_dir).metered == "yes"
    assert scheduler.decision().reason == METERED
    assert page.restart_note.text() == ""  # no restart needed

    scheduler.metered = lambda: True  # the OS thinks the school's line is metered; it is not
    page.metered.setCurrentIndex(page.metered.findData("no"))
    assert TransferClass.SMALL_UPLOAD in scheduler.decision().allowed


def test_kebao_sync_takes_the_setting_when_the_flag_is_absent(make_hub, tmp_path) -> None:
    hub = make_hub(None)
    _school, code = hub.add_school("城关镇中心小学")
    data = tmp_path / "pc"
    assert run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", data).rc == 0
    report = tmp_path / "报表.csv"
    report.write_text("姓名,班级\n", encoding="utf-8")
    assert run_cli("upload", report, "--kind", "file", "--data-dir", data).rc == 0

    def sync(*flags: str) -> dict:
        r = run_cli("sync", "--json", *flags, "--data-dir", data)
        assert r.rc == 0, r.err
        return json.loads(r.out)

    choose(data, "yes")
    held = sync()
    assert held["uploaded"] == [] and "small_upload" in held["waiting"]
    assert held["reason"] == METERED and held["journal"] is not None
    choose(data, "no")
    assert sync("--metered")["reason"] == METERED  # the flag says so for this run
    assert sync()["uploaded"] == ["报表"]
