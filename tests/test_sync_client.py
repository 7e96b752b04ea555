"""The sync client on its own: what a technician sees before and without a hub."""

from __future__ import annotations

import socket
from pathlib import Path

from conftest import run_cli

from sync.journal import Journal


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sync_before_enrolment_says_how_to_enrol(tmp_path: Path) -> None:
    r = run_cli("sync", "--data-dir", tmp_path)
    assert r.rc == 2 and r.err.count("\n") == 1 and "kebao enrol" in r.err


def test_with_no_reachable_hub_sync_says_so_and_keeps_everything(tmp_path: Path) -> None:
    pc = Journal(tmp_path)
    pc.add_learner("王小明", "三年级1班")
    url = f"http://127.0.0.1:{closed_port()}"
    pc.update_sync_state(hub_url=url, school_id="s", school_name="城关小学", token="t" * 43)
    r = run_cli("sync", "--data-dir", tmp_path)
    assert r.rc == 3  # not bad input: try again later
    assert r.err.count("\n") == 1 and "连不上同步中心" in r.err and url in r.err
    state = pc.sync_state()
    assert state.push_cursor == 0 and state.last_success_ms is None
    assert len(pc.events_to_send(0).events) == 1  # still waiting for the next round


def test_a_hub_address_that_is_not_a_url_is_bad_input(tmp_path: Path) -> None:
    r = run_cli("enrol", "--hub", "ftp://x", "--code", "7K4Q-M2XD-9HPA", "--data-dir", tmp_path)
    assert r.rc == 2 and "不是同步中心的网址" in r.err
    assert not Journal(tmp_path).sync_state().enrolled
