"""The sync wire, version 1 (docs/sync-protocol.md): paths, limits, error codes, payloads.

The one module the hub imports from `sync/`: both halves of the protocol read their
constants and check their payloads here, so they cannot drift apart.

    >>> events = parse_push(gzip.decompress(body))   # hub: a push batch, checked
    >>> push_body(events)                             # client: the same, as bytes
    >>> normalise_code("7k4q m2xd-9hpa")
    '7K4QM2XD9HPA'
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import secrets
import socket
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from media.errors import InputInvalid, KebaoError, text
from sync.events import Event, WireEvent

PROTOCOL = 1
API = "/api/v1"
REPO = "/repo"
DEFAULT_PORT = 8470
LAN_PORT = 8471
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,expiration,termination"
TUS_CHECKSUMS = "sha1,sha256"

PUSH_EVENTS = 5000
PUSH_BYTES = 4 * 1024 * 1024
PULL_EVENTS = 5000
PULL_BYTES = 4 * 1024 * 1024  # a page ends after the event that takes it past this
UPLOAD_BYTES = 8 * 1024**3
UPLOAD_CHUNK_BYTES = 64 * 1024 * 1024
UPLOAD_EXPIRES_S = 7 * 24 * 3600
RATE_BURST = 60  # requests a device may send at once ...
RATE_PER_S = 10  # ... and per second after that
ENROL_ATTEMPTS = 10  # per client address ...
ENROL_WINDOW_S = 600  # ... per this many seconds
SMALL_UPLOAD_BYTES = 32 * 1024 * 1024  # larger outbox files wait for the big-transfer window

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone
CODE_LENGTH = 12
_DEVICE_ID = re.compile(r"[0-9a-f]{16}")
_SEPARATORS = re.compile(r"[\s\-_]")

# error code -> (status, Chinese sentence, English sentence)
ERRORS: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "请求无法读取", "The request could not be read"),
    "token_missing": (401, "缺少设备令牌，请先登记本机", "No device token; enrol this PC first"),
    "token_invalid": (
        401,
        "设备令牌无效或已被撤销，请重新登记",
        "The device token is not valid or was revoked; enrol again",
    ),
    "other_school": (403, "不能访问其他学校的数据", "That is another school's data"),
    "enrol_code_invalid": (
        403,
        "登记码不正确，请向县电教中心核对",
        "The enrolment code is not right; check it with the county",
    ),
    "not_found": (404, "没有找到", "Not found"),
    "method_not_allowed": (405, "不支持这种请求方法", "The method is not allowed here"),
    "offset_mismatch": (409, "上传位置不一致", "The upload offset does not match"),
    "upload_gone": (410, "这个上传已过期或已取消", "This upload expired or was cancelled"),
    "precondition_failed": (412, "不支持的 tus 版本", "Unsupported tus version"),
    "too_large": (413, "数据太大，超过了中心的限制", "Too large for the hub's limits"),
    "bad_content_type": (415, "内容类型不正确", "Wrong content type"),
    "range_not_satisfiable": (416, "请求的范围超出了文件", "The range is outside the file"),
    "invalid": (422, "数据格式不正确", "The data is malformed"),
    "too_many_requests": (429, "请求太频繁，请稍后再试", "Too many requests; try again later"),
    "checksum_mismatch": (460, "校验和不一致", "The checksum does not match"),
    "unavailable": (503, "同步中心暂时不可用", "The hub is unavailable for now"),
}


def error_body(code: str, detail: str = "") -> dict:
    """The one error shape: `{"error", "message", "message_en"}`; `detail` is appended."""
    _status, zh, en = ERRORS[code]
    if detail:
        zh, en = f"{zh}：{detail}", f"{en}: {detail}"
    return {"error": code, "message": zh, "message_en": en}


def school_path(school_id: str, *rest: str) -> str:
    return "/".join((f"{API}/schools/{school_id}", *rest))


# -- enrolment ---------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """What a person typed ("7k4q m2xd-9hpa") as the code it stands for."""
    return _SEPARATORS.sub("", typed).upper()


def show_code(code: str) -> str:
    """Groups of four, as printed for the technician: 7K4Q-M2XD-9HPA."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def valid_device_id(value: object) -> bool:
    return isinstance(value, str) and _DEVICE_ID.fullmatch(value) is not None


@dataclass(frozen=True)
class Enrolment:
    code: str
    device_id: str
    name: str


def parse_enrolment(doc: object) -> Enrolment:
    """Check `POST /enrol`'s body; InputInvalid names the field."""
    where = text("登记请求", "enrolment request")
    if not isinstance(doc, dict):
        raise InputInvalid(where=where, problem="expected a JSON object")
    code, device, name = doc.get("code"), doc.get("device_id"), doc.get("name", "")
    if not isinstance(code, str) or len(code) > 40:
        raise InputInvalid(where=where, problem="code is missing")
    if not valid_device_id(device):
        raise InputInvalid(where=where, problem="device_id must be 16 lowercase hex characters")
    if not isinstance(name, str) or len(name) > 100:
        raise InputInvalid(where=where, problem="name must be text of at most 100 characters")
    return Enrolment(normalise_code(code), device, name.strip())


# -- events ------------------------------------------------------------------------------


class TooManyEvents(InputInvalid):
    """A push batch over PUSH_EVENTS: refused as too large (413), not as malformed."""


def parse_push(data: bytes) -> list[Event]:
    """Check a push body (already gunzipped, at most PUSH_BYTES): every event, or none.

    InputInvalid names the index of the first bad event and what is wrong with it.
    """
    where = text("上传的日志", "pushed events")
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InputInvalid(where=where, problem="not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise InputInvalid(where=where, problem='expected {"events": [...]}')
    raw = doc["events"]
    if len(raw) > PUSH_EVENTS:
        raise TooManyEvents(where=where, problem=f"more than {PUSH_EVENTS} events")
    events = []
    for i, item in enumerate(raw):
        try:
            events.append(Event.from_dict(item))
        except InputInvalid as e:
            raise InputInvalid(where=f"events[{i}]", problem=str(e)) from None
    return events


def event_json(id: str, hlc: str, kind: str, body_json: str) -> str:
    """One event's wire form from its stored parts, without parsing and encoding it again.

    Only events that were checked (`Event`) are stored, so `id` (a UUID), `hlc` (digits,
    dots, hex) and `kind` (`[a-z0-9_]`) hold nothing JSON must escape, and `body_json`
    is JSON already.
    """
    return f'{{"id":"{id}","hlc":"{hlc}","kind":"{kind}","body":{body_json}}}'


def events_body(events: Iterable[Event | WireEvent], **extra: object) -> bytes:
    """A push body, or a pull page (`cursor`, `more`, `repo` in `extra`), as UTF-8 JSON.

    `events` are `Event`s or their stored parts `(id, hlc, kind, body_json)`.
    """
    items = ",".join(
        event_json(e.id, e.hlc, e.kind, e.body_json) if isinstance(e, Event) else event_json(*e)
        for e in events
    )
    tail = "".join(
        f",{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}" for k, v in extra.items()
    )
    return f'{{"events":[{items}]{tail}}}'.encode()


@dataclass(frozen=True)
class Page:
    events: list[Event]
    cursor: str
    more: bool
    repo: str | None = None  # the ETag of the hub's repository index now, if it has one


def parse_page(data: bytes) -> Page:
    """Check a pull page from the hub."""
    where = text("同步中心返回的日志", "events from the hub")
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InputInvalid(where=where, problem="not JSON") from None
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("events"), list)
        or not isinstance(doc.get("cursor"), str)
        or not isinstance(doc.get("more"), bool)
    ):
        raise InputInvalid(where=where, problem='expected {"events", "cursor", "more"}')
    events = []
    for i, item in enumerate(doc["events"]):
        try:
            events.append(Event.from_dict(item))
        except InputInvalid as e:
            raise InputInvalid(where=f"events[{i}]", problem=str(e)) from None
    repo = doc.get("repo")
    return Page(events, doc["cursor"], doc["more"], repo if isinstance(repo, str) else None)


# -- the USB drive (docs/sync-protocol.md, "Sync by USB drive") ---------------------------

FOLDER = "kebao-sync"
TO_HUB = "to-hub"
FROM_HUB = "from-hub"
UPLOADS = "uploads"
RECEIVED = "received.json"  # from-hub: sha256 of every file the hub holds for the school
UNENROLLED = "unenrolled"
SUFFIX = ".jsonl.gz"


def write_events(path: Path, events: list[Event]) -> None:
    """One file of events, whole or not at all (written aside, fsync'd, renamed)."""
    lines = b"".join(
        json.dumps(e.to_dict(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for e in events
    )
    write_atomically(path, gzip.compress(lines, compresslevel=6, mtime=0))


def read_events(path: Path) -> list[Event]:
    """Every event of one file; InputInvalid (naming the file) when any part is damaged."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as e:
        raise InputInvalid(where=str(path), problem=f"damaged: {e}") from None
    events = []
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            events.append(Event.from_dict(json.loads(line)))
        except (ValueError, InputInvalid) as e:
            raise InputInvalid(where=f"{path}:{n}", problem=str(e)) from None
    return events


def write_atomically(path: Path, data: bytes) -> None:
    """A file on a drive, whole or not at all: written aside, fsync'd, renamed."""
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return  # Windows cannot open a directory; its rename is durable on NTFS/FAT
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def listen(
    host: str, port: int, *, taken: type[KebaoError], unusable: type[KebaoError]
) -> socket.socket:
    """A listening socket for a server of this protocol (the hub, a LAN share), bound
    before anything is announced; port 0 picks a free one. A port in use raises
    `taken(port=…)`, any other refusal `unusable(host=…, port=…, problem=…)`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio sets TCP_NODELAY only on sockets whose proto is
    # TCP, and without it every answer waited ~40 ms for the client's delayed ACK
    # (uvicorn writes the headers and the body separately).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if sys.platform != "win32":  # there it would let two programs share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart in TIME_WAIT
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise taken(port=port) from None
        raise unusable(host=host, port=port, problem=e.strerror or str(e)) from None
    return sock
