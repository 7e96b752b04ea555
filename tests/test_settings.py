"""设置: language and player backend are kept; a damaged settings file never blocks start."""

from __future__ import annotations

import json
from pathlib import Path

from app.settings import Settings


def test_choices_are_saved_and_take_effect_next_start(qtbot, window) -> None:
    window.show_page("settings")
    page = window.settings_page
    assert page.language.currentText() == "简体中文"
    page.language.setCurrentIndex(page.language.findData("en"))
    page.player.setCurrentIndex(page.player.findData("qt"))
    assert "重新打开课包后生效" in page.restart_note.text()
    saved = json.loads((window.library.data_dir / "settings.json").read_text(encoding="utf-8"))
    assert saved == {"language": "en", "player": "qt"}
    assert Settings.load(window.library.data_dir) == Settings("en", "qt")


def test_a_damaged_or_strange_settings_file_gives_the_defaults(tmp_path: Path) -> None:
    for content in ("{not json", "[]", '{"language": "fr", "player": 3}', "\xff\xfe"):
        (tmp_path / "settings.json").write_text(content, encoding="latin-1")
        assert Settings.load(tmp_path) == Settings()
    assert Settings.load(tmp_path / "missing") == Settings()
