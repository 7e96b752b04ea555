"""The school's sharing PCs: typed addresses as a technician types them, and mDNS discovery
that answers as soon as the LAN has (not after its whole timeout)."""

from __future__ import annotations

import time

import pytest
from test_share import free_port

from media.errors import InputInvalid
from sync.peers import announce, find_peers, lan_peers, normalise, own_addresses


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("192.168.1.20", "http://192.168.1.20:8471"),
        (" 192.168.1.20:9000 ", "http://192.168.1.20:9000"),
        ("http://192.168.1.20:8471/", "http://192.168.1.20:8471"),
        ("HTTP://JiFang-3.local", "http://jifang-3.local:8471"),
        ("[fe80::1]:8471", "http://[fe80::1]:8471"),
    ],
)
def test_a_typed_address_becomes_the_shares_url(typed: str, url: str) -> None:
    assert normalise(typed) == url


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "192.168.1", "999.1.1.1", "ftp://192.168.1.20", "192.168.1.20/kebao",
     "http://192.168.1.20:99999", "192.168.1.20 8471", "-pc-.local", "http://a@pc.local",
     "http://pc.local/?x=1"],
)  # fmt: skip
def test_anything_else_is_one_sentence(typed: str) -> None:
    with pytest.raises(InputInvalid) as refused:
        normalise(typed)
    assert "不是共享电脑的地址" in str(refused.value) and "\n" not in str(refused.value)


def test_typed_peers_come_first_and_this_pcs_own_share_is_left_out() -> None:
    mine = [f"http://{a}:8471" for a in own_addresses()]
    typed = ["http://192.168.1.20:8471", "http://192.168.1.21:8471"]
    found = [*mine, "http://192.168.1.21:8471", "http://192.168.1.22:8471"]
    assert lan_peers(typed, found) == [*typed, "http://192.168.1.22:8471"]


def test_discovery_answers_when_a_peer_has_answered_not_at_its_timeout() -> None:
    port = free_port()
    timeout_s = 20.0
    with announce(port, name="peer-test") as announced:
        assert announced
        began = time.monotonic()
        urls = find_peers(timeout_s)
        took = time.monotonic() - began
    assert any(u.endswith(f":{port}") for u in urls), urls
    # A round must not wait out the timeout when the school's peers have answered.
    assert took < timeout_s / 2, took
