"""The USB kit (docs/install-kit-format.md): one drive that installs Kebao on the school's
PCs with no internet, carries the county's content and the school's configuration,
and brings the school's data back.

    <kit>/SHA256SUMS          every file but itself and kebao-sync/ (installer/checksums.py)
    <kit>/安装说明.txt          plain Chinese instructions (installer/instructions.py)
    <kit>/kebao-kit.json      this manifest: versions, platforms, packages, school
    <kit>/school.json         the school's configuration (installer/school.py)
    <kit>/repo/               a content repository with the chosen packages
    <kit>/linux/              installer/linux.py
    <kit>/windows/            installer/windows.py
    <kit>/kebao-sync/         the school-data exchange folder (sync/usb.py, hub/usb.py)

`build` checks everything it was given before it writes anything; building into an
existing kit updates it (platforms rebuilt, packages added, school replaced), then
re-hashes and verifies the whole drive.

    >>> build(Path("/media/U盘"), platforms=["linux_x86_64"], library=lib,
    ...       package_ids=["pep.math.g3a"], school=config, stage=bars)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from installer import checksums, instructions, wheels
from installer.school import SchoolConfig
from media import manifest as mf
from media.disk import write_atomic
from media.errors import InputInvalid, KebaoError, text
from media.library import Library
from media.repository import INDEX, FolderSource, latest
from media.signature import parse_signature
from media.store import Progress

FORMAT_VERSION = 1
MANIFEST = "kebao-kit.json"
SCHOOL = "school.json"
REPO = "repo"
SYNC_FOLDER = checksums.SYNC_FOLDER
FAT32_MAX = 4 * 1024**3 - 1

Builder = Callable[..., Path]  # build(out_dir, *, progress) -> the installer's path
Stage = Callable[[str], Progress]  # a step's name -> the progress callable for that step


class KitInvalid(KebaoError):
    zh = "{where} 不是可用的课包安装U盘：{problem}"
    en = "{where} is not a usable Kebao kit: {problem}"


def _linux(out_dir: Path, *, progress: Progress) -> Path:
    from installer import linux  # loaded only when a kit for Linux is built

    return linux.build(out_dir, progress=progress)


def _windows(out_dir: Path, *, progress: Progress) -> Path:
    from installer import windows  # loaded only when a kit for Windows is built

    return windows.build(out_dir, progress=progress)


@dataclass(frozen=True)
class Platform:
    folder: str
    build: Builder
    label: str


PLATFORMS: dict[str, Platform] = {
    "linux_x86_64": Platform("linux", _linux, "Linux（x86_64）"),
    "win_amd64": Platform("windows", _windows, "Windows（64 位）"),
}


@dataclass
class BuildReport:
    kit: Path
    platforms: dict[str, str] = field(default_factory=dict)  # platform -> installer, relative
    packages: list[str] = field(default_factory=list)  # labels
    files: int = 0
    bytes: int = 0


def read_manifest(kit: Path) -> dict:
    """The kit's `kebao-kit.json`; KitInvalid when it is missing or not one."""
    try:
        data = (kit / MANIFEST).read_bytes()
    except OSError:
        raise KitInvalid(
            where=str(kit), problem=text(f"没有 {MANIFEST}", f"no {MANIFEST}")
        ) from None
    doc = mf.load_json(data, str(kit / MANIFEST), 1024 * 1024, InputInvalid)
    if not isinstance(doc, dict) or doc.get("kebao_kit") != FORMAT_VERSION:
        raise KitInvalid(
            where=str(kit),
            problem=text(
                f"{MANIFEST} 的格式版本不对（由更新版本的课包制作？）",
                f"unknown {MANIFEST} format (made by a newer Kebao?)",
            ),
        )
    return doc


def repo_entries(kit: Path) -> list:
    """The newest version of each package in the kit's repo/ (empty without one)."""
    if not (kit / REPO / INDEX).is_file():
        return []
    return sorted(latest(FolderSource(kit / REPO).entries()).values(), key=lambda e: e.id)


def _signer(label: str, signature: bytes | None) -> str:
    if signature is None:
        raise InputInvalid(
            where=label,
            problem=text(
                "没有签名，不能放进安装U盘", "unsigned: a kit carries signed packages only"
            ),
        )
    return parse_signature(signature, label).key_id


def _check_packages(
    kit: Path, library: Library | None, package_ids: list[str], school: SchoolConfig | None
) -> None:
    """Every package the kit will carry is complete, signed, and by a key the school trusts:
    each installs on a fresh PC from the kit alone."""
    signers: list[tuple[str, str]] = []
    for pid in package_ids:
        assert library is not None
        info = next((p for p in library.catalog.packages() if p.id == pid), None)
        if info is None:
            raise InputInvalid(
                where=pid,
                problem=text("本机没有安装这个资源包（kebao list 可查看）", "not installed here"),
            )
        label = f"{info.title} ({info.version})"
        if info.state != "complete":
            raise InputInvalid(
                where=label,
                problem=text("没有完整安装，请先补全再制作U盘", "not completely installed"),
            )
        signers.append((label, _signer(label, library.catalog.package_row(pid)["signature"])))
    source = FolderSource(kit / REPO)
    for entry in repo_entries(kit):
        label = f"{entry.title} ({entry.version})"
        signers.append((label, _signer(label, source.signature_bytes(entry))))
    trusted = school.key_ids if school else set()
    for label, key_id in signers:
        if key_id not in trusted:
            raise InputInvalid(
                where=label,
                problem=text(
                    f"发布者密钥 {key_id} 不在学校配置的 [publishers] 中；请加入它的 .pub 文件"
                    "（--school-config），否则学校电脑不会接受这个资源包",
                    f"publisher key {key_id} is not in the school configuration's [publishers]",
                ),
            )


def fat32_problems(kit: Path) -> list[str]:
    """Names a FAT32 drive cannot hold, files of 4 GiB or more, and links; one line each."""
    problems = []
    for folder, dirs, files in os.walk(kit):
        here = Path(folder)
        seen: dict[str, str] = {}
        for name in sorted(dirs + files):
            rel = (here / name).relative_to(kit).as_posix()
            if not mf.valid_name(name) or len(name.encode("utf-16-le")) > 510:
                problems.append(text(f"FAT32 U盘不能用的文件名：{rel}", f"not a FAT32 name: {rel}"))
            if name.casefold() in seen:
                problems.append(
                    text(
                        f"只有大小写不同的两个名字：{rel} 和 {seen[name.casefold()]}",
                        f"names differing only in case: {rel}",
                    )
                )
            seen[name.casefold()] = rel
            path = here / name
            if path.is_symlink():
                problems.append(text(f"FAT32 U盘不能放链接：{rel}", f"a link: {rel}"))
            elif name in files and path.stat().st_size > FAT32_MAX:
                problems.append(
                    text(f"文件不能大于 4 GB（FAT32）：{rel}", f"4 GiB or larger (FAT32): {rel}")
                )
    return problems


def _manifest(kit: Path, platforms: dict[str, str], school: SchoolConfig | None) -> dict:
    return {
        "kebao_kit": FORMAT_VERSION,
        "kebao_version": wheels.kebao_version(),
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "platforms": platforms,
        "packages": [
            {"id": e.id, "version": e.version, "title": e.title} for e in repo_entries(kit)
        ],
        "school": None
        if school is None
        else {"name": school.name, "hub": school.hub.url if school.hub else None},
    }


def build(
    kit: Path,
    *,
    platforms: list[str],
    library: Library | None,
    package_ids: list[str],
    school: SchoolConfig | None,
    stage: Stage,
) -> BuildReport:
    """Write (or update) the kit at `kit`; raises before writing anything on bad input,
    and at the end when the drive does not read back what was written."""
    _check_packages(kit, library, package_ids, school)
    if platforms:
        wheels.check_source()
    if "linux_x86_64" in platforms:
        from installer import runtime

        runtime.require()  # the Linux kit's Python can be had
    try:
        previous = read_manifest(kit)["platforms"]
    except KebaoError:
        previous = {}
    kit.mkdir(parents=True, exist_ok=True)
    built = {
        name: path
        for name, path in previous.items()
        if name in PLATFORMS and (kit / path).is_file()
    }
    for name in platforms:
        platform = PLATFORMS[name]
        progress = stage(text(f"制作 {platform.label} 安装程序", f"building the {name} installer"))
        installer = platform.build(kit / platform.folder, progress=progress)
        built[name] = installer.relative_to(kit).as_posix()
    if package_ids:
        assert library is not None
        library.export(package_ids, kit / REPO, progress=stage(text("导出资源包", "exporting")))
    if school is not None:
        write_atomic(kit / SCHOOL, school.to_json())
    (kit / SYNC_FOLDER).mkdir(exist_ok=True)
    manifest = _manifest(kit, built, school)
    write_atomic(
        kit / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    )
    write_atomic(kit / instructions.FILE, instructions.instructions(manifest))
    problems = fat32_problems(kit)
    if problems:
        raise KitInvalid(where=str(kit), problem="；".join(problems[:3]))
    files = checksums.write(kit, progress=stage(text("计算校验值", "hashing")))
    if hasattr(os, "sync"):
        os.sync()  # the read-back below then reads the drive, not the page cache
    report = checksums.check(kit, progress=stage(text("读回校验", "verifying")))
    if not report.ok:
        raise KitInvalid(where=str(kit), problem="；".join(report.sentences()[:3]))
    return BuildReport(
        kit=kit,
        platforms=built,
        packages=[f"{p['title']} ({p['version']})" for p in manifest["packages"]],
        files=files,
        bytes=sum(path.stat().st_size for _, path in checksums.kit_files(kit)),
    )
