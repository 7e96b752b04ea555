"""Sync by USB drive: PCs of a school with no internet converge through the drive."""

from __future__ import annotations

import gzip
from pathlib import Path

from conftest import run_cli

from sync.journal import Journal
from sync.usb import FOLDER, FROM_HUB, TO_HUB, UNENROLLED, exchange, write_events

SHA = "ab" * 32


def views(journal: Journal) -> tuple:
    """What the GUI shows, whatever order events came in."""
    progress = sorted(
        (p.learner_id, p.package_id, p.sha256, p.furthest_ms, p.completed, p.watched_ms)
        for x in journal.learners(include_archived=True)
        for p in journal.progress_for_learner(x.id)
    )
    learners = sorted((x.id, x.name, x.class_name) for x in journal.learners())
    plays = sorted((p.id, p.class_name, p.lesson_title) for p in journal.plays())
    return progress, learners, plays


def test_two_pcs_without_internet_converge_through_a_drive(tmp_path: Path) -> None:
    drive = tmp_path / "U盘"
    drive.mkdir()
    a, b = Journal(tmp_path / "a"), Journal(tmp_path / "b")
    ming = a.add_learner("王小明", "三年级1班")
    a.record_progress(ming.id, "demo.math.g3a", SHA, 61_000, 300_000, 40.0)
    fang = b.add_learner("李芳", "三年级1班")
    b.record_progress(fang.id, "demo.math.g3a", SHA, 300_000, 300_000, 290.0, ended=True)

    first = exchange(a, drive)
    assert (first.written, first.applied) == (2, 0)
    second = exchange(b, drive)  # B takes A's events, leaves its own
    assert (second.written, second.applied) == (2, 2)
    third = exchange(a, drive)  # A takes B's; it does not write B's back
    assert (third.written, third.applied) == (0, 2)
    assert views(a) == views(b)
    assert len(views(a)[1]) == 2

    again = exchange(b, drive)  # nothing new anywhere: nothing written, nothing applied
    assert (again.written, again.applied) == (0, 0)
    files = sorted(p.relative_to(drive).as_posix() for p in drive.rglob("*") if p.is_file())
    assert files == sorted(
        f"{FOLDER}/{UNENROLLED}/{TO_HUB}/{pc.device_id}/000000000001-000000000002.jsonl.gz"
        for pc in (a, b)
    )


def test_events_from_the_hub_are_applied_and_never_sent_back(tmp_path: Path) -> None:
    county, school_pc = Journal(tmp_path / "county"), Journal(tmp_path / "pc")
    teacher = county.add_learner("赵老师", "教师", teacher=True)
    hub_folder = tmp_path / "U盘" / FOLDER / UNENROLLED / FROM_HUB
    hub_folder.mkdir(parents=True)
    write_events(hub_folder / "000000000001-000000000001.jsonl.gz", county.events())
    report = exchange(school_pc, tmp_path / "U盘")
    assert report.applied == 1 and report.written == 0
    assert school_pc.learner(teacher.id) is not None
    assert school_pc.events_to_send(0).events == []  # the hub has it: no push of it


def test_a_damaged_file_is_named_and_skipped_and_the_rest_applied(tmp_path: Path) -> None:
    drive = tmp_path / "U盘"
    a, b = Journal(tmp_path / "a"), Journal(tmp_path / "b")
    a.add_learner("王小明", "三年级1班")
    exchange(a, drive)
    c = Journal(tmp_path / "c")
    c.add_learner("陈静", "三年级2班")
    exchange(c, drive)
    damaged = next((drive / FOLDER / UNENROLLED / TO_HUB / a.device_id).iterdir())
    damaged.write_bytes(damaged.read_bytes()[:-9])  # cut short: the drive was pulled
    bad_line = drive / FOLDER / UNENROLLED / TO_HUB / "ffffffffffffffff" / "1-1.jsonl.gz"
    bad_line.parent.mkdir()
    bad_line.write_bytes(gzip.compress(b'{"id": "not an event"}\n'))

    r = run_cli("sync", "--via", drive, "--data-dir", tmp_path / "b")
    assert r.rc == 0, r.err
    assert "2 个文件已损坏" in r.out and damaged.name in r.out and "1-1.jsonl.gz" in r.out
    assert [x.name for x in b.learners()] == ["陈静"]  # C's file was whole


def test_an_unwritable_drive_is_one_sentence_and_changes_nothing(tmp_path: Path) -> None:
    pc = Journal(tmp_path / "pc")
    pc.add_learner("王小明", "三年级1班")
    drive = tmp_path / "U盘"
    drive.mkdir()
    (drive / FOLDER).write_bytes(b"")  # a file where the folder must go: mkdir fails
    r = run_cli("sync", "--via", drive, "--data-dir", tmp_path / "pc")
    assert r.rc == 2
    assert r.err.count("\n") == 1 and "无法写入U盘" in r.err
    assert pc.sync_state().usb_cursor == 0  # the next drive gets everything
