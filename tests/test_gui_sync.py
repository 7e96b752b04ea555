"""同步 as a teacher or technician uses it: the state, and sync through a USB drive."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import i18n
from app.gui.sync_page import SyncPage
from app.qt import QApplication, Qt
from sync.journal import Journal
from sync.usb import FOLDER


@pytest.fixture
def pc(tmp_path: Path) -> Journal:
    i18n.install(QApplication.instance(), "zh")
    journal = Journal(tmp_path / "data")
    yield journal
    journal.close()


def test_an_unenrolled_pc_syncs_through_the_drive(qtbot, pc, tmp_path) -> None:
    ming = pc.add_learner("王小明", "三年级1班")
    pc.record_progress(ming.id, "demo.math.g3a", "ab" * 32, 60_000, 300_000, 30.0)
    drives: list[Path] = []
    page = SyncPage(tmp_path / "data", lambda: list(drives))
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


def test_enrolling_needs_an_address_and_a_code(qtbot, pc, tmp_path) -> None:
    page = SyncPage(tmp_path / "data", list)
    qtbot.addWidget(page)
    page.show()
    page.hub_field.setText("hub.example.cn:8470")
    qtbot.mouseClick(page.enrol_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "请填写同步中心地址和学校登记码。"
    assert not pc.sync_state().enrolled
