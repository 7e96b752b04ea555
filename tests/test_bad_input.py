"""Bad input is refused whole: exit 2, one line in Chinese naming the package, nothing changed.

Each case starts from a library that already trusts the county key and holds another
package (语文 三年级上册, which shares its video with the package under test), so "nothing
changed" means something: the snapshot of blobs, catalog, trust store and staging is
taken before the bad input and compared after it.

Manifest mutations are re-signed with the trusted county key and the index is updated to
match, so only validation can catch them, never the signature or the index hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Keys, Repo, Result, run_cli, snapshot, write_source

from media import manifest as mf
from media.errors import SourceUnavailable
from media.library import Library
from media.repository import INDEX, FolderSource
from media.signature import load_private, sign

LABEL = "数学 三年级上册 (2024.09)"
OTHER_TITLE = "语文 三年级上册"
WORKSHEET = "学习任务单 几分之几.pdf"
# Stands for the repository's path in the expected words of repository-level problems.
REPO = "<repo>"
HANZI = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEBAO_LANG", raising=False)


@dataclass(frozen=True)
class Usb:
    """The repository a technician brought, and the keys that can re-sign it."""

    repo: Path
    county: Keys
    stranger: Path  # a private key made with `kebao keygen` that the library does not trust

    @property
    def manifest(self) -> Path:
        return self.repo / "packages" / "test.math.g3a" / "2024.09.json"

    @property
    def signature(self) -> Path:
        return self.manifest.with_suffix(".sig")

    def blob(self, name: str) -> Path:
        m = mf.parse(self.manifest.read_bytes(), "test")
        sha = next(b.sha256 for b in m.blobs() if b.name == name)
        return self.repo / "blobs" / sha[:2] / sha

    def edit_index(self, change: Callable[[dict], None]) -> None:
        doc = json.loads((self.repo / INDEX).read_bytes())
        change(doc)
        (self.repo / INDEX).write_bytes(json.dumps(doc, ensure_ascii=False, indent=1).encode())

    def put_manifest(self, data: bytes, *, key: Path | None = None, index: bool = True) -> None:
        """Replace the manifest bytes, sign them with `key` (county by default), fix the index."""
        self.manifest.write_bytes(data)
        private, public = load_private(key or self.county.private)
        self.signature.write_bytes(sign(private, data, public.key_id))
        if index:
            entry = {
                "manifest_sha256": hashlib.sha256(data).hexdigest(),
                "manifest_size": len(data),
            }
            self.edit_index(lambda doc: doc["packages"][0].update(entry))

    def edit_manifest(self, change: Callable[[dict], None], *, key: Path | None = None) -> None:
        doc = json.loads(self.manifest.read_bytes())
        change(doc)
        self.put_manifest((json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode(), key=key)


def _resource(doc: dict, unit: int = 0, lesson: int = 0, index: int = 0) -> dict:
    return doc["units"][unit]["lessons"][lesson]["resources"][index]


def _state(data_dir: Path) -> dict[str, object]:
    """What a user could notice: blobs, catalog rows, staging, and whom the library trusts."""
    trust_dir = data_dir / "trust"
    trust = (
        {p.name: p.read_bytes() for p in sorted(trust_dir.iterdir())} if trust_dir.is_dir() else {}
    )
    return {**snapshot(data_dir), "trust": trust}


def _tree(root: Path) -> dict[str, str | None]:
    """Every file and folder below `root`, files with their bytes' hash."""
    if not root.exists():
        return {}
    tree: dict[str, str | None] = {}
    for p in sorted(root.rglob("*")):
        tree[str(p.relative_to(root))] = (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
        )
    return tree


def assert_refused(r: Result, words: list[str], *, names: Sequence[str] = ()) -> None:
    """Exit 2, nothing on stdout, one stderr line with `words`, and Chinese besides `names`."""
    assert r.rc == 2, (r.rc, r.out, r.err)
    assert r.out == "", r.out
    assert "Traceback" not in r.err
    lines = r.err.splitlines()
    assert len(lines) == 1, r.err
    line = lines[0]
    for w in words:
        assert w in line, f"{w!r} not in {line!r}"
    rest = line
    for n in [*names, LABEL, OTHER_TITLE]:
        rest = rest.replace(n, "")
    assert HANZI.search(rest), f"the problem is not said in Chinese: {line!r}"


def assert_unchanged(data_dir: Path, before: dict[str, object]) -> None:
    assert _state(data_dir) == before
    assert not list((data_dir / "staging").iterdir())


# -- session fixtures --------------------------------------------------------------------


@pytest.fixture(scope="session")
def other_repo(tmp_path_factory: pytest.TempPathFactory, video_file: Path, keys: Keys) -> Path:
    """A second good package, test.other, signed by the county key."""
    base = tmp_path_factory.mktemp("other")
    src = write_source(base / "src", video_file, package_id="test.other")
    toml = src / "package.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("数学 三年级上册", OTHER_TITLE), encoding="utf-8"
    )
    # Its own subtitles and courseware: only the video is shared with test.math.g3a, so
    # importing test.math.g3a afterwards still has four files of its own to copy.
    lesson = src / "第八单元" / "第1课"
    (lesson / "分数的初步认识.srt").write_text(
        "1\n00:00:00,000 --> 00:00:01,000\n同学们好，今天我们读课文。\n", encoding="utf-8"
    )
    (lesson / "课件 分数的初步认识.pdf").write_bytes(b"%PDF-1.4\n% other courseware\n" * 40)
    r = run_cli("pack", src, "--key", keys.private, "--out", base / "repo")
    assert r.rc == 0, r.err
    return base / "repo"


@pytest.fixture(scope="session")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stranger") / "外县.key"
    r = run_cli("keygen", "--out", out, "--name", "外县教育局")
    assert r.rc == 0, r.err
    return out


@pytest.fixture
def stocked(kebao, trusted, other_repo: Path, data_dir: Path) -> dict[str, object]:
    """A library that trusts the county and holds test.other; returns its state."""
    r = kebao("import", other_repo)
    assert r.rc == 0, r.err
    return _state(data_dir)


@pytest.fixture
def usb(signed_repo: Repo, stranger: Path) -> Usb:
    return Usb(signed_repo.path, signed_repo.keys, stranger)


# -- import: a bad repository ------------------------------------------------------------


def _tamper_manifest_signed_index(u: Usb) -> None:
    data = u.manifest.read_bytes().replace("几分之几".encode(), "几分之一".encode())
    sig = u.signature.read_bytes()
    u.put_manifest(data)
    u.signature.write_bytes(sig)  # the publisher's own signature, over the old bytes


def _tamper_manifest_stale_index(u: Usb) -> None:
    u.manifest.write_bytes(
        u.manifest.read_bytes().replace("几分之几".encode(), "几分之一".encode())
    )


def _flip_blob_bytes(u: Usb) -> None:
    path = u.blob(WORKSHEET)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(data)


def _sign_with_stranger(u: Usb) -> None:
    stranger_id = load_private(u.stranger)[1].key_id

    def change(doc: dict) -> None:
        doc["publisher"] = {"key_id": stranger_id, "name": "外县教育局"}

    u.edit_manifest(change, key=u.stranger)


def _sign_with_stranger_keeping_publisher(u: Usb) -> None:
    u.put_manifest(u.manifest.read_bytes(), key=u.stranger)


def _garbage_signature(u: Usb) -> None:
    u.signature.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))


def _signature_over_other_bytes(u: Usb) -> None:
    private, public = load_private(u.county.private)
    u.signature.write_bytes(sign(private, b"another manifest", public.key_id))


def _truncate_blob(u: Usb) -> None:
    path = u.blob(WORKSHEET)
    path.write_bytes(path.read_bytes()[:-1000])


def _extend_blob(u: Usb) -> None:
    with u.blob(WORKSHEET).open("ab") as f:
        f.write(b"\0" * 1000)


def _symlink_blob(u: Usb) -> None:
    # Even a link to the right bytes is refused: a link on a drive can point anywhere.
    path = u.blob(WORKSHEET)
    faithful = u.repo.parent / "faithful-copy"
    shutil.copy(path, faithful)
    path.unlink()
    path.symlink_to(faithful)


def _edit(change: Callable[[dict], None]) -> Callable[[Usb], None]:
    return lambda u: u.edit_manifest(change)


def _set_name(name: str) -> Callable[[Usb], None]:
    return _edit(lambda doc: _resource(doc).update(name=name))


def _put(data: Callable[[bytes], bytes]) -> Callable[[Usb], None]:
    return lambda u: u.put_manifest(data(u.manifest.read_bytes()))


def _index_raw(data: bytes) -> Callable[[Usb], None]:
    return lambda u: (u.repo / INDEX).write_bytes(data)


REPOSITORY_CASES: list[tuple[str, Callable[[Usb], None], list[str]]] = [
    ("manifest-tampered-index-updated", _tamper_manifest_signed_index, [LABEL, "签名无效", "篡改"]),
    ("manifest-tampered-index-stale", _tamper_manifest_stale_index, [LABEL, "校验值不符", "篡改"]),
    ("blob-same-size-other-bytes", _flip_blob_bytes, [LABEL, WORKSHEET, "已损坏", "校验值不符"]),
    ("signed-by-untrusted-key", _sign_with_stranger, [LABEL, "未受信任", "kebao trust add"]),
    ("signed-by-key-manifest-does-not-name", _sign_with_stranger_keeping_publisher, [LABEL, "签名无效", "发布者"]),
    ("signature-missing", lambda u: u.signature.unlink(), [LABEL, "没有签名", "--allow-unsigned"]),
    ("signature-garbage", _garbage_signature, [LABEL, "签名无效", "UTF-8"]),
    ("signature-over-other-bytes", _signature_over_other_bytes, [LABEL, "签名无效"]),
    ("blob-shorter", _truncate_blob, [LABEL, WORKSHEET, "已损坏", "不完整"]),
    ("blob-longer", _extend_blob, [LABEL, WORKSHEET, "已损坏", "长"]),
    ("blob-missing", lambda u: u.blob(WORKSHEET).unlink(), [LABEL, WORKSHEET, "缺少"]),
    ("blob-is-symlink", _symlink_blob, [REPO, "符号链接"]),
    ("index-id-dotdot", lambda u: u.edit_index(lambda d: d["packages"][0].update(id="../../etc")), [REPO, "packages[0]", "无效"]),
    ("manifest-id-dotdot", _edit(lambda d: d.update(id="../../etc")), [LABEL, "清单无效", "id", "../../etc"]),
    ("name-absolute-path", _set_name("/etc/passwd"), [LABEL, "清单无效", "不是安全的文件名"]),
    ("name-drive-letter", _set_name("C:\\x"), [LABEL, "清单无效", "不是安全的文件名"]),
    ("name-nul", _set_name("分数\x00.mp4"), [LABEL, "清单无效", "不是安全的文件名", "\\x00"]),
    ("name-slash", _set_name("第1课/分数.mp4"), [LABEL, "清单无效", "不是安全的文件名"]),
    ("name-dotdot-subtitle", _edit(lambda d: _resource(d)["subtitles"][0].update(name="..")), [LABEL, "subtitles[0].name"]),
    ("sha256-dotdot", _edit(lambda d: _resource(d).update(sha256="../" * 21 + "a")), [LABEL, "sha256", "格式不对"]),
    ("manifest-not-utf8", _put(lambda b: b.replace("分数".encode(), b"\xff\xfe", 1)), [LABEL, "UTF-8"]),
    ("manifest-not-json", _put(lambda b: b[: len(b) // 2]), [LABEL, "JSON"]),
    ("manifest-duplicate-key", _put(lambda b: b.replace(b'"kind":', b'"title": "x",\n "kind":', 1)), [LABEL, "JSON", "title"]),
    ("size-1e15", _edit(lambda d: _resource(d).update(size=10**15)), [LABEL, "size", "整数"]),
    ("size-negative", _edit(lambda d: _resource(d).update(size=-1)), [LABEL, "size", "整数"]),
    ("size-string", _edit(lambda d: _resource(d).update(size=str(_resource(d)["size"]))), [LABEL, "size", "整数"]),
    ("duration-1e12-ms", _edit(lambda d: _resource(d).update(duration_ms=10**12)), [LABEL, "duration_ms"]),
    ("manifest-format-version-2", _edit(lambda d: d.update(format_version=2)), [LABEL, "格式版本", "不受支持"]),
    ("manifest-version-not-index", _edit(lambda d: d.update(version="2024.10")), [LABEL, "与索引不一致"]),
    ("manifest-file-missing", lambda u: u.manifest.unlink(), [REPO, LABEL, "缺失"]),
    ("index-not-json", _index_raw(b'{"format": "kebao-repo", "format_version": 1, "packages": ['), [REPO, "JSON"]),
    ("index-duplicate-key", _index_raw(b'{"format": "kebao-repo", "format_version": 1, "packages": [], "packages": []}'), [REPO, "JSON", "packages"]),
    ("index-format-version-2", lambda u: u.edit_index(lambda d: d.update(format_version=2)), [REPO, "格式版本", "升级"]),
    ("index-missing", lambda u: (u.repo / INDEX).unlink(), [REPO, "找不到", INDEX]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "words"), [pytest.param(m, w, id=i) for i, m, w in REPOSITORY_CASES]
)
def test_a_bad_repository_is_refused_and_the_library_stays_as_it_was(
    mutate: Callable[[Usb], None], words: list[str], usb: Usb, stocked, kebao, data_dir: Path
) -> None:
    mutate(usb)
    r = kebao("import", usb.repo)
    assert_refused(r, [str(usb.repo) if w == REPO else w for w in words], names=[str(usb.repo)])
    assert_unchanged(data_dir, stocked)


# -- import: bad choices on the command line -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--package", "test.nope"], ["test.nope", REPO, "找不到资源包"], id="unknown-package"),
        pytest.param(["--package", "test.math.g3a", "--unit", "第九单元"], [LABEL, "第九单元", "没有名为"], id="unknown-unit"),
        pytest.param(["--unit", "第九单元"], [LABEL, "第九单元", "第八单元 分数的初步认识"], id="unknown-unit-lists-the-units"),
    ],
)  # fmt: skip
def test_an_unknown_package_or_unit_is_named_and_nothing_is_imported(
    args: list[str], words: list[str], usb: Usb, stocked, kebao, data_dir: Path
) -> None:
    r = kebao("import", usb.repo, *args)
    assert_refused(r, [str(usb.repo) if w == REPO else w for w in words], names=[str(usb.repo)])
    assert_unchanged(data_dir, stocked)


def test_a_source_folder_that_does_not_exist_is_named(
    stocked, kebao, data_dir: Path, tmp_path: Path
) -> None:
    gone = tmp_path / "U盘"
    r = kebao("import", gone)
    assert_refused(r, [str(gone), "不存在"], names=[str(gone)])
    assert_unchanged(data_dir, stocked)


def test_a_drive_pulled_mid_import_says_the_drive_is_gone_and_copies_are_rolled_back(
    usb: Usb, stocked, data_dir: Path
) -> None:
    # The first progress report comes while at most three of the four files are open; the
    # fourth is opened after the drive is gone. Files already open still read on Linux, so
    # whatever they copied must be rolled back by the import itself.
    calls: list[int] = []

    def pull_the_drive(done: int, total: int) -> None:
        if not calls:
            shutil.rmtree(usb.repo)
        calls.append(done)

    with Library(data_dir) as lib, pytest.raises(SourceUnavailable) as caught:
        lib.import_from(FolderSource(usb.repo), progress=pull_the_drive)
    assert calls, "the import never started copying"
    assert str(usb.repo) in str(caught.value) and "U盘" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert_unchanged(data_dir, stocked)


# -- kebao trust add: a file that is not a public key --------------------------------------


def _not_a_key(kind: str, tmp_path: Path, keys: Keys, video: Path, repo: Path) -> Path:
    if kind == "private-key":
        return keys.private
    if kind == "video":
        return video
    if kind == "repository-index":
        return repo / INDEX
    if kind == "signature":
        return next((repo / "packages").rglob("*.sig"))
    if kind == "folder":
        return repo
    path = tmp_path / "县教育局.pub"
    if kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    elif kind == "short-key":
        doc = json.loads(keys.public.read_bytes())
        doc["key"] = doc["key"][:20]
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path  # kind == "missing": never written


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        pytest.param("private-key", ["这是私钥", ".pub"], id="private-key"),
        pytest.param("video", ["过大"], id="video"),
        pytest.param("repository-index", ["不是课包发布者公钥文件"], id="repository-index"),
        pytest.param("signature", ["不是课包发布者公钥文件"], id="signature"),
        pytest.param("binary", ["UTF-8"], id="binary"),
        pytest.param("short-key", ["公钥数据无效"], id="short-key"),
        pytest.param("missing", ["不存在"], id="missing"),
        pytest.param("folder", ["无法读取"], id="folder"),
    ],
)
def test_trusting_a_file_that_is_not_a_public_key_is_refused(
    kind: str,
    words: list[str],
    stocked,
    kebao,
    data_dir: Path,
    tmp_path: Path,
    keys: Keys,
    video_file: Path,
    other_repo: Path,
) -> None:
    path = _not_a_key(kind, tmp_path, keys, video_file, other_repo)
    r = kebao("trust", "add", path)
    assert_refused(r, [str(path), *words], names=[str(path)])
    assert_unchanged(data_dir, stocked)


# -- kebao export: a package that is not installed -----------------------------------------


@pytest.mark.parametrize(
    "ids",
    [["test.math.g3a"], ["test.other", "test.math.g3a"]],
    ids=["missing", "one-of-two-missing"],
)
def test_exporting_a_package_that_is_not_installed_writes_nothing(
    ids: list[str], stocked, kebao, data_dir: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "U盘" / "课包"
    r = kebao("export", *ids, "--to", dest)
    assert_refused(r, ["test.math.g3a", "找不到已安装的资源包"])
    assert not dest.exists()
    assert_unchanged(data_dir, stocked)


# -- kebao pack: a source folder that must not be packed -----------------------------------


def _symlink_file(src: Path, keys: Keys) -> tuple[Path, list[str]]:
    link = src / "第八单元" / "第1课" / "板书.pdf"
    link.symlink_to(keys.private)  # a link could carry any file of the packer's PC along
    return keys.private, [str(link), "符号链接"]


def _symlink_lesson(src: Path, keys: Keys) -> tuple[Path, list[str]]:
    link = src / "第八单元" / "第3课"
    link.symlink_to(src / "第一单元" / "第1课", target_is_directory=True)
    return keys.private, [str(link), "符号链接"]


def _dotdot_id(src: Path, keys: Keys) -> tuple[Path, list[str]]:
    toml = src / "package.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('"test.math.g3a"', '"../evil"'), encoding="utf-8"
    )
    return keys.private, ["../evil", "id", "格式不对"]


def _fat32_name(src: Path, keys: Keys) -> tuple[Path, list[str]]:
    bad = src / "第八单元" / "第1课" / "答案:第1课.pdf"
    bad.write_bytes(b"%PDF-1.4\n")
    return keys.private, [str(bad), "FAT32"]


def _public_key_as_private(src: Path, keys: Keys) -> tuple[Path, list[str]]:
    return keys.public, [str(keys.public), "私钥"]


@pytest.mark.parametrize(
    "mutate", [_symlink_file, _symlink_lesson, _dotdot_id, _fat32_name, _public_key_as_private]
)
def test_pack_refuses_a_bad_source_and_leaves_the_repository_as_it_was(
    mutate: Callable[[Path, Keys], tuple[Path, list[str]]],
    tmp_path: Path,
    video_file: Path,
    keys: Keys,
    other_repo: Path,
) -> None:
    src = write_source(tmp_path / "src", video_file)
    out = tmp_path / "usb" / "repo"
    shutil.copytree(other_repo, out)
    before = _tree(out)
    key, words = mutate(src, keys)
    r = run_cli("pack", src, "--key", key, "--out", out)
    assert_refused(r, words, names=[w for w in words if os.sep in w])
    assert _tree(out) == before
