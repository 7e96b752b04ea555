"""The text encodings of files schools bring: subtitles, rosters, whatever Windows tools saved.

>>> decode_text("三年级1班".encode("gbk"))
'三年级1班'
"""

from __future__ import annotations

import codecs


def decode_text(data: bytes, errors: str = "strict") -> str:
    """UTF-16 by its BOM, else UTF-8 (with or without a BOM), else GB18030.

    Bytes none of them can read raise UnicodeDecodeError with `errors="strict"`; with
    `errors="replace"` they become U+FFFD, read as UTF-8 (or as UTF-16 after its BOM).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: every file either of them wrote.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors)  # with "strict", raises as utf-8-sig did
