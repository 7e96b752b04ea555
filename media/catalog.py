"""The catalog: installed packages, their tree, and search (SQLite, WAL, sqlite-utils).

A package enters or leaves the catalog in one transaction; the blob store is filled
before (import) or emptied after (remove), so the catalog never names a missing file
except where `verify` found one and marked its unit damaged.

Search matches titles of lessons and resources by any hanzi substring and by pinyin
(full or initials). FTS5's trigram index serves queries of 3+ characters; shorter ones
go to the content table (a scan: hanzi with LIKE, pinyin comparing the start of the
initials and of the full pinyin), because trigram cannot match them at all. Only the
best `limit` items are joined to their lesson, unit and package: one common character
or initial matches tens of thousands.

    >>> cat = Catalog(data_dir / "catalog.db")
    >>> [h.title for h in cat.search("fsdcbrs")]
    ['分数的初步认识', ...]
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from media import manifest as mf
from media.collation import natural_key
from media.pinyin import keys as pinyin_keys

migrations = Migrations("kebao.catalog")

UNIT_INSTALLED = "installed"
UNIT_ABSENT = "absent"
UNIT_DAMAGED = "damaged"

# Facet order a teacher expects; anything else follows in natural order.
_STAGE_ORDER = ["学前", "小学", "初中", "高中", "中职"]
_GRADE_ORDER = [
    *(f"{n}年级" for n in "一二三四五六七八九"),
    "高一",
    "高二",
    "高三",
]
_VOLUME_ORDER = ["上册", "下册", "全一册"]


def _run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one: executescript would COMMIT the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE packages (
            id TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            stage TEXT, grade TEXT, subject TEXT, edition TEXT, volume TEXT,
            publisher_key_id TEXT,
            publisher_name TEXT NOT NULL DEFAULT '',
            manifest BLOB NOT NULL,
            signature BLOB,
            manifest_sha256 TEXT NOT NULL,
            installed_at TEXT NOT NULL
        );
        CREATE TABLE units (
            package_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            title TEXT NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (package_id, idx)
        );
        CREATE TABLE lessons (
            id INTEGER PRIMARY KEY,
            package_id TEXT NOT NULL,
            unit_idx INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            title TEXT NOT NULL
        );
        CREATE INDEX lessons_tree ON lessons(package_id, unit_idx, idx);
        CREATE TABLE resources (
            id INTEGER PRIMARY KEY,
            lesson_id INTEGER NOT NULL,
            package_id TEXT NOT NULL,
            unit_idx INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            title TEXT NOT NULL,
            role TEXT NOT NULL,
            media_type TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            duration_ms INTEGER
        );
        CREATE INDEX resources_lesson ON resources(lesson_id, idx);
        CREATE INDEX resources_package ON resources(package_id, unit_idx);
        CREATE INDEX resources_sha ON resources(sha256);
        CREATE TABLE subtitles (
            id INTEGER PRIMARY KEY,
            resource_id INTEGER NOT NULL,
            package_id TEXT NOT NULL,
            unit_idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            language TEXT NOT NULL
        );
        CREATE INDEX subtitles_resource ON subtitles(resource_id);
        CREATE INDEX subtitles_package ON subtitles(package_id, unit_idx);
        CREATE INDEX subtitles_sha ON subtitles(sha256);
        CREATE TABLE search_items (
            id INTEGER PRIMARY KEY,
            package_id TEXT NOT NULL,
            lesson_id INTEGER NOT NULL,
            resource_id INTEGER,
            title TEXT NOT NULL,
            pinyin TEXT NOT NULL,
            initials TEXT NOT NULL
        );
        CREATE INDEX search_items_package ON search_items(package_id);
        CREATE INDEX search_items_initials ON search_items(initials);
        CREATE INDEX search_items_pinyin ON search_items(pinyin);
        CREATE VIRTUAL TABLE search_fts USING fts5(
            title, pinyin, initials,
            content='search_items', content_rowid='id', tokenize='trigram'
        );
        CREATE TRIGGER search_items_ai AFTER INSERT ON search_items BEGIN
            INSERT INTO search_fts(rowid, title, pinyin, initials)
            VALUES (new.id, new.title, new.pinyin, new.initials);
        END;
        CREATE TRIGGER search_items_ad AFTER DELETE ON search_items BEGIN
            INSERT INTO search_fts(search_fts, rowid, title, pinyin, initials)
            VALUES ('delete', old.id, old.title, old.pinyin, old.initials);
        END;
        """,
    )


@migrations()
def m002_drop_pinyin_indexes(db: sqlite_utils.Database) -> None:
    # Short pinyin queries scan the table (faster than fetching a third of it through an
    # index, see docs/performance.md); longer ones use FTS. These indexes only cost space.
    db.execute("DROP INDEX IF EXISTS search_items_initials")
    db.execute("DROP INDEX IF EXISTS search_items_pinyin")


@dataclass(frozen=True)
class PackageInfo:
    id: str
    version: str
    title: str
    kind: str
    tags: dict[str, str]
    publisher_key_id: str | None
    publisher_name: str
    units_total: int
    units_installed: int
    units_damaged: int
    lessons: int
    resources: int
    bytes_total: int
    bytes_installed: int
    installed_at: str

    @property
    def state(self) -> str:
        """complete, partial (some units not downloaded) or damaged (verify found a bad file)."""
        if self.units_damaged:
            return "damaged"
        return "complete" if self.units_installed == self.units_total else "partial"


@dataclass(frozen=True)
class UnitInfo:
    package_id: str
    idx: int
    title: str
    state: str


@dataclass(frozen=True)
class SearchHit:
    package_id: str
    package_title: str
    unit_title: str
    lesson_id: int
    lesson_title: str
    resource_id: int | None
    title: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a package must stay visible once import said it is done, power cut or not.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        # Short queries scan every title: with the default 2 MB page cache each scan of a
        # large catalog re-reads its pages from the OS. Pages are cached only once read.
        self.db.execute("PRAGMA cache_size=-65536")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    # -- writing ---------------------------------------------------------------------

    def install(
        self,
        m: mf.Manifest,
        manifest_bytes: bytes,
        signature: bytes | None,
        manifest_sha256: str,
        installed_units: set[int],
    ) -> None:
        """Make a package (some or all of its units) visible, replacing any older version."""
        with self.db.atomic():
            self._delete(m.id)
            tags = m.tags
            self.db["packages"].insert(
                {
                    "id": m.id,
                    "version": m.version,
                    "title": m.title,
                    "kind": m.kind,
                    **{k: tags.get(k) for k in mf.TAG_KEYS},
                    "publisher_key_id": m.publisher_key_id,
                    "publisher_name": m.publisher_name,
                    "manifest": manifest_bytes,
                    "signature": signature,
                    "manifest_sha256": manifest_sha256,
                    "installed_at": _now(),
                }
            )
            self._insert_tree(m, installed_units)

    def _insert_tree(self, m: mf.Manifest, installed_units: set[int]) -> None:
        execute = self.db.execute
        for u, unit in enumerate(m.units):
            state = UNIT_INSTALLED if u in installed_units else UNIT_ABSENT
            execute(
                "INSERT INTO units (package_id, idx, title, state) VALUES (?, ?, ?, ?)",
                [m.id, u, unit.title, state],
            )
            for li, lesson in enumerate(unit.lessons):
                lesson_id = execute(
                    "INSERT INTO lessons (package_id, unit_idx, idx, title) VALUES (?, ?, ?, ?)",
                    [m.id, u, li, lesson.title],
                ).lastrowid
                self._index(m.id, lesson_id, None, lesson.title)
                for ri, r in enumerate(lesson.resources):
                    res_id = execute(
                        "INSERT INTO resources (lesson_id, package_id, unit_idx, idx, name, title,"
                        " role, media_type, sha256, size, duration_ms)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            lesson_id,
                            m.id,
                            u,
                            ri,
                            r.name,
                            r.title,
                            r.role,
                            r.media_type,
                            r.sha256,
                            r.size,
                            r.duration_ms,
                        ],
                    ).lastrowid
                    if r.title != lesson.title:
                        self._index(m.id, lesson_id, res_id, r.title)
                    for s in r.subtitles:
                        execute(
                            "INSERT INTO subtitles (resource_id, package_id, unit_idx, name,"
                            " sha256, size, language) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [res_id, m.id, u, s.name, s.sha256, s.size, s.language],
                        )

    def _index(self, package_id: str, lesson_id: int, resource_id: int | None, title: str) -> None:
        full, initials = pinyin_keys(title)
        self.db.execute(
            "INSERT INTO search_items (package_id, lesson_id, resource_id, title, pinyin, initials)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [package_id, lesson_id, resource_id, title, full, initials],
        )

    def set_units(self, package_id: str, units: Iterable[int], state: str) -> None:
        with self.db.atomic():
            for u in units:
                self.db.execute(
                    "UPDATE units SET state = ? WHERE package_id = ? AND idx = ?",
                    [state, package_id, u],
                )

    def remove(self, package_id: str) -> None:
        with self.db.atomic():
            self._delete(package_id)

    def _delete(self, package_id: str) -> None:
        for table in ("search_items", "subtitles", "resources", "lessons", "units", "packages"):
            key = "id" if table == "packages" else "package_id"
            self.db.execute(f"DELETE FROM {table} WHERE {key} = ?", [package_id])  # noqa: S608

    # -- reading ---------------------------------------------------------------------

    def package_row(self, package_id: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM packages WHERE id = ?", [package_id]))
        return rows[0] if rows else None

    def manifest(self, package_id: str) -> mf.Manifest | None:
        row = self.package_row(package_id)
        return None if row is None else mf.parse(row["manifest"], package_id)

    def packages(self, **tags: str) -> list[PackageInfo]:
        """Installed packages, optionally filtered by tags (stage=…, grade=…, …)."""
        where, params = self._tag_filter(tags)
        sql = f"""
            SELECT p.id, p.version, p.title, p.kind, p.stage, p.grade, p.subject, p.edition,
              p.volume, p.publisher_key_id, p.publisher_name, p.installed_at,
              (SELECT count(*) FROM units u WHERE u.package_id = p.id) AS units_total,
              (SELECT count(*) FROM units u WHERE u.package_id = p.id
                 AND u.state = 'installed') AS units_installed,
              (SELECT count(*) FROM units u WHERE u.package_id = p.id
                 AND u.state = 'damaged') AS units_damaged,
              (SELECT count(*) FROM lessons l WHERE l.package_id = p.id) AS lessons,
              (SELECT count(*) FROM resources r WHERE r.package_id = p.id) AS resources,
              (SELECT coalesce(sum(size), 0) FROM (
                  SELECT size FROM resources r WHERE r.package_id = p.id
                  UNION ALL SELECT size FROM subtitles s WHERE s.package_id = p.id)) AS bytes_total,
              (SELECT coalesce(sum(size), 0) FROM (
                  SELECT r.size FROM resources r JOIN units u
                    ON u.package_id = r.package_id AND u.idx = r.unit_idx
                    WHERE r.package_id = p.id AND u.state = 'installed'
                  UNION ALL SELECT s.size FROM subtitles s JOIN units u
                    ON u.package_id = s.package_id AND u.idx = s.unit_idx
                    WHERE s.package_id = p.id AND u.state = 'installed')) AS bytes_installed
            FROM packages p {where}
        """  # noqa: S608
        infos = [_package_info(r) for r in self.db.query(sql, params)]
        return sorted(
            infos, key=lambda p: (*(_facet_key(k, p.tags.get(k, "")) for k in mf.TAG_KEYS), p.title)
        )

    def package_list(self, **tags: str) -> list[tuple[str, str, str, str]]:
        """(id, version, title, state) of installed packages, in browse order.

        Reads only the small packages and units tables: what the tree and the drive page
        need, without `packages()`'s sums over every resource.
        """
        where, params = self._tag_filter(tags)
        sql = f"""
            SELECT p.id, p.version, p.title, p.stage, p.grade, p.subject, p.edition, p.volume,
              sum(u.state = 'installed') AS installed, sum(u.state = 'damaged') AS damaged,
              count(u.idx) AS total
            FROM packages p JOIN units u ON u.package_id = p.id {where}
            GROUP BY p.id
        """  # noqa: S608
        rows = list(self.db.query(sql, params))
        rows.sort(key=lambda r: (*(_facet_key(k, r[k] or "") for k in mf.TAG_KEYS), r["title"]))
        return [
            (
                r["id"],
                r["version"],
                r["title"],
                "damaged"
                if r["damaged"]
                else "complete"
                if r["installed"] == r["total"]
                else "partial",
            )
            for r in rows
        ]

    def units(self, package_id: str) -> list[UnitInfo]:
        return [
            UnitInfo(r["package_id"], r["idx"], r["title"], r["state"])
            for r in self.db.query(
                "SELECT * FROM units WHERE package_id = ? ORDER BY idx", [package_id]
            )
        ]

    def lessons(self, package_id: str, unit_idx: int) -> list[dict]:
        return list(
            self.db.query(
                "SELECT id, idx, title FROM lessons WHERE package_id = ? AND unit_idx = ?"
                " ORDER BY idx",
                [package_id, unit_idx],
            )
        )

    def resources(self, lesson_id: int) -> list[dict]:
        rows = list(
            self.db.query(
                "SELECT r.*, u.state AS unit_state FROM resources r JOIN units u"
                " ON u.package_id = r.package_id AND u.idx = r.unit_idx"
                " WHERE r.lesson_id = ? ORDER BY r.idx",
                [lesson_id],
            )
        )
        for r in rows:
            r["subtitles"] = list(
                self.db.query(
                    "SELECT name, sha256, size, language FROM subtitles WHERE resource_id = ?",
                    [r["id"]],
                )
            )
        return rows

    def facet(self, level: str, **filters: str) -> list[str]:
        """The values of one browse level (stage → grade → subject → edition → volume)."""
        if level not in mf.TAG_KEYS:
            raise ValueError(level)
        where, params = self._tag_filter(filters)
        cond = f"{where} {'AND' if where else 'WHERE'} {level} IS NOT NULL"
        values = [
            r[level]
            for r in self.db.query(f"SELECT DISTINCT {level} FROM packages {cond}", params)  # noqa: S608
        ]
        return sorted(values, key=lambda v: _facet_key(level, v))

    def _tag_filter(self, tags: dict[str, str]) -> tuple[str, list[str]]:
        unknown = set(tags) - set(mf.TAG_KEYS)
        if unknown:
            raise ValueError(f"unknown tags {unknown}")
        if not tags:
            return "", []
        return "WHERE " + " AND ".join(f"{k} = ?" for k in tags), list(tags.values())

    def referenced_blobs(self) -> dict[str, int]:
        """sha256 → size of every blob an installed unit needs."""
        sql = """
            SELECT x.sha256, x.size FROM (
              SELECT package_id, unit_idx, sha256, size FROM resources
              UNION ALL SELECT package_id, unit_idx, sha256, size FROM subtitles) x
            JOIN units u ON u.package_id = x.package_id AND u.idx = x.unit_idx
            WHERE u.state = 'installed'
        """
        return {r["sha256"]: r["size"] for r in self.db.query(sql)}

    def blob_users(self, sha256: str) -> list[tuple[str, int]]:
        """(package id, unit index) of every unit that holds this blob."""
        sql = """
            SELECT DISTINCT package_id, unit_idx FROM (
              SELECT package_id, unit_idx FROM resources WHERE sha256 = ?
              UNION ALL SELECT package_id, unit_idx FROM subtitles WHERE sha256 = ?)
        """
        return [(r["package_id"], r["unit_idx"]) for r in self.db.query(sql, [sha256, sha256])]

    # -- search ----------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Lessons and resources whose title matches `query`, best first."""
        q = " ".join(query.split()).lower()
        if not q:
            return []
        compact = q.replace(" ", "")
        if re.fullmatch(r"[a-z]+", compact):
            rows = self._search_pinyin(compact, limit)
        else:
            rows = self._search_title(q, limit)
        return [SearchHit(**r) for r in rows]  # the SQL selects exactly its fields

    _HIT_COLUMNS = """
        i.package_id, p.title AS package_title, u.title AS unit_title, i.lesson_id,
        l.title AS lesson_title, i.resource_id, i.title
    """
    _HIT_JOINS = """
        JOIN lessons l ON l.id = i.lesson_id
        JOIN packages p ON p.id = i.package_id
        JOIN units u ON u.package_id = l.package_id AND u.idx = l.unit_idx
    """

    def _best(self, matches: str, order: str, params: dict) -> list[dict]:
        """The best `:limit` of `matches` (a FROM … WHERE over `search_items i`), joined.

        Ordering and cutting before the joins keeps a query that matches half the catalog
        (one common character, one initial) from joining every match to its tree.
        """
        sql = f"""
            SELECT {self._HIT_COLUMNS} FROM (SELECT i.* {matches} {order} LIMIT :limit) i
            {self._HIT_JOINS} {order}
        """  # noqa: S608
        return list(self.db.query(sql, params))

    def _search_title(self, q: str, limit: int) -> list[dict]:
        # Exact title, then titles starting with the query, then lessons before resources,
        # then shorter (more specific) titles. LIKE folds ASCII case exactly as lower()
        # does, at half the cost per row; :q is escaped for it.
        order = """
            ORDER BY i.title LIKE :q ESCAPE '\\' DESC, i.title LIKE :q || '%' ESCAPE '\\' DESC,
                     i.resource_id IS NOT NULL, length(i.title), i.id
        """
        params = {"q": re.sub(r"([\\%_])", r"\\\1", q), "limit": limit}
        if len(q) >= 3:
            params["match"] = 'title : "' + q.replace('"', '""') + '"'
            return self._best(
                "FROM search_fts f JOIN search_items i ON i.id = f.rowid"
                " WHERE search_fts MATCH :match",
                order,
                params,
            )
        return self._best(
            "FROM search_items i WHERE i.title LIKE '%' || :q || '%' ESCAPE '\\'", order, params
        )

    def _search_pinyin(self, q: str, limit: int) -> list[dict]:
        # Initials typed from the start rank first, then full pinyin from the start,
        # then matches inside the title.
        order = """
            ORDER BY i.initials = :q DESC, substr(i.initials, 1, length(:q)) = :q DESC,
                     substr(i.pinyin, 1, length(:q)) = :q DESC,
                     i.resource_id IS NOT NULL, length(i.title), i.id
        """
        if len(q) >= 3:
            match = '{pinyin initials} : "' + q + '"'
            return self._best(
                "FROM search_fts f JOIN search_items i ON i.id = f.rowid"
                " WHERE search_fts MATCH :match",
                order,
                {"q": q, "match": match, "limit": limit},
            )
        # One or two letters: prefixes only. A scan, not the initials/pinyin indexes: a
        # common first letter ('k': 课件, 课后练习) matches a third of the catalog, and
        # fetching those rows one by one through an index is three times slower.
        return self._best(
            "FROM search_items i WHERE substr(i.initials, 1, length(:q)) = :q"
            " OR substr(i.pinyin, 1, length(:q)) = :q",
            order,
            {"q": q, "limit": limit},
        )


def _package_info(row: dict) -> PackageInfo:
    """A `packages()` row: the tag columns fold into `tags`, the rest are the fields."""
    tags = {k: v for k in mf.TAG_KEYS if (v := row.pop(k))}
    return PackageInfo(tags=tags, **row)


def _facet_key(level: str, value: str) -> tuple[int, object]:
    order = {"stage": _STAGE_ORDER, "grade": _GRADE_ORDER, "volume": _VOLUME_ORDER}.get(level, [])
    if value in order:
        return (0, order.index(value))
    return (1, natural_key(value))
