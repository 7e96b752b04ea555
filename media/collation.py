"""Natural order for names people give folders: 第2课 before 第10课, 第三单元 before 第十单元.

>>> sorted(["第十单元", "第二单元", "第10课", "第2课"], key=natural_key)
['第2课', '第10课', '第二单元', '第十单元']
"""

from __future__ import annotations

import re

from natsort import natsort_keygen

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100}
_NUMERAL_RUN = re.compile("[零〇一二两三四五六七八九十百]+")
_natsort = natsort_keygen()


def chinese_number(run: str) -> int:
    """The value of a Chinese numeral up to the hundreds (十二 = 12, 一百零五 = 105)."""
    if not any(ch in _UNITS for ch in run):
        return int("".join(str(_DIGITS[ch]) for ch in run))  # 二〇二四 = 2024
    total, digit = 0, 0
    for ch in run:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
    return total + digit


def natural_key(name: str) -> tuple:
    """Sort key treating Arabic and Chinese numerals as numbers."""
    return _natsort(_NUMERAL_RUN.sub(lambda m: str(chinese_number(m.group())), name))
