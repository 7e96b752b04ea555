"""Qt's own player (QtMultimedia with its FFmpeg backend, offscreen): the same events as
libvlc's engine, the .srt overlay, and the choice between the two players."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EVENT_TIMEOUT_MS, ROOT, headless_engine, make_video
from httpfolder import HLS, make_hls, serve_folder

from app import i18n
from app.player_backend import NoPlayer, backend_notice, make_engine
from app.player_qt import TIME_STEP_MS, QtEngine, QtPlayerUnavailable
from app.qt import QApplication, QObject, QVBoxLayout, QWidget, Signal
from app.subtitles import read, text_at
from media.player import (
    EventKind,
    PlaybackFailed,
    PlayerEvent,
    PlayerState,
    PlayerUnavailable,
    VlcEngine,
)

SECONDS = 4
CUE_1, CUE_2 = "同学们好，今天我们学习分数。", "请看屏幕。"
SRT = f"1\r\n00:00:00,000 --> 00:00:01,500\r\n{CUE_1}\r\n\r\n2\r\n00:00:01,500 --> 00:00:03,000\r\n{CUE_2}\r\n"
FALLBACK = "未找到 VLC，已改用 Qt 自带播放器；部分格式（如 RMVB、FLV）可能无法播放"
INSTALL_VLC = "请安装 VLC 播放器（videolan.org）后重新打开课包"


@pytest.fixture(scope="module")
def lesson(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 4 s video (640×360 colour bars) and its subtitles, saved by a Chinese Windows editor."""
    folder = tmp_path_factory.mktemp("qt-lesson")
    video = folder / "分数的初步认识.mp4"
    make_video(video, seconds=SECONDS, size="640x360")
    srt = folder / "分数的初步认识.srt"
    srt.write_bytes(SRT.encode("gbk"))
    return video, srt


class Events(QObject):
    """What the engine reported, in order, with `wait` for the next one of a kind."""

    seen = Signal(object)

    def __init__(self, qtbot) -> None:
        super().__init__()
        self.qtbot = qtbot
        self.list: list[PlayerEvent] = []

    def add(self, event: PlayerEvent) -> None:
        self.list.append(event)
        self.seen.emit(event)

    def mark(self) -> int:
        return len(self.list)

    def wait(self, kind: EventKind, after: int = 0, check=lambda _e: True) -> PlayerEvent:
        def found() -> PlayerEvent | None:
            return next(
                (e for e in self.list[after:] if e.kind is kind and check(e)),
                None,
            )

        self.qtbot.waitUntil(lambda: found() is not None, timeout=EVENT_TIMEOUT_MS)
        event = found()
        assert event is not None
        return event

    def kinds(self, after: int = 0) -> list[EventKind]:
        return [e.kind for e in self.list[after:] if e.kind is not EventKind.TIME]

    def times(self, after: int = 0, before: int | None = None) -> list[int]:
        return [e.value for e in self.list[after:before] if e.kind is EventKind.TIME]


@pytest.fixture
def player(qtbot) -> tuple[QtEngine, Events]:
    events = Events(qtbot)
    engine = QtEngine(events.add)
    qtbot.addWidget(engine.video_widget())
    engine.video_widget().resize(640, 360)
    engine.video_widget().show()
    yield engine, events
    engine.release()


def test_a_lesson_plays_pauses_seeks_and_ends(player, lesson) -> None:
    engine, events = player
    engine.load(lesson[0])
    assert engine.state() is PlayerState.IDLE
    engine.play()
    assert engine.state() is PlayerState.OPENING
    events.wait(EventKind.FIRST_FRAME)
    length = events.wait(EventKind.LENGTH).value
    assert abs(length - SECONDS * 1000) < 150
    assert engine.duration_ms() == length
    # libvlc's order: the length, then playing, then the first picture.
    assert events.kinds()[:3] == [EventKind.LENGTH, EventKind.PLAYING, EventKind.FIRST_FRAME]
    assert engine.state() is PlayerState.PLAYING

    events.wait(EventKind.TIME, check=lambda e: e.value >= 2 * TIME_STEP_MS)
    mark = events.mark()
    engine.pause()
    events.wait(EventKind.PAUSED, mark)
    assert engine.state() is PlayerState.PAUSED
    first_run = events.times(before=mark)
    assert first_run == sorted(first_run) and len(first_run) >= 2
    # TIME at libvlc's pace, not QMediaPlayer's 20 a second.
    assert all(b - a >= TIME_STEP_MS for a, b in itertools.pairwise(first_run))

    engine.seek(2_500)
    assert engine.time_ms() == 2_500
    assert engine.state() is PlayerState.PAUSED
    mark = events.mark()
    engine.toggle_pause()
    events.wait(EventKind.PLAYING, mark)
    resumed = events.wait(EventKind.TIME, mark)
    assert 2_500 <= resumed.value < SECONDS * 1000  # from where it was sought to
    ended = events.wait(EventKind.ENDED, mark)
    assert abs(ended.value - length) < 150
    assert engine.state() is PlayerState.ENDED
    assert engine.time_ms() == engine.duration_ms() == ended.value
    second_run = events.times(mark)
    assert second_run == sorted(second_run)
    assert events.kinds(mark) == [EventKind.PLAYING, EventKind.ENDED]


def test_a_lesson_streamed_over_http_plays(player, tmp_path) -> None:
    engine, events = player
    make_hls(tmp_path, seconds=SECONDS)
    with serve_folder(tmp_path) as server:
        engine.load(f"{server}/{HLS}")  # a URL: a live class from another school
        engine.play()
        events.wait(EventKind.FIRST_FRAME)
        events.wait(EventKind.TIME, check=lambda e: e.value >= 2 * TIME_STEP_MS)
        assert engine.state() is PlayerState.PLAYING
        engine.stop()


def test_resume_skip_replay_and_stop(player, lesson) -> None:
    engine, events = player
    engine.load(lesson[0], start_ms=2_000)
    assert engine.time_ms() == 2_000
    engine.play()
    first = events.wait(EventKind.TIME)
    assert 2_000 <= first.value < 3_500  # the class never sees the lesson's start again
    assert events.kinds()[:2] == [EventKind.LENGTH, EventKind.PLAYING]

    mark = events.mark()
    engine.pause()
    events.wait(EventKind.PAUSED, mark)
    engine.skip(10_000)
    assert engine.time_ms() == engine.duration_ms()  # +10 s stops at the end
    engine.skip(-10_000)
    engine.skip(-10_000)
    assert engine.time_ms() == 0  # and −10 s at the start

    mark = events.mark()
    engine.play()
    events.wait(EventKind.ENDED, mark)
    mark = events.mark()
    engine.play()  # after the end: from the beginning
    events.wait(EventKind.PLAYING, mark)
    assert events.wait(EventKind.TIME, mark).value < 1_500

    engine.stop()
    assert engine.state() is PlayerState.IDLE and engine.time_ms() == 0
    engine.seek(3_000)  # stopped: the next play starts there
    mark = events.mark()
    engine.play()
    assert events.wait(EventKind.TIME, mark).value >= 3_000
    events.wait(EventKind.ENDED, mark)

    mark = events.mark()
    engine.seek(1_000)  # after the end, a seek plays from there
    events.wait(EventKind.PLAYING, mark)
    assert 1_000 <= events.wait(EventKind.TIME, mark).value < 3_000


def test_speed_and_volume_are_clamped_and_kept(player, lesson) -> None:
    engine, _events = player
    engine.set_rate(3.0)
    assert engine.rate() == 2.0
    engine.set_rate(0.1)
    assert engine.rate() == 0.5
    engine.set_volume(150)
    assert engine.volume() == 100
    engine.set_rate(1.5)
    engine.set_volume(40)
    engine.load(lesson[0])  # a new lesson keeps the speed and volume
    # Read back from Qt's own player and audio output: what the class hears.
    assert engine._player.playbackRate() == 1.5
    assert engine._audio.volume() == pytest.approx(0.4)


def test_a_damaged_or_missing_file_is_one_error_then_the_next_lesson_plays(
    player, lesson, tmp_path: Path
) -> None:
    engine, events = player
    garbage = tmp_path / "坏.mp4"
    garbage.write_bytes(os.urandom(64_000))
    for path in (garbage, tmp_path / "没有.mp4"):
        mark = events.mark()
        engine.load(path)
        engine.play()
        error = events.wait(EventKind.ERROR, mark)
        assert error.message == str(PlaybackFailed())
        assert engine.state() is PlayerState.ERROR
        mark = events.mark()
        engine.play()  # tapping play again tries again, and fails again
        events.wait(EventKind.ERROR, mark)
    errors = [e for e in events.list if e.kind is EventKind.ERROR]
    assert len(errors) == 4  # one per failure, not one per Qt signal
    mark = events.mark()
    engine.load(lesson[0])
    engine.play()
    events.wait(EventKind.FIRST_FRAME, mark)


def test_subtitles_follow_the_video_and_can_be_hidden(player, lesson) -> None:
    engine, events = player
    cues = read(lesson[1])
    area = engine.video_widget()
    label = area.subtitle
    shown: list[tuple[str, str]] = []  # at each TIME: the label, and the cue for the position

    def on_event(event: PlayerEvent) -> None:
        if event.kind is EventKind.TIME:
            shown.append((engine.subtitle_text(), text_at(cues, engine.time_ms())))

    events.seen.connect(on_event)
    engine.load(lesson[0], [lesson[1]])
    assert engine.subtitle_tracks() == [0] and engine.subtitle_track() == 0
    assert engine.subtitle_text() == CUE_1  # at 0 s, before playing
    engine.play()
    events.qtbot.waitUntil(lambda: engine.subtitle_text() == CUE_2, timeout=EVENT_TIMEOUT_MS)
    # Over the bottom of the picture, in the middle.
    geometry = label.geometry()
    assert label.isVisible() and area.rect().contains(geometry)
    assert geometry.top() > area.height() // 2
    assert abs(geometry.center().x() - area.rect().center().x()) <= 2
    events.wait(EventKind.ENDED)
    assert engine.subtitle_text() == ""
    assert shown and all(label_text == cue for label_text, cue in shown)
    assert {CUE_1, CUE_2, ""} <= {label_text for label_text, _cue in shown}

    mark = events.mark()
    engine.seek(500)
    events.wait(EventKind.PLAYING, mark)
    engine.pause()
    events.wait(EventKind.PAUSED, mark)
    for ms, text in ((2_000, CUE_2), (500, CUE_1), (3_500, "")):
        engine.seek(ms)
        assert engine.subtitle_text() == text
    engine.seek(500)
    engine.set_subtitles(False)
    assert engine.subtitle_text() == "" and not label.isVisible()
    assert engine.subtitle_track() is None and not engine.subtitles_on()
    engine.load(lesson[0], [lesson[1]])  # off stays off for the next lesson
    assert engine.subtitle_text() == ""
    engine.set_subtitles(True)
    assert engine.subtitle_text() == CUE_1 and label.isVisible()


def test_a_missing_subtitle_file_does_not_stop_the_lesson(player, lesson, tmp_path) -> None:
    engine, events = player
    engine.load(lesson[0], [tmp_path / "没有.srt"])
    assert engine.subtitle_tracks() == []
    engine.play()
    events.wait(EventKind.FIRST_FRAME)
    assert engine.subtitle_text() == ""


def test_no_event_reaches_notify_after_release(qtbot, lesson) -> None:
    events = Events(qtbot)
    engine = QtEngine(events.add)
    engine.load(lesson[0])
    engine.play()
    events.wait(EventKind.PLAYING)
    count = events.mark()
    engine.pause()  # its PAUSED is on its way to notify
    engine.release()
    with qtbot.assertNotEmitted(events.seen, wait=500):
        engine.play()  # nothing to play any more
    assert events.mark() == count
    assert engine.state() is PlayerState.IDLE


def test_a_page_closed_without_release_leaves_no_errors_behind(qtbot, lesson) -> None:
    events = Events(qtbot)
    engine = QtEngine(events.add)
    page = QWidget()
    QVBoxLayout(page).addWidget(engine.video_widget())
    page.show()
    engine.load(lesson[0], [lesson[1]])
    engine.play()
    events.wait(EventKind.PLAYING)
    with qtbot.waitSignal(page.destroyed):
        page.deleteLater()  # the window closes; the engine object lives on
    mark = events.mark()
    engine.seek(1_500)  # no widget to draw a subtitle in, and no error
    assert engine.subtitle_text() == ""
    events.wait(EventKind.TIME, mark)  # the position is still reported
    engine.release()
    assert engine.state() is PlayerState.IDLE


# -- choosing the player ------------------------------------------------------------


def vlc_missing(_notify):
    """Stands in for a PC without libvlc: what `VlcEngine(...)` raises there."""
    raise PlayerUnavailable()


def qt_missing(_notify):
    raise QtPlayerUnavailable()


def test_without_vlc_qt_plays_and_says_so_once(qtbot, lesson) -> None:
    i18n.install(QApplication.instance(), "zh")
    events = Events(qtbot)
    engine = make_engine(events.add, vlc=vlc_missing)
    assert isinstance(engine, QtEngine)
    assert backend_notice(engine) == FALLBACK
    engine.load(lesson[0], [lesson[1]])
    engine.play()
    events.wait(EventKind.FIRST_FRAME)
    engine.release()


def test_with_vlc_vlc_plays_unless_qt_is_chosen(qtbot) -> None:
    events = Events(qtbot)
    engine = make_engine(events.add, vlc=headless_engine)
    assert isinstance(engine, VlcEngine) and backend_notice(engine) == ""
    engine.release()
    engine = make_engine(events.add, "vlc", vlc=headless_engine)
    assert isinstance(engine, VlcEngine)
    engine.release()
    engine = make_engine(events.add, "qt", vlc=headless_engine)
    assert isinstance(engine, QtEngine) and backend_notice(engine) == ""
    engine.release()
    # Qt's player chosen but broken: VLC still plays the lesson.
    engine = make_engine(events.add, "qt", vlc=headless_engine, qt=qt_missing)
    assert isinstance(engine, VlcEngine)
    engine.release()


@pytest.mark.parametrize("preferred", ["auto", "vlc", "qt"])
def test_with_neither_player_the_sentence_says_what_to_install(preferred: str) -> None:
    with pytest.raises(NoPlayer) as caught:
        make_engine(print, preferred, vlc=vlc_missing, qt=qt_missing)
    assert str(caught.value) == INSTALL_VLC


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "KEBAO_LANG": "zh", "QT_QPA_PLATFORM": "offscreen", **env},
        timeout=120,
        check=False,
    )


CHOOSE = """
from app import i18n
from app.qt import QApplication
app = QApplication([])
i18n.install(app, "zh")
from app.player_backend import backend_notice, make_engine
from media.errors import KebaoError
try:
    engine = make_engine(print)
    print(type(engine).__name__, backend_notice(engine))
except KebaoError as err:
    print(err)
"""


def test_with_libvlc_really_missing_the_app_falls_back() -> None:
    # python-vlc is told to load libvlc from a path where there is none.
    result = run_python(CHOOSE, PYTHON_VLC_LIB_PATH="/nonexistent/libvlc.so.5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"QtEngine {FALLBACK}"
    # And without QtMultimedia too (a module set to None in sys.modules cannot be imported).
    hide_qt = "import sys; sys.modules['PySide6.QtMultimedia'] = None\n"
    result = run_python(hide_qt + CHOOSE, PYTHON_VLC_LIB_PATH="/nonexistent/libvlc.so.5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == INSTALL_VLC


# -- on a real X server ---------------------------------------------------------------


@pytest.mark.xvfb
def test_the_subtitle_is_drawn_over_the_video_on_a_real_screen(lesson) -> None:
    """The video is a native child window; the subtitle must be stacked above it."""
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt-get install xvfb xauth)")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 800x600x24 -nolisten tcp",
         sys.executable, __file__, *map(str, lesson)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["problem"] == "", seen
    assert seen["with"]["black"] > 0.5 and seen["with"]["white"] > 0.03, seen  # the band, text
    assert seen["without"]["coloured"] > 0.5, seen  # the same place shows the video when off


def _screen_share(rect) -> dict[str, float]:
    """Shares of black, white and coloured pixels on the screen inside `rect` (global)."""
    from PySide6.QtGui import QGuiApplication, QImage

    image = (
        QGuiApplication.primaryScreen()
        .grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
        .toImage()
        .convertToFormat(QImage.Format.Format_RGB32)
    )
    counts = {"black": 0, "white": 0, "coloured": 0}
    for y in range(image.height()):
        for x in range(image.width()):
            rgb = image.pixel(x, y) & 0xFFFFFF
            r, g, b = rgb >> 16, (rgb >> 8) & 0xFF, rgb & 0xFF
            if max(r, g, b) < 40:
                counts["black"] += 1
            elif min(r, g, b) > 200:
                counts["white"] += 1
            else:
                counts["coloured"] += 1
    total = max(1, sum(counts.values()))
    return {k: round(v / total, 3) for k, v in counts.items()}


def _subtitle_on_screen(video: Path, srt: Path) -> dict[str, object]:
    """Play `video` with `srt` in a real window; what the screen shows where the subtitle is."""
    from PySide6.QtCore import QEventLoop, QPoint, QRect, QTimer
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    app = QApplication([])
    events: list[PlayerEvent] = []
    engine = QtEngine(events.append)
    window = QWidget()
    QVBoxLayout(window).addWidget(engine.video_widget())
    window.resize(700, 420)
    window.show()
    engine.load(video, [srt])
    engine.play()
    label = engine.video_widget().subtitle

    def until(condition, seconds: float = 20) -> bool:
        deadline = time.monotonic() + seconds
        loop = QEventLoop()
        while not condition():
            if time.monotonic() > deadline:
                return False
            QTimer.singleShot(50, loop.quit)
            loop.exec()
        return True

    if not until(lambda: any(e.kind is EventKind.TIME and e.value > 300 for e in events)):
        return {"problem": f"no playback: {events}"}
    engine.pause()
    engine.seek(500)
    rect = QRect(label.mapToGlobal(QPoint(0, 0)), label.size())
    seen: dict[str, object] = {"problem": ""}
    if not until(lambda: _screen_share(rect)["black"] > 0.5):
        seen["problem"] = "the subtitle never appeared"
    seen["with"] = _screen_share(rect)
    engine.set_subtitles(False)
    until(lambda: _screen_share(rect)["coloured"] > 0.5)
    seen["without"] = _screen_share(rect)
    engine.release()
    app.quit()
    return seen


if __name__ == "__main__":
    print(json.dumps(_subtitle_on_screen(Path(sys.argv[1]), Path(sys.argv[2]))))
