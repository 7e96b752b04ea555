"""Playing leaves progress for the learner and play logs for the class, and resumes."""

from __future__ import annotations

import time

from conftest import EVENT_TIMEOUT_MS
from test_gui_classroom import queue
from test_gui_player import open_fractions_lesson

from app.qt import Qt
from media.player import EventKind, PlayerState


def fractions_video(window) -> dict:
    hit = window.library_page.catalog.search("fsdcbrs")[0]
    return next(
        r for r in window.library_page.catalog.resources(hit.lesson_id) if r["role"] == "video"
    )


def wait_kind(qtbot, player, kind: EventKind) -> None:
    with qtbot.waitSignal(
        player.event_seen, timeout=EVENT_TIMEOUT_MS, check_params_cb=lambda e: e.kind is kind
    ):
        pass


def test_a_learner_who_watches_to_the_end_has_completed_it(qtbot, window) -> None:
    learner = window.journal.add_learner("李小明", "三(1)班")
    window.learner_id = learner.id
    started = time.monotonic()
    player = open_fractions_lesson(qtbot, window)
    with qtbot.waitSignal(player.event_seen, timeout=EVENT_TIMEOUT_MS * 2,
                          check_params_cb=lambda e: e.kind is EventKind.ENDED):  # fmt: skip
        pass
    elapsed_ms = (time.monotonic() - started) * 1000
    window.recorder.wait()
    video = fractions_video(window)
    done = window.journal.progress(learner.id, video["package_id"], video["sha256"])
    assert done is not None and done.completed
    assert done.furthest_ms >= done.duration_ms - 500 and done.duration_ms > 5_000
    # Seconds really spent watching: at least most of the video, at most the time it took.
    assert done.duration_ms * 0.6 < done.watched_ms <= elapsed_ms + 500
    page = window.library_page  # the lesson page shows it to the learner
    page.results.itemClicked.emit(page.results.item(0))
    assert page.resources.item(0, 5).text() == "已学完"


def test_pause_records_the_position_and_the_next_play_resumes_there(qtbot, window) -> None:
    learner = window.journal.add_learner("王芳", "三(2)班")
    window.learner_id = learner.id
    player = open_fractions_lesson(qtbot, window)
    qtbot.waitUntil(lambda: player.position() > 2_500, timeout=EVENT_TIMEOUT_MS)
    with qtbot.waitSignal(player.event_seen, timeout=EVENT_TIMEOUT_MS,
                          check_params_cb=lambda e: e.kind is EventKind.PAUSED):  # fmt: skip
        qtbot.mouseClick(player.play_button, Qt.MouseButton.LeftButton)
    held = player.position()
    window.recorder.wait()
    video = fractions_video(window)
    saved = window.journal.progress(learner.id, video["package_id"], video["sha256"])
    assert saved is not None and abs(saved.position_ms - held) < 600 and not saved.completed
    page = window.library_page
    page.results.itemClicked.emit(page.results.item(0))
    assert page.resources.item(0, 5).text() == f"已看 {saved.watched_percent}%"

    player.stop()
    window.play(video, "分数的初步认识")  # as if chosen again tomorrow
    qtbot.waitUntil(lambda: player.state() is PlayerState.PLAYING, timeout=EVENT_TIMEOUT_MS)
    qtbot.waitUntil(lambda: player.position() > 0, timeout=EVENT_TIMEOUT_MS)
    assert player.position() >= held - 1_000  # resumed, not from the start


def test_without_a_profile_nothing_is_recorded_for_a_person(qtbot, window) -> None:
    player = open_fractions_lesson(qtbot, window)
    wait_kind(qtbot, player, EventKind.PLAYING)
    player.toggle_pause()
    wait_kind(qtbot, player, EventKind.PAUSED)
    window.recorder.wait()
    assert [e for e in window.journal.events() if e.kind == "progress"] == []


def test_classroom_leaves_a_play_log_for_the_chosen_class(qtbot, window) -> None:
    window.journal.add_learner("张三", "三(1)班")
    window.learner_id = window.journal.add_learner("赵老师", "教师", teacher=True).id
    queue(qtbot, window, "分数的初步认识")
    queue(qtbot, window, "几分之几")
    window.nav["classroom"].click()
    room = window.classroom()
    assert room.class_box.currentText() == "三(1)班"
    player = window.player_page
    qtbot.waitUntil(lambda: player.state() is PlayerState.PLAYING, timeout=EVENT_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: player.state() is PlayerState.PLAYING, timeout=EVENT_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    window.recorder.wait()
    plays = sorted(window.journal.plays("三(1)班"), key=lambda p: p.start_ms)
    assert [p.lesson_title for p in plays] == ["分数的初步认识", "几分之几"]
    assert all(p.mode == "classroom" and p.end_ms >= p.start_ms for p in plays)
    # The class watched; the teacher's own progress is not the class's.
    assert [e for e in window.journal.events() if e.kind == "progress"] == []
