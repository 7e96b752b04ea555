"""The hub's database: schools, devices, events and uploads (SQLAlchemy Core).

SQLite in the data folder by default (WAL, synchronous=FULL); PostgreSQL for a county
that outgrows one machine (`postgresql+psycopg://…`). The schema is created at start
and versioned by one `meta` row.

    >>> store = HubStore.open(Path("/srv/kebao-hub"), None)
    >>> school_id, code = store.add_school("城关镇中心小学")
    >>> store.push(school_id, events, now_ms())
    (812, 188)
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from media.errors import InputInvalid, KebaoError, text
from sync.protocol import Event, WireEvent, new_code

SCHEMA_VERSION = "1"
_IDS_PER_QUERY = 1000  # ids looked up at once when a batch arrives
_INSERT_EVENT = (
    "INSERT INTO events (school_id, id, hlc, device, kind, body, received_at)"
    " VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark}, {mark})"
    " ON CONFLICT (school_id, id) DO NOTHING"
)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: an alias of rowid

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

schools = sa.Table(
    "schools",
    metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created", sa.BigInteger, nullable=False),
)

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("device_id", sa.String(16), primary_key=True),
    sa.Column("school_id", sa.Uuid(as_uuid=False), sa.ForeignKey("schools.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("enrolled_at", sa.BigInteger, nullable=False),
    sa.Column("last_seen", sa.BigInteger, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.Uuid(as_uuid=False), sa.ForeignKey("schools.id"), nullable=False),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("hlc", sa.String(64), nullable=False),
    sa.Column("device", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("received_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("school_id", "id", name="events_school_id_id"),
    sa.Index("events_school_seq", "school_id", "seq"),
)

uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("school_id", sa.Uuid(as_uuid=False), sa.ForeignKey("schools.id"), nullable=False),
    sa.Column("device_id", sa.String(16), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("length", sa.BigInteger, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Column("state", sa.String(12), nullable=False),  # open, complete, terminated
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Index("uploads_school_sha256", "school_id", "sha256"),
)

OPEN, COMPLETE, TERMINATED = "open", "complete", "terminated"


class DatabaseUnavailable(KebaoError):
    zh = "打不开同步中心的数据库 {url}：{problem}"
    en = "cannot open the hub's database {url}: {problem}"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def database_url(data_dir: Path, url: str | None) -> str:
    """`--db URL` if given, else SQLite in the data folder."""
    return url or f"sqlite:///{data_dir / 'hub.db'}"


@dataclass(frozen=True)
class School:
    id: str
    name: str


@dataclass(frozen=True)
class SchoolInfo(School):
    created: int
    devices: int
    events: int


@dataclass(frozen=True)
class Device:
    device_id: str
    school_id: str
    name: str


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    wire: WireEvent  # as stored: sent on as it is (`sync.protocol.events_body`)

    @property
    def event(self) -> Event:
        return Event.stored(*self.wire)


@dataclass(frozen=True)
class Upload:
    id: str
    school_id: str
    device_id: str
    filename: str
    sha256: str
    kind: str
    title: str
    length: int
    offset: int
    expires: int
    state: str
    created: int


def _bind(column: sa.Column, dialect: sa.Dialect) -> Callable[[object], object]:
    """A value as the driver takes it for `column` (a UUID: 32 hex digits in SQLite)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # transactions are begun below, not by sqlite3
            for pragma in (
                "journal_mode=WAL",
                "synchronous=FULL",
                "busy_timeout=30000",
            ):
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A writer takes the write lock at BEGIN: a deferred transaction that reads
            # first would fail with SQLITE_BUSY when it upgrades, whatever the timeout.
            read = conn.get_execution_options().get("kebao_read", False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class HubStore:
    """Every read and write of the hub's database; one per process, safe across threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        metadata.create_all(engine)
        with self._write() as conn:
            version = conn.scalar(sa.select(meta.c.value).where(meta.c.key == "schema"))
            if version is None:
                conn.execute(meta.insert().values(key="schema", value=SCHEMA_VERSION))
            elif version != SCHEMA_VERSION:
                raise InputInvalid(
                    where=str(engine.url.render_as_string(hide_password=True)),
                    problem=text(
                        f"数据库版本 {version} 比这个同步中心新，请升级课包",
                        f"database schema {version} is newer than this hub; upgrade Kebao",
                    ),
                )

    @classmethod
    def open(cls, data_dir: Path, url: str | None) -> HubStore:
        """The store at `url` (else `<data_dir>/hub.db`), its tables created if need be."""
        if url is None:
            data_dir.mkdir(parents=True, exist_ok=True)
        try:
            engine = _engine(database_url(data_dir, url))
        except (sa.exc.ArgumentError, ImportError) as e:
            raise DatabaseUnavailable(url=url, problem=str(e)) from None
        try:
            return cls(engine)
        except sa.exc.OperationalError as e:
            engine.dispose()
            shown = engine.url.render_as_string(hide_password=True)
            raise DatabaseUnavailable(url=shown, problem=str(e.orig).strip()) from None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn.execution_options(kebao_read=True)

    # -- schools and devices --------------------------------------------------------------

    def add_school(self, name: str) -> tuple[str, str]:
        """A new school, or a new code for the school of that name: (school id, code)."""
        name = name.strip()
        if not name or len(name) > 200:
            raise InputInvalid(
                where=text("学校名称", "school name"),
                problem=text("应为 1 到 200 个字", "must be 1 to 200 characters"),
            )
        code = new_code()
        with self._write() as conn:
            school_id = conn.scalar(sa.select(schools.c.id).where(schools.c.name == name))
            if school_id is None:
                school_id = str(uuid.uuid4())
                conn.execute(
                    schools.insert().values(
                        id=school_id, name=name, code_hash=sha256_hex(code), created=now_ms()
                    )
                )
            else:
                conn.execute(
                    schools.update()
                    .where(schools.c.id == school_id)
                    .values(code_hash=sha256_hex(code))
                )
        return str(school_id), code

    def schools(self) -> list[SchoolInfo]:
        device_count = (
            sa.select(sa.func.count()).where(devices.c.school_id == schools.c.id).scalar_subquery()
        )
        event_count = (
            sa.select(sa.func.count()).where(events.c.school_id == schools.c.id).scalar_subquery()
        )
        query = sa.select(
            schools.c.id, schools.c.name, schools.c.created, device_count, event_count
        ).order_by(schools.c.name)
        with self._read() as conn:
            return [SchoolInfo(str(r[0]), r[1], r[2], r[3], r[4]) for r in conn.execute(query)]

    def school_by_code(self, code: str) -> School | None:
        query = sa.select(schools.c.id, schools.c.name).where(
            schools.c.code_hash == sha256_hex(code)
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        return School(str(row.id), row.name) if row else None

    def enrol(self, school_id: str, device_id: str, name: str, token_hash: str) -> None:
        """Record the device's new token; an earlier token of the same device stops working."""
        now = now_ms()
        with self._write() as conn:
            conn.execute(devices.delete().where(devices.c.device_id == device_id))
            conn.execute(
                devices.insert().values(
                    device_id=device_id,
                    school_id=school_id,
                    name=name,
                    token_hash=token_hash,
                    enrolled_at=now,
                    last_seen=now,
                )
            )

    def device_by_token(self, token_hash: str) -> Device | None:
        query = sa.select(devices.c.device_id, devices.c.school_id, devices.c.name).where(
            devices.c.token_hash == token_hash
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        return Device(row.device_id, str(row.school_id), row.name) if row else None

    def seen(self, device_id: str, when: int) -> None:
        with self._write() as conn:
            conn.execute(
                devices.update().where(devices.c.device_id == device_id).values(last_seen=when)
            )

    # -- events ---------------------------------------------------------------------------

    def push(self, school_id: str, batch: list[Event], when: int) -> tuple[int, int]:
        """Store a batch in one transaction: (stored, duplicates by id).

        The ids the school already holds are looked up first and only the others are
        inserted, in one statement (`ON CONFLICT DO NOTHING` all the same), all under the
        school's lock: a batch is stored whole or not at all, each event once.
        """
        if not batch:
            return 0, 0
        fresh = {e.id: e for e in batch}  # an id twice in one batch is stored once
        with self._write() as conn:
            school = _bind(events.c.school_id, conn.dialect)(school_id)
            # Pushes of one school are serialised on its row, so sequence numbers become
            # visible in order and a pull's cursor never passes a seq still uncommitted.
            conn.execute(sa.select(schools.c.id).where(schools.c.id == school_id).with_for_update())
            ids = list(fresh)
            held: set[str] = set()
            for i in range(0, len(ids), _IDS_PER_QUERY):
                query = sa.select(events.c.id).where(
                    events.c.school_id == school_id, events.c.id.in_(ids[i : i + _IDS_PER_QUERY])
                )
                held.update(conn.scalars(query))
            rows = [
                (school, e.id, e.hlc, e.device, e.kind, e.body_json, when)
                for e in fresh.values()
                if e.id not in held
            ]
            if rows:  # the driver's own executemany: through Core, 2× slower per row
                mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
                conn.exec_driver_sql(_INSERT_EVENT.format(mark=mark), rows)  # type: ignore[arg-type]
        return len(rows), len(batch) - len(rows)

    def pull(
        self, school_id: str, after: int, limit: int, exclude_device: str
    ) -> list[StoredEvent]:
        """The school's events after `after` in arrival order, without one device's own."""
        query = (
            sa.select(events.c.seq, events.c.id, events.c.hlc, events.c.kind, events.c.body)
            .where(
                events.c.school_id == school_id,
                events.c.seq > after,
                events.c.device != exclude_device,
            )
            .order_by(events.c.seq)
            .limit(limit)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [StoredEvent(r.seq, (r.id, r.hlc, r.kind, r.body)) for r in rows]

    def event_count(self, school_id: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(events)
        if school_id is not None:
            query = query.where(events.c.school_id == school_id)
        with self._read() as conn:
            return conn.scalar(query) or 0

    # -- uploads --------------------------------------------------------------------------

    def create_upload(self, upload: Upload) -> None:
        with self._write() as conn:
            conn.execute(uploads.insert().values(**upload.__dict__))

    def upload(self, upload_id: str) -> Upload | None:
        with self._read() as conn:
            row = conn.execute(sa.select(uploads).where(uploads.c.id == upload_id)).first()
        return Upload(**row._asdict()) if row else None

    def complete_upload(self, school_id: str, sha256: str) -> Upload | None:
        """A finished upload of this file by the school, if there is one."""
        query = (
            sa.select(uploads)
            .where(
                uploads.c.school_id == school_id,
                uploads.c.sha256 == sha256,
                uploads.c.state == COMPLETE,
            )
            .limit(1)
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        return Upload(**row._asdict()) if row else None

    def complete_uploads(self, school_id: str) -> list[str]:
        """The sha256 of every file the school has uploaded whole."""
        query = sa.select(uploads.c.sha256).where(
            uploads.c.school_id == school_id, uploads.c.state == COMPLETE
        )
        with self._read() as conn:
            return sorted({r[0] for r in conn.execute(query)})

    def update_upload(self, upload_id: str, **values: object) -> None:
        with self._write() as conn:
            conn.execute(uploads.update().where(uploads.c.id == upload_id).values(**values))

    def expired_uploads(self, when: int) -> list[Upload]:
        query = sa.select(uploads).where(uploads.c.state == OPEN, uploads.c.expires < when)
        with self._read() as conn:
            return [Upload(**row._asdict()) for row in conn.execute(query)]
