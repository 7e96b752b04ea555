"""设置: language and player backend are kept; a damaged settings file never blocks start."""

from __future__ import annotations

import json
from pathlib import Path

from app.qt import QMessageBox, Qt
from app.settings import Settings


def test_choices_are_saved_and_take_effect_next_start(qtbot, window) -> None:
    window.show_page("settings")
    page = window.settings_page
    assert page.language.currentText() == "简体中文"
    page.language.setCurrentIndex(page.language.findData("en"))
    page.player.setCurrentIndex(page.player.findData("qt"))
    assert "重新打开课包后生效" in page.restart_note.text()
    saved = json.loads((window.library.data_dir / "settings.json").read_text(encoding="utf-8"))
    assert saved == {
        "language": "en",
        "player": "qt",
        "subscriptions": [],
        "bandwidth": {},
        "metered": "auto",
        "share_on_lan": False,
        "peers": [],
        "live_urls": [],
        "enrolment_code": "",
    }
    assert Settings.load(window.library.data_dir) == Settings("en", "qt")


def test_a_damaged_or_strange_settings_file_gives_the_defaults(tmp_path: Path) -> None:
    for content in (
        "{not json",
        "[]",
        '{"language": "fr", "player": 3}',
        "\xff\xfe",
        '{"subscriptions": "math"}',
        '{"subscriptions": [3, "../x", "UPPER"]}',
        '{"share_on_lan": "yes", "metered": "maybe", "language": true}',
        '{"share_on_lan": 1, "metered": true}',
        '{"peers": ["192.168.1", "ftp://pc", 8471, "a b"], "peers_extra": 1}',
        '{"live_urls": ["file:///etc/passwd", "javascript:x", "http://", 3]}',
        '{"peers": {"a": 1}, "live_urls": "rtmp://x/y"}',
    ):
        (tmp_path / "settings.json").write_text(content, encoding="latin-1")
        assert Settings.load(tmp_path) == Settings()
    assert Settings.load(tmp_path / "missing") == Settings()


def publishers(page) -> list[str]:
    return [page.publishers.item(r, 0).text() for r in range(page.publishers.rowCount())]


def test_a_technician_trusts_and_untrusts_a_county_key(qtbot, window, keys, tmp_path) -> None:
    window.show_page("settings")
    page = window.settings_page
    assert publishers(page) == ["课包演示发布者"]
    assert page.trust_key_file(keys.private) is False  # the private half, by mistake
    assert ".pub" in page.trust_message.text() and publishers(page) == ["课包演示发布者"]
    (tmp_path / "broken.pub").write_bytes(b'{"kebao_public_key": 1, "algo')
    assert page.trust_key_file(tmp_path / "broken.pub") is False
    assert publishers(page) == ["课包演示发布者"]

    assert page.trust_key_file(keys.public)
    assert page.trust_message.text() == "已信任“测试县教育局”。"
    assert sorted(publishers(page)) == ["测试县教育局", "课包演示发布者"]
    assert window.library.trust.get(keys.key_id) is not None

    row = publishers(page).index("测试县教育局")
    page.publishers.setCurrentCell(row, 0)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    box = page.confirm_box
    qtbot.waitUntil(lambda: box is not None and box.isVisible())
    assert "测试县教育局" in box.text()
    box.button(QMessageBox.StandardButton.No).click()  # 取消: nothing changes
    assert window.library.trust.get(keys.key_id) is not None
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    page.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    assert window.library.trust.get(keys.key_id) is None
    assert publishers(page) == ["课包演示发布者"]
    assert page.trust_message.text() == "已不再信任“测试县教育局”。"


def test_lan_and_network_choices_are_kept_in_their_clean_form(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(
        json.dumps(
            {
                "share_on_lan": True,
                "metered": "yes",
                "peers": ["192.168.1.20", "http://192.168.1.20:8471/", "bad one", "pc-3.local"],
                "live_urls": [f"rtmp://live.example.cn/class/{i}" for i in range(8)],
            }
        ),
        encoding="utf-8",
    )
    s = Settings.load(tmp_path)
    assert s.share_on_lan is True and s.metered == "yes"
    assert s.peers == ["http://192.168.1.20:8471", "http://pc-3.local:8471"]
    assert s.live_urls == [f"rtmp://live.example.cn/class/{i}" for i in range(5)]  # the latest


def test_a_choice_made_here_keeps_what_other_pages_saved_since(qtbot, window) -> None:
    window.show_page("settings")
    page = window.settings_page
    data = window.library.data_dir
    later = Settings.load(data)
    later.subscriptions = ["demo.math.g3a"]  # 下载 subscribed while 设置 was open
    later.save(data)
    page.player.setCurrentIndex(page.player.findData("qt"))
    assert Settings.load(data).subscriptions == ["demo.math.g3a"]
    assert Settings.load(data).player == "qt"
