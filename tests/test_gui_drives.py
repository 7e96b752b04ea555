"""U盘 as an IT technician uses it, with a folder standing in for the drive."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import Keys, Repo, run_cli, write_source

from app import i18n
from app.gui.drives_page import DrivesPage
from app.qt import QApplication, Qt
from media.library import Library

PLUG_TIMEOUT_MS = 2000  # the issue: drives noticed within 2 s


@pytest.fixture
def library(tmp_path: Path, keys: Keys):
    i18n.install(QApplication.instance(), "zh")
    lib = Library(tmp_path / "data")
    assert run_cli("trust", "add", keys.public, "--data-dir", lib.data_dir).rc == 0
    yield lib
    lib.close()


@pytest.fixture
def drives() -> list[Path]:
    return []  # what the OS would report as mounted removable drives


@pytest.fixture
def page(qtbot, library: Library, drives: list[Path]) -> DrivesPage:
    p = DrivesPage(library, roots=lambda: list(drives))
    qtbot.addWidget(p)
    p.show()
    return p


def plug(qtbot, page: DrivesPage, drives: list[Path], drive: Path) -> None:
    drives.append(drive)
    qtbot.waitUntil(
        lambda: page.drive() == drive and page.table.rowCount() > 0, timeout=PLUG_TIMEOUT_MS
    )


def test_a_drive_is_noticed_and_its_packages_listed(qtbot, page, drives, signed_repo: Repo) -> None:
    assert page.empty.isVisible() and "插入" in page.empty.text()
    plug(qtbot, page, drives, signed_repo.path.parent)  # the drive; the repository is in a folder
    assert not page.empty.isVisible()
    row = [page.table.item(0, c).text() for c in range(4)]
    assert row[0] == "数学 三年级上册" and row[1] == "2024.09" and row[3] == "未安装"
    assert row[2].endswith("KB")
    assert [page.units.item(i).text() for i in range(page.units.count())] == [
        "第八单元 分数的初步认识",
        "第一单元 时、分、秒",
    ]
    drives.clear()  # pulled
    qtbot.waitUntil(lambda: page.drives.count() == 0, timeout=PLUG_TIMEOUT_MS)
    assert page.table.rowCount() == 0 and page.empty.isVisible()


def test_import_chosen_units_in_the_background(
    qtbot, page, drives, signed_repo: Repo, library
) -> None:
    plug(qtbot, page, drives, signed_repo.path.parent)
    page.units.item(1).setCheckState(Qt.CheckState.Unchecked)
    with qtbot.waitSignal(page.library_changed, timeout=20_000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert page.status.text() == "已导入 数学 三年级上册。"
    (pkg,) = library.catalog.packages()
    assert pkg.state == "partial" and pkg.units_installed == 1
    qtbot.waitUntil(lambda: page.table.item(0, 3).text() == "部分安装")


def test_an_untrusted_publisher_is_one_chinese_sentence(
    qtbot, page, drives, tmp_path, video_file
) -> None:
    key = tmp_path / "stranger.key"
    assert run_cli("keygen", "--out", key, "--name", "陌生人").rc == 0
    src = write_source(tmp_path / "src", video_file)
    drive = tmp_path / "drive"
    assert run_cli("pack", src, "--key", key, "--out", drive / "课包").rc == 0
    plug(qtbot, page, drives, drive)
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "未受信任" in page.status.text(), timeout=20_000)
    assert "\n" not in page.status.text()
    assert page.import_button.isEnabled()  # ready to try again


def test_cancel_stops_an_import_and_changes_nothing(
    qtbot, page, drives, tmp_path, keys, library
) -> None:
    src = tmp_path / "big"
    lesson = src / "第一单元" / "第1课"
    lesson.mkdir(parents=True)
    (src / "package.toml").write_text(
        'id = "t.big"\nversion = "1"\ntitle = "大录像"\n', encoding="utf-8"
    )
    with open(lesson / "录像.pdf", "wb") as f:
        f.write(os.urandom(1 << 20) * 200)  # 200 MB: long enough to cancel half-way
    drive = tmp_path / "drive"
    assert run_cli("pack", src, "--key", keys.private, "--out", drive / "课包").rc == 0
    shutil.rmtree(src)
    plug(qtbot, page, drives, drive)

    page.progress.valueChanged.connect(lambda _v: page.cancel())  # cancel at the first progress
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已取消" in page.status.text(), timeout=30_000)
    assert library.catalog.packages() == []
    assert not [p for p in (library.data_dir / "blobs").rglob("*") if p.is_file()]
    assert not list((library.data_dir / "staging").iterdir())


def test_export_to_the_drive_writes_a_verified_repository(
    qtbot, page, drives, signed_repo: Repo, library, tmp_path
) -> None:
    assert run_cli("import", signed_repo.path, "--data-dir", library.data_dir).rc == 0
    drive = tmp_path / "empty-drive"
    drive.mkdir()
    drives.append(drive)
    qtbot.waitUntil(lambda: page.drive() == drive, timeout=PLUG_TIMEOUT_MS)
    assert page.export_button.isEnabled()  # at once, not after the drive's scan
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已导出并校验" in page.status.text(), timeout=20_000)
    assert (drive / "课包" / "kebao-repo.json").is_file()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.table.item(0, 3).text() == "已安装")
