"""The school's configuration: what a technician writes (TOML), and `school.json` on a kit.

The technician writes one file per school (Chinese comments welcome); `kebao usb-kit
build --school-config FILE` checks it strictly (one sentence naming the section and
field, nothing written) and puts `school.json` on the kit, publisher keys inline:

    # 城关镇中心小学
    [school]
    name = "城关镇中心小学"

    [hub]                                   # 县同步中心；没有可省略这一段
    url = "http://hub.example.cn:8470"
    school_id = "3f2c…"                     # kebao hub add-school 显示的学校编号
    enrolment_code = "7K4Q-M2XD-9HPA"       # 登记码

    [publishers]
    files = ["县教育局.pub"]                 # 相对于本文件

    [bandwidth]                             # 省略的项用默认值
    windows = [{ days = [1, 2, 3, 4, 5], start = "17:00", end = "07:00" }]
    daytime_cap_bytes_per_s = 65536         # "unlimited"：不限速
    metered_journal_only = true

    [packages]
    subscribe = ["pep.math.g3a"]            # 同步时自动下载新版本

`bandwidth` becomes the dict `sync.policy.Policy.to_dict()` produces (settings'
`bandwidth`); its values are checked by the `check_bandwidth` the caller passes
(`installer/` does not import `sync/`).

    >>> config = read_toml(Path("城关镇中心小学.toml"), check_bandwidth)
    >>> (kit / "school.json").write_bytes(config.to_json())
    >>> from_json((kit / "school.json").read_bytes(), "school.json", check_bandwidth).name
    '城关镇中心小学'
"""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from media.errors import InputInvalid, text
from media.manifest import ID_RE, load_json, valid_title
from media.signature import PublicKey

FORMAT_VERSION = 1
MAX_BYTES = 1024 * 1024
UNLIMITED = "unlimited"  # TOML has no null: a rate with no limit
RATE_FIELDS = ("daytime_cap_bytes_per_s", "window_rate_bytes_per_s")
_CODE = re.compile(r"[0-9A-Z]{6,32}")  # the hub's alphabet is narrower; it says so itself
_SEPARATORS = re.compile(r"[\s\-_]")

CheckBandwidth = Callable[[dict], dict]  # ValueError with the reason when a value is bad


@dataclass(frozen=True)
class Hub:
    url: str
    school_id: str
    enrolment_code: str  # as the hub prints it is fine: separators are dropped here


@dataclass(frozen=True)
class SchoolConfig:
    name: str
    hub: Hub | None
    publishers: tuple[PublicKey, ...]
    bandwidth: dict | None  # Policy.to_dict(); None: leave the PC's setting alone
    subscriptions: tuple[str, ...]

    def to_json(self) -> bytes:
        doc = {
            "kebao_school": FORMAT_VERSION,
            "name": self.name,
            "hub": None
            if self.hub is None
            else {
                "url": self.hub.url,
                "school_id": self.hub.school_id,
                "enrolment_code": self.hub.enrolment_code,
            },
            "publishers": [json.loads(key.to_bytes()) for key in self.publishers],
            "bandwidth": self.bandwidth,
            "subscriptions": list(self.subscriptions),
        }
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @property
    def key_ids(self) -> set[str]:
        return {key.key_id for key in self.publishers}


class _Fields:
    """Reads one table of the configuration, strictly, naming `where [section] field`."""

    def __init__(self, where: str, section: str, table: object, known: tuple[str, ...]) -> None:
        self.where, self.section = where, section
        if not isinstance(table, dict):
            raise self.error("", text("应是一段设置（表）", "must be a table"))
        unknown = [k for k in table if k not in known]
        if unknown:
            raise self.error(
                unknown[0],
                text(
                    f"未知的设置项（可用：{'、'.join(known)}）",
                    f"unknown field (known: {', '.join(known)})",
                ),
            )
        self.table = table

    def error(self, name: str, problem: str) -> InputInvalid:
        place = " ".join(filter(None, [f"[{self.section}]" if self.section else "", name]))
        return InputInvalid(where=f"{self.where} {place}".rstrip(), problem=problem)

    def string(self, name: str) -> str:
        value = self.table.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, text("必须填写（文字）", "required (text)"))
        return value.strip()


def _name(doc: dict, where: str) -> str:
    school = _Fields(where, "school", doc.get("school"), ("name",))
    name = school.string("name")
    if not valid_title(name):
        raise school.error("name", text("学校名称无效（1 到 200 个字）", "not a usable name"))
    return name


def _hub(raw: object, where: str) -> Hub | None:
    if raw is None:
        return None
    hub = _Fields(where, "hub", raw, ("url", "school_id", "enrolment_code"))
    url = hub.string("url")
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise hub.error(
            "url", text("不是同步中心的网址（如 http://hub.example.cn:8470）", "not a hub URL")
        )
    school_id = hub.string("school_id")
    try:
        uuid.UUID(school_id)
    except ValueError:
        raise hub.error(
            "school_id",
            text(
                "不是学校编号（kebao hub add-school 显示的那一串）",
                "not a school id (as kebao hub add-school prints it)",
            ),
        ) from None
    code = _SEPARATORS.sub("", hub.string("enrolment_code")).upper()
    if not _CODE.fullmatch(code):
        raise hub.error(
            "enrolment_code",
            text("不是登记码（如 7K4Q-M2XD-9HPA）", "not an enrolment code (like 7K4Q-M2XD-9HPA)"),
        )
    return Hub(url.rstrip("/"), school_id.lower(), code)


def _bandwidth(raw: object, where: str, check: CheckBandwidth) -> dict | None:
    """The policy's own reader says what is wrong (unknown fields included)."""
    if raw is None:
        return None
    place = f"{where} [bandwidth]"
    if not isinstance(raw, dict):
        raise InputInvalid(where=place, problem=text("应是一段设置（表）", "must be a table"))
    try:
        return check(raw)
    except (TypeError, ValueError) as e:
        raise InputInvalid(where=place, problem=str(e)) from None


def _subscriptions(raw: object, section: _Fields, name: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise section.error(name, text("应是资源包编号的列表", "must be a list of package ids"))
    for pid in raw:
        if not ID_RE.match(pid):
            raise section.error(
                name, text(f"“{pid}”不是资源包编号", f"{pid!r} is not a package id")
            )
    return tuple(dict.fromkeys(raw))


def _config(
    doc: dict, where: str, keys: tuple[PublicKey, ...], check: CheckBandwidth
) -> SchoolConfig:
    return SchoolConfig(
        name=_name(doc, where),
        hub=_hub(doc.get("hub"), where),
        publishers=tuple({k.key_id: k for k in keys}.values()),
        bandwidth=_bandwidth(doc.get("bandwidth"), where, check),
        subscriptions=doc["subscriptions"],
    )


def read_toml(path: Path, check_bandwidth: CheckBandwidth) -> SchoolConfig:
    """The technician's file, checked strictly; InputInvalid naming section and field."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputInvalid(where=where, problem=text(f"无法读取：{e.strerror}", str(e))) from None
    if len(data) > MAX_BYTES:
        raise InputInvalid(where=where, problem=text("文件太大", "too large"))
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputInvalid(
            where=where, problem=text(f"不是 UTF-8 的 TOML 文件：{e}", f"not UTF-8 TOML: {e}")
        ) from None
    _Fields(where, "", doc, ("school", "hub", "publishers", "bandwidth", "packages"))
    publishers = _Fields(where, "publishers", doc.get("publishers", {}), ("files",))
    files = publishers.table.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        raise publishers.error(
            "files", text("应是公钥文件名的列表", "must be a list of .pub files")
        )
    keys = []
    for name in files:
        try:
            keys.append(PublicKey.from_file(path.parent / name))
        except InputInvalid as e:
            raise publishers.error("files", str(e)) from None
    packages = _Fields(where, "packages", doc.get("packages", {}), ("subscribe",))
    bandwidth = doc.get("bandwidth")
    if isinstance(bandwidth, dict):
        bandwidth = {
            k: None if k in RATE_FIELDS and v == UNLIMITED else v for k, v in bandwidth.items()
        }
    return _config(
        {
            "school": doc.get("school"),
            "hub": doc.get("hub"),
            "bandwidth": bandwidth,
            "subscriptions": _subscriptions(packages.table.get("subscribe"), packages, "subscribe"),
        },
        where,
        tuple(keys),
        check_bandwidth,
    )


def from_json(data: bytes, where: str, check_bandwidth: CheckBandwidth) -> SchoolConfig:
    """`school.json` from a kit, checked as strictly as the technician's file."""
    doc = load_json(data, where, MAX_BYTES, InputInvalid)
    top = _Fields(
        where,
        "",
        doc,
        ("kebao_school", "name", "hub", "publishers", "bandwidth", "subscriptions"),
    )
    if doc.get("kebao_school") != FORMAT_VERSION:
        raise top.error(
            "kebao_school",
            text(
                "格式版本不对（由更新版本的课包制作？）",
                "unknown format version (made by a newer Kebao?)",
            ),
        )
    keys = []
    raw_keys = doc.get("publishers")
    if not isinstance(raw_keys, list):
        raise top.error("publishers", text("应是公钥的列表", "must be a list of keys"))
    for raw in raw_keys:
        keys.append(PublicKey.from_bytes(json.dumps(raw).encode("utf-8"), f"{where} [publishers]"))
    return _config(
        {
            "school": {"name": doc.get("name")},
            "hub": doc.get("hub"),
            "bandwidth": doc.get("bandwidth"),
            "subscriptions": _subscriptions(doc.get("subscriptions"), top, "subscriptions"),
        },
        where,
        tuple(keys),
        check_bandwidth,
    )
