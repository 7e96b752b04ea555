"""Search as a teacher types it: a few hanzi, or pinyin initials, or full pinyin."""

from __future__ import annotations

from pathlib import Path

import pytest

from media import manifest as mf
from media.catalog import Catalog
from media.pinyin import keys

SHA = "0" * 64

LESSONS = [
    ("第八单元 分数的初步认识", ["分数的初步认识", "几分之几", "分数的简单计算"]),
    ("第七单元 长方形和正方形", ["四边形", "长方形和正方形的周长"]),
    ("第一单元 时、分、秒", ["秒的认识", "时间的计算"]),
]


def _manifest() -> mf.Manifest:
    units = tuple(
        mf.Unit(
            title,
            tuple(
                mf.Lesson(
                    lesson,
                    (
                        mf.Resource(f"{lesson}.mp4", lesson, "video", "video/mp4", SHA, 1),
                        mf.Resource(
                            f"课件 {lesson}.pdf",
                            f"课件 {lesson}",
                            "courseware",
                            "application/pdf",
                            SHA,
                            1,
                        ),
                    ),
                )
                for lesson in lessons
            ),
        )
        for title, lessons in LESSONS
    )
    return mf.Manifest("t.math", "1", "数学 三年级上册", "textbook", units, {"subject": "数学"})


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = Catalog(tmp_path / "catalog.db")
    m = _manifest()
    cat.install(m, mf.to_bytes(m), None, SHA, {0, 1, 2})
    yield cat
    cat.close()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("分数的初步认识", "分数的初步认识"),  # whole title
        ("初步认识", "分数的初步认识"),  # 3+ hanzi inside a title (trigram index)
        ("分数", "分数的初步认识"),  # 2 hanzi: starts-with beats inside, then shorter first
        ("周长", "长方形和正方形的周长"),  # 2 hanzi in the middle
        ("秒", "秒的认识"),  # 1 hanzi
        ("fsdcbrs", "分数的初步认识"),  # initials
        ("fenshu", "分数的初步认识"),  # full pinyin
        ("FenShu", "分数的初步认识"),  # case does not matter
        ("fen shu", "分数的初步认识"),  # nor spaces
        ("cfx", "长方形和正方形的周长"),  # initials inside
        ("sbx", "四边形"),
        ("jf", "几分之几"),  # 2 letters: initials prefix
        ("s", "四边形"),  # 1 letter
    ],
)
def test_a_query_finds_the_lesson_first(catalog: Catalog, query: str, first: str) -> None:
    hits = catalog.search(query)
    assert hits, query
    assert hits[0].title == first
    assert hits[0].resource_id is None  # the lesson itself ranks above its files


def test_every_match_is_found_and_nothing_else(catalog: Catalog) -> None:
    titles = {h.title for h in catalog.search("认识")}
    assert titles == {"分数的初步认识", "秒的认识", "课件 分数的初步认识", "课件 秒的认识"}
    assert catalog.search("物理") == []
    assert catalog.search("zzzz") == []
    assert catalog.search("   ") == []


def test_hits_carry_where_the_lesson_is(catalog: Catalog) -> None:
    hit = catalog.search("几分之几")[0]
    assert (hit.package_title, hit.unit_title, hit.lesson_title) == (
        "数学 三年级上册",
        "第八单元 分数的初步认识",
        "几分之几",
    )


def test_quotes_and_fts_syntax_in_a_query_are_just_text(catalog: Catalog) -> None:
    for q in ['分数"', '"分数的', "分数 OR 秒", "title:分数", "分*", "NEAR(分数)"]:
        catalog.search(q)  # must not raise


def test_facets_browse_in_teacher_order(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "c.db")
    for i, (stage, grade) in enumerate(
        [("初中", "七年级"), ("小学", "十年级"), ("小学", "三年级"), ("小学", "一年级")]
    ):
        m = mf.Manifest(
            f"t.p{i}",
            "1",
            f"包{i}",
            "textbook",
            _manifest().units,
            {"stage": stage, "grade": grade, "subject": "数学"},
        )
        cat.install(m, mf.to_bytes(m), None, SHA, set())
    assert cat.facet("stage") == ["小学", "初中"]
    assert cat.facet("grade", stage="小学") == ["一年级", "三年级", "十年级"]
    assert [p.title for p in cat.packages(stage="初中")] == ["包0"]
    cat.close()


@pytest.mark.parametrize(
    ("title", "full", "initials"),
    [
        ("分数的初步认识", "fenshudechuburenshi", "fsdcbrs"),
        ("第2课 几分之几", "di2kejifenzhiji", "d2kjfzj"),
        ("长方形", "changfangxing", "cfx"),
        ("Unit 1 Hello", "unit1hello", "unit1hello"),
    ],
)
def test_pinyin_keys(title: str, full: str, initials: str) -> None:
    assert keys(title) == (full, initials)
