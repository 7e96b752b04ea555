"""The manifest's strict rules, as tables: what may become a name, an id, a version."""

from __future__ import annotations

import pytest

from media import manifest as mf
from media.errors import ManifestInvalid


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("分数的初步认识.mp4", True),
        ("课件 第1课.pdf", True),
        ("a.b.c.srt", True),
        ("../evil.mp4", False),
        ("a/b.mp4", False),
        ("a\\b.mp4", False),
        ("C:evil.mp4", False),
        ("/etc/passwd", False),
        ("nul\x00.mp4", False),
        ("tab\t.mp4", False),
        ("zero\u200bwidth.mp4", False),  # a format character hides text
        ("CON", False),
        ("com1.txt", False),
        ("trailing.", False),
        (" leading.mp4", False),
        ("..", False),
        ("x" * 121, False),
        ("", False),
        (None, False),
    ],
)
def test_names_must_be_safe_on_every_filesystem(name: object, ok: bool) -> None:
    assert mf.valid_name(name) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("demo.math.g3a", True), ("a1", True), ("a..b", False), ("-a", False), ("A.b", False),
     ("a/b", False), ("a", False), ("a" * 65, False), ("数学", False)],
)  # fmt: skip
def test_package_ids(value: str, ok: bool) -> None:
    assert bool(mf.ID_RE.match(value)) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2024.09", True),
        ("1", True),
        ("v2-beta_1", True),
        ("1..2", False),
        (".1", False),
        ("1/2", False),
    ],
)
def test_versions(value: str, ok: bool) -> None:
    assert bool(mf.VERSION_RE.match(value)) is ok


def _good() -> mf.Manifest:
    res = mf.Resource(
        "a.mp4", "a", "video", "video/mp4", "a" * 64, 10, 1000, (mf.Subtitle("a.srt", "b" * 64, 5),)
    )
    return mf.Manifest(
        "t.x", "1", "标题", "textbook", (mf.Unit("单元", (mf.Lesson("课", (res,)),)),)
    )


def test_canonical_bytes_round_trip() -> None:
    data = mf.to_bytes(_good())
    assert mf.to_bytes(mf.parse(data, "t")) == data
    assert [b.sha256 for b in mf.parse(data, "t").blobs()] == ["a" * 64, "b" * 64]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d.update(format_version=2), "格式版本"),
        (lambda d: d.update(extra=1), "未知字段"),
        (lambda d: d.update(kind="movie"), "kind"),
        (lambda d: d["units"].clear(), "units"),
        (lambda d: d["units"][0]["lessons"][0]["resources"][0].update(size=2**32), "size"),
        (lambda d: d["units"][0]["lessons"][0]["resources"][0].update(size=True), "size"),
        (lambda d: d["units"][0]["lessons"][0]["resources"][0].update(sha256="Z" * 64), "sha256"),
        (
            lambda d: d["units"][0]["lessons"][0]["resources"][0].update(duration_ms=-1),
            "duration_ms",
        ),
        (lambda d: d["units"][0].update(title="a\nb"), "units[0].title"),
    ],
)
def test_a_bad_field_is_named_in_the_message(edit, words: str) -> None:
    import json

    doc = mf.to_dict(_good())
    edit(doc)
    with pytest.raises(ManifestInvalid) as e:
        mf.parse(json.dumps(doc).encode(), "标题 (1)")
    assert words in str(e.value) and "标题 (1)" in str(e.value)


def test_nan_and_duplicate_keys_are_refused() -> None:
    with pytest.raises(ManifestInvalid):
        mf.parse(b'{"a": NaN}', "x")
    with pytest.raises(ManifestInvalid):
        mf.parse(b'{"a": 1, "a": 2}', "x")
