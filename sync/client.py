"""The hub client: enrolment, and the journal's push and pull (docs/sync-protocol.md).

One `HubClient` per hub URL, on a `requests.Session` with no automatic retries: the
round's rules decide what to do after a failure. Every failure becomes a `KebaoError`
with one sentence: `HubUnreachable` (no answer, a cut, a 5xx: nothing lost, try again
later), `HubRefused` (the hub said no, with its own sentence), `NotEnrolled`.

    >>> enrolled = enrol(journal, "hub.example.cn:8470", "7K4Q-M2XD-9HPA", "三年级1班")
    >>> report = sync_journal(journal, client_for(journal))
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from media.errors import InputInvalid, KebaoError, language, text
from sync import protocol
from sync.backoff import Outcome, classify, retry_after
from sync.events import Event, WireEvent
from sync.journal import Journal
from sync.protocol import API, Page

CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60
PUSH_IN_FLIGHT = 2  # push batches sent before the first is acknowledged
_ENVELOPE_BYTES = 64  # `{"events":[` … `]}` around a push batch's events


def timeouts() -> tuple[float, float]:
    """(connect, read) seconds for every request to a hub or a repository.

    The connect timeout also bounds each send (urllib3 sends on a socket with it), so
    a link that stops taking a body fails as surely as one that stops answering.
    `KEBAO_SYNC_TIMEOUT_S` lowers both: the tests of a stalled link wait ~1 s, not 60.
    """
    try:
        cap = float(os.environ.get("KEBAO_SYNC_TIMEOUT_S", READ_TIMEOUT_S))
    except ValueError:
        cap = READ_TIMEOUT_S
    cap = cap if 0 < cap < READ_TIMEOUT_S else READ_TIMEOUT_S
    return min(CONNECT_TIMEOUT_S, cap), cap


class HubUnreachable(KebaoError):
    zh = "连不上同步中心 {url}（{reason}）；学习记录都保存在本机，下次能连上时会接着同步"
    en = "Cannot reach the hub at {url} ({reason}); everything is kept here and sync resumes next time"
    exit_code = 3  # nothing is wrong with the input: run again later
    status: int | None = None  # the hub's 5xx or 408, when it answered at all
    retry_after: float | None = None  # its Retry-After (a 503 says how long to wait)


class HubRefused(KebaoError):
    zh = "同步中心拒绝了请求：{message}"
    en = "The hub refused the request: {message}"

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None):
        self.status, self.code, self.retry_after = status, code, retry_after
        super().__init__(message=message)

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        """3 (run again later) where the retry table says wait (429), else 2."""
        return 3 if classify(self.status) is Outcome.WAIT else 2


class NotEnrolled(KebaoError):
    zh = "本机还没有登记到同步中心：请先运行 kebao enrol --hub 地址 --code 登记码"
    en = "This PC is not enrolled with a hub: run kebao enrol --hub URL --code CODE first"


def hub_url(typed: str) -> str:
    """What a technician typed ("hub.example.cn:8470") as a base URL, or InputInvalid."""
    url = typed.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputInvalid(where=typed, problem=text("不是同步中心的网址", "not a hub URL"))
    return url


@dataclass(frozen=True)
class Enrolled:
    school_id: str
    school_name: str
    token: str


@dataclass
class JournalReport:
    """What one journal exchange did, for the 同步 page and `kebao sync`."""

    pushed: int = 0  # events the hub stored new
    duplicates: int = 0  # events it already had
    pulled: int = 0  # events new to this journal
    bytes_sent: int = 0
    bytes_received: int = 0
    repo_index: str | None = None  # the ETag of the hub's repository index (last page)


class HubClient:
    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = hub_url(url)
        self.token = token
        self.http = requests.Session()
        self.http.headers["User-Agent"] = f"kebao-sync/{protocol.PROTOCOL}"
        self.bytes_sent = 0
        self.bytes_received = 0
        self._counting = threading.Lock()

    def close(self) -> None:
        self.http.close()

    # -- requests ---------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """One call to the hub with the token; HubUnreachable / HubRefused on failure."""
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = kwargs.get("data")
        try:
            response = self.http.request(
                method,
                self.url + path,
                headers=headers,
                timeout=timeouts(),
                **kwargs,  # type: ignore[arg-type]
            )
            content = response.content  # read it all here, where a cut is caught
        except requests.RequestException as e:
            raise HubUnreachable(url=self.url, reason=network_reason(e)) from None
        if cut_in_head(response):
            raise HubUnreachable(url=self.url, reason=cut_short())
        with self._counting:  # two pushes, or a push and a pull, may finish at once
            self.bytes_sent += len(body) if isinstance(body, bytes) else 0
            self.bytes_received += _wire_length(response, content)
        if response.status_code >= 500 or response.status_code == 408:
            raise _unavailable(self.url, response)
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    def info(self) -> dict:
        """`GET /api/v1/hub`: is it a Kebao hub speaking this protocol?"""
        doc = _json(self.request("GET", f"{API}/hub"), self.url)
        if doc.get("hub") != "kebao" or doc.get("protocol") != protocol.PROTOCOL:
            raise HubRefused(
                200,
                "not_a_hub",
                text("这个网址不是课包同步中心", "this address is not a Kebao hub"),
            )
        return doc

    def enrol(self, code: str, device_id: str, name: str) -> Enrolled:
        body = {"code": code, "device_id": device_id, "name": name}
        doc = _json(self.request("POST", f"{API}/enrol", json=body), self.url)
        try:
            return Enrolled(doc["school"]["id"], doc["school"]["name"], doc["token"])
        except (KeyError, TypeError):
            raise HubRefused(200, "invalid", "unexpected answer to enrolment") from None

    def push(self, school_id: str, events: list[Event] | list[WireEvent]) -> tuple[int, int]:
        """Send one batch; (stored, duplicates). Safe to repeat after any failure."""
        body = gzip.compress(protocol.events_body(events), compresslevel=6)
        response = self.request(
            "POST",
            protocol.school_path(school_id, "events"),
            data=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        doc = _json(response, self.url)
        return int(doc.get("stored", 0)), int(doc.get("duplicates", 0))

    def pull(self, school_id: str, after: str, limit: int = protocol.PULL_EVENTS) -> Page:
        response = self.request(
            "GET",
            protocol.school_path(school_id, "events"),
            params={"after": after, "limit": limit},
            headers={"Accept-Encoding": "gzip"},
        )
        try:
            return protocol.parse_page(response.content)
        except InputInvalid:  # not a page: cut in its head (the gzip header lost, say)
            raise HubUnreachable(url=self.url, reason=cut_short()) from None


def cut_in_head(response: requests.Response) -> bool:
    """Whether the connection broke inside the answer's headers.

    requests takes headers that end with the connection for a whole answer whose body
    runs to the close: empty, or raw gzip. Every answer with a body says its length
    (Content-Length or chunked), so one that says neither was cut before it could.
    """
    if response.status_code in (204, 304) or response.request.method == "HEAD":
        return False
    chunked = "chunked" in response.headers.get("Transfer-Encoding", "").lower()
    return "Content-Length" not in response.headers and not chunked


def cut_short() -> str:
    return text("回答不完整，连接中断了", "the answer was cut short")


def _wire_length(response: requests.Response, content: bytes) -> int:
    """How many bytes of body crossed the wire: a gzip answer's length before inflating."""
    declared = response.headers.get("Content-Length", "")
    if response.headers.get("Content-Encoding") == "gzip" and declared.isdigit():
        return int(declared)
    return len(content)


def network_reason(e: requests.RequestException) -> str:
    """What went wrong on the way, in a few words for a person."""
    if isinstance(e, requests.Timeout):
        return text("超时", "timed out")
    if isinstance(e, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return text("连接失败或中断", "connection failed or broke")  # refused, reset, cut mid-body
    return type(e).__name__


def _json(response: requests.Response, url: str) -> dict:
    try:
        doc = json.loads(response.content)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise HubUnreachable(url=url, reason=text("回答不是 JSON", "the answer is not JSON"))
    return doc


def _unavailable(url: str, response: requests.Response) -> HubUnreachable:
    error = HubUnreachable(url=url, reason=f"HTTP {response.status_code}")
    error.status, error.retry_after = response.status_code, retry_after(response.headers)
    return error


def _refusal(response: requests.Response) -> HubRefused:
    try:
        doc = json.loads(response.content)
    except ValueError:
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    code = str(doc.get("error", "http_error"))
    message = doc.get("message_en" if language() == "en" else "message")
    if not isinstance(message, str) or not message:
        message = f"HTTP {response.status_code}"
    return HubRefused(response.status_code, code, message, retry_after(response.headers))


# -- the journal's exchange -----------------------------------------------------------------


def client_for(journal: Journal) -> HubClient:
    """A client for the hub this data folder is enrolled with; NotEnrolled otherwise."""
    state = journal.sync_state()
    if not state.enrolled:
        raise NotEnrolled()
    assert state.hub_url and state.token
    return HubClient(state.hub_url, state.token)


def enrol(journal: Journal, url: str, code: str, name: str) -> Enrolled:
    """Enrol this data folder's device with the hub at `url` and remember it."""
    client = HubClient(url)
    try:
        client.info()
        enrolled = client.enrol(code, journal.device_id, name)
    finally:
        client.close()
    state = journal.sync_state()
    moved = state.school_id not in (None, enrolled.school_id)
    journal.update_sync_state(
        hub_url=client.url,
        school_id=enrolled.school_id,
        school_name=enrolled.school_name,
        token=enrolled.token,
        # Another hub or school: what it holds starts from nothing, so everything goes.
        **({"push_cursor": 0, "pull_cursor": ""} if moved or state.hub_url != client.url else {}),
    )
    return enrolled


def sync_journal(
    journal: Journal, client: HubClient, batch: int = protocol.PUSH_EVENTS
) -> JournalReport:
    """Push until nothing is pending, then pull until the hub has no more.

    Each acknowledged batch moves the push cursor, each applied page the pull cursor
    (in the page's own transaction): a failure at any point loses nothing, and the
    next call goes on from there. Raises HubUnreachable / HubRefused.
    """
    state = journal.sync_state()
    if not state.enrolled or state.school_id is None:
        raise NotEnrolled()
    report = JournalReport()
    sent0, received0 = client.bytes_sent, client.bytes_received
    # Two batches in flight: the hub checks one while it stores the other. The cursor
    # moves over a batch only once it and every batch before it were acknowledged.
    in_flight: deque[tuple[Future[tuple[int, int]], int]] = deque()
    read_to = state.push_cursor
    with ThreadPoolExecutor(PUSH_IN_FLIGHT) as senders:
        while True:
            while len(in_flight) < PUSH_IN_FLIGHT:
                page = journal.wire_to_send(read_to, batch, protocol.PUSH_BYTES - _ENVELOPE_BYTES)
                if not page.events:
                    break
                in_flight.append(
                    (senders.submit(client.push, state.school_id, page.events), page.cursor)
                )
                read_to = page.cursor
            if not in_flight:
                break
            sending, cursor = in_flight.popleft()
            stored, duplicates = sending.result()  # a failure: what follows is not counted
            report.pushed += stored
            report.duplicates += duplicates
            journal.update_sync_state(push_cursor=cursor)
    # The next page is asked for while this one is applied: the hub's work and ours overlap.
    with ThreadPoolExecutor(1) as ahead:
        pulled = client.pull(state.school_id, state.pull_cursor)
        while True:
            following = (
                ahead.submit(client.pull, state.school_id, pulled.cursor) if pulled.more else None
            )
            report.pulled += journal.apply_pulled(pulled.events, pulled.cursor)
            if following is None:
                break
            pulled = following.result()
    report.repo_index = pulled.repo
    report.bytes_sent = client.bytes_sent - sent0
    report.bytes_received = client.bytes_received - received0
    return report
