"""The .srt reader behind the Qt player's subtitles: encodings, sloppy files, the cue shown."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from conftest import SRT

from app.subtitles import MAX_BYTES, Cue, decode, parse, read, text_at

LESSON = "1\n00:00:01,000 --> 00:00:03,500\n同学们好，\n今天我们学习分数。\n\n2\n00:00:04,000 --> 00:00:05,000\n请看屏幕。\n"
LESSON_CUES = [Cue(1000, 3500, "同学们好，\n今天我们学习分数。"), Cue(4000, 5000, "请看屏幕。")]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("分数".encode(), "分数"),
        (codecs.BOM_UTF8 + "分数".encode(), "分数"),  # Windows Notepad's "UTF-8 with BOM"
        ("分数的初步认识".encode("gbk"), "分数的初步认识"),  # Chinese Windows editors
        ("𠀀汉字".encode("gb18030"), "𠀀汉字"),  # GB18030 beyond GBK
        ("分数".encode("utf-16"), "分数"),  # Notepad's "Unicode" (UTF-16 with a BOM)
        (codecs.BOM_UTF16_BE + "分数".encode("utf-16-be"), "分数"),
        (b"plain ascii", "plain ascii"),
        (b"ab\x80cd", "ab\ufffdcd"),  # neither UTF-8 nor GB18030: shown, not refused
        (codecs.BOM_UTF16_LE + "分".encode("utf-16-le") + b"\x00", "分\ufffd"),  # cut short
    ],
)
def test_decoding(data: bytes, text: str) -> None:
    assert decode(data) == text


@pytest.mark.parametrize(
    ("source", "cues"),
    [
        (LESSON, LESSON_CUES),
        (LESSON.replace("\n", "\r\n"), LESSON_CUES),  # CRLF, as Windows tools write
        (LESSON.replace("\n", "\r"), LESSON_CUES),  # old Mac line ends
        ("\n\n" + LESSON + "\n\n\n", LESSON_CUES),  # blank lines around
        (LESSON.replace("1\n", "", 1).replace("2\n", "", 1), LESSON_CUES),  # no cue numbers
        (LESSON.replace("\n\n", "\n"), LESSON_CUES),  # no blank line between cues
        (LESSON.replace(",", "."), LESSON_CUES),  # "." before the milliseconds
        ("00:01:02,5 --> 1:01:02,25\n一\n", [Cue(62_500, 3_662_250, "一")]),  # short fields
        ("01:02 --> 01:03,100\n二\n", [Cue(62_000, 63_100, "二")]),  # no hours
        (  # positions after the timing, tags in the text
            "1\n00:00:01,000 --> 00:00:02,000 X1:40 X2:600 Y1:20 Y2:50\n"
            '{\\an8}<i>注意</i> <font color="#ff0000">重点</font>\n',
            [Cue(1000, 2000, "注意 重点")],
        ),
        (  # later cues first in the file, overlapping ones kept
            "2\n00:00:05,000 --> 00:00:06,000\n后\n\n1\n00:00:01,000 --> 00:00:05,500\n前\n",
            [Cue(1000, 5500, "前"), Cue(5000, 6000, "后")],
        ),
        (  # broken blocks are skipped, the rest kept
            "1\n00:00:0x,000 --> 00:00:02,000\n坏\n\n2\n00:00:03,000 --> 00:00:02,000\n倒\n\n"
            "3\n00:00:04,000 --> 00:00:05,000\n\n4\n00:00:06,000 --> 00:00:07,000\n好\n",
            [Cue(6000, 7000, "好")],
        ),
        ("", []),
        ("这不是字幕文件\n只是一些文字\n", []),
    ],
)
def test_parsing(source: str, cues: list[Cue]) -> None:
    assert parse(source) == cues


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, ""),  # before the first cue
        (999, ""),
        (1000, "前"),  # a cue starts at its start
        (4999, "前"),
        (5000, "前\n后"),  # overlapping cues, one per line
        (5499, "前\n后"),
        (5500, "后"),  # a cue ends just before its end
        (6000, ""),
        (60_000, ""),  # after the last
    ],
)
def test_the_text_at_a_time(ms: int, text: str) -> None:
    cues = [Cue(1000, 5500, "前"), Cue(5000, 6000, "后")]
    assert text_at(cues, ms) == text
    assert text_at([], ms) == ""


def test_reading_files(tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.srt"
    gbk.write_bytes(SRT.encode("gbk"))
    assert [c.text for c in read(gbk)] == ["同学们好，今天我们学习分数。", "请看屏幕。"]
    bom = tmp_path / "bom.srt"
    bom.write_bytes(codecs.BOM_UTF8 + SRT.replace("\n", "\r\n").encode())
    assert read(bom) == read(gbk)
    huge = tmp_path / "huge.srt"
    huge.write_bytes(SRT.encode() * (MAX_BYTES // len(SRT.encode()) + 1))
    assert read(huge) == []  # not a subtitle file: not read into memory
    with pytest.raises(OSError):
        read(tmp_path / "missing.srt")
