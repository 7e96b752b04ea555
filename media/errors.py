"""Errors a person can meet, each carrying one sentence in Chinese (and English).

Every failure that comes from the outside world (a bad package, a full disk, a pulled
USB drive) is raised as a subclass of `KebaoError`. The GUI shows `str(err)` as is;
the CLI prints it as one line on stderr and exits 2.

    >>> str(DiskFull(needed="1.2 GB", free="300 MB"))
    '磁盘空间不足：还需要 1.2 GB，可用 300 MB'
"""

from __future__ import annotations

import os
from typing import ClassVar


def language() -> str:
    """The language of user-facing sentences: `zh` (default) or `en` (env `KEBAO_LANG`)."""
    return "en" if os.environ.get("KEBAO_LANG", "").lower().startswith("en") else "zh"


def text(zh: str, en: str) -> str:
    """Pick the sentence for the current language; Chinese is written first, always."""
    return en if language() == "en" else zh


class KebaoError(Exception):
    """Base class: a template per language, filled with the keyword fields."""

    zh: ClassVar[str] = "出错了：{detail}"
    en: ClassVar[str] = "Something went wrong: {detail}"
    exit_code: ClassVar[int] = 2  # of the CLI: bad input; 3 for "try again later"

    def __init__(self, **fields: object) -> None:
        self.fields = fields
        super().__init__(self.sentence())

    def sentence(self, lang: str | None = None) -> str:
        template = self.en if (lang or language()) == "en" else self.zh
        return template.format(**self.fields)

    def __str__(self) -> str:
        return self.sentence()


class PackageError(KebaoError):
    """Something is wrong with one package; `package` names it for the reader."""

    zh = "{package}：{problem}"
    en = "{package}: {problem}"


class ManifestInvalid(PackageError):
    zh = "{package} 的清单无效：{problem}"
    en = "{package}: invalid manifest: {problem}"


class SignatureInvalid(PackageError):
    zh = "{package} 的签名无效：{problem}"
    en = "{package}: invalid signature: {problem}"


class PublisherUntrusted(PackageError):
    zh = "{package} 的发布者密钥（{key_id}）未受信任；请先运行 kebao trust add 发布者公钥文件"
    en = "{package}: publisher key {key_id} is not trusted; run `kebao trust add KEYFILE` first"

    def __init__(self, **fields: object) -> None:
        fields.setdefault("problem", "")
        super().__init__(**fields)


class PackageUnsigned(PackageError):
    zh = "{package} 没有签名；确认来源可靠后可加 --allow-unsigned 导入"
    en = "{package} is not signed; add --allow-unsigned if you trust its source"

    def __init__(self, **fields: object) -> None:
        fields.setdefault("problem", "")
        super().__init__(**fields)


class BlobCorrupt(PackageError):
    zh = "{package} 的文件“{name}”已损坏：{problem}"
    en = "{package}: file “{name}” is damaged: {problem}"


class RepositoryInvalid(KebaoError):
    zh = "{where} 不是可用的课包资源库：{problem}"
    en = "{where} is not a usable Kebao repository: {problem}"


class SourceUnavailable(KebaoError):
    zh = "无法读取 {where}（U盘是否已拔出？）：{problem}"
    en = "cannot read {where} (was the drive removed?): {problem}"


class DiskFull(KebaoError):
    zh = "磁盘空间不足：还需要 {needed}，可用 {free}"
    en = "not enough disk space: {needed} needed, {free} free"


class NotFound(KebaoError):
    zh = "找不到{what}：{name}"
    en = "no such {what}: {name}"


class InputInvalid(KebaoError):
    """Bad input given on the command line or in a file to pack."""

    zh = "{where}：{problem}"
    en = "{where}: {problem}"


class StoreBusy(KebaoError):
    zh = "另一个课包程序正在修改资源库（{where}），请等它完成后再试"
    en = "another Kebao process is changing the library ({where}); try again when it is done"


class Cancelled(KebaoError):
    zh = "已取消"
    en = "cancelled"
