"""Every string a person sees has a Simplified Chinese translation, built by the project."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from app.qt import QCoreApplication, QTranslator

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("translations", ROOT / "tools" / "translations.py")
translations = importlib.util.module_from_spec(spec)
spec.loader.exec_module(translations)


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path: Path) -> None:
    # Refresh a copy of the .ts from the code as it is now: a new tr() string that nobody
    # translated shows up as unfinished.
    ts = tmp_path / "kebao_zh_CN.ts"
    shutil.copy(translations.TS, ts)
    lupdate = translations._tool("lupdate")
    subprocess.run(
        [lupdate, *map(str, translations.sources()), "-no-obsolete", "-ts", str(ts)],
        check=True,
        capture_output=True,
    )
    assert translations.untranslated(ts) == []
    assert ts.read_text(encoding="utf-8").count("<message") >= 30


def test_the_checker_notices_an_untranslated_string(tmp_path: Path) -> None:
    ts = tmp_path / "x.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?><TS version="2.1" language="zh_CN"><context>'
        "<name>X</name><message><source>New button</source>"
        '<translation type="unfinished"></translation></message></context></TS>',
        encoding="utf-8",
    )
    assert translations.untranslated(ts) == ["New button"]


def test_the_project_builds_the_qm_and_qt_reads_chinese_from_it(qapp, tmp_path: Path) -> None:
    qm = translations.build(tmp_path)
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.translate("LibraryPage", "Play") == "播放"
    assert translator.translate("Texts", "Lesson video") == "课程视频"
    QCoreApplication.installTranslator(translator)
    try:
        assert QCoreApplication.translate("MainWindow", "Library") == "资源库"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_the_check_command_passes() -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "translations.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout
