"""The bandwidth policy as tables: what may transfer when, in which order, how fast, and why.

2026-03-02 is a Monday; 03-03 Tuesday, 03-06 Friday, 03-07 Saturday, 03-08 Sunday.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from sync.policy import (
    ANY_TIME,
    EVERYTHING,
    JOURNAL_ONLY,
    Conditions,
    Policy,
    TransferClass,
    Window,
    decide,
    next_window_start,
)

J, S, P, R = (
    TransferClass.JOURNAL,
    TransferClass.SMALL_UPLOAD,
    TransferClass.PACKAGE_DOWNLOAD,
    TransferClass.RECORDING_UPLOAD,
)
CAP = 64 * 1024


def at(day: int, hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return datetime(2026, 3, day, int(hours), int(minutes))


@pytest.mark.parametrize(
    ("when", "big_runs"),
    [
        (at(3, "10:00"), False),  # Tuesday, second lesson
        (at(3, "11:59"), False),
        (at(3, "12:00"), True),  # 午休 begins
        (at(3, "13:59"), True),
        (at(3, "14:00"), False),  # afternoon lessons
        (at(3, "16:59"), False),
        (at(3, "17:00"), True),  # 放学
        (at(3, "23:00"), True),
        (at(3, "06:59"), True),  # the night window reaches into the morning ...
        (at(3, "07:00"), False),  # ... until the first lesson
        (at(2, "06:59"), True),  # Monday early morning too
        (at(6, "10:00"), False),  # Friday is a school day
        (at(7, "10:00"), True),  # Saturday
        (at(8, "23:59"), True),  # Sunday night
    ],
)
def test_a_package_download_runs_only_in_the_default_windows(
    when: datetime, big_runs: bool
) -> None:
    decision = decide(Policy(), Conditions(when, pending={P}))
    assert (decision.next is P) is big_runs
    assert (R in decision.allowed) is big_runs
    assert {J, S} <= decision.allowed  # records and small files go at any time
    assert decision.rate == (None if big_runs else CAP)  # in class: everything within 64 KB/s


def test_in_class_time_the_page_says_when_big_files_will_start() -> None:
    decision = decide(Policy(), Conditions(at(3, "10:00"), pending={P}))
    assert decision.reason == "上课时间，大文件（课程包、录像）等到 12:00 再传"
    assert decide(Policy(), Conditions(at(3, "14:30"))).reason.endswith("等到 17:00 再传")


@pytest.mark.parametrize(
    ("conditions", "allowed", "next_", "rate", "reason"),
    [
        # A live lesson keeps the line: only the journal, within the 64 KB/s cap, even
        # on a Saturday when big transfers would otherwise run unlimited.
        (
            Conditions(at(7, "10:00"), streaming_lesson=True, pending={J, P}),
            JOURNAL_ONLY,
            J,
            CAP,
            "正在播放网络课程：暂停其他传输，只同步学习记录",
        ),
        (
            Conditions(at(3, "10:00"), streaming_lesson=True, pending={S, P}),
            JOURNAL_ONLY,
            None,
            CAP,
            "正在播放网络课程",
        ),
        # A metered link (a phone's hotspot): learners' records only.
        (
            Conditions(at(7, "10:00"), metered=True, pending={S, P}),
            JOURNAL_ONLY,
            None,
            None,
            "按流量计费的网络：只同步学习记录",
        ),
        (
            Conditions(at(7, "10:00"), metered=True, streaming_lesson=True, pending={J}),
            JOURNAL_ONLY,
            J,
            CAP,
            "正在播放网络课程",
        ),
        # Priority: the highest class with work goes first, the others wait.
        (
            Conditions(at(7, "10:00"), pending={J, S, P, R}),
            EVERYTHING,
            J,
            None,
            "现在可以传输大文件",
        ),
        (Conditions(at(7, "10:00"), pending={S, P, R}), EVERYTHING, S, None, "现在"),
        (Conditions(at(7, "10:00"), pending={P, R}), EVERYTHING, P, None, "现在"),
        (Conditions(at(7, "10:00"), pending={R}), EVERYTHING, R, None, "现在"),
        (Conditions(at(7, "10:00"), pending=set()), EVERYTHING, None, None, "现在"),
        (Conditions(at(3, "10:00"), pending={S, P, R}), ANY_TIME, S, CAP, "上课时间"),
        (Conditions(at(3, "10:00"), pending={P, R}), ANY_TIME, None, CAP, "上课时间"),
    ],
)
def test_streaming_metered_and_priority(
    conditions: Conditions,
    allowed: frozenset[TransferClass],
    next_: TransferClass | None,
    rate: float | None,
    reason: str,
) -> None:
    decision = decide(Policy(), conditions)
    assert decision.allowed == allowed
    assert decision.next is next_
    assert decision.rate == rate
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("policy", "conditions", "allowed", "rate", "reason"),
    [
        # No daytime cap: small uploads at full speed in class time; big files still wait.
        (
            Policy(daytime_cap_bytes_per_s=None),
            Conditions(at(3, "10:00")),
            ANY_TIME,
            None,
            "上课时间",
        ),
        # A cap of 0: in class time only the journal, and it is not held back.
        (
            Policy(daytime_cap_bytes_per_s=0),
            Conditions(at(3, "10:00"), pending={S}),
            JOURNAL_ONLY,
            None,
            "上课时间，只同步学习记录；其他内容等到 12:00 再传",
        ),
        (Policy(daytime_cap_bytes_per_s=0), Conditions(at(3, "12:00")), EVERYTHING, None, "现在"),
        # A limit inside the windows, said on the page.
        (
            Policy(window_rate_bytes_per_s=512 * 1024),
            Conditions(at(3, "12:30")),
            EVERYTHING,
            512 * 1024,
            "现在可以传输大文件（限速 512 KB/s）",
        ),
        (
            Policy(window_rate_bytes_per_s=2 * 1024 * 1024),
            Conditions(at(7, "10:00")),
            EVERYTHING,
            2 * 1024 * 1024,
            "限速 2 MB/s",
        ),
        # Streaming inside a window: the lower of the two limits.
        (
            Policy(window_rate_bytes_per_s=1024 * 1024),
            Conditions(at(7, "10:00"), streaming_lesson=True),
            JOURNAL_ONLY,
            CAP,
            "正在播放",
        ),
        (
            Policy(daytime_cap_bytes_per_s=None, window_rate_bytes_per_s=1024 * 1024),
            Conditions(at(7, "10:00"), streaming_lesson=True),
            JOURNAL_ONLY,
            1024 * 1024,
            "正在播放",
        ),
        # The school allows a metered link for everything.
        (
            Policy(metered_journal_only=False),
            Conditions(at(7, "10:00"), metered=True),
            EVERYTHING,
            None,
            "现在",
        ),
        # No windows at all: big files never start by themselves, and the page says so.
        (
            Policy(windows=()),
            Conditions(at(7, "10:00")),
            ANY_TIME,
            CAP,
            "没有设置大文件传输时段：课程包和录像不会自动传输",
        ),
    ],
)
def test_caps_and_settings(
    policy: Policy,
    conditions: Conditions,
    allowed: frozenset[TransferClass],
    rate: float | None,
    reason: str,
) -> None:
    decision = decide(policy, conditions)
    assert decision.allowed == allowed
    assert decision.rate == rate
    assert reason in decision.reason


MONDAY_NOON = Policy(windows=(Window(frozenset({1}), "12:00", "14:00"),))
NIGHTS_ONLY = Policy(windows=(Window(frozenset({1, 2, 3, 4, 5}), "17:00", "07:00"),))


@pytest.mark.parametrize(
    ("policy", "now", "opens"),
    [
        (Policy(), at(3, "10:00"), at(3, "12:00")),
        (Policy(), at(3, "14:00"), at(3, "17:00")),
        (Policy(), at(3, "12:30"), at(3, "12:30")),  # open now
        (Policy(), at(6, "15:00"), at(6, "17:00")),
        (Policy(), datetime(2026, 3, 3, 11, 59, 59), at(3, "12:00")),
        (MONDAY_NOON, at(6, "15:00"), at(9, "12:00")),  # across the weekend
        (MONDAY_NOON, at(7, "09:00"), at(9, "12:00")),
        (MONDAY_NOON, at(9, "14:00"), datetime(2026, 3, 16, 12, 0)),  # a week later
        (NIGHTS_ONLY, at(6, "07:00"), at(6, "17:00")),
        # Friday's night window ends at 24:00: Saturday and Sunday have none, so after
        # the weekend the next is Monday's early morning.
        (NIGHTS_ONLY, at(7, "03:00"), at(9, "00:00")),
        (Policy(windows=()), at(3, "10:00"), None),
    ],
)
def test_next_window_start(policy: Policy, now: datetime, opens: datetime | None) -> None:
    assert next_window_start(policy, now) == opens


@pytest.mark.parametrize(
    ("policy", "now", "said"),
    [
        (MONDAY_NOON, at(6, "15:00"), "等到 星期一 12:00 再传"),
        (
            Policy(windows=(Window(frozenset({3}), "12:00", "14:00"),)),
            at(3, "15:00"),
            "等到 明天 12:00 再传",
        ),
    ],
)
def test_the_page_names_the_day_when_the_window_is_not_today(
    policy: Policy, now: datetime, said: str
) -> None:
    assert said in decide(policy, Conditions(now)).reason


def test_the_reason_is_english_for_an_english_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEBAO_LANG", "en")
    reason = decide(Policy(), Conditions(at(3, "10:00"), pending={P})).reason
    assert reason == "Class time: large files (packages, recordings) wait until 12:00"
    assert "Monday 12:00" in decide(MONDAY_NOON, Conditions(at(6, "15:00"))).reason


DEFAULT = Policy()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, DEFAULT),
        ("garbage", DEFAULT),
        ([], DEFAULT),
        ({}, DEFAULT),
        ({"daytime_cap_bytes_per_s": "fast"}, DEFAULT),
        ({"daytime_cap_bytes_per_s": -1}, DEFAULT),
        ({"daytime_cap_bytes_per_s": True}, DEFAULT),
        ({"daytime_cap_bytes_per_s": float("inf")}, DEFAULT),
        ({"daytime_cap_bytes_per_s": 0}, Policy(daytime_cap_bytes_per_s=0)),
        ({"daytime_cap_bytes_per_s": None}, Policy(daytime_cap_bytes_per_s=None)),
        ({"daytime_cap_bytes_per_s": 131072.0}, Policy(daytime_cap_bytes_per_s=131072)),
        ({"window_rate_bytes_per_s": 0}, DEFAULT),  # would stop big transfers for good
        ({"window_rate_bytes_per_s": float("nan")}, DEFAULT),
        ({"window_rate_bytes_per_s": 1048576}, Policy(window_rate_bytes_per_s=1048576)),
        ({"metered_journal_only": "yes"}, DEFAULT),
        ({"metered_journal_only": False}, Policy(metered_journal_only=False)),
        ({"windows": "always"}, DEFAULT),
        ({"windows": [{"days": [8], "start": "12:00", "end": "14:00"}]}, DEFAULT),
        ({"windows": [{"days": [], "start": "12:00", "end": "14:00"}]}, DEFAULT),
        ({"windows": [{"days": [[1]], "start": "12:00", "end": "14:00"}]}, DEFAULT),
        ({"windows": [{"days": [True], "start": "12:00", "end": "14:00"}]}, DEFAULT),
        ({"windows": [{"days": [1], "start": "12:00", "end": "12:00"}]}, DEFAULT),
        ({"windows": [{"days": [1], "start": "24:00", "end": "07:00"}]}, DEFAULT),
        ({"windows": [{"days": [1], "start": "12:60", "end": "14:00"}]}, DEFAULT),
        ({"windows": [{"days": [1], "start": "noon", "end": "14:00"}]}, DEFAULT),
        ({"windows": [{"days": [1], "start": 720, "end": "14:00"}]}, DEFAULT),
        ({"windows": [1, 2]}, DEFAULT),
        ({"windows": []}, Policy(windows=())),
        (
            {"windows": [{"days": [6, 7], "start": "08:00", "end": "24:00"}]},
            Policy(windows=(Window(frozenset({6, 7}), "08:00", "24:00"),)),
        ),
        # Field by field: one bad time keeps the user's cap, and the other way round.
        (
            {
                "windows": [{"days": [1], "start": "25:00", "end": "26:00"}],
                "daytime_cap_bytes_per_s": 16384,
            },
            Policy(daytime_cap_bytes_per_s=16384),
        ),
        (
            {"windows": [], "daytime_cap_bytes_per_s": "lots", "metered_journal_only": False},
            Policy(windows=(), metered_journal_only=False),
        ),
    ],
)
def test_a_damaged_setting_falls_back_to_its_default(raw: object, expected: Policy) -> None:
    assert Policy.from_dict(raw) == expected


def test_settings_survive_a_save_and_load_through_json() -> None:
    policy = Policy(
        windows=(
            Window(frozenset({1, 3, 5}), "11:30", "13:30"),
            Window(frozenset({6}), "20:00", "06:00"),
        ),
        daytime_cap_bytes_per_s=0,
        window_rate_bytes_per_s=256 * 1024,
        metered_journal_only=False,
    )
    saved = json.dumps(policy.to_dict(), ensure_ascii=False)
    assert Policy.from_dict(json.loads(saved)) == policy
    assert json.loads(json.dumps(Policy().to_dict()))["windows"][1] == {
        "days": [1, 2, 3, 4, 5],
        "start": "17:00",
        "end": "07:00",
    }
