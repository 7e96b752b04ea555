"""End to end: the real hub in a subprocess on loopback, and school PCs as data folders.

Each PC is enrolled and synced with the real `kebao` commands; what is checked is what a
teacher or the county would see: the same progress on every PC, nothing lost, nothing
twice, another school's data out of reach, files arriving whole after a cut.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from conftest import run_cli
from hubfixture import RunningHub, start_hub

from app.demo import DEMO_DIR, DEMO_KEY
from app.gui.downloads_page import load_queue
from app.settings import Settings
from media.errors import Cancelled
from media.library import Library
from sync.client import client_for
from sync.journal import Journal
from sync.round import run_round
from sync.upload import CHUNK, pending, queue, send
from sync.usb import exchange

SHA = "cd" * 32


def views(journal: Journal) -> tuple:
    """What the GUI shows of a school, whatever order events arrived in."""
    learners = journal.learners(include_archived=True)
    progress = sorted(
        (p.learner_id, p.package_id, p.sha256, p.furthest_ms, p.completed, p.watched_ms,
         p.position_ms)
        for x in learners
        for p in journal.progress_for_learner(x.id)
    )  # fmt: skip
    roster = sorted((x.id, x.name, x.class_name, x.archived) for x in learners)
    plays = sorted((p.id, p.class_name, p.lesson_title, p.start_ms) for p in journal.plays())
    return progress, roster, plays


def enrol(hub: RunningHub, data: Path, code: str, name: str = "班班通") -> Journal:
    r = run_cli("enrol", "--hub", hub.url, "--code", code, "--name", name, "--data-dir", data)
    assert r.rc == 0, r.err
    return Journal(data)


def sync(data: Path, *args: str) -> dict:
    r = run_cli("sync", "--json", "--now", *args, "--data-dir", data)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def test_two_pcs_of_a_school_converge_through_the_hub(hub, tmp_path) -> None:
    school, code = hub.add_school("城关镇中心小学")
    a = enrol(hub, tmp_path / "a", code)
    b = enrol(hub, tmp_path / "b", code.lower().replace("-", " "))  # as typed on a phone
    ming = a.add_learner("王小明", "三年级1班")
    a.record_progress(ming.id, "demo.math.g3a", SHA, 120_000, 300_000, 100.0)
    fang = b.add_learner("李芳", "三年级1班")
    b.record_progress(fang.id, "demo.math.g3a", SHA, 300_000, 300_000, 290.0, ended=True)
    b.record_play("三年级1班", "demo.math.g3a", "分数的初步认识", SHA,
                  *_period())  # fmt: skip

    first = sync(tmp_path / "a")
    assert first["journal"]["pushed"] == 2 and first["journal"]["pulled"] == 0
    second = sync(tmp_path / "b")
    assert second["journal"]["pushed"] == 3 and second["journal"]["pulled"] == 2
    third = sync(tmp_path / "a")
    assert third["journal"]["pulled"] == 3
    assert views(a) == views(b) and len(views(a)[1]) == 2
    assert hub.event_count(school) == 5

    # Ming watches on at B; A sees his furthest point and B's seconds added to A's.
    b.record_progress(ming.id, "demo.math.g3a", SHA, 200_000, 300_000, 80.0)
    sync(tmp_path / "b")
    sync(tmp_path / "a")
    progress = a.progress(ming.id, "demo.math.g3a", SHA)
    assert progress is not None
    assert progress.furthest_ms == 200_000 and progress.watched_ms == 180_000
    assert views(a) == views(b)

    again = sync(tmp_path / "a")  # nothing new anywhere: nothing moves
    assert again["journal"] == {**again["journal"], "pushed": 0, "duplicates": 0, "pulled": 0}


def _period() -> tuple:
    from datetime import datetime

    return datetime(2026, 11, 25, 8, 0), datetime(2026, 11, 25, 8, 40)


def test_a_batch_sent_twice_is_stored_once(hub, tmp_path) -> None:
    """The hub stored a batch but the answer was lost (a cut): the resend duplicates nothing."""
    school, code = hub.add_school("城关镇中心小学")
    pc = enrol(hub, tmp_path / "pc", code)
    for i in range(30):
        pc.add_learner(f"学生{i:02d}", "三年级1班")
    assert sync(tmp_path / "pc")["journal"]["pushed"] == 30
    pc.update_sync_state(push_cursor=0)  # as if the 200 never arrived
    resent = sync(tmp_path / "pc")["journal"]
    assert (resent["pushed"], resent["duplicates"]) == (0, 30)
    assert hub.event_count(school) == 30


def test_with_the_hub_down_nothing_is_lost_and_the_next_round_goes_on(tmp_path) -> None:
    port = _free_port()
    hub = start_hub(tmp_path / "hub", None, "--port", str(port))
    try:
        school, code = hub.add_school("城关镇中心小学")
        pc = enrol(hub, tmp_path / "pc", code)
        pc.add_learner("王小明", "三年级1班")
        sync(tmp_path / "pc")
        hub.stop()  # the county's line goes down
        pc.add_learner("李芳", "三年级1班")
        r = run_cli("sync", "--now", "--data-dir", tmp_path / "pc")
        assert r.rc == 3 and r.err.count("\n") == 1 and "连不上同步中心" in r.err
        assert pc.sync_state().last_error and "连不上" in pc.sync_state().last_error
        hub = start_hub(tmp_path / "hub", None, "--port", str(port))  # back, same data
        report = sync(tmp_path / "pc")["journal"]
        assert (report["pushed"], report["duplicates"]) == (1, 0)
        assert hub.event_count(school) == 2
        assert pc.sync_state().last_error is None
    finally:
        hub.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_pc_sees_nothing_of_another_school(hub, tmp_path) -> None:
    _, code_a = hub.add_school("城关镇中心小学")
    school_b, code_b = hub.add_school("河西村小学")
    a = enrol(hub, tmp_path / "a", code_a)
    a.add_learner("王小明", "三年级1班")
    sync(tmp_path / "a")
    b = enrol(hub, tmp_path / "b", code_b)
    assert sync(tmp_path / "b")["journal"]["pulled"] == 0
    assert b.learners() == []
    # Even asking for the other school's events by URL, with a valid token, is refused.
    token = b.sync_state().token
    other = a.sync_state().school_id
    r = requests.get(f"{hub.url}/api/v1/schools/{other}/events",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    assert r.status_code == 403 and r.json()["error"] == "other_school"
    assert hub.event_count(school_b) == 0


def test_a_recording_upload_resumes_after_a_cut_and_arrives_whole(hub, tmp_path) -> None:
    school, code = hub.add_school("城关镇中心小学")
    data = tmp_path / "pc"
    enrol(hub, data, code)
    recording = tmp_path / "2026-11-25 第三节 分数的初步认识.mp4"
    recording.write_bytes(os.urandom(3 * CHUNK + 1234))
    entry = queue(data, recording, kind="recording")
    stop = threading.Event()
    client = client_for(Journal(data))
    with pytest.raises(Cancelled):  # the line is cut after the first chunk
        send(client, school, entry, outbox=data / "outbox", cancel=stop,
             progress=lambda _n: stop.set())  # fmt: skip
    held = requests.head(
        hub.url + pending(data / "outbox")[0].location,
        headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {client.token}"},
        timeout=10,
    )
    assert int(held.headers["Upload-Offset"]) == CHUNK
    sent_before = client.bytes_sent
    client.close()

    client = client_for(Journal(data))
    send(client, school, pending(data / "outbox")[0], outbox=data / "outbox")
    assert client.bytes_sent < entry.size - CHUNK + 64 * 1024  # the rest, not all again
    assert sent_before >= CHUNK
    assert pending(data / "outbox") == []
    sha = hashlib.sha256(recording.read_bytes()).hexdigest()
    assert f"{school}/{sha}" in hub.files()


def subscribed_pc(make_hub, data: Path, repo: Path = DEMO_DIR / "repo") -> tuple[RunningHub, str]:
    """A hub serving `repo` (the demo's), and a PC enrolled and subscribed to 数学: (hub, school)."""
    hub = make_hub(None, "--repo", str(repo))
    school, code = hub.add_school("城关镇中心小学")
    enrol(hub, data, code)
    assert run_cli("trust", "add", DEMO_KEY, "--data-dir", data).rc == 0
    assert run_cli("subscribe", "add", "demo.math.g3a", "--data-dir", data).rc == 0
    return hub, school


def test_uploads_and_subscribed_packages_move_in_one_round(make_hub, tmp_path) -> None:
    data = tmp_path / "pc"
    hub, school = subscribed_pc(make_hub, data)
    report = tmp_path / "报表.csv"
    report.write_bytes("姓名,班级\n".encode("gbk"))
    assert run_cli("upload", report, "--kind", "file", "--data-dir", data).rc == 0

    done = sync(data)
    assert done["uploaded"] == ["报表"] and len(done["installed"]) == 1
    assert f"{school}/{hashlib.sha256(report.read_bytes()).hexdigest()}" in hub.files()
    listed = json.loads(run_cli("list", "--json", "--data-dir", data).out)
    assert [p["id"] for p in listed] == ["demo.math.g3a"]
    assert run_cli("verify", "--data-dir", data).rc == 0
    assert not list((data / "downloads").glob("*.part"))
    assert sync(data)["installed"] == []  # up to date now


def requests_of_a_round(data: Path) -> list[str]:
    """What one round (`run_round`, as `kebao sync --now`) asks the hub, in order."""
    asked: list[str] = []
    with Journal(data) as journal, Library(data) as library:
        client = client_for(journal)
        client.http.hooks["response"].append(
            lambda r, *_a, **_k: asked.append(f"{r.request.method} {urlsplit(r.url).path}")
        )
        run_round(journal, library, client, subscriptions=Settings.load(data).subscriptions)
        client.close()
    return asked


def test_an_idle_round_asks_the_hub_one_thing(make_hub, tmp_path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DEMO_DIR / "repo", repo)
    data = tmp_path / "pc"
    _hub, school = subscribed_pc(make_hub, data, repo)
    assert len(sync(data)["installed"]) == 1  # up to date from here on
    pull = f"GET /api/v1/schools/{school}/events"
    assert requests_of_a_round(data) == [pull]  # no push, no index, no upload
    index = repo / "kebao-repo.json"
    mtime = index.stat().st_mtime_ns + 1_000_000_000  # the county publishes again
    os.utime(index, ns=(mtime, mtime))
    assert requests_of_a_round(data) == [pull, "GET /repo/kebao-repo.json"]
    assert requests_of_a_round(data) == [pull]
    with Journal(data) as journal:
        journal.add_learner("王小明", "三年级1班")
    assert requests_of_a_round(data) == [f"POST /api/v1/schools/{school}/events", pull]


def test_a_hub_that_says_too_many_requests_is_try_again_later(make_hub, tmp_path) -> None:
    hub = make_hub(None, env={"KEBAO_HUB_RATE": "1/0.01"})  # 1 request, then 1 per 100 s
    _school, code = hub.add_school("城关镇中心小学")
    pc = enrol(hub, tmp_path / "pc", code)
    pc.add_learner("王小明", "三年级1班")
    r = run_cli("sync", "--data-dir", tmp_path / "pc")  # the push passes; the pull is refused
    assert r.rc == 3  # not bad input: the same command later succeeds
    assert r.err.count("\n") == 1 and "请求太频繁，请稍后再试" in r.err
    assert hub.event_count() == 1  # what went before the refusal is kept


def test_the_downloads_queue_shows_what_the_last_round_kept(make_hub, tmp_path) -> None:
    data = tmp_path / "pc"
    hub, _school = subscribed_pc(make_hub, data)
    assert len(sync(data)["installed"]) == 1
    hub.stop()  # from here on, anything asked of the hub fails
    queue = load_queue(data)
    assert queue.error == "" and [(r.key, r.done) for r in queue.packages] == [
        ("demo.math.g3a", True)
    ]
    assert queue.packages[0].size and queue.offered
    for copy in (data / "downloads" / "manifests").iterdir():
        copy.write_bytes(b"{}")  # damaged: not believed, so the hub is asked, and it is down
    damaged = load_queue(data)
    assert damaged.unreachable and damaged.packages[0].size is None  # said as such


def test_records_too_big_for_one_batch_go_in_several(hub, tmp_path) -> None:
    school, code = hub.add_school("城关镇中心小学")
    pc = enrol(hub, tmp_path / "pc", code)
    learner = pc.add_learner("王小明", "三年级1班")
    with pc.batch():  # 300 essays of 15 KB: more than one push may carry (4 MiB)
        for _ in range(300):
            pc.record_attempt(learner.id, "demo.math.g3a", SHA, {"作文": "答" * 5000}, 8, 10)
    assert sync(tmp_path / "pc")["journal"]["pushed"] == 301
    assert hub.event_count(school) == 301


def test_big_transfers_wait_for_their_window(make_hub, tmp_path) -> None:
    data = tmp_path / "pc"
    subscribed_pc(make_hub, data)
    settings = json.loads((data / "settings.json").read_text(encoding="utf-8"))
    settings["bandwidth"] = {"windows": []}  # big transfers never start by themselves
    (data / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    r = run_cli("sync", "--json", "--data-dir", data)
    assert r.rc == 0, r.err
    waited = json.loads(r.out)
    assert waited["installed"] == [] and "package_download" in waited["waiting"]
    assert waited["journal"] is not None  # the journal goes at any time
    assert json.loads(run_cli("list", "--json", "--data-dir", data).out) == []


def test_usb_drive_carries_a_school_to_the_hub_and_back(hub, tmp_path) -> None:
    school, code = hub.add_school("河西村小学")
    online = enrol(hub, tmp_path / "online", code)  # the county office's PC of the school
    online.add_learner("赵老师", "教师", teacher=True)
    sync(tmp_path / "online")
    offline = Journal(tmp_path / "offline")  # a classroom PC that never sees the internet
    offline.update_sync_state(school_id=school, school_name="河西村小学")
    ming = offline.add_learner("王小明", "三年级1班")
    offline.record_progress(ming.id, "demo.math.g3a", SHA, 60_000, 300_000, 50.0)
    recording = tmp_path / "第三节.mp4"
    recording.write_bytes(os.urandom(200_000))
    queue(tmp_path / "offline", recording)
    drive = tmp_path / "U盘"
    drive.mkdir()
    out = exchange(offline, drive)
    assert (out.written, out.files_written) == (2, 1)

    r = run_cli("hub", "import", drive, *hub.cli_args())  # at the county office
    assert r.rc == 0, r.err
    assert "2 条新记录" in r.out and "1 个文件" in r.out
    assert hub.event_count(school) == 3
    sha = hashlib.sha256(recording.read_bytes()).hexdigest()
    assert f"{school}/{sha}" in hub.files()
    again = run_cli("hub", "import", drive, *hub.cli_args())  # twice: nothing new
    assert "0 条新记录" in again.out
    assert run_cli("hub", "export", drive, *hub.cli_args()).rc == 0

    back = exchange(offline, drive)  # back at the school
    assert back.files_done == 1 and pending(tmp_path / "offline" / "outbox") == []
    sync(tmp_path / "online")
    assert views(offline) == views(online)
    assert offline.learner(online.learners()[0].id) is not None  # the teacher came back too
