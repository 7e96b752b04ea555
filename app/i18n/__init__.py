"""Translations: Kebao's own (`kebao_<lang>.qm`, built from the `.ts` by
`tools/translations.py build`) and Qt's (standard dialogs, buttons).

Source strings in the code are English; Simplified Chinese is the default language.
"""

from __future__ import annotations

from pathlib import Path

from app.qt import QApplication, QLibraryInfo, QLocale, QTranslator
from media.errors import language

FOLDER = Path(__file__).resolve().parent
LANGUAGES = {"zh": "zh_CN", "en": "en"}

_installed: list[QTranslator] = []


def install(app: QApplication, lang: str | None = None) -> str:
    """Load the translations for `lang` (default from KEBAO_LANG, Chinese); returns it."""
    lang = lang or language()
    locale = LANGUAGES.get(lang, "zh_CN")
    if locale == "en":
        return "en"
    QLocale.setDefault(QLocale(locale))
    for folder, name in (
        (QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath), f"qtbase_{locale}"),
        (str(FOLDER), f"kebao_{locale}"),
    ):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
    return "zh"
