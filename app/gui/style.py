"""Look and size: readable from the back of a classroom, touchable on a 班班通 screen."""

from __future__ import annotations

from app.qt import QApplication, QFont, QFontDatabase, QPushButton, QSizePolicy

CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC")
TOUCH_MIN = 48  # px: the smallest thing a finger must hit
BIG = 64  # px: classroom controls

STYLE_SHEET = f"""
QWidget {{ font-size: 16pt; }}
QPushButton {{ min-height: {TOUCH_MIN}px; padding: 4px 16px; }}
QPushButton#nav {{ text-align: left; min-height: {BIG}px; font-size: 18pt; border: none; }}
QPushButton#nav:checked {{ background: #2f6f4f; color: white; }}
QLineEdit, QComboBox {{ min-height: {TOUCH_MIN}px; }}
QCheckBox {{ min-height: {TOUCH_MIN}px; spacing: 12px; }}
QCheckBox::indicator {{ width: 28px; height: 28px; }}
QLabel#lesson-title {{ font-size: 24pt; font-weight: bold; }}
QLabel#breadcrumb {{ color: #555; }}
QTreeWidget::item, QListWidget::item {{ min-height: {TOUCH_MIN}px; }}
"""


def apply(app: QApplication) -> None:
    """Pick a font that has Chinese glyphs and apply the style sheet."""
    families = set(QFontDatabase.families())
    for family in CJK_FONTS:
        if family in families:
            app.setFont(QFont(family, 12))
            break
    app.setStyleSheet(STYLE_SHEET)


def big_button(text: str) -> QPushButton:
    b = QPushButton(text)
    b.setMinimumHeight(BIG)
    b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return b
