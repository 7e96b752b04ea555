"""The player engine against real libvlc: real MP4s, dummy audio/video outputs, real events.

Waits are on events with generous timeouts (a noisy 2-core VM), never on sleeps; the
few short sleeps below are the thing measured (a paused position must not move).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SRT, make_video

from media.player import (
    HEADLESS_OPTIONS,
    SKIP_MS,
    EventKind,
    PlayerEvent,
    PlayerState,
    PlayerUnavailable,
    VlcEngine,
    clamp_position,
    clamp_rate,
    clamp_volume,
)

TIMEOUT = 20.0
SECONDS = 5
DURATION_MS = SECONDS * 1000


class Recorder:
    """The `notify` callable: keeps every event with its arrival time; tests wait on it."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, PlayerEvent]] = []
        self._cond = threading.Condition()

    def __call__(self, event: PlayerEvent) -> None:
        with self._cond:
            self.seen.append((time.monotonic(), event))
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.seen)

    def wait(
        self,
        kind: EventKind,
        where: Callable[[PlayerEvent], bool] = lambda _e: True,
        after: int = 0,
        timeout: float = TIMEOUT,
    ) -> PlayerEvent:
        """The first event of `kind` (matching `where`) that arrived after mark `after`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for _t, event in self.seen[after:]:
                    if event.kind is kind and where(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    tail = [(e.kind.value, e.value) for _t, e in self.seen[after:]][-12:]
                    pytest.fail(f"no matching {kind.value} event within {timeout} s; last: {tail}")
                self._cond.wait(remaining)

    def kinds(self, after: int = 0) -> list[EventKind]:
        with self._cond:
            return [e.kind for _t, e in self.seen[after:]]

    def times(self, after: int = 0) -> list[tuple[float, int]]:
        with self._cond:
            return [(t, e.value) for t, e in self.seen[after:] if e.kind is EventKind.TIME]


@pytest.fixture(scope="module")
def lesson(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 5 s lesson video and its subtitles, named in Chinese as teachers name them."""
    folder = tmp_path_factory.mktemp("player") / "第八单元 分数"
    video = folder / "第1课 分数的初步认识.mp4"
    make_video(video, seconds=SECONDS, size="320x240")
    srt = folder / "第1课 分数的初步认识.srt"
    srt.write_text(SRT, encoding="utf-8")
    return video, srt


@pytest.fixture
def events() -> Recorder:
    return Recorder()


@pytest.fixture
def engine(events: Recorder) -> Iterator[VlcEngine]:
    try:
        player = VlcEngine(events, options=HEADLESS_OPTIONS)
    except PlayerUnavailable as err:
        pytest.skip(f"libvlc cannot be loaded here ({err}); install libvlc5 and vlc-plugin-base")
    yield player
    player.release()


def start(engine: VlcEngine, events: Recorder, video: Path, **load: object) -> None:
    engine.load(video, **load)
    engine.play()
    events.wait(EventKind.PLAYING)


def test_plays_with_first_frame_length_and_advancing_time(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    engine.load(lesson[0])
    assert engine.state() is PlayerState.IDLE
    engine.play()
    events.wait(EventKind.PLAYING)
    events.wait(EventKind.FIRST_FRAME)
    length = events.wait(EventKind.LENGTH, lambda e: e.value > 0).value
    assert abs(length - DURATION_MS) <= 300
    assert abs(engine.duration_ms() - DURATION_MS) <= 300
    events.wait(EventKind.TIME, lambda e: e.value >= 1000)
    assert engine.state() is PlayerState.PLAYING
    assert engine.time_ms() >= 1000
    kinds = events.kinds()
    assert kinds.count(EventKind.FIRST_FRAME) == 1
    assert kinds.index(EventKind.PLAYING) < kinds.index(EventKind.TIME)


def test_pause_holds_the_position_and_play_resumes_from_it(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    start(engine, events, lesson[0])
    events.wait(EventKind.TIME, lambda e: e.value >= 500)
    engine.toggle_pause()
    events.wait(EventKind.PAUSED)
    assert engine.state() is PlayerState.PAUSED
    held = engine.time_ms()
    mark = events.mark()
    time.sleep(1.5)  # the measurement itself: a paused lesson must not move
    assert engine.time_ms() == held
    assert all(abs(ms - held) <= 100 for _t, ms in events.times(mark))

    engine.toggle_pause()
    events.wait(EventKind.PLAYING, after=mark)
    resumed = events.wait(EventKind.TIME, lambda e: e.value > held, after=mark).value
    assert resumed - held <= 1000  # from where it stopped, not from the start or the end


@pytest.mark.parametrize(
    ("ms", "duration_ms", "lands"),
    [
        (3500, 5000, 3500),
        (-6500, 5000, 0),  # skip back from 3.5 s: the start
        (15_000, 5000, 5000),  # skip past the end: the end
        (15_000, 0, 15_000),  # length not known yet: not clamped from above
        (-1, 0, 0),
    ],
)
def test_a_seek_lands_inside_the_media(ms: int, duration_ms: int, lands: int) -> None:
    assert clamp_position(ms, duration_ms) == lands


@pytest.mark.parametrize(
    ("rate", "kept"), [(1.0, 1.0), (1.25, 1.25), (0.1, 0.5), (3.0, 2.0), (0.5, 0.5), (2.0, 2.0)]
)
def test_the_speed_stays_between_half_and_double(rate: float, kept: float) -> None:
    assert clamp_rate(rate) == kept


@pytest.mark.parametrize(
    ("volume", "kept"), [(50, 50), (0, 0), (100, 100), (-5, 0), (120, 100), (67.9, 67)]
)
def test_the_volume_is_a_whole_number_from_0_to_100(volume: float, kept: int) -> None:
    assert clamp_volume(volume) == kept


def test_seek_and_skip_land_on_the_target_and_clamp_to_the_media(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    def paused() -> None:
        mark = events.mark()
        engine.pause()
        events.wait(EventKind.PAUSED, after=mark)

    def resumed_at() -> int:
        """Play on; the first position libvlc reports (a paused input reports none)."""
        mark = events.mark()
        engine.play()
        return events.wait(EventKind.TIME, after=mark).value

    start(engine, events, lesson[0])
    events.wait(EventKind.TIME, lambda e: e.value > 0)
    paused()
    engine.seek(3500)
    assert engine.time_ms() == 3500  # the seek bar follows at once
    assert 3400 <= resumed_at() <= 4300

    paused()
    engine.skip(-SKIP_MS)  # back 10 s from ~3.5 s: the start, not an error
    assert engine.time_ms() == 0
    assert resumed_at() <= 800

    paused()
    target = engine.time_ms() + 1200
    engine.skip(1200)
    assert target - 100 <= resumed_at() <= target + 800

    mark = events.mark()
    engine.skip(SKIP_MS)  # past the end: lands on the end
    assert engine.time_ms() == engine.duration_ms()
    events.wait(EventKind.ENDED, after=mark)
    assert engine.state() is PlayerState.ENDED


def test_double_speed_plays_twice_as_fast_to_the_end(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    engine.set_rate(5.0)
    assert engine.rate() == 2.0
    engine.set_rate(0.1)
    assert engine.rate() == 0.5
    engine.set_rate(2.0)
    engine.set_volume(150)
    assert engine.volume() == 100  # dummy audio has no volume to read back; the clamp is ours
    engine.set_volume(-3)
    assert engine.volume() == 0

    started = time.monotonic()
    start(engine, events, lesson[0])
    ended = events.wait(EventKind.ENDED)
    wall = time.monotonic() - started
    assert abs(ended.value - DURATION_MS) <= 300
    assert engine.state() is PlayerState.ENDED
    assert engine.time_ms() == ended.value
    samples = events.times()
    (t0, ms0), (t1, ms1) = samples[0], samples[-1]
    speed = (ms1 - ms0) / 1000 / (t1 - t0)
    assert 1.6 <= speed <= 2.6, f"{speed:.2f}× over {t1 - t0:.1f} s"
    assert wall < SECONDS * 0.9, f"a {SECONDS} s lesson at 2× took {wall:.1f} s"


def test_after_the_end_play_starts_over_and_seek_plays_from_the_target(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    start(engine, events, lesson[0], start_ms=3500)
    events.wait(EventKind.ENDED)

    mark = events.mark()
    engine.play()
    events.wait(EventKind.PLAYING, after=mark)
    events.wait(EventKind.TIME, lambda e: e.value < 1000, after=mark)
    engine.skip(SKIP_MS)
    events.wait(EventKind.ENDED, after=mark)

    mark = events.mark()
    engine.seek(4000)
    events.wait(EventKind.PLAYING, after=mark)
    first = events.wait(EventKind.TIME, after=mark).value
    assert 3900 <= first <= 4800
    events.wait(EventKind.ENDED, after=mark)

    mark = events.mark()
    engine.stop()
    assert engine.state() is PlayerState.IDLE
    engine.play()
    first = events.wait(EventKind.TIME, after=mark).value
    assert first < 1000  # stop forgets the position


def test_resume_starts_at_start_ms(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    engine.load(lesson[0], start_ms=3000)
    assert engine.time_ms() == 3000  # the seek bar shows the resume point before play
    engine.play()
    events.wait(EventKind.FIRST_FRAME)
    first = events.wait(EventKind.TIME).value
    assert 2900 <= first <= 3800
    events.wait(EventKind.TIME, lambda e: e.value >= first + 400)
    assert min(ms for _t, ms in events.times()) >= 2900  # frame 0 never showed


def test_subtitles_are_registered_and_toggle_off_and_on(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    video, srt = lesson
    start(engine, events, video)
    assert engine.subtitle_tracks() == []  # the video itself has none

    mark = events.mark()
    start(engine, events, video, subtitles=[srt])
    events.wait(EventKind.TIME, after=mark)
    tracks = engine.subtitle_tracks()
    assert len(tracks) == 1
    assert engine.subtitle_track() == tracks[0]
    assert engine.subtitles_on()

    engine.set_subtitles(False)
    assert engine.subtitle_track() is None
    engine.set_subtitles(True)
    assert engine.subtitle_track() == tracks[0]

    # Off is remembered for the next lesson: its track is there, not shown, and comes back.
    engine.set_subtitles(False)
    mark = events.mark()
    start(engine, events, video, subtitles=[srt])
    events.wait(EventKind.TIME, after=mark)
    assert len(engine.subtitle_tracks()) == 1
    assert engine.subtitle_track() is None
    engine.set_subtitles(True)
    assert engine.subtitle_track() == engine.subtitle_tracks()[0]


def test_subtitles_turned_off_before_play_stay_off(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path]
) -> None:
    video, srt = lesson
    engine.load(video, subtitles=[srt], start_ms=1000)
    engine.set_subtitles(False)
    engine.play()
    first = events.wait(EventKind.TIME).value
    assert first >= 900  # reopening for the subtitle choice kept the resume point
    assert len(engine.subtitle_tracks()) == 1
    assert engine.subtitle_track() is None


@pytest.mark.parametrize("case", ["missing", "empty", "garbage"])
def test_a_broken_file_is_an_error_not_a_hang_and_the_player_recovers(
    engine: VlcEngine, events: Recorder, lesson: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    broken = tmp_path / f"{case}.mp4"
    if case == "empty":
        broken.write_bytes(b"")
    elif case == "garbage":
        broken.write_bytes(os.urandom(300_000))
    engine.load(broken)
    engine.play()
    error = events.wait(EventKind.ERROR)
    assert "无法播放" in error.message
    assert engine.state() is PlayerState.ERROR
    assert EventKind.FIRST_FRAME not in events.kinds()

    mark = events.mark()
    start(engine, events, lesson[0])
    events.wait(EventKind.TIME, lambda e: e.value > 0, after=mark)
    assert engine.state() is PlayerState.PLAYING


def test_release_while_playing_is_clean_and_silent(
    events: Recorder, lesson: tuple[Path, Path]
) -> None:
    try:
        engine = VlcEngine(events, options=HEADLESS_OPTIONS)
    except PlayerUnavailable as err:
        pytest.skip(f"libvlc cannot be loaded here ({err})")
    start(engine, events, lesson[0])
    events.wait(EventKind.TIME, lambda e: e.value > 0)
    engine.release()
    mark = events.mark()
    time.sleep(1.0)  # the measurement: nothing may arrive after release()
    assert events.kinds(mark) == []
    engine.release()  # twice is harmless (window closed while the app quits)


def test_without_libvlc_the_engine_says_what_to_install() -> None:
    code = (
        "from media.player import VlcEngine, PlayerUnavailable, libvlc_version\n"
        "assert libvlc_version() is None\n"
        "try:\n    VlcEngine(print)\nexcept PlayerUnavailable as err:\n    print(err)\n"
    )
    env = {**os.environ, "PYTHON_VLC_LIB_PATH": "/nonexistent/libvlc.so.5", "KEBAO_LANG": "zh"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "未找到 VLC 播放组件（libvlc）；请安装 VLC 或使用 Qt 播放器"


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A private X server; its display name (":N"), chosen by Xvfb itself."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.xvfb
def test_the_video_is_drawn_into_a_real_window(xvfb: str, lesson: tuple[Path, Path]) -> None:
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "player_window.py"), str(lesson[0])],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["problem"] == "", seen
    assert seen["first_frame_s"] is not None and seen["played_ms"] >= 900, seen
    assert seen["before"]["nonblack"] < 0.02, seen  # the check can tell black from video
    assert seen["during"]["nonblack"] > 0.6, seen
    assert seen["during"]["mean"] > 60, seen
    assert seen["during"]["colours"] >= 8, seen  # colour bars, not a grey or white box
