"""Packing lesson folders into signed repositories, as a county technician does."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import Keys, blob_paths, run_cli, write_source

from media import manifest as mf
from media.collation import natural_key
from media.packer import build_manifest, role_of


def _manifest(repo: Path, package_id: str = "test.math.g3a") -> mf.Manifest:
    (path,) = (repo / "packages" / package_id).glob("*.json")
    return mf.parse(path.read_bytes(), "test")


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    r = run_cli("keygen", "--out", tmp_path / "县教育局.key", "--name", "某县教育局")
    assert r.rc == 0, r.err
    assert stat.S_IMODE(os.stat(tmp_path / "县教育局.key").st_mode) == 0o600
    pub = json.loads((tmp_path / "县教育局.pub").read_text(encoding="utf-8"))
    assert pub["name"] == "某县教育局" and pub["algorithm"] == "ed25519"
    again = run_cli("keygen", "--out", tmp_path / "县教育局.key")
    assert again.rc == 2 and "已存在" in again.err


def test_pack_builds_the_tree_the_teacher_will_browse(
    tmp_path: Path, video_file: Path, keys: Keys
) -> None:
    src = write_source(tmp_path / "src", video_file)
    r = run_cli("pack", src, "--key", keys.private, "--out", tmp_path / "repo")
    assert r.rc == 0, r.err
    m = _manifest(tmp_path / "repo")
    assert m.tags == {
        "stage": "小学",
        "grade": "三年级",
        "subject": "数学",
        "edition": "人教版",
        "volume": "上册",
    }
    assert m.publisher_name == "测试县教育局" and m.publisher_key_id == keys.key_id
    # The outline's order and titles, not the folders' alphabetical order.
    assert [u.title for u in m.units] == ["第八单元 分数的初步认识", "第一单元 时、分、秒"]
    lesson = m.units[0].lessons[0]
    assert lesson.title == "分数的初步认识"
    video, courseware = lesson.resources
    assert (video.role, video.media_type) == ("video", "video/mp4")
    assert 1500 <= video.duration_ms <= 2500  # read from the 2 s file by libvlc
    assert [s.name for s in video.subtitles] == ["分数的初步认识.srt"]
    assert courseware.role == "courseware"
    assert m.units[0].lessons[1].resources[0].role == "worksheet"
    assert m.units[1].lessons[0].resources[0].role == "exercise"
    # Blobs are named by their content and every stored name is FAT32-safe.
    for p in blob_paths(tmp_path / "repo"):
        assert len(p.name) == 64 and p.parent.name == p.name[:2]
    for p in (tmp_path / "repo").rglob("*"):
        assert p.name.isascii() and mf.valid_name(p.name)


def test_packing_the_same_folder_twice_changes_nothing(
    tmp_path: Path, video_file: Path, keys: Keys
) -> None:
    src = write_source(tmp_path / "src", video_file)
    repo = tmp_path / "repo"
    assert run_cli("pack", src, "--key", keys.private, "--out", repo).rc == 0
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in repo.rglob("*") if p.is_file()}
    r = run_cli("pack", src, "--key", keys.private, "--out", repo)
    assert r.rc == 0 and "未做改动" in r.out
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in repo.rglob("*") if p.is_file()}
    assert after == before


def test_packing_into_an_existing_repository_adds_a_package(
    tmp_path: Path, video_file: Path, keys: Keys
) -> None:
    repo = tmp_path / "repo"
    a = write_source(tmp_path / "a", video_file, package_id="test.math.g3a")
    b = write_source(tmp_path / "b", video_file, package_id="test.math.g3b")
    assert run_cli("pack", a, "--key", keys.private, "--out", repo).rc == 0
    assert run_cli("pack", b, "--key", keys.private, "--out", repo).rc == 0
    index = json.loads((repo / "kebao-repo.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in index["packages"]] == ["test.math.g3a", "test.math.g3b"]
    # Identical files (the video, subtitles, courseware) are stored once across packages.
    shas = {
        b.sha256 for pid in ("test.math.g3a", "test.math.g3b") for b in _manifest(repo, pid).blobs()
    }
    assert len(blob_paths(repo)) == len(shas) < 2 * len(list(_manifest(repo).blobs()))


def test_a_changed_package_needs_a_new_version(
    tmp_path: Path, video_file: Path, keys: Keys
) -> None:
    src = write_source(tmp_path / "src", video_file)
    repo = tmp_path / "repo"
    assert run_cli("pack", src, "--key", keys.private, "--out", repo).rc == 0
    (src / "第一单元" / "第1课" / "时分秒 课后练习.pdf").write_bytes(b"changed")
    r = run_cli("pack", src, "--key", keys.private, "--out", repo)
    assert r.rc == 2 and "新的版本号" in r.err


def test_without_an_outline_folders_sort_naturally(tmp_path: Path, keys: Keys) -> None:
    src = tmp_path / "src"
    for unit in ("第十单元", "第二单元", "第一单元"):
        for lesson in ("第10课", "第2课", "第1课"):
            (src / unit / lesson).mkdir(parents=True)
            (src / unit / lesson / "教案.docx").write_bytes(f"{unit}{lesson}".encode())
    (src / "package.toml").write_text(
        'id = "t.order"\nversion = "1"\ntitle = "顺序"\n', encoding="utf-8"
    )
    m, _ = build_manifest(src, None)
    assert [u.title for u in m.units] == ["第一单元", "第二单元", "第十单元"]
    assert [les.title for les in m.units[0].lessons] == ["第1课", "第2课", "第10课"]


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("第1课.mp4", "video"),
        ("讲解.FLV", "video"),
        ("朗读.mp3", "audio"),
        ("课件.pptx", "courseware"),
        ("分数 教学设计.docx", "design"),
        ("学习任务单.pdf", "worksheet"),
        ("课后练习.pdf", "exercise"),
        ("插图.png", "document"),
        ("数据.bin", "other"),
    ],
)
def test_file_roles_come_from_names(name: str, role: str) -> None:
    assert role_of(name) == role


def test_natural_key_reads_chinese_numerals() -> None:
    names = ["第十二课", "第二课", "第一百零一课", "第三课", "第10课", "第9课"]
    assert sorted(names, key=natural_key) == [
        "第二课",
        "第三课",
        "第9课",
        "第10课",
        "第十二课",
        "第一百零一课",
    ]


def test_a_file_of_4_gib_is_refused_before_any_copy(tmp_path: Path, keys: Keys) -> None:
    src = tmp_path / "src"
    (src / "第一单元" / "第1课").mkdir(parents=True)
    (src / "package.toml").write_text(
        'id = "t.big"\nversion = "1"\ntitle = "大文件"\n', encoding="utf-8"
    )
    with open(src / "第一单元" / "第1课" / "录像.mp4", "wb") as f:
        f.truncate(4 * 1024**3)  # sparse: costs no disk
    r = run_cli("pack", src, "--key", keys.private, "--out", tmp_path / "repo")
    assert r.rc == 2 and "4 GiB" in r.err and len(r.err.strip().splitlines()) == 1
    assert not (tmp_path / "repo").exists()
