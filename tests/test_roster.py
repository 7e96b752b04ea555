"""Rosters and reports through the `kebao` command: the files a 教务 office makes in Excel.

Rosters are written the way Excel and WPS write them (GBK on Chinese Windows, UTF-8
with a BOM elsewhere); reports are read back the way Excel reads them (UTF-8 with BOM,
CRLF). Real SQLite, a real imported package for the report's titles.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Repo

from media.catalog import Catalog
from sync.journal import Journal
from sync.roster import report_csv, report_rows

ROSTER = [
    ["王小明", "三年级1班", "2468"],
    ["李小红", "三年级1班", ""],
    ["赵小刚", "三年级2班", ""],
]
REPORT_HEADER = [
    "班级",
    "姓名",
    "资源包",
    "单元",
    "课",
    "资源",
    "观看进度(%)",
    "已完成",
    "观看时长(分钟)",
    "最后观看",
]


@pytest.fixture(autouse=True)
def _chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEBAO_LANG", raising=False)


def write_roster(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def learners(kebao, *args: str) -> list[dict]:
    r = kebao("learners", "list", "--json", *args)
    assert r.rc == 0, r.err
    return json.loads(r.out)


def names(kebao, *args: str) -> list[tuple[str, str]]:
    return [(x["class_name"], x["name"]) for x in learners(kebao, *args)]


@pytest.mark.parametrize(
    ("encoding", "header"),
    [
        ("gbk", ["姓名", "班级", "密码", "学号"]),  # Excel on Chinese Windows
        ("utf-8-sig", ["姓名", "班级", "PIN"]),  # WPS, newer Excel
        ("utf-8", ["Name", "Class", "PIN"]),
        ("gb18030", ["name", "CLASS", "pin"]),
        ("utf-16", ["学生姓名", "班级", "密码"]),  # Excel's "Unicode text"
    ],
)
def test_a_roster_is_read_in_the_encodings_and_headers_schools_use(
    kebao, tmp_path: Path, data_dir: Path, encoding: str, header: list[str]
) -> None:
    rows = [r + ["01"] * (len(header) - 3) for r in ROSTER]
    path = write_roster(tmp_path / "名单.csv", header, rows, encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really GBK, not UTF-8 by accident
    r = kebao("learners", "import", path)
    assert r.rc == 0, r.err
    assert "新增 3 人" in r.out
    assert names(kebao) == [
        ("三年级1班", "李小红"),
        ("三年级1班", "王小明"),
        ("三年级2班", "赵小刚"),
    ]
    by_name = {x["name"]: x for x in learners(kebao)}
    assert by_name["王小明"]["has_pin"] and not by_name["李小红"]["has_pin"]
    with Journal(data_dir) as j:
        assert j.verify_pin(by_name["王小明"]["id"], "2468")
        assert not j.verify_pin(by_name["王小明"]["id"], "1234")


def test_importing_the_same_roster_again_adds_no_one(kebao, tmp_path: Path, data_dir: Path) -> None:
    path = write_roster(tmp_path / "名单.csv", ["姓名", "班级", "密码"], ROSTER, "gbk")
    assert kebao("learners", "import", path).rc == 0
    events = len(Journal(data_dir).events())
    r = kebao("learners", "import", path)
    assert r.rc == 0 and "新增 0 人" in r.out and "3 人无变化" in r.out
    assert len(learners(kebao)) == 3
    assert len(Journal(data_dir).events()) == events  # nothing written at all

    # Stray spaces and full-width digits still match; a new PIN is an update.
    changed = [["王小明 ", "三年级１班", "1357"], ["李 小红", "三年级1班", ""]]
    path2 = write_roster(tmp_path / "名单2.csv", ["姓名", "班级", "密码"], changed, "utf-8-sig")
    r = kebao("learners", "import", path2)
    assert r.rc == 0 and "新增 0 人，更新 1 人，1 人无变化" in r.out
    ming = next(x for x in learners(kebao) if x["name"] == "王小明")
    with Journal(data_dir) as j:
        assert j.verify_pin(ming["id"], "1357")


def test_a_learner_who_left_and_returns_is_brought_back(
    kebao, tmp_path: Path, data_dir: Path
) -> None:
    path = write_roster(tmp_path / "名单.csv", ["姓名", "班级"], [r[:2] for r in ROSTER], "gbk")
    assert kebao("learners", "import", path).rc == 0
    with Journal(data_dir) as j:
        gang = next(x for x in j.learners() if x.name == "赵小刚")
        j.archive_learner(gang.id)
    assert ("三年级2班", "赵小刚") not in names(kebao)
    assert ("三年级2班", "赵小刚") in names(kebao, "--all")
    r = kebao("learners", "import", path)
    assert "更新 1 人" in r.out
    assert len(learners(kebao)) == 3


def test_a_teacher_column_marks_teachers(kebao, tmp_path: Path) -> None:
    rows = [["张老师", "三年级1班", "是", "9753"], ["王小明", "三年级1班", "否", ""]]
    path = write_roster(tmp_path / "t.csv", ["姓名", "班级", "教师", "密码"], rows, "gbk")
    assert kebao("learners", "import", path).rc == 0
    assert {x["name"]: x["teacher"] for x in learners(kebao)} == {"张老师": True, "王小明": False}
    r = kebao("learners", "list", "--class", "三年级1班")
    assert r.out.splitlines() == ["三年级1班  王小明", "三年级1班  张老师  教师  有密码"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("姓名,班级\n王小明,三年级1班\n,三年级1班\n", "名单.csv 第 3 行：姓名为空"),
        ("姓名,班级\n王小明,三年级1班\n李小红,\n", "名单.csv 第 3 行：班级为空"),
        ("姓名,班级,密码\n王小明,三年级1班,123\n", "第 2 行：密码“123”太短"),
        (
            "姓名,班级,密码\n王小明,三年级1班,2468\n李小红,三年级1班,12ab\n",
            "第 3 行：密码“12ab”应为 4–8 位数字",
        ),
        (
            "姓名,班级\n王小明,三年级1班\n李小红,三年级1班\n王小明,三年级1班\n",
            "第 4 行：与第 2 行重复",
        ),
        ("姓名,班级,教师\n王小明,三年级1班,也许\n", "第 2 行：“也许”不是“是”或“否”"),
        ("姓名,学号\n王小明,01\n", "第 1 行应有“姓名”和“班级”两列（找到：姓名、学号）"),
        ("姓名,班级,姓名\n王小明,三年级1班,王小明\n", "第 1 行有两个“姓名”列"),
        ("", "文件是空的"),
    ],
)
def test_a_bad_row_imports_nothing_and_says_which_row(
    kebao, tmp_path: Path, data_dir: Path, content: str, words: str
) -> None:
    path = tmp_path / "名单.csv"
    path.write_text(content, encoding="gbk")
    r = kebao("learners", "import", path)
    assert r.rc == 2
    assert len(r.err.splitlines()) == 1 and words in r.err, r.err
    assert learners(kebao) == []
    assert Journal(data_dir).events() == []


def test_files_that_are_not_csv_are_named_as_such(kebao, tmp_path: Path) -> None:
    xlsx = tmp_path / "名单.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + bytes(100))
    r = kebao("learners", "import", xlsx)
    assert r.rc == 2 and "Excel 工作簿" in r.err and "另存为" in r.err
    r = kebao("learners", "import", tmp_path / "missing.csv")
    assert r.rc == 2 and "文件不存在" in r.err


@pytest.mark.parametrize(
    "data",
    [
        "姓名,班级\n王小明,三年级1班\n".encode("gbk") + b"\x80\n",  # neither UTF-8 nor GBK
        codecs.BOM_UTF16_LE + "姓名,班级\n".encode("utf-16-le") + b"\x00",  # UTF-16 cut short
    ],
)
def test_a_file_in_no_known_encoding_is_named_as_such(
    kebao, tmp_path: Path, data_dir: Path, data: bytes
) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(data)
    r = kebao("learners", "import", path)
    assert r.rc == 2 and "无法识别文件编码" in r.err and "UTF-8 或 GBK" in r.err, r.err
    assert learners(kebao) == []


def _resources(data_dir: Path) -> dict[str, dict]:
    """Title → resource row of every resource of the imported test package."""
    cat = Catalog(data_dir / "catalog.db")
    found = {}
    for unit in cat.units("test.math.g3a"):
        for lesson in cat.lessons("test.math.g3a", unit.idx):
            for r in cat.resources(lesson["id"]):
                found[r["title"]] = {**r, "lesson": lesson["title"], "unit": unit.title}
    cat.close()
    return found


def test_report_opens_in_excel_with_chinese_headers_and_progress(
    kebao, trusted, signed_repo: Repo, tmp_path: Path, data_dir: Path
) -> None:
    assert kebao("import", signed_repo.path).rc == 0
    rows = [*ROSTER, ["张老师", "三年级1班", "9753"]]
    roster = write_roster(tmp_path / "名单.csv", ["姓名", "班级", "密码"], rows, "gbk")
    assert kebao("learners", "import", roster).rc == 0
    res = _resources(data_dir)
    video, sheet = res["分数的初步认识"], res["学习任务单 几分之几"]
    with Journal(data_dir) as j:
        people = {x.name: x.id for x in j.learners()}
        j.update_learner(people["张老师"], teacher=True)
        j.record_progress(people["王小明"], "test.math.g3a", video["sha256"], 95_000, 100_000, 90)
        j.record_progress(people["李小红"], "test.math.g3a", sheet["sha256"], 0, 0, 30, ended=True)
        j.record_progress(people["张老师"], "test.math.g3a", video["sha256"], 50_000, 100_000, 5)
        j.record_progress(people["赵小刚"], "test.math.g3a", sheet["sha256"], 0, 0, 6)
        last = j.progress(people["王小明"], "test.math.g3a", video["sha256"]).last_ms

    out = tmp_path / "报告.csv"
    r = kebao("report", "--class", "三年级1班", "--csv", out)
    assert r.rc == 0, r.err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM tells Excel it is UTF-8
    assert raw.count(b"\r\n") == 5 and b"\n" not in raw.replace(b"\r\n", b"")
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == REPORT_HEADER
    got = {(row[1], row[5]): row for row in table[1:]}
    # Students of the class (not the teacher) × what any of them opened, by pinyin then tree.
    assert [(row[1], row[5]) for row in table[1:]] == [
        ("李小红", "分数的初步认识"),
        ("李小红", "学习任务单 几分之几"),
        ("王小明", "分数的初步认识"),
        ("王小明", "学习任务单 几分之几"),
    ]
    when = datetime.fromtimestamp(last / 1000).strftime("%Y-%m-%d %H:%M")
    assert got[("王小明", "分数的初步认识")] == [
        "三年级1班",
        "王小明",
        "数学 三年级上册",
        video["unit"],
        "分数的初步认识",
        "分数的初步认识",
        "95",
        "是",
        "1.5",
        when,
    ]
    assert got[("李小红", "分数的初步认识")][6:] == ["0", "否", "0.0", ""]
    assert got[("李小红", "学习任务单 几分之几")][4:9] == [
        "几分之几",
        "学习任务单 几分之几",
        "",
        "是",
        "0.5",
    ]

    r = kebao("report", "--csv", out)  # the whole school: 赵小刚's class too
    with out.open(encoding="utf-8-sig", newline="") as f:
        assert [row[:2] for row in list(csv.reader(f))[1:]][-1] == ["三年级2班", "赵小刚"]

    r = kebao("report", "--class", "五年级1班", "--csv", out)
    assert r.rc == 2 and "现有：三年级1班、三年级2班" in r.err


def test_a_removed_package_keeps_its_rows_and_formulas_stay_text(tmp_path: Path) -> None:
    with Journal(tmp_path) as j:
        ming = j.add_learner("=HYPERLINK(1)", "三年级1班")
        j.record_progress(ming.id, "gone.pkg", "a" * 64, 30_000, 60_000, 30)
        catalog = Catalog(tmp_path / "catalog.db")  # the package is no longer installed
        rows = report_rows(j, catalog)
        catalog.close()
    assert [(r.package_title, r.resource_title, r.watched_percent) for r in rows] == [
        ("gone.pkg", "（已删除的资源 aaaaaaaa）", 50)
    ]
    table = list(csv.reader(io.StringIO(report_csv(rows).decode("utf-8-sig"), newline="")))
    assert table[1][1] == "'=HYPERLINK(1)"
