"""The user's settings, kept as a small JSON file in the data folder.

Typed fields with defaults; unknown or damaged files fall back to the defaults, so a
bad settings file can never stop Kebao from opening.

    >>> s = Settings.load(data_dir)
    >>> s.language = "en"
    >>> s.save(data_dir)
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from media.disk import write_atomic
from media.errors import InputInvalid
from sync.peers import normalise

FILE = "settings.json"
LANGUAGES = ("zh", "en")
PLAYERS = ("auto", "vlc", "qt")
METERED = ("auto", "yes", "no")
PACKAGE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
STREAM_SCHEMES = ("http", "https", "rtmp", "rtsp")  # HLS is an http(s) URL of a .m3u8
LIVE_URLS_KEPT = 5


@dataclass
class Settings:
    language: str = "zh"  # the GUI's language; 简体中文 unless the user chose English
    player: str = "auto"  # auto: VLC when installed, else Qt's own player
    # Package ids whose new versions each sync round downloads from the hub, in the order
    # they download (下载 moves them up and down).
    subscriptions: list[str] = field(default_factory=list)
    # The bandwidth policy (sync.policy.Policy.to_dict); read with Policy.from_dict,
    # which falls back to the defaults field by field.
    bandwidth: dict = field(default_factory=dict)
    # Whether the link is metered (only learning records sync then): "auto" asks the OS
    # (Qt's QNetworkInformation; `kebao sync` cannot ask and takes it as not metered).
    metered: str = "auto"
    # 设置's switch: serve this data folder to the school's other PCs (`kebao serve`).
    share_on_lan: bool = False
    # Typed addresses of PCs that share (normalised by sync.peers.normalise), asked
    # before the hub, before those found on the LAN.
    peers: list[str] = field(default_factory=list)
    # 打开直播课堂's last addresses, the latest first.
    live_urls: list[str] = field(default_factory=list)
    # The school's enrolment code from a USB kit (`kebao usb-kit apply`), kept until this
    # PC enrols with the journal's hub_url (app/installation.enrol_pending), then cleared.
    enrolment_code: str = ""

    @classmethod
    def load(cls, data_dir: Path) -> Settings:
        try:
            raw = json.loads((data_dir / FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        settings = cls()
        for f in fields(cls):
            value = raw.get(f.name)
            if isinstance(value, bool) and isinstance(getattr(settings, f.name), bool):
                setattr(settings, f.name, value)  # before str and int: only true/false
            elif isinstance(value, str) and isinstance(getattr(settings, f.name), str):
                setattr(settings, f.name, value)
            elif isinstance(value, list) and isinstance(getattr(settings, f.name), list):
                setattr(settings, f.name, [v for v in value if isinstance(v, str)])
            elif isinstance(value, dict) and isinstance(getattr(settings, f.name), dict):
                setattr(settings, f.name, value)
        return settings.valid()

    def valid(self) -> Settings:
        if self.language not in LANGUAGES:
            self.language = "zh"
        if self.player not in PLAYERS:
            self.player = "auto"
        # dict.fromkeys: each id once, in the school's order of priority.
        self.subscriptions = list(
            dict.fromkeys(p for p in self.subscriptions if PACKAGE_ID.fullmatch(p))
        )
        if self.metered not in METERED:
            self.metered = "auto"
        self.peers = list(dict.fromkeys(p for p in map(_peer, self.peers) if p))
        self.live_urls = list(dict.fromkeys(u for u in self.live_urls if is_stream_url(u)))
        self.live_urls = self.live_urls[:LIVE_URLS_KEPT]
        return self

    def save(self, data_dir: Path) -> None:
        data = json.dumps(asdict(self.valid()), ensure_ascii=False, indent=1) + "\n"
        write_atomic(data_dir / FILE, data.encode("utf-8"))


def _peer(address: str) -> str | None:
    try:
        return normalise(address)
    except InputInvalid:
        return None


def is_stream_url(url: str) -> bool:
    """Whether `url` can be a live lesson: http(s) (also HLS), rtmp or rtsp, with a host."""
    if not url or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in STREAM_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False
