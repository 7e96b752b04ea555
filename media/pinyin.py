"""Pinyin keys for titles, so a teacher can type `fsdcbrs` or `fenshu` for 分数的初步认识.

>>> keys("分数的初步认识")
('fenshudechuburenshi', 'fsdcbrs')
>>> keys("第2课 几分之几")
('di2kejifenzhiji', 'd2kjfzj')
"""

from __future__ import annotations

import importlib
import re
import threading

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_LATIN = "\0"  # marks a run pypinyin could not romanise


def keys(title: str) -> tuple[str, str]:
    """(full pinyin, initials), lowercase, without spaces or punctuation.

    Runs of non-hanzi text (digits, Latin words) are kept whole in both keys.
    """
    # Imported here: loading pypinyin's dictionaries costs a quarter second, and only
    # catalog writes need it, not every command that opens the catalog.
    from pypinyin import lazy_pinyin

    full, initials = [], []
    for syllable in lazy_pinyin(title, errors=lambda run: [_LATIN + run]):
        clean = _NOT_ALNUM.sub("", syllable.lower())
        if not clean:
            continue
        full.append(clean)
        # A non-hanzi run (digits, a Latin word) is kept whole as its own "initial".
        initials.append(clean if syllable.startswith(_LATIN) else clean[0])
    return "".join(full), "".join(initials)


def load() -> None:
    """Load pypinyin now. Its import holds the GIL for ~100 ms in one call (decoding its
    dictionaries), so a GUI does it before its event loop starts, not during an import."""
    importlib.import_module("pypinyin")


def preload() -> None:
    """Start loading pypinyin in the background, e.g. while an import copies its files.

    If `keys` is called before it finished, Python's import lock makes it wait; nothing
    is loaded twice.
    """
    threading.Thread(target=importlib.import_module, args=("pypinyin",), daemon=True).start()
