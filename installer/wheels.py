"""Wheels for a kit: Kebao's own, built from this source tree with its translations
compiled in, and every dependency downloaded as a wheel for a target platform and
Python (`--only-binary=:all:`: nothing on a school PC ever needs a compiler).

pip runs with the builder's own configuration, so a county office behind a PyPI
mirror (pip.conf `index-url`) builds kits from the mirror.

    >>> kebao = build_kebao(Path("kit/linux/wheels"))
    >>> download([kebao, "pip"], Path("kit/linux/wheels"), platforms=["manylinux_2_34_x86_64"], python="3.12")
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

from media.errors import KebaoError, text

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "media", "sync", "hub", "installer")
TRANSLATIONS = Path("app") / "i18n" / "kebao_zh_CN.ts"


class KitBuildFailed(KebaoError):
    zh = "制作安装U盘失败（{step}）：{reason}"
    en = "Could not build the kit ({step}): {reason}"


def kebao_version() -> str:
    """The version of the Kebao being put on the kit (pyproject.toml, else installed)."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    return importlib.metadata.version("kebao")


def _tool(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def run(step: str, args: Sequence[str | Path]) -> None:
    """Run one build step's command; KitBuildFailed naming the step and pip's ERROR line
    (else the last line it said) when it fails."""
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        lines = [ln for ln in (result.stderr or result.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("ERROR")] or lines[-1:]
        raise KitBuildFailed(
            step=step, reason=errors[-1] if errors else f"exit {result.returncode}"
        )


def check_source() -> None:
    """KitBuildFailed unless this Kebao runs from its source tree, which the wheel needs."""
    if not (ROOT / "pyproject.toml").is_file():
        raise KitBuildFailed(
            step=text("课包程序", "Kebao's wheel"),
            reason=text(
                "请在课包的源码目录中运行（需要 pyproject.toml）",
                "run from Kebao's source tree (pyproject.toml is needed)",
            ),
        )


def build_kebao(dest: Path) -> Path:
    """Kebao's wheel (`kebao-<version>-py3-none-any.whl`) in `dest`, from a copy of the
    source tree (the tree itself gets no build/ or egg-info) with the `.qm` compiled."""
    check_source()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kebao-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, src / name)
        for package in PACKAGES:
            shutil.copytree(
                ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        qm = (src / TRANSLATIONS).with_suffix(".qm")
        lrelease = _tool("pyside6-lrelease")
        if lrelease:
            run(text("翻译", "translations"), [lrelease, "-silent", src / TRANSLATIONS, "-qm", qm])
        if not qm.is_file():
            raise KitBuildFailed(
                step=text("翻译", "translations"),
                reason=text("找不到 pyside6-lrelease（PySide6）", "pyside6-lrelease not found"),
            )
        run(
            text("课包程序", "Kebao's wheel"),
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dest, src],
        )
    return dest / f"kebao-{kebao_version()}-py3-none-any.whl"


def download(
    requirements: Sequence[str | Path], dest: Path, *, platforms: Sequence[str], python: str
) -> None:
    """Every requirement and its dependencies as wheels for CPython `python` ("3.12") on
    `platforms`, into `dest` (files already there are kept)."""
    args: list[str | Path] = [sys.executable, "-m", "pip", "download", "--only-binary=:all:"]
    for platform in platforms:
        args += ["--platform", platform]
    args += ["--python-version", python, "--implementation", "cp", "--quiet", "-d", dest]
    step = text(f"下载依赖（Python {python}）", f"dependencies for Python {python}")
    run(step, [*args, *requirements])


def wheel_tags(filename: str) -> tuple[str, str, str]:
    """(python tag, abi tag, platform tag) of a wheel's file name."""
    parts = filename[: -len(".whl")].split("-")
    return parts[-3], parts[-2], parts[-1]
