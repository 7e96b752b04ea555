"""A real hub for tests: `kebao hub serve` in a subprocess on a free loopback port.

    def test_something(hub):
        school_id, code = hub.add_school("城关镇中心小学")
        requests.post(hub.url + "/api/v1/enrol", json={...})

`hub` runs once on SQLite and once on PostgreSQL (env `KEBAO_TEST_POSTGRES_URL`, each
test on emptied tables; skipped without it, failed when `KEBAO_REQUIRE_POSTGRES=1`).
`make_hub(...)` starts one with other options (`--repo`, a short upload expiry).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from app import cli
from hub.db import HubStore, metadata

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30


@dataclass
class RunningHub:
    url: str
    data_dir: Path
    db_url: str | None
    process: subprocess.Popen
    log: Path
    _store: HubStore | None = field(default=None, repr=False)

    def cli_args(self) -> list[str]:
        return ["--data-dir", str(self.data_dir), *(["--db", self.db_url] if self.db_url else [])]

    def add_school(self, name: str) -> tuple[str, str]:
        """`kebao hub add-school NAME`: (school id, enrolment code as printed)."""
        out = io.StringIO()
        with redirect_stdout(out):
            rc = cli.main(["hub", "add-school", name, *self.cli_args()])
        assert rc == 0, out.getvalue()
        lines = [line.rsplit("：", 1)[-1].strip() for line in out.getvalue().splitlines()]
        return lines[0], lines[1]

    @property
    def store(self) -> HubStore:
        """The hub's database, read as an operator would (another connection)."""
        if self._store is None:
            self._store = HubStore.open(self.data_dir, self.db_url)
        return self._store

    def event_count(self, school_id: str | None = None) -> int:
        return self.store.event_count(school_id)

    def files(self) -> list[str]:
        """Every file under the hub's uploads folder, relative to it."""
        root = self.data_dir / "uploads"
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self._store is not None:
            self._store.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_hub(
    data_dir: Path, db_url: str | None, *extra: str, env: dict[str, str] | None = None
) -> RunningHub:
    """Start `kebao hub serve --port 0` and return once `GET /api/v1/hub` answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"{data_dir.name}.log"
    args = [sys.executable, "-m", "app.cli", "hub", "serve", "--port", "0"]
    args += ["--data-dir", str(data_dir), *(["--db", db_url] if db_url else []), *extra]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    with open(log, "wb") as err:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, "KEBAO_LANG": "zh", "PYTHONPATH": path, **(env or {})},
        )
    assert process.stdout is not None
    line = process.stdout.readline()  # "课包同步中心：http://127.0.0.1:PORT（…）", or EOF
    if "http://" not in line:
        process.wait(timeout=START_TIMEOUT_S)
        raise AssertionError(f"the hub did not start: {line!r} {log.read_text()}")
    url = line.split("：", 1)[1].split("（", 1)[0].strip()
    hub = RunningHub(url, data_dir, db_url, process, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if requests.get(url + "/api/v1/hub", timeout=2).status_code == 200:
                return hub
        except requests.ConnectionError:
            pass
        if not hub.alive() or time.monotonic() > deadline:
            hub.stop()
            raise AssertionError(f"the hub did not answer: {log.read_text()}")
        time.sleep(0.05)  # polling the condition above, not waiting for it to happen


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def hub_db(request: pytest.FixtureRequest) -> str | None:
    """None (SQLite in the data folder) or an emptied PostgreSQL database's URL."""
    if request.param == "sqlite":
        return None
    url = os.environ.get("KEBAO_TEST_POSTGRES_URL")
    required = os.environ.get("KEBAO_REQUIRE_POSTGRES") == "1"
    if not url:
        if required:
            pytest.fail("KEBAO_REQUIRE_POSTGRES=1 but KEBAO_TEST_POSTGRES_URL is not set")
        pytest.skip("set KEBAO_TEST_POSTGRES_URL to run the hub on PostgreSQL")
    try:
        _reset_postgres(url)
    except sa.exc.OperationalError as e:
        if required:
            pytest.fail(f"PostgreSQL at {url} is required but unreachable: {e}")
        pytest.skip(f"PostgreSQL at {url} is unreachable")
    return url


@pytest.fixture
def make_hub(tmp_path: Path) -> Iterator[Callable[..., RunningHub]]:
    """`make_hub(db_url, *serve_args, env=...)`: hubs stopped after the test."""
    started: list[RunningHub] = []

    def make(db_url: str | None = None, *extra: str, env: dict[str, str] | None = None):
        hub = start_hub(tmp_path / f"hub{len(started)}", db_url, *extra, env=env)
        started.append(hub)
        return hub

    yield make
    for hub in started:
        hub.stop()


@pytest.fixture
def hub(make_hub: Callable[..., RunningHub], hub_db: str | None) -> RunningHub:
    """A running hub with an empty database (SQLite, then PostgreSQL)."""
    return make_hub(hub_db)
