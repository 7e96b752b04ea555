"""The school's other Kebao PCs that share packages: typed addresses and mDNS discovery.

A round fetches a package from a peer before the hub (`sync.packages.download`). Peers
come from two places: addresses a technician typed (设置, `kebao sync --peer`), and PCs
that announce `_kebao._tcp.local.` on the LAN (`kebao serve`). This module has no
heavy imports at the top: `zeroconf` is loaded only when discovery or an announcement
runs, so the GUI can read and check addresses without it (the GUI discovers in a
`kebao peers` child process).

    >>> normalise("192.168.1.20")
    'http://192.168.1.20:8471'
    >>> with announce(8471):                   # `kebao serve` does this
    ...     ...
    >>> lan_peers(["http://192.168.1.20:8471"], find_peers(1.5))
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from media.errors import InputInvalid, text
from sync.protocol import LAN_PORT, PROTOCOL

SERVICE = "_kebao._tcp.local."
QUIET_S = 0.3  # after the last answer, how long discovery waits for more
ROUND_DISCOVERY_S = 1.5  # how long a sync round listens, at most, for the sharing PCs
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def normalise(address: str) -> str:
    """A typed peer address as the URL a round uses; InputInvalid when it is not one.

    "192.168.1.20", "192.168.1.20:8471/", "HTTP://pc-3.local" → "http://…:8471"; the
    share is plain HTTP at its root, so a path, a query or another scheme is refused.
    """
    typed = address.strip()
    bad = InputInvalid(
        where=typed or '""',
        problem=text(
            "不是共享电脑的地址（例如 192.168.1.20 或 http://192.168.1.20:8471）",
            "not the address of a sharing PC (e.g. 192.168.1.20 or http://192.168.1.20:8471)",
        ),
    )
    if not typed or any(c.isspace() for c in typed):
        raise bad
    if "://" not in typed:
        typed = "http://" + typed
    try:
        parts = urlsplit(typed)
        port = parts.port or LAN_PORT
        host = parts.hostname or ""
    except ValueError:
        raise bad from None
    if parts.scheme.lower() not in ("http", "https") or parts.path not in ("", "/"):
        raise bad
    if parts.query or parts.fragment or parts.username or parts.password:
        raise bad
    if not _valid_host(host):
        raise bad
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host.lower()}:{port}"


def _valid_host(host: str) -> bool:
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return True
    if host.replace(".", "").isdigit():
        return False  # "192.168.1" or "999.1.1.1": a mistyped IPv4 address, not a name
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels)


def own_addresses() -> list[str]:
    """This PC's IPv4 addresses on the LAN (not loopback), as text."""
    found = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))  # no packet is sent: it picks the LAN interface
        found.add(s.getsockname()[0])
    return sorted(a for a in found if not a.startswith("127."))


def lan_peers(typed: Iterable[str], discovered: Iterable[str]) -> list[str]:
    """The peers a round asks, in order: the typed ones, then the ones found on the LAN
    that are not this PC's own share (it has nothing this PC lacks); each once."""
    own = set(own_addresses())
    found = [u for u in discovered if (urlsplit(u).hostname or "") not in own]
    return list(dict.fromkeys([*typed, *found]))


@contextlib.contextmanager
def announce(port: int = LAN_PORT, name: str | None = None) -> Iterator[bool]:
    """Say on the LAN (mDNS) that this PC shares packages on `port`, until the block ends.

    Yields whether the announcement went out: a PC without a working network (or with
    multicast blocked) still shares with those who type its address."""
    from zeroconf import ServiceInfo, Zeroconf

    label = re.sub(r"[^0-9A-Za-z-]", "-", name or socket.gethostname())[:50] or "kebao"
    addresses = own_addresses() or ["127.0.0.1"]
    info = ServiceInfo(
        SERVICE,
        f"{label}-{port}.{SERVICE}",
        addresses=[socket.inet_aton(a) for a in addresses],
        port=port,
        properties={"protocol": str(PROTOCOL), "path": "/"},
    )
    try:
        zc = Zeroconf()
        zc.register_service(info, allow_name_change=True)
    except Exception:  # zeroconf raises its own errors and OSError for a missing network
        yield False
        return
    try:
        yield True
    finally:
        with contextlib.suppress(Exception):
            zc.unregister_service(info)
        zc.close()


def find_peers(timeout_s: float = 3.0, quiet_s: float = QUIET_S) -> list[str]:
    """URLs of the Kebao PCs that announce a share on the LAN (this one's too, if it does).

    Returns `quiet_s` after the last answer came in, and after `timeout_s` at most (the
    whole `timeout_s` only when nobody answers).
    """
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    names: set[str] = set()
    arrived = threading.Event()

    class Listener(ServiceListener):
        def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            names.add(name)
            arrived.set()

        def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            self.add_service(zc, type_, name)

        def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            names.discard(name)

    deadline = time.monotonic() + timeout_s
    zc = Zeroconf()
    try:
        browser = ServiceBrowser(zc, SERVICE, Listener())
        # Answers arrive on zeroconf's thread; wait for quiet after the first one.
        while (left := deadline - time.monotonic()) > 0:
            if not arrived.wait(min(left, quiet_s) if names else left):
                break
            arrived.clear()
        browser.cancel()
        urls = []
        for name in sorted(names):
            wait_ms = max(200, int((deadline - time.monotonic()) * 1000))
            info = zc.get_service_info(SERVICE, name, timeout=wait_ms)
            if info is None or info.properties.get(b"protocol") != str(PROTOCOL).encode():
                continue
            for address in info.parsed_addresses():
                host = f"[{address}]" if ":" in address else address
                urls.append(f"http://{host}:{info.port}")
        return urls
    finally:
        zc.close()
