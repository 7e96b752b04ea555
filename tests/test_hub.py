"""The reference hub, run for real (`kebao hub serve` on loopback) and spoken to over HTTP.

Each refusal is checked for what a client or an operator would see: the status, the
error code and its Chinese sentence, and that the hub's stored data did not change.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from conftest import run_cli_process
from hubfixture import RunningHub, start_hub

from sync.protocol import (
    PULL_BYTES,
    PUSH_BYTES,
    PUSH_EVENTS,
    RATE_BURST,
    TUS_VERSION,
    UPLOAD_BYTES,
    show_code,
)

API = "/api/v1"
TUS = {"Tus-Resumable": TUS_VERSION}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


# -- helpers -----------------------------------------------------------------------------


class Device:
    """One enrolled PC, as the hub sees it: its id, its token, its school."""

    def __init__(self, hub: RunningHub, code: str, name: str = "三年级1班 班班通") -> None:
        self.hub = hub
        self.device_id = os.urandom(8).hex()
        r = requests.post(
            hub.url + API + "/enrol",
            json={"code": code, "device_id": self.device_id, "name": name},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        doc = r.json()
        self.school_id, self.token = doc["school"]["id"], doc["token"]
        self.school_name = doc["school"]["name"]
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self._tick = 0

    def path(self, *rest: str, school: str | None = None) -> str:
        return "/".join((f"{self.hub.url}{API}/schools/{school or self.school_id}", *rest))

    def events(self, n: int, kind: str = "play") -> list[dict]:
        """n new events recorded on this device."""
        out = []
        for _ in range(n):
            self._tick += 1
            out.append(
                {
                    "id": str(uuid.uuid4()),
                    "hlc": f"{1764100000000 + self._tick:015d}.00000.{self.device_id}",
                    "kind": kind,
                    "body": {
                        "class": "三年级1班",
                        "package": "test.math.g3a",
                        "lesson": "分数的初步认识",
                        "sha256": "ab" * 32,
                        "start_ms": 1764100000000,
                        "end_ms": 1764100600000,
                        "mode": "classroom",
                    },
                }
            )
        return out

    def push(self, events: list[dict], school: str | None = None) -> requests.Response:
        body = gzip.compress(json.dumps({"events": events}).encode())
        return self.http.post(
            self.path("events", school=school),
            data=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            timeout=30,
        )

    def pull(self, after: str = "", limit: int | None = None, school: str | None = None):
        params = {"after": after, **({"limit": limit} if limit else {})}
        return self.http.get(self.path("events", school=school), params=params, timeout=30)

    def pull_all(self) -> list[dict]:
        events, cursor = [], ""
        while True:
            r = self.pull(cursor)
            assert r.status_code == 200, r.text
            page = r.json()
            events += page["events"]
            cursor = page["cursor"]
            if not page["more"]:
                return events


def refused(r: requests.Response, status: int, code: str) -> dict:
    """The hub's one error shape, with a Chinese sentence first."""
    assert r.status_code == status, (r.status_code, r.text)
    if r.request.method == "HEAD":
        return {}  # a HEAD answer has no body: the status is all there is
    doc = r.json()
    assert doc["error"] == code, doc
    assert doc["message"] and doc["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in doc["message"]), doc
    return doc


@pytest.fixture
def school(hub: RunningHub) -> tuple[str, str]:
    return hub.add_school("城关镇中心小学")


# -- hub info, CLI -----------------------------------------------------------------------


def test_hub_answers_who_it_is_and_its_limits(make_hub) -> None:
    hub = make_hub()
    doc = requests.get(hub.url + API + "/hub", timeout=10).json()
    assert doc["hub"] == "kebao" and doc["protocol"] == 1
    assert abs(doc["time_ms"] - time.time() * 1000) < 60_000
    assert doc["limits"]["push_events"] == PUSH_EVENTS
    assert doc["limits"]["upload_bytes"] == UPLOAD_BYTES


def test_unknown_paths_and_bad_parameters_use_the_error_shape(make_hub) -> None:
    hub = make_hub()
    refused(requests.get(hub.url + API + "/nothing", timeout=10), 404, "not_found")
    refused(requests.delete(hub.url + API + "/hub", timeout=10), 405, "method_not_allowed")


def test_a_second_hub_on_a_taken_port_exits_2_with_one_sentence(make_hub, tmp_path) -> None:
    hub = make_hub()
    port = urlsplit(hub.url).port
    r = run_cli_process("hub", "serve", "--port", port, "--data-dir", tmp_path / "other")
    assert r.rc == 2
    assert len(r.err.strip().splitlines()) == 1 and "端口" in r.err and str(port) in r.err
    assert hub.alive()


def test_add_school_prints_a_code_and_a_second_time_replaces_it(hub: RunningHub) -> None:
    school_id, first = hub.add_school("城关镇中心小学")
    assert len(first) == 14 and first == show_code(first.replace("-", ""))
    device = Device(hub, first)
    again_id, second = hub.add_school("城关镇中心小学")
    assert again_id == school_id and second != first
    r = requests.post(
        hub.url + API + "/enrol",
        json={"code": first, "device_id": os.urandom(8).hex()},
        timeout=10,
    )
    refused(r, 403, "enrol_code_invalid")
    assert Device(hub, second.lower().replace("-", " ")).school_id == school_id
    assert device.pull().status_code == 200  # enrolled devices keep their tokens
    listed = json.loads(
        run_cli_process("hub", "schools", "--json", *hub_args(hub)).out  # the operator's list
    )
    assert [(s["name"], s["devices"]) for s in listed] == [("城关镇中心小学", 2)]


def hub_args(hub: RunningHub) -> list[str]:
    return ["--data-dir", str(hub.data_dir), *(["--db", hub.db_url] if hub.db_url else [])]


# -- enrolment ---------------------------------------------------------------------------


def test_enrolment_gives_a_token_of_the_school(hub: RunningHub, school) -> None:
    school_id, code = school
    device = Device(hub, code)
    assert device.school_id == school_id and device.school_name == "城关镇中心小学"
    assert len(device.token) == 43
    assert device.pull().json() == {"events": [], "cursor": "0", "more": False}


def test_a_wrong_code_is_refused_and_enrols_nothing(hub: RunningHub, school) -> None:
    r = requests.post(
        hub.url + API + "/enrol",
        json={"code": "2222-3333-4444", "device_id": "0123456789abcdef"},
        timeout=10,
    )
    doc = refused(r, 403, "enrol_code_invalid")
    assert "登记码" in doc["message"]
    assert [s.devices for s in hub.store.schools()] == [0]


@pytest.mark.parametrize(
    "body",
    [
        b'{"code": "x", "device_id": "NOT-HEX"}',
        b'{"device_id": "0123456789abcdef"}',
        b'{"code": "x", "device_id": "0123456789abcdef", "name": 5}',
        b"not json",
        b"[]",
    ],
)
def test_a_malformed_enrolment_is_422(hub: RunningHub, school, body: bytes) -> None:
    r = requests.post(hub.url + API + "/enrol", data=body, timeout=10)
    refused(r, 422, "invalid")
    assert [s.devices for s in hub.store.schools()] == [0]


def test_enrolling_the_same_device_again_revokes_its_old_token(hub: RunningHub, school) -> None:
    first = Device(hub, school[1])
    r = requests.post(
        hub.url + API + "/enrol",
        json={"code": school[1], "device_id": first.device_id, "name": "重装后"},
        timeout=10,
    )
    assert r.status_code == 201
    refused(first.pull(), 401, "token_invalid")
    fresh = requests.get(
        first.path("events"), headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=10
    )
    assert fresh.status_code == 200


def test_too_many_wrong_codes_from_one_address_are_429(make_hub) -> None:
    hub = make_hub()
    _school_id, code = hub.add_school("城关镇中心小学")
    guesses = [
        requests.post(
            hub.url + API + "/enrol",
            json={"code": f"2222-3333-{i:04d}", "device_id": "0123456789abcdef"},
            timeout=10,
        )
        for i in range(11)
    ]
    assert [r.status_code for r in guesses] == [403] * 10 + [429]
    assert int(guesses[-1].headers["Retry-After"]) > 0
    r = requests.post(
        hub.url + API + "/enrol", json={"code": code, "device_id": "0123456789abcdef"}, timeout=10
    )
    refused(r, 429, "too_many_requests")  # even the right code waits: no guessing around it


# -- push and pull -----------------------------------------------------------------------


def test_events_of_one_device_reach_the_other_and_not_back(hub: RunningHub, school) -> None:
    a, b = Device(hub, school[1], "机房1"), Device(hub, school[1], "机房2")
    sent_a, sent_b = a.events(30), b.events(5)
    assert a.push(sent_a).json() == {"stored": 30, "duplicates": 0}
    assert b.push(sent_b).json() == {"stored": 5, "duplicates": 0}
    assert b.pull_all() == sent_a
    assert a.pull_all() == sent_b
    # Paging: 30 events in pages of 7 arrive whole and in order, each once.
    pages, cursor = [], ""
    while True:
        page = b.pull(cursor, limit=7).json()
        pages.append(page["events"])
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]
    assert [e for p in pages for e in p] == sent_a
    again = b.pull(cursor).json()
    assert again == {"events": [], "cursor": cursor, "more": False}


def test_pushing_a_batch_twice_stores_it_once(hub: RunningHub, school) -> None:
    a, b = Device(hub, school[1]), Device(hub, school[1])
    batch = a.events(50)
    assert a.push(batch).json() == {"stored": 50, "duplicates": 0}
    assert a.push(batch + a.events(3)).json() == {"stored": 3, "duplicates": 50}
    assert len(b.pull_all()) == 53
    assert hub.event_count(school[0]) == 53


def test_one_batch_pushed_by_many_devices_at_once_is_stored_once(hub: RunningHub, school) -> None:
    # Four PCs that all read the same USB drive push the same events at the same moment.
    devices = [Device(hub, school[1], f"机房{n}") for n in range(4)]
    batch = devices[0].events(300)
    with ThreadPoolExecutor(len(devices)) as pool:
        answers = [r.json() for r in pool.map(lambda d: d.push(batch), devices)]
    assert sum(a["stored"] for a in answers) == 300
    assert sum(a["duplicates"] for a in answers) == 300 * 3
    assert hub.event_count(school[0]) == 300
    assert sorted(e["id"] for e in devices[1].pull_all()) == sorted(e["id"] for e in batch)


def test_an_id_twice_in_one_batch_is_stored_once(hub: RunningHub, school) -> None:
    a = Device(hub, school[1])
    batch = a.events(3)
    assert a.push(batch + batch[:1]).json() == {"stored": 3, "duplicates": 1}
    assert hub.event_count(school[0]) == 3


def test_pull_pages_stop_near_their_byte_limit(hub: RunningHub, school) -> None:
    a, b = Device(hub, school[1]), Device(hub, school[1])
    big = a.events(300, kind="attempt")
    for e in big:  # 15 KB of answers each: 300 of them are more than a page may hold
        e["body"] = {"learner": str(uuid.uuid4()), "package": "p", "sha256": "ab" * 32,
                     "answers": "答" * 5000, "score": None, "max_score": None}  # fmt: skip
    for i in range(0, 300, 100):
        assert a.push(big[i : i + 100]).json()["stored"] == 100
    first = b.pull().json()
    assert first["more"] and 0 < len(first["events"]) < 300
    assert len(json.dumps(first, ensure_ascii=False).encode()) < PULL_BYTES + 64 * 1024
    assert [e["id"] for e in b.pull_all()] == [e["id"] for e in big]


def test_a_pull_page_comes_back_gzipped_when_asked(hub: RunningHub, school) -> None:
    a, b = Device(hub, school[1]), Device(hub, school[1])
    a.push(a.events(20))
    r = b.http.get(b.path("events"), headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    assert r.headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(r.raw.read()))["events"]) == 20


def test_an_unreadable_cursor_is_422(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    refused(device.pull("abc"), 422, "invalid")
    refused(device.pull("-5"), 422, "invalid")
    assert device.pull("99999999").json()["events"] == []  # from the future: the end


def test_no_token_or_a_bad_one_is_401(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    url = device.path("events")
    body = json.dumps({"events": device.events(2)})
    refused(requests.post(url, data=body, timeout=10), 401, "token_missing")
    r = requests.post(url, data=body, headers={"Authorization": "Bearer nope"}, timeout=10)
    doc = refused(r, 401, "token_invalid")
    assert "重新登记" in doc["message"]
    refused(requests.get(url, timeout=10), 401, "token_missing")
    assert hub.event_count() == 0


def test_another_schools_url_is_403_and_shows_nothing(hub: RunningHub, school) -> None:
    ours = Device(hub, school[1])
    other_id, other_code = hub.add_school("河口村小学")
    theirs = Device(hub, other_code)
    theirs.push(theirs.events(4))
    refused(ours.pull(school=other_id), 403, "other_school")
    refused(ours.push(ours.events(2), school=other_id), 403, "other_school")
    assert ours.pull_all() == []  # their events never show in our school
    assert hub.event_count(other_id) == 4 and hub.event_count(school[0]) == 0


def test_a_batch_over_the_event_limit_is_413(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    refused(device.push(device.events(PUSH_EVENTS + 1)), 413, "too_large")
    assert hub.event_count() == 0


def test_a_batch_over_the_byte_limit_is_413(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    batch = device.events(300)
    for e in batch:
        e["body"]["note"] = "字" * 5000  # ~15 KB each, under the per-event limit
    assert len(json.dumps({"events": batch}).encode()) > PUSH_BYTES
    refused(device.push(batch), 413, "too_large")
    plain = device.http.post(
        device.path("events"), data=json.dumps({"events": batch}).encode(), timeout=30
    )
    refused(plain, 413, "too_large")
    # A body that says it is a terabyte is refused before a byte of it is read.
    where = urlsplit(hub.url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as s:
        s.sendall(
            f"POST {urlsplit(device.path('events')).path} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {device.token}\r\nContent-Length: {10**12}\r\n\r\n".encode()
        )
        assert s.recv(65536).startswith(b"HTTP/1.1 413")
    assert hub.event_count() == 0


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_gzip_bomb_is_refused_without_inflating_it(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    device.push(device.events(1))
    before = _peak_rss_kib(hub.process.pid)
    bomb = gzip.compress(b"{" + b" " * (100 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200_000
    started = time.monotonic()
    r = device.http.post(
        device.path("events"), data=bomb, headers={"Content-Encoding": "gzip"}, timeout=30
    )
    refused(r, 413, "too_large")
    assert time.monotonic() - started < 5
    assert _peak_rss_kib(hub.process.pid) - before < 40 * 1024  # far from 100 MB
    assert device.push(device.events(2)).json()["stored"] == 2  # and it keeps serving
    assert hub.event_count() == 3


def test_one_malformed_event_refuses_the_batch_naming_its_index(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    batch = device.events(10)
    del batch[7]["body"]["lesson"]
    doc = refused(device.push(batch), 422, "invalid")
    assert "events[7]" in doc["message"] and "lesson" in doc["message"]
    assert hub.event_count() == 0
    r = device.http.post(
        device.path("events"), data=b"\x1f\x8b garbage", headers={"Content-Encoding": "gzip"}
    )
    refused(r, 400, "bad_request")
    assert hub.event_count() == 0


def test_a_flooding_device_is_slowed_down_and_others_are_not(hub: RunningHub, school) -> None:
    flooder, neighbour = Device(hub, school[1]), Device(hub, school[1])
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: flooder.pull(), range(RATE_BURST * 3)))
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert int(limited[0].headers["Retry-After"]) >= 1
    refused(limited[0], 429, "too_many_requests")
    assert neighbour.pull().status_code == 200


# -- uploads (tus) -----------------------------------------------------------------------


def metadata(data: bytes, filename: str = "三年级1班 分数.mp4", sha256: str | None = None) -> str:
    pairs = {
        "filename": filename,
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
        "kind": "recording",
        "title": "专递课堂 分数的初步认识",
    }
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def create_upload(device: Device, data: bytes, **meta: str) -> str:
    r = device.http.post(
        device.path("uploads/"),
        headers={**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata(data, **meta)},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert r.headers["Location"].startswith(f"{API}/schools/{device.school_id}/uploads/")
    return device.hub.url + r.headers["Location"]


def offset_of(device: Device, location: str) -> int:
    r = device.http.head(location, headers=TUS, timeout=10)
    assert r.status_code == 200, r.status_code
    assert r.headers["Cache-Control"] == "no-store"
    return int(r.headers["Upload-Offset"])


def patch(device: Device, location: str, at: int, chunk: bytes, checksum: str | None = None):
    headers = {**OCTETS, "Upload-Offset": str(at)}
    if checksum:
        headers["Upload-Checksum"] = checksum
    return device.http.patch(location, data=chunk, headers=headers, timeout=30)


def sha256_b64(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def patch_head(device: Device, location: str, length: int) -> bytes:
    """The head of a PATCH from offset 0 announcing `length` bytes, for a raw socket."""
    part = urlsplit(location)
    return (
        f"PATCH {part.path} HTTP/1.1\r\nHost: {part.netloc}\r\n"
        f"Authorization: Bearer {device.token}\r\nTus-Resumable: 1.0.0\r\n"
        "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def test_options_advertise_tus_and_its_extensions(make_hub) -> None:
    hub = make_hub()
    r = requests.options(hub.url + API + f"/schools/{uuid.uuid4()}/uploads/", timeout=10)
    assert r.status_code == 204
    assert r.headers["Tus-Version"] == "1.0.0"
    assert r.headers["Tus-Extension"] == "creation,checksum,expiration,termination"
    assert r.headers["Tus-Max-Size"] == str(UPLOAD_BYTES)
    assert r.headers["Tus-Checksum-Algorithm"] == "sha1,sha256"


def test_an_upload_in_checked_chunks_becomes_the_schools_file(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    data = os.urandom(300_000)
    location = create_upload(device, data)
    assert offset_of(device, location) == 0
    at = 0
    for size in (100_000, 100_000, 100_000):
        chunk = data[at : at + size]
        r = patch(device, location, at, chunk, sha256_b64(chunk))
        assert r.status_code == 204, r.text
        at = int(r.headers["Upload-Offset"])
    assert at == len(data)
    sha = hashlib.sha256(data).hexdigest()
    assert hub.files() == [f"{school[0]}/{sha}"]
    assert (hub.data_dir / "uploads" / school[0] / sha).read_bytes() == data
    # The same file again: created complete, nothing to send.
    r = device.http.post(
        device.path("uploads/"),
        headers={**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": metadata(data)},
        timeout=10,
    )
    assert r.status_code == 201 and r.headers["Upload-Offset"] == str(len(data))
    assert offset_of(device, hub.url + r.headers["Location"]) == len(data)


def test_a_cut_patch_keeps_what_arrived_and_the_upload_resumes(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    data = os.urandom(1_000_000)
    location = create_upload(device, data)
    part = urlsplit(location)
    sent = 400_000
    with socket.create_connection((part.hostname, part.port), timeout=10) as s:
        s.sendall(patch_head(device, location, len(data)) + data[:sent])
    deadline = time.monotonic() + 10
    while (at := offset_of(device, location)) == 0:  # recorded once the hub saw the cut
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # What reached the hub's disk is kept; the few KB still in its socket buffer are not.
    assert sent // 2 <= at <= sent
    upload_id = location.rsplit("/", 1)[1]
    assert (hub.data_dir / "uploads" / "partial" / f"{upload_id}.part").read_bytes() == data[:at]
    r = patch(device, location, at, data[at:], sha256_b64(data[at:]))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    assert (hub.data_dir / "uploads" / school[0] / hashlib.sha256(data).hexdigest()).exists()


def test_a_pc_that_goes_silent_mid_body_is_let_go_and_keeps_what_it_sent(make_hub) -> None:
    hub = make_hub(None, env={"KEBAO_HUB_BODY_IDLE_S": "1"})
    device = Device(hub, hub.add_school("城关镇中心小学")[1])
    data = os.urandom(100_000)
    location = create_upload(device, data)
    part = urlsplit(location)
    with socket.create_connection((part.hostname, part.port), timeout=30) as s:
        # then the PC is switched off: no FIN, no RST
        s.sendall(patch_head(device, location, len(data)) + data[:1000])
        answer = b""
        while chunk := s.recv(65536):  # the hub closes the socket (a 30 s timeout fails)
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 204") and b"upload-offset: 1000\r\n" in answer.lower()
    assert offset_of(device, location) == 1000  # what arrived is kept; the upload resumes
    r = patch(device, location, 1000, data[1000:], sha256_b64(data[1000:]))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))

    # a push cut short the same way stores nothing of its batch
    body = json.dumps({"events": device.events(3)}).encode()
    events = urlsplit(device.path("events"))
    with socket.create_connection((part.hostname, part.port), timeout=30) as s:
        head = (
            f"POST {events.path} HTTP/1.1\r\nHost: {part.netloc}\r\n"
            f"Authorization: Bearer {device.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        s.sendall(head.encode() + body[: len(body) // 2])
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b'"error":"bad_request"' in answer
    assert device.pull_all() == []  # nothing of the half batch was stored


def test_an_upload_goes_on_after_a_hub_restart_and_is_still_checked_whole(make_hub) -> None:
    """The hub keeps the whole file's hash in memory as chunks arrive; after a restart it
    reads the file once at the end instead, and still refuses one that changed on disk."""
    first = make_hub()
    device = Device(first, first.add_school("城关镇中心小学")[1])
    data, other = os.urandom(300_000), os.urandom(300_000)
    location, spoilt = create_upload(device, data), create_upload(device, other)
    assert patch(device, location, 0, data[:100_000]).status_code == 204
    assert patch(device, spoilt, 0, other[:100_000]).status_code == 204
    first.stop()
    part = first.data_dir / "uploads" / "partial" / (spoilt.rsplit("/", 1)[1] + ".part")
    part.write_bytes(b"X" + part.read_bytes()[1:])  # the disk changed while the hub was down
    device.hub = second = start_hub(first.data_dir, first.db_url)
    try:
        location, spoilt = (second.url + urlsplit(u).path for u in (location, spoilt))
        for at in (100_000, 200_000):
            chunk = data[at : at + 100_000]
            assert patch(device, location, at, chunk, sha256_b64(chunk)).status_code == 204
        sha = hashlib.sha256(data).hexdigest()
        assert (second.data_dir / "uploads" / device.school_id / sha).read_bytes() == data
        doc = refused(patch(device, spoilt, 100_000, other[100_000:]), 460, "checksum_mismatch")
        assert "whole file" in doc["message_en"]
        assert second.files() == [f"{device.school_id}/{sha}"]
    finally:
        second.stop()


def test_a_chunk_with_a_wrong_checksum_is_460_and_dropped(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    data = os.urandom(200_000)
    location = create_upload(device, data)
    assert patch(device, location, 0, data[:100_000]).status_code == 204
    r = patch(device, location, 100_000, data[100_000:], sha256_b64(b"something else"))
    refused(r, 460, "checksum_mismatch")
    assert offset_of(device, location) == 100_000
    upload_id = location.rsplit("/", 1)[1]
    assert (hub.data_dir / "uploads" / "partial" / f"{upload_id}.part").stat().st_size == 100_000
    r = patch(device, location, 100_000, data[100_000:], sha256_b64(data[100_000:]))
    assert r.status_code == 204


def test_a_whole_file_that_differs_from_its_sha256_is_460_and_deleted(
    hub: RunningHub, school
) -> None:
    device = Device(hub, school[1])
    data = os.urandom(50_000)
    location = create_upload(device, data, sha256="ab" * 32)
    doc = refused(patch(device, location, 0, data), 460, "checksum_mismatch")
    assert "whole file" in doc["message_en"]
    assert hub.files() == []
    refused(device.http.head(location, headers=TUS, timeout=10), 410, "upload_gone")


def test_tus_refusals_change_nothing(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    data = os.urandom(10_000)
    location = create_upload(device, data)
    r = device.http.patch(location, data=data, headers={**OCTETS, "Tus-Resumable": "0.2.2"})
    assert r.status_code == 412 and r.headers["Tus-Version"] == "1.0.0"
    r = device.http.patch(
        location, data=data, headers={**TUS, "Upload-Offset": "0", "Content-Type": "text/plain"}
    )
    refused(r, 415, "bad_content_type")
    r = patch(device, location, 5, data)
    refused(r, 409, "offset_mismatch")
    assert r.headers["Upload-Offset"] == "0"
    refused(patch(device, location, 0, data + b"extra"), 413, "too_large")
    r = device.http.post(
        device.path("uploads/"),
        headers={**TUS, "Upload-Length": str(UPLOAD_BYTES + 1), "Upload-Metadata": metadata(data)},
    )
    refused(r, 413, "too_large")
    r = device.http.post(device.path("uploads/"), headers={**TUS, "Upload-Length": "10"})
    refused(r, 422, "invalid")
    assert offset_of(device, location) == 0
    missing = location.rsplit("/", 1)[0] + "/" + "0" * 32
    refused(device.http.head(missing, headers=TUS), 404, "not_found")
    other = Device(hub, hub.add_school("河口村小学")[1])
    refused(other.http.head(location, headers=TUS), 403, "other_school")
    assert hub.files() == [f"partial/{location.rsplit('/', 1)[1]}.part"]


def test_an_unfinished_upload_expires(make_hub, hub_db) -> None:
    hub = make_hub(hub_db, env={"KEBAO_HUB_UPLOAD_EXPIRES_S": "1"})
    device = Device(hub, hub.add_school("城关镇中心小学")[1])
    data = os.urandom(10_000)
    location = create_upload(device, data)
    r = patch(device, location, 0, data[:5000])
    assert r.status_code == 204 and "Upload-Expires" in r.headers
    deadline = time.monotonic() + 10
    while (r := device.http.head(location, headers=TUS)).status_code == 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)  # an expiry is a time that has to pass
    refused(r, 410, "upload_gone")
    refused(patch(device, location, 5000, data[5000:]), 410, "upload_gone")
    assert hub.files() == []


def test_termination_deletes_the_partial_file(hub: RunningHub, school) -> None:
    device = Device(hub, school[1])
    data = os.urandom(10_000)
    location = create_upload(device, data)
    assert patch(device, location, 0, data[:4000]).status_code == 204
    r = device.http.delete(location, headers=TUS)
    assert r.status_code == 204
    assert hub.files() == []
    refused(device.http.head(location, headers=TUS), 410, "upload_gone")


# -- content -----------------------------------------------------------------------------


@pytest.fixture
def repo_hub(make_hub, tmp_path: Path) -> tuple[RunningHub, Path]:
    repo = tmp_path / "repo"
    (repo / "blobs" / "ab").mkdir(parents=True)
    (repo / "kebao-repo.json").write_text('{"format": 1}', encoding="utf-8")
    (repo / "blobs" / "ab" / "abcd").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "secret.txt").write_text("county passwords", encoding="utf-8")
    (repo / "link-out").symlink_to(tmp_path / "secret.txt")
    return make_hub(None, "--repo", str(repo)), repo


def test_repo_files_resume_with_range_and_if_range(repo_hub) -> None:
    hub, repo = repo_hub
    url = hub.url + "/repo/blobs/ab/abcd"
    whole = requests.get(url, timeout=10)
    data = (repo / "blobs" / "ab" / "abcd").read_bytes()
    assert whole.status_code == 200 and whole.content == data
    stat = (repo / "blobs" / "ab" / "abcd").stat()
    etag = f'"{stat.st_size}-{stat.st_mtime_ns}"'
    assert whole.headers["ETag"] == etag
    assert whole.headers["Accept-Ranges"] == "bytes" and "Last-Modified" in whole.headers
    part = requests.get(url, headers={"Range": "bytes=1000-", "If-Range": etag}, timeout=10)
    assert part.status_code == 206 and part.content == data[1000:]
    assert part.headers["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    refused(
        requests.get(url, headers={"Range": f"bytes={len(data)}-"}), 416, "range_not_satisfiable"
    )
    for malformed in ("bytes=abc", "bytes=5-3x", "lines=1-2", "bytes="):
        refused(requests.get(url, headers={"Range": malformed}, timeout=10), 400, "bad_request")
    (repo / "blobs" / "ab" / "abcd").write_bytes(b"a new version")
    changed = requests.get(url, headers={"Range": "bytes=5-", "If-Range": etag}, timeout=10)
    assert changed.status_code == 200 and changed.content == b"a new version"


def test_pull_pages_name_the_index_and_repo_answers_304_while_it_is_the_same(repo_hub) -> None:
    hub, repo = repo_hub
    device = Device(hub, hub.add_school("城关镇中心小学")[1])
    tag = device.pull().json()["repo"]
    index = hub.url + "/repo/kebao-repo.json"
    assert requests.get(index, timeout=10).headers["ETag"] == tag
    same = requests.get(index, headers={"If-None-Match": tag}, timeout=10)
    assert same.status_code == 304 and same.content == b""
    (repo / "kebao-repo.json").write_text('{"format": 1, "packages": []}', encoding="utf-8")
    changed = device.pull().json()["repo"]
    assert changed != tag
    again = requests.get(index, headers={"If-None-Match": tag}, timeout=10)
    assert again.status_code == 200 and again.headers["ETag"] == changed


def test_a_hub_without_a_repository_names_no_index(hub: RunningHub, school) -> None:
    assert "repo" not in Device(hub, school[1]).pull().json()


@pytest.mark.parametrize(
    "path", ["../secret.txt", "blobs/../../secret.txt", "link-out", "%2e%2e/secret.txt", "blobs"]
)
def test_repo_paths_stay_inside_the_folder(repo_hub, path: str) -> None:
    hub, _repo = repo_hub
    r = requests.get(hub.url + "/repo/" + path, timeout=10)
    refused(r, 404, "not_found")
    assert "county" not in r.text
    with socket.create_connection((urlsplit(hub.url).hostname, urlsplit(hub.url).port)) as s:
        s.sendall(f"GET /repo/{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        raw = b"".join(iter(lambda: s.recv(65536), b""))
    assert raw.startswith(b"HTTP/1.1 404") and b"county" not in raw
