"""The journal's events: immutable facts with an id, an HLC stamp, a kind and a small body.

An `Event` is valid by construction; one built from the wire (`Event.from_dict`) is
checked the same way as one recorded here. Bodies may carry keys this version does not
know, and kinds it does not know are kept and passed on but folded into no view, so a
newer device's events survive a trip through an older one.

    >>> e = Event.from_dict({"id": "…", "hlc": "001732500000000.00000.3f2a…", "kind": "play",
    ...                      "body": {...}})
    >>> e.device
    '3f2a…'
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from media.errors import InputInvalid, text
from sync.hlc import Stamp

PROGRESS = "progress"
PLAY = "play"
ATTEMPT = "attempt"
LEARNER = "learner"
KINDS = (PROGRESS, PLAY, ATTEMPT, LEARNER)

MAX_BODY_BYTES = 16 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")

# Fields a `learner` event may set; each is folded on its own (latest by HLC wins).
LEARNER_FIELDS = ("name", "class", "colour", "pin_hash", "teacher", "archived")


def _str(v: object) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 200


def _count(v: object) -> bool:
    return type(v) is int and v >= 0


def _sha(v: object) -> bool:
    return isinstance(v, str) and _SHA256.fullmatch(v) is not None


def _uuid(v: object) -> bool:
    if not isinstance(v, str):
        return False
    try:
        return str(uuid.UUID(v)) == v
    except ValueError:
        return False


def _number_or_none(v: object) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool))


def _bool(v: object) -> bool:
    return type(v) is bool


def _millis(v: object) -> bool:
    return type(v) is int


_LEARNER_VALUES = {
    "name": _str,
    "class": _str,
    "colour": lambda v: isinstance(v, str) and re.fullmatch(r"#[0-9a-f]{6}", v) is not None,
    "pin_hash": lambda v: v is None or _str(v),
    "teacher": _bool,
    "archived": _bool,
}

# kind → required body field → check. Extra fields are allowed (newer versions).
SCHEMA: dict[str, dict[str, Any]] = {
    PROGRESS: {
        "learner": _uuid,
        "package": _str,
        "sha256": _sha,
        "position_ms": _count,
        "furthest_ms": _count,
        "duration_ms": _count,
        "completed": _bool,
        "watched_ms": _count,
    },
    PLAY: {
        "class": _str,
        "package": _str,
        "lesson": _str,
        "sha256": _sha,
        "start_ms": _millis,
        "end_ms": _millis,
        "mode": _str,
    },
    ATTEMPT: {
        "learner": _uuid,
        "package": _str,
        "sha256": _sha,
        "answers": lambda v: True,
        "score": _number_or_none,
        "max_score": _number_or_none,
    },
    LEARNER: {
        "learner": _uuid,
        "set": lambda v: (
            isinstance(v, dict)
            and bool(v)
            and all(k in _LEARNER_VALUES and _LEARNER_VALUES[k](x) for k, x in v.items())
        ),
    },
}


def body_problem(kind: str, body: object) -> str | None:
    """What is wrong with a body of this kind, or None; unknown kinds only need an object."""
    if not isinstance(body, dict):
        return "body is not an object"
    for field, check in SCHEMA.get(kind, {}).items():
        if field not in body:
            return f"body lacks {field!r}"
        if not check(body[field]):
            return f"body field {field!r} is invalid: {body[field]!r}"
    return None


def canonical_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Event:
    id: str
    hlc: str
    kind: str
    body: dict

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise InputInvalid(
                where=text(f"日志事件 {self.id!r}", f"journal event {self.id!r}"), problem=problem
            )

    def _problem(self) -> str | None:
        if not _uuid(self.id):
            return "id is not a UUID"
        try:
            Stamp.parse(self.hlc)
        except (TypeError, ValueError):
            return f"hlc is malformed: {self.hlc!r}"
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            return f"kind is malformed: {self.kind!r}"
        problem = body_problem(self.kind, self.body)
        if problem is None and len(canonical_json(self.body).encode()) > MAX_BODY_BYTES:
            problem = f"body is larger than {MAX_BODY_BYTES} bytes"
        return problem

    @property
    def stamp(self) -> Stamp:
        return Stamp.parse(self.hlc)

    @property
    def device(self) -> str:
        return self.stamp.device

    def to_dict(self) -> dict:
        """The wire form: `{"id", "hlc", "kind", "body"}` (the device is inside `hlc`)."""
        return {"id": self.id, "hlc": self.hlc, "kind": self.kind, "body": self.body}

    @classmethod
    def from_dict(cls, d: object) -> Event:
        """Check and build an event from its wire form; InputInvalid names what is wrong."""
        if not isinstance(d, dict) or set(d) != {"id", "hlc", "kind", "body"}:
            raise InputInvalid(
                where=text("日志事件", "journal event"),
                problem="expected an object with exactly id, hlc, kind and body",
            )
        return cls(d["id"], d["hlc"], d["kind"], d["body"])
