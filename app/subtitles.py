"""SubRip (.srt) subtitles for the Qt player, which (unlike libvlc) cannot show them itself.

    cues = read(Path("第1课.srt"))
    text_at(cues, 95_000)  # "同学们好，今天我们学习分数。" or "" between cues

Plain Python, no Qt. Lesson subtitles come from many tools: UTF-8 with or
without a BOM, GBK (what Chinese Windows editors save), UTF-16 from Notepad's "Unicode";
CRLF or LF; hours with one digit; "." instead of ","; cue numbers missing; HTML-ish tags
(<i>, <font color=...>) and ASS positioning ({\\an8}). The parser reads all of these and
skips a broken block instead of failing the whole file, so one bad cue never costs a
class its subtitles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.encoding import decode_text

MAX_BYTES = 4 * 1024 * 1024  # a 45-minute lesson's .srt is ~50 KB; refuse anything absurd

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[,.:](\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_TAGS = re.compile(r"</?(?:i|b|u|s|font)(?:\s[^>]*)?>|\{\\[^}]*\}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle: shown from `start_ms` up to (not including) `end_ms`."""

    start_ms: int
    end_ms: int
    text: str


def decode(data: bytes) -> str:
    """The text of a subtitle file: UTF-16 or UTF-8 by BOM, else UTF-8, else GBK (GB18030).

    Never fails: a subtitle with a few unreadable bytes is still worth showing.
    """
    return decode_text(data, errors="replace")


def _ms(hours: str | None, minutes: str, seconds: str, fraction: str | None) -> int:
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def parse(text: str) -> list[Cue]:
    """The cues of an .srt text, sorted by start; blocks without a valid timing are skipped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[Cue] = []
    i = 0
    while i < len(lines):
        timing = _TIMING.match(lines[i])
        i += 1
        if timing is None:
            continue  # a cue number, a blank line or garbage between blocks
        start, end = _ms(*timing.groups()[:4]), _ms(*timing.groups()[4:])
        body: list[str] = []
        while i < len(lines) and lines[i].strip() and not _TIMING.match(lines[i]):
            body.append(lines[i])
            i += 1
        # A cue number directly above the next timing line is not part of this cue's text.
        if body and i < len(lines) and _TIMING.match(lines[i]) and body[-1].strip().isdigit():
            body.pop()
        words = "\n".join(_TAGS.sub("", line).strip() for line in body).strip()
        if end > start and words:
            cues.append(Cue(start, end, words))
    cues.sort(key=lambda c: (c.start_ms, c.end_ms))
    return cues


def read(path: Path) -> list[Cue]:
    """The cues of an .srt file; OSError when it cannot be read, [] when it holds none."""
    with path.open("rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return []
    return parse(decode(data))


def text_at(cues: Sequence[Cue], ms: int) -> str:
    """What to show at `ms`: the text of every cue on screen then (overlaps one per line)."""
    return "\n".join(c.text for c in cues if c.start_ms <= ms < c.end_ms)
