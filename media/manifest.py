"""The package manifest: schema, strict validation and canonical bytes.

A manifest is the signed description of one package (see docs/repository-format.md).
`parse` is the only way bytes from outside become a `Manifest`; it checks every field
against a strict pattern, so nothing from a manifest can name a filesystem path.

    >>> m = parse(to_bytes(example), where="demo.math.g3a")
    >>> [b.sha256 for b in m.blobs()]
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from media.errors import ManifestInvalid

FORMAT = "kebao-manifest"
FORMAT_VERSION = 1

MAX_MANIFEST_BYTES = 16 * 1024 * 1024
# FAT32 cannot hold a file of 4 GiB or more; every blob must fit on a USB drive.
MAX_BLOB_SIZE = 4 * 1024**3 - 1
MAX_DURATION_MS = 24 * 3600 * 1000
MAX_ITEMS = 100_000

ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9_-]|\.(?![.])){0,62}[a-z0-9]\Z")
VERSION_RE = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z_-]|\.(?![.])){0,30}\Z")
SHA256_RE = re.compile(r"[0-9a-f]{64}\Z")
KEY_ID_RE = re.compile(r"[0-9a-f]{16}\Z")
MEDIA_TYPE_RE = re.compile(r"[a-z]+/[a-z0-9.+-]{1,80}\Z")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?\Z")
# Characters Windows and FAT32 refuse in a file name, plus both separators.
_BAD_NAME_CHARS = set('<>:"/\\|?*')
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?\Z", re.IGNORECASE)

KINDS = ("textbook", "remote_class", "master_class", "other")
ROLES = ("video", "audio", "courseware", "design", "worksheet", "exercise", "document", "other")
TAG_KEYS = ("stage", "grade", "subject", "edition", "volume")
# The Chinese names of the tags, as IT staff write them in package.toml.
TAG_NAMES_ZH = {
    "学段": "stage",
    "年级": "grade",
    "学科": "subject",
    "教材版本": "edition",
    "册": "volume",
}
RECORDING_KEYS = ("date", "school", "teacher", "classes")


@dataclass(frozen=True)
class Subtitle:
    name: str
    sha256: str
    size: int
    language: str = "zh"


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    role: str
    media_type: str
    sha256: str
    size: int
    duration_ms: int | None = None
    subtitles: tuple[Subtitle, ...] = ()


@dataclass(frozen=True)
class Lesson:
    title: str
    resources: tuple[Resource, ...]


@dataclass(frozen=True)
class Unit:
    title: str
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class BlobRef:
    """One file the package needs, and where it sits in the tree (for messages)."""

    sha256: str
    size: int
    name: str
    unit: int


@dataclass(frozen=True)
class Manifest:
    id: str
    version: str
    title: str
    kind: str
    units: tuple[Unit, ...]
    tags: dict[str, str] = field(default_factory=dict)
    publisher_key_id: str | None = None
    publisher_name: str = ""
    recording: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name the package: title and version."""
        return f"{self.title} ({self.version})"

    def blobs(self, units: set[int] | None = None) -> Iterator[BlobRef]:
        """Every file of the package (or of the chosen unit indexes), in tree order."""
        for u, unit in enumerate(self.units):
            if units is not None and u not in units:
                continue
            for lesson in unit.lessons:
                for r in lesson.resources:
                    yield BlobRef(r.sha256, r.size, r.name, u)
                    for s in r.subtitles:
                        yield BlobRef(s.sha256, s.size, s.name, u)


def valid_name(name: object) -> bool:
    """A display/file name that is safe on FAT32, NTFS and ext4 and escapes nothing."""
    if not isinstance(name, str) or not 1 <= len(name) <= 120:
        return False
    if name in (".", "..") or name != name.strip() or name.endswith("."):
        return False
    if any(c in _BAD_NAME_CHARS or unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        return False
    return not _WINDOWS_RESERVED.match(name)


def valid_title(title: object) -> bool:
    return (
        isinstance(title, str)
        and 1 <= len(title) <= 200
        and title == title.strip()
        and not any(unicodedata.category(c) in ("Cc", "Cs") for c in title)
    )


class _Checker:
    """Walks the parsed JSON, raising ManifestInvalid naming the package and the field."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.items = 0

    def fail(self, problem: str) -> ManifestInvalid:
        return ManifestInvalid(package=self.where, problem=problem)

    def obj(self, value: object, path: str, required: set[str], optional: set[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(f"{path} 应为对象")
        missing = required - value.keys()
        if missing:
            raise self.fail(f"{path} 缺少字段 {', '.join(sorted(missing))}")
        unknown = value.keys() - required - optional
        if unknown:
            raise self.fail(f"{path} 有未知字段 {', '.join(sorted(unknown))}")
        return value

    def text(self, value: object, path: str) -> str:
        if not valid_title(value):
            raise self.fail(f"{path} 不是有效的标题（1–200 个字符，无控制字符）")
        return value  # type: ignore[return-value]

    def name(self, value: object, path: str) -> str:
        if not valid_name(value):
            raise self.fail(f"{path} 不是安全的文件名：{value!r:.80}")
        return value  # type: ignore[return-value]

    def pattern(self, value: object, regex: re.Pattern[str], path: str) -> str:
        if not isinstance(value, str) or not regex.match(value):
            raise self.fail(f"{path} 格式不对：{value!r:.80}")
        return value

    def integer(self, value: object, path: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(f"{path} 应为 {lo} 到 {hi} 之间的整数：{value!r:.40}")
        return value

    def array(self, value: object, path: str, lo: int = 0) -> list:
        if not isinstance(value, list) or len(value) < lo:
            raise self.fail(f"{path} 应为数组" + (f"（至少 {lo} 项）" if lo else ""))
        self.items += len(value)
        if self.items > MAX_ITEMS:
            raise self.fail(f"条目过多（超过 {MAX_ITEMS}）")
        return value

    def choice(self, value: object, choices: tuple[str, ...], path: str) -> str:
        if value not in choices:
            raise self.fail(f"{path} 应为 {'/'.join(choices)} 之一：{value!r:.40}")
        return value  # type: ignore[return-value]


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def load_json(data: bytes, where: str, limit: int, error: type[Exception]) -> Any:
    """Strict JSON from outside: size-limited, UTF-8, no duplicate keys, no NaN."""
    if len(data) > limit:
        raise error(where=where, package=where, problem=f"文件过大（{len(data)} 字节）")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(
            where=where, package=where, problem=f"不是有效的 UTF-8 文本（第 {e.start} 字节）"
        ) from None
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_no_constants
        )
    except (ValueError, RecursionError) as e:
        raise error(where=where, package=where, problem=f"不是有效的 JSON：{e}") from None


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def parse(data: bytes, where: str) -> Manifest:
    """Validate manifest bytes from any source; raise ManifestInvalid on the first problem."""
    raw = load_json(data, where, MAX_MANIFEST_BYTES, ManifestInvalid)
    c = _Checker(where)
    top = c.obj(
        raw,
        "清单",
        {"format", "format_version", "id", "version", "title", "kind", "units"},
        {"tags", "publisher", "recording"},
    )
    if top["format"] != FORMAT:
        raise c.fail(f"不是课包清单（format = {top['format']!r:.40}）")
    if top["format_version"] != FORMAT_VERSION:
        raise c.fail(
            f"清单格式版本 {top['format_version']!r:.20} 不受支持（本程序支持 {FORMAT_VERSION}）"
        )
    pkg_id = c.pattern(top["id"], ID_RE, "id")
    c.where = f"{where}" if where == pkg_id else f"{pkg_id}（{where}）"
    version = c.pattern(top["version"], VERSION_RE, "version")
    title = c.text(top["title"], "title")
    kind = c.choice(top["kind"], KINDS, "kind")

    tags = c.obj(top.get("tags", {}), "tags", set(), set(TAG_KEYS))
    tags = {k: c.text(v, f"tags.{k}") for k, v in tags.items()}

    publisher = c.obj(top.get("publisher", {}), "publisher", set(), {"key_id", "name"})
    key_id = publisher.get("key_id")
    if key_id is not None:
        c.pattern(key_id, KEY_ID_RE, "publisher.key_id")
    publisher_name = c.text(publisher["name"], "publisher.name") if "name" in publisher else ""

    recording = c.obj(top.get("recording", {}), "recording", set(), set(RECORDING_KEYS))
    for k in ("date", "school", "teacher"):
        if k in recording:
            c.text(recording[k], f"recording.{k}")
    if "classes" in recording:
        for i, cls in enumerate(c.array(recording["classes"], "recording.classes")):
            c.text(cls, f"recording.classes[{i}]")

    units = []
    for ui, u in enumerate(c.array(top["units"], "units", lo=1)):
        up = f"units[{ui}]"
        u = c.obj(u, up, {"title", "lessons"}, set())
        lessons = []
        for li, les in enumerate(c.array(u["lessons"], f"{up}.lessons", lo=1)):
            lp = f"{up}.lessons[{li}]"
            les = c.obj(les, lp, {"title", "resources"}, set())
            resources = tuple(
                _resource(c, r, f"{lp}.resources[{ri}]")
                for ri, r in enumerate(c.array(les["resources"], f"{lp}.resources", lo=1))
            )
            lessons.append(Lesson(c.text(les["title"], f"{lp}.title"), resources))
        units.append(Unit(c.text(u["title"], f"{up}.title"), tuple(lessons)))

    return Manifest(
        id=pkg_id,
        version=version,
        title=title,
        kind=kind,
        units=tuple(units),
        tags=tags,
        publisher_key_id=key_id,
        publisher_name=publisher_name,
        recording=recording,
    )


def _resource(c: _Checker, r: object, path: str) -> Resource:
    r = c.obj(
        r,
        path,
        {"name", "title", "role", "media_type", "sha256", "size"},
        {"duration_ms", "subtitles"},
    )
    subtitles = []
    for si, s in enumerate(c.array(r.get("subtitles", []), f"{path}.subtitles")):
        sp = f"{path}.subtitles[{si}]"
        s = c.obj(s, sp, {"name", "sha256", "size"}, {"language"})
        subtitles.append(
            Subtitle(
                name=c.name(s["name"], f"{sp}.name"),
                sha256=c.pattern(s["sha256"], SHA256_RE, f"{sp}.sha256"),
                size=c.integer(s["size"], f"{sp}.size", 0, MAX_BLOB_SIZE),
                language=c.pattern(s.get("language", "zh"), LANGUAGE_RE, f"{sp}.language"),
            )
        )
    duration = r.get("duration_ms")
    return Resource(
        name=c.name(r["name"], f"{path}.name"),
        title=c.text(r["title"], f"{path}.title"),
        role=c.choice(r["role"], ROLES, f"{path}.role"),
        media_type=c.pattern(r["media_type"], MEDIA_TYPE_RE, f"{path}.media_type"),
        sha256=c.pattern(r["sha256"], SHA256_RE, f"{path}.sha256"),
        size=c.integer(r["size"], f"{path}.size", 0, MAX_BLOB_SIZE),
        duration_ms=None
        if duration is None
        else c.integer(duration, f"{path}.duration_ms", 0, MAX_DURATION_MS),
        subtitles=tuple(subtitles),
    )


def to_dict(m: Manifest) -> dict[str, Any]:
    """The JSON object of a manifest, in the documented field order."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "id": m.id,
        "version": m.version,
        "title": m.title,
        "kind": m.kind,
    }
    if m.tags:
        out["tags"] = {k: m.tags[k] for k in TAG_KEYS if k in m.tags}
    publisher: dict[str, str] = {}
    if m.publisher_key_id:
        publisher["key_id"] = m.publisher_key_id
    if m.publisher_name:
        publisher["name"] = m.publisher_name
    if publisher:
        out["publisher"] = publisher
    if m.recording:
        out["recording"] = m.recording
    out["units"] = [
        {
            "title": u.title,
            "lessons": [
                {"title": les.title, "resources": [_resource_dict(r) for r in les.resources]}
                for les in u.lessons
            ],
        }
        for u in m.units
    ]
    return out


def _resource_dict(r: Resource) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": r.name,
        "title": r.title,
        "role": r.role,
        "media_type": r.media_type,
        "sha256": r.sha256,
        "size": r.size,
    }
    if r.duration_ms is not None:
        d["duration_ms"] = r.duration_ms
    if r.subtitles:
        d["subtitles"] = [
            {"name": s.name, "sha256": s.sha256, "size": s.size, "language": s.language}
            for s in r.subtitles
        ]
    return d


def to_bytes(m: Manifest) -> bytes:
    """Canonical bytes: the same manifest always gives the same bytes (and signature)."""
    return (json.dumps(to_dict(m), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
