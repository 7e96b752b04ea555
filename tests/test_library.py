"""Import, partial install, export, remove and verify, through the `kebao` command."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Repo, blob_paths, run_cli, snapshot, write_source

from media import manifest as mf


def _list(kebao) -> dict[str, dict]:
    r = kebao("list", "--json")
    assert r.rc == 0, r.err
    return {p["id"]: p for p in json.loads(r.out)}


def _blob_inodes(data_dir: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in (data_dir / "blobs").rglob("*") if p.is_file()}


def test_import_installs_a_signed_package_whole(
    kebao, trusted, signed_repo: Repo, data_dir
) -> None:
    r = kebao("import", signed_repo.path)
    assert r.rc == 0, r.err
    assert "已导入 数学 三年级上册 (2024.09)" in r.out
    pkg = _list(kebao)["test.math.g3a"]
    assert pkg["state"] == "complete" and pkg["lessons"] == 3
    assert sorted(_blob_inodes(data_dir)) == sorted(p.name for p in blob_paths(signed_repo.path))
    assert not list((data_dir / "staging").iterdir())
    status = json.loads(kebao("status", "--json").out)
    assert status["packages"] == 1 and status["bytes_used"] == pkg["bytes_total"]
    assert status["bytes_free"] > 0
    assert kebao("import", signed_repo.path).out.count("已是最新") == 1


def test_a_drive_root_with_the_repository_in_a_folder_is_found(
    kebao, trusted, signed_repo: Repo
) -> None:
    assert kebao("import", signed_repo.path.parent).rc == 0  # usb/ holds usb/repo/


def test_chosen_units_first_then_the_rest_without_copying_again(
    kebao, trusted, signed_repo: Repo, data_dir
) -> None:
    r = kebao("import", signed_repo.path, "--package", "test.math.g3a", "--unit", "第八单元")
    assert r.rc == 0, r.err
    pkg = _list(kebao)["test.math.g3a"]
    assert pkg["state"] == "partial"
    assert [u["state"] for u in pkg["units"]] == ["installed", "absent"]
    first = _blob_inodes(data_dir)
    # The absent unit's lessons are listed (as not downloaded), so a teacher sees them.
    assert any(
        h["title"] == "时分秒 课后练习"
        for h in json.loads(kebao("search", "课后练习", "--json").out)
    )

    assert kebao("import", signed_repo.path, "--package", "test.math.g3a", "--unit", "2").rc == 0
    pkg = _list(kebao)["test.math.g3a"]
    assert pkg["state"] == "complete"
    after = _blob_inodes(data_dir)
    assert {k: after[k] for k in first} == first  # not one blob was copied again
    assert len(after) > len(first)


def test_export_writes_a_repository_another_school_imports(
    kebao, trusted, signed_repo: Repo, tmp_path: Path
) -> None:
    assert kebao("import", signed_repo.path).rc == 0
    usb = tmp_path / "other-usb" / "课包"
    r = kebao("export", "test.math.g3a", "--to", usb)
    assert r.rc == 0 and "已导出并校验" in r.out
    other = tmp_path / "other-school"
    assert run_cli("trust", "add", signed_repo.keys.public, "--data-dir", other).rc == 0
    assert run_cli("import", usb, "--data-dir", other).rc == 0
    assert snapshot(other)["blobs"] == snapshot(tmp_path / "data")["blobs"]
    # Manifest and signature travel byte for byte.
    src_manifest = (signed_repo.path / "packages" / "test.math.g3a" / "2024.09.json").read_bytes()
    assert (usb / "packages" / "test.math.g3a" / "2024.09.json").read_bytes() == src_manifest


def test_export_of_a_partly_installed_package_is_refused(
    kebao, trusted, signed_repo: Repo, tmp_path
) -> None:
    assert kebao("import", signed_repo.path, "--package", "test.math.g3a", "--unit", "1").rc == 0
    r = kebao("export", "test.math.g3a", "--to", tmp_path / "usb2")
    assert r.rc == 2 and "没有完整安装" in r.err


def test_remove_deletes_only_blobs_no_other_package_uses(
    kebao, trusted, signed_repo: Repo, data_dir, tmp_path, video_file, keys
) -> None:
    other_src = write_source(tmp_path / "other", video_file, package_id="test.math.g3b")
    other_repo = tmp_path / "other-repo"
    assert run_cli("pack", other_src, "--key", keys.private, "--out", other_repo).rc == 0
    assert kebao("import", signed_repo.path).rc == 0
    # test.math.g3b shares the video with test.math.g3a, but not the random PDFs.
    assert kebao("import", other_repo).rc == 0
    shared = set(_blob_inodes(data_dir))
    assert kebao("remove", "test.math.g3a").rc == 0
    left = set(_blob_inodes(data_dir))
    manifest_b = mf.parse(
        (other_repo / "packages" / "test.math.g3b" / "2024.09.json").read_bytes(), "b"
    )
    assert left == {b.sha256 for b in manifest_b.blobs()}
    assert left < shared
    assert "test.math.g3a" not in _list(kebao)
    assert kebao("remove", "test.math.g3a").rc == 2


def test_verify_finds_damage_and_repair_lets_a_reimport_fix_it(
    kebao, trusted, signed_repo: Repo, data_dir
) -> None:
    assert kebao("import", signed_repo.path).rc == 0
    assert json.loads(kebao("verify", "--json").out)["problems"] == []
    victim = max(
        (p for p in (data_dir / "blobs").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size
    )
    data = bytearray(victim.read_bytes())
    data[100] ^= 0xFF
    victim.write_bytes(bytes(data))

    r = kebao("verify")
    assert r.rc == 1 and "损坏" in r.out and "数学 三年级上册 (2024.09)" in r.out
    r = kebao("verify", "--repair")
    assert r.rc == 0 and "重新导入" in r.out
    assert (data_dir / "quarantine" / victim.name).exists()
    assert _list(kebao)["test.math.g3a"]["state"] == "damaged"

    assert kebao("import", signed_repo.path).rc == 0
    assert _list(kebao)["test.math.g3a"]["state"] == "complete"
    assert json.loads(kebao("verify", "--json").out)["problems"] == []


def test_a_newer_version_replaces_the_old_one(
    kebao, trusted, tmp_path, video_file, keys, data_dir
) -> None:
    src = write_source(tmp_path / "src", video_file)
    repo = tmp_path / "repo"
    assert run_cli("pack", src, "--key", keys.private, "--out", repo).rc == 0
    assert kebao("import", repo).rc == 0
    old_blobs = set(_blob_inodes(data_dir))
    exercise = src / "第一单元" / "第1课" / "时分秒 课后练习.pdf"
    exercise.write_bytes(b"new edition of the exercise")
    toml = src / "package.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("2024.09", "2024.10"), encoding="utf-8"
    )
    assert run_cli("pack", src, "--key", keys.private, "--out", repo).rc == 0
    assert kebao("import", repo).rc == 0
    pkg = _list(kebao)["test.math.g3a"]
    assert pkg["version"] == "2024.10" and pkg["state"] == "complete"
    new_blobs = set(_blob_inodes(data_dir))
    assert len(old_blobs - new_blobs) == 1  # only the replaced exercise's blob went
    assert json.loads(kebao("verify", "--json").out)["orphans"] == 0


def test_the_catalog_browses_unit_lesson_resource(
    kebao, trusted, signed_repo: Repo, data_dir
) -> None:
    from media.catalog import Catalog

    assert kebao("import", signed_repo.path, "--package", "test.math.g3a", "--unit", "1").rc == 0
    cat = Catalog(data_dir / "catalog.db")
    assert cat.facet("stage") == ["小学"] and cat.facet(
        "subject", stage="小学", grade="三年级"
    ) == ["数学"]
    assert cat.package_list() == [("test.math.g3a", "2024.09", "数学 三年级上册", "partial")]
    assert cat.package_list(subject="语文") == []
    units = cat.units("test.math.g3a")
    assert [(u.title, u.state) for u in units] == [
        ("第八单元 分数的初步认识", "installed"),
        ("第一单元 时、分、秒", "absent"),
    ]
    lessons = cat.lessons("test.math.g3a", 0)
    assert [les["title"] for les in lessons] == ["分数的初步认识", "几分之几"]
    video, courseware = cat.resources(lessons[0]["id"])
    assert courseware["role"] == "courseware"
    assert video["role"] == "video" and video["unit_state"] == "installed"
    assert [s["name"] for s in video["subtitles"]] == ["分数的初步认识.srt"]
    assert (data_dir / "blobs" / video["sha256"][:2] / video["sha256"]).is_file()
    absent = cat.resources(cat.lessons("test.math.g3a", 1)[0]["id"])
    assert absent[0]["unit_state"] == "absent"
    cat.close()


def test_players_get_blobs_under_a_name_with_an_extension(
    kebao, trusted, signed_repo: Repo, data_dir
) -> None:
    from media.store import BlobStore

    assert kebao("import", signed_repo.path).rc == 0
    store = BlobStore(data_dir)
    sha = next(b for b in (data_dir / "blobs").rglob("*") if b.is_file()).name
    named = store.named(sha, ".SRT")
    assert named.name == f"{sha}.srt" and named.read_bytes() == store.path(sha).read_bytes()
    assert named.stat().st_ino == store.path(sha).stat().st_ino  # a hard link: no extra space
    assert store.named(sha, "/../x").name == sha  # a suffix never becomes a path
    assert kebao("remove", "test.math.g3a").rc == 0
    assert not named.exists()
    assert json.loads(kebao("status", "--json").out)["bytes_used"] == 0
