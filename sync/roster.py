"""Rosters in, reports out: the CSV files a school's 教务 office works with in Excel.

A roster is a CSV with a name and a class column (Chinese or English headers), and
optionally a PIN and a teacher column. Excel on Windows writes GBK, newer Excel and
WPS write UTF-8 with a BOM: both are read. Import is all or nothing and matches
learners already present by name and class, so importing the same file again changes
nothing. A report is learner × resource with how far each got, written as UTF-8 with
a BOM and CRLF so that Excel opens it with the Chinese intact.

    >>> import_roster(journal, Path("三年级名单.csv"))
    RosterResult(added=42, updated=0, unchanged=0)
    >>> write_report(report_rows(journal, catalog, "三年级1班"), Path("报告.csv"))
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from media.catalog import Catalog
from media.collation import natural_key
from media.disk import write_atomic
from media.encoding import decode_text
from media.errors import InputInvalid, text
from sync.journal import (
    Journal,
    Learner,
    Progress,
    class_problem,
    match_key,
    name_problem,
    pin_problem,
    tidy,
)

# Header spellings, compared after `match_key` (so "PIN", "Pin" and "ＰＩＮ" all count).
_HEADERS = {
    "name": {"姓名", "名字", "学生姓名", "name", "studentname"},
    "class": {"班级", "班别", "班", "所在班级", "class", "classname"},
    "pin": {"密码", "pin", "pin码", "口令", "password"},
    "teacher": {"教师", "老师", "是否教师", "身份", "teacher", "role"},
}
_YES = {"是", "教师", "老师", "y", "yes", "true", "1", "√"}
_NO = {"", "否", "学生", "n", "no", "false", "0", "×"}


@dataclass(frozen=True)
class RosterRow:
    row: int  # as Excel numbers it: the header is row 1
    name: str
    class_: str
    pin: str | None
    teacher: bool | None  # None: the file has no teacher column


@dataclass(frozen=True)
class RosterResult:
    added: int
    updated: int
    unchanged: int


def decode(data: bytes, where: str) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputInvalid(
            where=where,
            problem=text(
                "这是 Excel 工作簿，不是 CSV：请在 Excel 中“另存为”CSV 文件",
                "this is an Excel workbook, not CSV: use “Save as” CSV in Excel",
            ),
        )
    try:
        return decode_text(data)
    except UnicodeDecodeError:
        raise InputInvalid(
            where=where,
            problem=text(
                "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV",
                "unknown text encoding; save the file as UTF-8 or GBK CSV",
            ),
        ) from None


def _columns(header: list[str], where: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = match_key(cell)
        for field, spellings in _HEADERS.items():
            if key in spellings:
                if field in columns:
                    raise InputInvalid(
                        where=where,
                        problem=text(f"第 1 行有两个“{cell}”列", f"row 1 has two “{cell}” columns"),
                    )
                columns[field] = i
    missing = [f for f in ("name", "class") if f not in columns]
    if missing:
        found = "、".join(c for c in header if c.strip()) or text("（空）", "(empty)")
        raise InputInvalid(
            where=where,
            problem=text(
                f"第 1 行应有“姓名”和“班级”两列（找到：{found}）",
                f"row 1 must have “name” and “class” columns (found: {found})",
            ),
        )
    return columns


def _cell_of(record: list[str], column: int | None) -> str:
    return record[column].strip() if column is not None and column < len(record) else ""


def read_roster(path: Path) -> list[RosterRow]:
    """Every learner row of a roster file, checked; InputInvalid names the first bad row."""
    where = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputInvalid(where=str(path), problem=text("文件不存在", "no such file")) from None
    content = decode(data, where)
    first_line = content.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    if not records:
        raise InputInvalid(where=where, problem=text("文件是空的", "the file is empty"))
    columns = _columns(records[0], where)
    rows: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # Excel leaves blank lines (",,,") at the end

        name, class_, pin, teacher = (
            _cell_of(record, columns.get(f)) for f in ("name", "class", "pin", "teacher")
        )
        problem = name_problem(name) or class_problem(class_) or (pin and pin_problem(pin))
        if not problem and "teacher" in columns and match_key(teacher) not in _YES | _NO:
            problem = text(
                f"“{teacher}”不是“是”或“否”（教师列）", f"“{teacher}” is not yes or no (teacher)"
            )
        key = (match_key(name), match_key(class_))
        if not problem and key in seen:
            problem = text(
                f"与第 {seen[key]} 行重复（{tidy(name)}，{tidy(class_)}）",
                f"same learner as row {seen[key]} ({tidy(name)}, {tidy(class_)})",
            )
        if problem:
            raise InputInvalid(
                where=text(f"{where} 第 {number} 行", f"{where} row {number}"), problem=problem
            )
        seen[key] = number
        rows.append(
            RosterRow(
                number,
                tidy(name),
                tidy(class_),
                pin or None,
                match_key(teacher) in _YES if "teacher" in columns else None,
            )
        )
    return rows


def import_roster(journal: Journal, path: Path) -> RosterResult:
    """Add the roster's learners; one already present (same name and class) is updated.

    An update can set a new PIN or the teacher flag and brings an archived learner back;
    an empty PIN cell never removes a PIN. Learners missing from the file are left alone
    (a file often holds one class). All rows are checked before anything is written.
    """
    rows = read_roster(path)
    present: dict[tuple[str, str], Learner] = {}
    # Active learners first, so a name+class that exists twice matches the active one.
    for learner in sorted(journal.learners(include_archived=True), key=lambda x: x.archived):
        present.setdefault((match_key(learner.name), match_key(learner.class_name)), learner)
    added = updated = unchanged = 0
    with journal.batch():
        for r in rows:
            learner = present.get((match_key(r.name), match_key(r.class_)))
            if learner is None:
                journal.add_learner(r.name, r.class_, pin=r.pin, teacher=bool(r.teacher))
                added += 1
                continue
            teacher = None if r.teacher is None or r.teacher == learner.teacher else r.teacher
            revive = False if learner.archived else None
            new_pin = r.pin is not None and not (
                learner.has_pin and journal.verify_pin(learner.id, r.pin)
            )
            if teacher is not None or revive is not None:
                journal.update_learner(learner.id, teacher=teacher, archived=revive)
            if new_pin:
                journal.set_pin(learner.id, r.pin)
            if teacher is not None or revive is not None or new_pin:
                updated += 1
            else:
                unchanged += 1
    return RosterResult(added, updated, unchanged)


# -- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a resource sits in the catalog, for a report's title columns and order."""

    order: tuple
    package_title: str
    unit_title: str
    lesson_title: str
    resource_title: str
    duration_ms: int


@dataclass(frozen=True)
class ReportRow:
    class_name: str
    name: str
    package_title: str
    unit_title: str
    lesson_title: str
    resource_title: str
    watched_percent: int | None  # None: no duration (courseware)
    completed: bool
    watched_ms: int
    last_ms: int | None  # None: never opened


def places(catalog: Catalog, package_ids: set[str]) -> dict[tuple[str, str], Place]:
    """(package id, sha256) → its first place in the package's tree, for installed packages."""
    result: dict[tuple[str, str], Place] = {}
    for package_id in package_ids:
        row = catalog.package_row(package_id)
        if row is None:
            continue
        for unit in catalog.units(package_id):
            for lesson in catalog.lessons(package_id, unit.idx):
                for r in catalog.resources(lesson["id"]):
                    order = (0, natural_key(row["title"]), package_id, unit.idx, lesson["idx"])
                    result.setdefault(
                        (package_id, r["sha256"]),
                        Place(
                            (*order, r["idx"]),
                            row["title"],
                            unit.title,
                            lesson["title"],
                            r["title"],
                            r["duration_ms"] or 0,
                        ),
                    )
    return result


def _gone(package_id: str, sha256: str) -> Place:
    """A resource whose package was removed: progress stays, titles are no longer known."""
    return Place(
        (1, package_id, sha256),
        package_id,
        "",
        "",
        text(f"（已删除的资源 {sha256[:8]}）", f"(removed resource {sha256[:8]})"),
        0,
    )


def report_rows(journal: Journal, catalog: Catalog, class_: str | None = None) -> list[ReportRow]:
    """Each learner (not teachers, not archived) × each resource any of them has opened.

    A learner who never opened a resource their classmates did gets a row too (0 %,
    not completed): that is who the teacher needs to see.
    """
    learners = [x for x in journal.learners(class_) if not x.teacher]
    if class_ is not None and not learners:
        classes = sorted({x.class_name for x in journal.learners()}, key=natural_key)
        raise InputInvalid(
            where="--class",
            problem=text(
                f"没有班级“{class_}”的学生（现有：{'、'.join(classes) or '无'}）",
                f"no learners in class “{class_}” (classes: {', '.join(classes) or 'none'})",
            ),
        )
    progress: dict[str, dict[tuple[str, str], Progress]] = {
        x.id: {(p.package_id, p.sha256): p for p in journal.progress_for_learner(x.id)}
        for x in learners
    }
    keys = {k for by_key in progress.values() for k in by_key}
    where = places(catalog, {package_id for package_id, _ in keys})
    ordered = sorted(keys, key=lambda k: where[k].order if k in where else _gone(*k).order)
    rows = []
    for learner in learners:
        for key in ordered:
            place = where.get(key) or _gone(*key)
            p = progress[learner.id].get(key)
            duration = max(p.duration_ms if p else 0, place.duration_ms)
            percent = None
            if duration:
                percent = min(100, (p.furthest_ms if p else 0) * 100 // duration)
            rows.append(
                ReportRow(
                    learner.class_name,
                    learner.name,
                    place.package_title,
                    place.unit_title,
                    place.lesson_title,
                    place.resource_title,
                    percent,
                    bool(p and p.completed),
                    p.watched_ms if p else 0,
                    p.last_ms if p else None,
                )
            )
    return rows


def _cell(value: str) -> str:
    # A cell starting like a formula would run as one in Excel; a leading ' shows it as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def report_csv(rows: list[ReportRow]) -> bytes:
    """CSV bytes Excel opens correctly: UTF-8 with BOM, CRLF, Chinese headers."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # lineterminator is \r\n
    writer.writerow(
        [
            text("班级", "class"),
            text("姓名", "name"),
            text("资源包", "package"),
            text("单元", "unit"),
            text("课", "lesson"),
            text("资源", "resource"),
            text("观看进度(%)", "watched (%)"),
            text("已完成", "completed"),
            text("观看时长(分钟)", "time watched (min)"),
            text("最后观看", "last watched"),
        ]
    )
    yes, no = text("是", "yes"), text("否", "no")
    for r in rows:
        last = (
            ""
            if r.last_ms is None
            else datetime.fromtimestamp(r.last_ms / 1000).strftime("%Y-%m-%d %H:%M")
        )
        writer.writerow(
            [
                *(
                    _cell(v)
                    for v in (
                        r.class_name,
                        r.name,
                        r.package_title,
                        r.unit_title,
                        r.lesson_title,
                        r.resource_title,
                    )
                ),
                "" if r.watched_percent is None else r.watched_percent,
                yes if r.completed else no,
                f"{r.watched_ms / 60_000:.1f}",
                last,
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def write_report(rows: list[ReportRow], path: Path) -> None:
    """Write the report so that a crash leaves the old file or the new one."""
    write_atomic(path, report_csv(rows))
