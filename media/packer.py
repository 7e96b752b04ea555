"""Packing a folder of lesson files into a signed package in a repository.

    SRC/package.toml                 id, version, title, kind, [tags] (学段 年级 学科 教材版本 册)
    SRC/outline.toml                 optional: titles and order of units and lessons
    SRC/<unit>/<lesson>/<files>      videos, courseware, `<video stem>.srt` subtitles

Without an outline, folder names are the titles, in natural order (第2课 before 第10课).
Packing is deterministic: the same folder packs to the same manifest bytes and, since
Ed25519 signatures are deterministic too, to the same signature, so packing twice
changes nothing.

    >>> pack(Path("数学三上"), Path("repo"), private_key, public_key)
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from media import manifest as mf
from media.collation import natural_key
from media.errors import InputInvalid
from media.probe import Prober
from media.repository import RepositoryWriter
from media.signature import PublicKey, sign
from media.store import CopyJob, Progress

VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".flv": "video/x-flv",
    ".wmv": "video/x-ms-wmv",
    ".asf": "video/x-ms-asf",
    ".rm": "application/vnd.rn-realmedia",
    ".rmvb": "application/vnd.rn-realmedia-vbr",
    ".vob": "video/mpeg",
    ".mpg": "video/mpeg",
    ".mpeg": "video/mpeg",
    ".ts": "video/mp2t",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".avi": "video/x-msvideo",
}
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".wma": "audio/x-ms-wma",
    ".ogg": "audio/ogg",
}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
# Words in a file name that say what a document is for (checked in this order).
ROLE_WORDS = (
    ("design", ("教学设计", "教案")),
    ("worksheet", ("任务单", "学习单", "导学案")),
    ("exercise", ("练习", "作业", "习题", "测试")),
)
ROLE_ORDER = {role: i for i, role in enumerate(mf.ROLES)}
# Files operating systems drop into folders; never content.
JUNK = {"thumbs.db", "desktop.ini", ".ds_store"}


@dataclass(frozen=True)
class _File:
    path: Path
    sha256: str
    size: int


def media_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    return (VIDEO_TYPES | AUDIO_TYPES | DOCUMENT_TYPES).get(ext, "application/octet-stream")


def role_of(name: str) -> str:
    """What a lesson file is, judged from its name and extension."""
    ext = os.path.splitext(name)[1].lower()
    if ext in VIDEO_TYPES:
        return "video"
    if ext in AUDIO_TYPES:
        return "audio"
    for role, words in ROLE_WORDS:
        if any(w in name for w in words):
            return role
    if ext in (".pdf", ".ppt", ".pptx"):
        return "courseware"
    return "document" if ext in DOCUMENT_TYPES else "other"


def _entries(folder: Path, src: Path) -> list[Path]:
    """Visible entries of a folder; a symlink anywhere is refused (it could point anywhere)."""
    found = []
    for p in folder.iterdir():
        if p.name.startswith(".") or p.name.lower() in JUNK:
            continue
        if stat.S_ISLNK(os.lstat(p).st_mode):
            raise InputInvalid(where=str(p), problem="是符号链接；请放入真实文件")
        found.append(p)
    return sorted(found, key=lambda p: natural_key(p.name))


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputInvalid(where=str(path), problem="不是 UTF-8 编码的文本") from None
    except tomllib.TOMLDecodeError as e:
        raise InputInvalid(where=str(path), problem=f"TOML 格式错误：{e}") from None


def _package_fields(src: Path) -> dict:
    path = src / "package.toml"
    if not path.is_file():
        raise InputInvalid(where=str(src), problem="缺少 package.toml")
    doc = _read_toml(path)
    allowed = {"id", "version", "title", "kind", "tags", "recording"}
    unknown = set(doc) - allowed
    if unknown:
        raise InputInvalid(where=str(path), problem=f"未知字段 {', '.join(sorted(unknown))}")
    for key in ("id", "version", "title"):
        if key not in doc:
            raise InputInvalid(where=str(path), problem=f"缺少 {key}")
    tags = {}
    for key, value in doc.get("tags", {}).items():
        name = mf.TAG_NAMES_ZH.get(key, key)
        if name not in mf.TAG_KEYS:
            raise InputInvalid(
                where=str(path), problem=f"未知标签 {key}（可用：学段 年级 学科 教材版本 册）"
            )
        tags[name] = value
    return {
        "id": doc["id"],
        "version": str(doc["version"]),
        "title": doc["title"],
        "kind": doc.get("kind", "textbook"),
        "tags": tags,
        # TOML dates become strings: the manifest is JSON.
        "recording": {
            k: v.isoformat() if hasattr(v, "isoformat") else v
            for k, v in doc.get("recording", {}).items()
        },
    }


def _outline(src: Path) -> dict[str, tuple[str, dict[str, str], list[str]]]:
    """unit folder → (title, {lesson folder: title}, lesson order) from outline.toml."""
    path = src / "outline.toml"
    if not path.is_file():
        return {}
    doc = _read_toml(path)
    result = {}
    for i, u in enumerate(doc.get("units", [])):
        if not isinstance(u, dict) or not isinstance(u.get("folder"), str):
            raise InputInvalid(where=str(path), problem=f"units[{i}] 缺少 folder")
        lessons: dict[str, str] = {}
        order = []
        for j, les in enumerate(u.get("lessons", [])):
            if not isinstance(les, dict) or not isinstance(les.get("folder"), str):
                raise InputInvalid(where=str(path), problem=f"units[{i}].lessons[{j}] 缺少 folder")
            lessons[les["folder"]] = les.get("title", les["folder"])
            order.append(les["folder"])
        result[u["folder"]] = (u.get("title", u["folder"]), lessons, order)
    return result


def _ordered(entries: list[Path], order: list[str], where: Path) -> list[Path]:
    by_name = {p.name: p for p in entries}
    missing = [n for n in order if n not in by_name]
    if missing:
        raise InputInvalid(
            where=str(where), problem=f"outline.toml 提到的文件夹不存在：{missing[0]}"
        )
    rest = [p for p in entries if p.name not in order]
    return [by_name[n] for n in order] + rest


def _hash(path: Path) -> _File:
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise InputInvalid(where=str(path), problem="不是普通文件")
    if st.st_size > mf.MAX_BLOB_SIZE:
        raise InputInvalid(
            where=str(path), problem="文件不小于 4 GiB，FAT32 U盘放不下；请先分割或转码"
        )
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return _File(path, digest, st.st_size)


def _check_name(path: Path) -> None:
    if not mf.valid_name(path.name):
        raise InputInvalid(
            where=str(path),
            problem='文件名不能在 U盘（FAT32）上使用：不能含 < > : " / \\ | ? * 或控制字符',
        )


def _lesson(folder: Path, title: str, src: Path, prober: Prober) -> tuple[mf.Lesson, list[_File]]:
    files = _entries(folder, src)
    if not files:
        raise InputInvalid(where=str(folder), problem="课文件夹是空的")
    for p in files:
        if p.is_dir():
            raise InputInvalid(where=str(p), problem="课文件夹里不能再有子文件夹")
        _check_name(p)
    videos = {p.stem: p for p in files if role_of(p.name) == "video"}
    subtitles: dict[str, list[Path]] = {}
    others = []
    for p in files:
        if p.suffix.lower() == ".srt":
            stem = p.stem
            lang_stem, _, lang = stem.rpartition(".")
            target = stem if stem in videos else lang_stem if lang_stem in videos else None
            if target is None:
                raise InputInvalid(where=str(p), problem="字幕找不到同名的视频")
            subtitles.setdefault(target, []).append(p)
        else:
            others.append(p)
    hashed: list[_File] = []
    resources = []
    for p in sorted(others, key=lambda p: (ROLE_ORDER[role_of(p.name)], natural_key(p.name))):
        f = _hash(p)
        hashed.append(f)
        subs = []
        for s in subtitles.get(p.stem, []):
            sf = _hash(s)
            hashed.append(sf)
            lang = s.stem[len(p.stem) + 1 :] if s.stem != p.stem else "zh"
            if not mf.LANGUAGE_RE.match(lang):
                raise InputInvalid(where=str(s), problem=f"字幕语言代码无效：{lang}")
            subs.append(mf.Subtitle(s.name, sf.sha256, sf.size, lang))
        role = role_of(p.name)
        duration = prober.duration_ms(p) if role in ("video", "audio") else None
        resources.append(
            mf.Resource(
                name=p.name,
                title=p.stem,
                role=role,
                media_type=media_type(p.name),
                sha256=f.sha256,
                size=f.size,
                duration_ms=duration,
                subtitles=tuple(subs),
            )
        )
    return mf.Lesson(title, tuple(resources)), hashed


def build_manifest(
    src: Path, publisher: PublicKey | None, prober: Prober | None = None
) -> tuple[mf.Manifest, list[_File]]:
    """Read SRC into a validated manifest and the list of its files."""
    if not src.is_dir():
        raise InputInvalid(where=str(src), problem="不是文件夹")
    fields = _package_fields(src)
    outline = _outline(src)
    prober = prober or Prober()
    units = []
    files: list[_File] = []
    top = [p for p in _entries(src, src) if p.name not in ("package.toml", "outline.toml")]
    loose = [p for p in top if not p.is_dir()]
    if loose:
        raise InputInvalid(where=str(loose[0]), problem="顶层只能放单元文件夹")
    for unit_dir in _ordered(top, list(outline), src):
        unit_title, lesson_titles, lesson_order = outline.get(
            unit_dir.name, (unit_dir.name, {}, [])
        )
        lesson_dirs = _entries(unit_dir, src)
        if not lesson_dirs:
            raise InputInvalid(where=str(unit_dir), problem="单元文件夹是空的")
        lessons = []
        for lesson_dir in _ordered(lesson_dirs, lesson_order, unit_dir):
            if not lesson_dir.is_dir():
                raise InputInvalid(where=str(lesson_dir), problem="单元文件夹里只能放课文件夹")
            lesson, hashed = _lesson(
                lesson_dir, lesson_titles.get(lesson_dir.name, lesson_dir.name), src, prober
            )
            lessons.append(lesson)
            files.extend(hashed)
        units.append(mf.Unit(unit_title, tuple(lessons)))
    if not units:
        raise InputInvalid(where=str(src), problem="没有单元文件夹")
    m = mf.Manifest(
        units=tuple(units),
        publisher_key_id=publisher.key_id if publisher else None,
        publisher_name=publisher.name if publisher else "",
        **fields,
    )
    # Validate exactly as an importer will, so a bad package.toml fails here, not at a school.
    return mf.parse(mf.to_bytes(m), fields["id"] if isinstance(fields["id"], str) else "?"), files


def pack(
    src: Path,
    repo: Path,
    private: Ed25519PrivateKey,
    public: PublicKey,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[mf.Manifest, bool]:
    """Pack SRC into REPO; returns the manifest and whether the repository changed."""
    m, files = build_manifest(src, public)
    data = mf.to_bytes(m)
    signature = sign(private, data, public.key_id)
    jobs = [
        CopyJob(lambda p=f.path: open(p, "rb", buffering=0), f.sha256, f.size, m.label, f.path.name)
        for f in files
    ]
    with RepositoryWriter(repo) as writer:
        changed = writer.add_package(data, signature, jobs, progress=progress, cancel=cancel)
    return m, changed
