"""The technician's USB kit: built here for real (Kebao's own Python compiled for glibc
2.28, Kebao's wheel, every dependency from the package index), installed with the network
cut off, here and on a Debian 11 PC with no Python, checked, applied twice, refused when
damaged or badly configured; the pending enrolment done against a real hub."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli, run_cli_process, snapshot

from app.demo import DEMO_KEY, DEMO_REPO, MARKER
from app.settings import Settings
from hub.db import sha256_hex
from installer import checksums, linux, runtime
from installer.kit import MANIFEST, SCHOOL, SYNC_FOLDER
from installer.school import read_toml
from sync import protocol
from sync.journal import Journal
from sync.policy import Policy

SCHOOL_ID = "3f2c1a5e-1111-4222-8333-444455556666"
DEMO = ("demo.math.g3a", "demo.chinese.g3a")


def school_toml(folder: Path, *, hub: str = "http://127.0.0.1:9", school_id: str = SCHOOL_ID,
                code: str = "7K4Q-M2XD-9HPA", extra: str = "") -> Path:  # fmt: skip
    """The technician's file, as docs/install.md shows it, with the demo publisher's key."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO_KEY, folder / "县教育局.pub")
    path = folder / "城关镇中心小学.toml"
    path.write_text(
        "# 城关镇中心小学（技术人员填写）\n"
        '[school]\nname = "城关镇中心小学"\n\n'
        f'[hub]\nurl = "{hub}"\nschool_id = "{school_id}"\nenrolment_code = "{code}"  # 登记码\n\n'
        '[publishers]\nfiles = ["县教育局.pub"]\n\n'
        '[bandwidth]\nwindows = [{ days = [1, 2, 3, 4, 5], start = "17:00", end = "07:00" }]\n'
        'daytime_cap_bytes_per_s = "unlimited"\n\n'
        '[packages]\nsubscribe = ["demo.math.g3a"]\n' + extra,
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def technician(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county technician's own Kebao data: the demo packages, their publisher trusted."""
    data = tmp_path_factory.mktemp("technician") / "data"
    assert run_cli("trust", "add", DEMO_KEY, "--data-dir", data).rc == 0
    assert run_cli("import", DEMO_REPO, "--data-dir", data).rc == 0
    return data


def build(kit: Path, technician: Path, *args: object):
    return run_cli("usb-kit", "build", kit, *args, "--data-dir", technician)


@pytest.fixture
def small_kit(tmp_path: Path, technician: Path) -> Path:
    """A kit with the demo packages and a school configuration, no installers: quick."""
    kit = tmp_path / "U盘"
    config = school_toml(tmp_path / "config")
    r = build(kit, technician, "--packages", *DEMO, "--school-config", config)
    assert r.rc == 0, r.err
    return kit


def can_build_runtime() -> bool:
    try:
        runtime.check_host()
    except runtime.RuntimeBuildFailed:
        return False
    return True


# Kebao's own Python is compiled in a Debian 11 chroot (≈ 6 min; CI starts that build in
# the background before the suite, and this waits for it), so the kit needs root there.
needs_runtime = pytest.mark.skipif(
    runtime.cached() is None
    and not can_build_runtime()
    and not os.environ.get("KEBAO_REQUIRE_LINUX_RUNTIME"),
    reason="the kit's Python is not built and cannot be here (needs root and debootstrap)",
)
BUILD_TIMEOUT = pytest.mark.timeout(1500)


@pytest.fixture(scope="session")
def linux_kit(tmp_path_factory: pytest.TempPathFactory, technician: Path) -> Path:
    """The whole kit, built once: Kebao's Python, its wheel and every dependency's."""
    base = tmp_path_factory.mktemp("linux-kit")
    kit = base / "U盘"
    r = build(kit, technician, "--platform", "linux_x86_64", "--packages", *DEMO,
              "--school-config", school_toml(base / "config"))  # fmt: skip
    assert r.rc == 0, r.err + r.out
    return kit


# -- what is on the drive ----------------------------------------------------------------


@needs_runtime
@BUILD_TIMEOUT
def test_the_kit_holds_everything_named_safely_for_fat32_and_summed(linux_kit: Path) -> None:
    manifest = json.loads((linux_kit / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["platforms"] == {"linux_x86_64": "linux/install.sh"}
    assert {p["id"] for p in manifest["packages"]} == set(DEMO)
    assert manifest["school"] == {"name": "城关镇中心小学", "hub": "http://127.0.0.1:9"}
    assert (linux_kit / SYNC_FOLDER).is_dir() and SYNC_FOLDER == protocol.FOLDER

    # coreutils checks the drive by itself, as 安装说明.txt tells the technician
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=linux_kit,
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    listed = {
        line.split("  ", 1)[1] for line in (linux_kit / "SHA256SUMS").read_text().splitlines()
    }
    on_drive = {p.relative_to(linux_kit).as_posix() for p in linux_kit.rglob("*") if p.is_file()}
    assert listed == on_drive - {"SHA256SUMS"}

    readme = (linux_kit / "安装说明.txt").read_bytes()
    assert (
        readme.startswith(b"\xef\xbb\xbf")
        and b"\r\n" in readme
        and b"\n" not in readme.replace(b"\r\n", b"")
    )
    assert "bash /media/用户名/U盘名/linux/install.sh" in readme.decode("utf-8-sig")
    assert "城关镇中心小学" in readme.decode("utf-8-sig")
    for path in linux_kit.rglob("*"):
        assert path.stat().st_size < 4 * 1024**3 and not path.is_symlink()


@needs_runtime
@BUILD_TIMEOUT
def test_the_kit_brings_a_python_for_glibc_2_28_and_a_wheel_of_everything_for_it(
    linux_kit: Path,
) -> None:
    env = dict(
        line.split("=", 1) for line in (linux_kit / "linux" / "kit.env").read_text().splitlines()
    )
    assert (env["KEBAO_PYTHON"], env["KEBAO_GLIBC"]) == ("3.13", "2.28")
    python = linux_kit / "linux" / env["KEBAO_RUNTIME"]
    assert python.is_file() and python.stat().st_size < 60 * 10**6

    wheelhouse = linux_kit / "linux" / "wheels"
    names = sorted(p.name for p in wheelhouse.iterdir())
    assert all(n.endswith(".whl") for n in names), [n for n in names if not n.endswith(".whl")]
    assert any(n.startswith("kebao-0.") for n in names) and any(n.startswith("pip-") for n in names)
    with zipfile.ZipFile(next(wheelhouse.glob("kebao-*.whl"))) as z:
        assert "app/i18n/kebao_zh_CN.qm" in z.namelist()  # the GUI speaks Chinese
    assert any(n.startswith("pydantic_core-") and "-cp313-cp313-" in n for n in names)
    # PySide6 6.10+ needs glibc 2.34: the kit holds the newest built for 2.28
    assert any(n.startswith("pyside6_essentials-6.9.") for n in names), names
    assert max(linux.glibc_needed(n) for n in names) <= (2, 28)


# -- installing with no network ----------------------------------------------------------


def no_network() -> list[str]:
    """The command prefix that cuts a process off every network (root: a new namespace)."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["unshare", "-n"]
    return []


def install(
    kit: Path, pc: Path, *extra: object, path: str | None = None
) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))
    }
    env.update(HOME=str(pc / "home"), KEBAO_LANG="zh", LC_ALL="C.UTF-8", PATH=path or env["PATH"],
               # Without a network namespace, any fetch still fails: a dead proxy.
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")  # fmt: skip
    args = [*no_network(), "sh", kit / "linux" / "install.sh", "--prefix", pc / "program",
            "--bin-dir", pc / "bin", "--applications-dir", pc / "applications",
            "--data-dir", pc / "data", *extra]  # fmt: skip
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)  # fmt: skip


def installed(pc: Path, *args: object) -> dict:
    r = subprocess.run([str(pc / "bin" / "kebao"), *map(str, args), "--data-dir", str(pc / "data")],
                       capture_output=True, text=True, check=False,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@needs_runtime
@BUILD_TIMEOUT
def test_the_linux_kit_installs_with_no_network_and_again_changes_nothing(
    linux_kit: Path, tmp_path: Path
) -> None:
    pc = tmp_path / "pc"
    first = install(linux_kit, pc)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "安装完成" in first.stdout and "已导入 数学 三年级上册（演示）" in first.stdout
    assert "缺少课包窗口需要的系统库" not in first.stdout  # this PC has them all
    # Kebao runs on its own Python, whatever this PC's python3 is
    python = pc / "program" / "current" / "bin" / "python3"
    version = subprocess.run([python, "-c", "import sys, ssl, sqlite3; print(sys.version.split()[0], sqlite3.sqlite_version)"],
                             capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert version == [runtime.PYTHON_VERSION, runtime.SQLITE]

    # the installed program, not this checkout, answers
    launcher = (pc / "bin" / "kebao").read_text()
    assert str(pc / "program" / "current" / "bin" / "kebao") in launcher
    status = installed(pc, "status", "--json")
    assert (status["packages"], status["complete"], status["trusted_publishers"]) == (2, 2, 1)
    assert status["school"] == {"name": "城关镇中心小学", "hub_url": "http://127.0.0.1:9",
                                "enrolled": False, "enrolment_pending": True}  # fmt: skip
    assert status["subscriptions"] == ["demo.math.g3a"]
    settings = Settings.load(pc / "data")
    assert settings.bandwidth["daytime_cap_bytes_per_s"] is None
    assert settings.bandwidth["windows"] == [
        {"days": [1, 2, 3, 4, 5], "start": "17:00", "end": "07:00"}
    ]
    desktop = (pc / "applications" / "kebao.desktop").read_text(encoding="utf-8")
    assert "Name=课包" in desktop and f'Exec="{pc / "bin" / "kebao"}"' in desktop

    # the school uses it; then the technician runs the installer again
    roster = tmp_path / "名单.csv"
    roster.write_text("姓名,班级\n王小明,三年级1班\n", encoding="utf-8")
    subprocess.run([pc / "bin" / "kebao", "learners", "import", roster, "--data-dir", pc / "data"],
                   check=True, capture_output=True, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})  # fmt: skip
    program = sorted(p.name for p in (pc / "program" / "versions").iterdir())
    before = snapshot(pc / "data")
    second = install(linux_kit, pc)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "正在安装" not in second.stdout and "没有需要改动的" in second.stdout
    assert sorted(p.name for p in (pc / "program" / "versions").iterdir()) == program
    assert snapshot(pc / "data") == before
    assert [x["name"] for x in installed(pc, "learners", "list", "--json")] == ["王小明"]

    # an upgrade replaces the program and keeps the school's data; an older version that
    # is still running (a teacher's lesson) is kept until it has stopped
    versions = pc / "program" / "versions"
    old = versions / "0.0.9-py3.13-old"
    shutil.copytree(versions / program[0], old, symlinks=True, copy_function=os.link)
    (pc / "program" / "current").unlink()
    (pc / "program" / "current").symlink_to(f"versions/{old.name}")
    lesson = subprocess.Popen([old / "bin" / "python3", "-c", "import sys; sys.stdin.read()"],
                              stdin=subprocess.PIPE)  # fmt: skip
    try:
        upgrade = install(linux_kit, pc)
        assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
        assert "旧版本的课包正在运行，暂时保留" in upgrade.stdout
        assert sorted(p.name for p in versions.iterdir()) == sorted([*program, old.name])
        assert (pc / "program" / "current").resolve() == (versions / program[0]).resolve()
    finally:
        lesson.stdin.close()
        lesson.wait(timeout=60)
    assert install(linux_kit, pc).returncode == 0
    assert sorted(p.name for p in versions.iterdir()) == program
    assert installed(pc, "status", "--json")["packages"] == 2

    gone = subprocess.run(["sh", linux_kit / "linux" / "install.sh", "--uninstall", "--prefix", pc / "program",
                           "--bin-dir", pc / "bin", "--applications-dir", pc / "applications"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert (
        gone.returncode == 0
        and not (pc / "program").exists()
        and not (pc / "bin" / "kebao").exists()
    )
    assert (pc / "data" / "catalog.db").is_file()  # the school's data stays


@needs_runtime
@BUILD_TIMEOUT
def test_install_sh_says_in_chinese_when_the_system_is_too_old(
    linux_kit: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "getconf").write_text("#!/bin/sh\necho glibc 2.17\n")  # CentOS 7
    (fake / "getconf").chmod(0o755)
    r = install(linux_kit, tmp_path / "pc", path=f"{fake}:{os.environ['PATH']}")
    assert r.returncode == 1
    assert "系统太旧" in r.stderr and "glibc 2.28 或更新（本机：glibc 2.17）" in r.stderr
    assert "本机没有任何改动" in r.stderr and not (tmp_path / "pc" / "program").exists()


@needs_runtime
@BUILD_TIMEOUT
def test_install_sh_names_a_damaged_wheel_and_changes_nothing(
    linux_kit: Path, tmp_path: Path
) -> None:
    kit = tmp_path / "U盘"
    shutil.copytree(linux_kit, kit, copy_function=os.link)  # hard links: no 300 MB copy
    wheel = next((kit / "linux" / "wheels").glob("tqdm-*.whl"))
    data = wheel.read_bytes()
    wheel.unlink()  # a new file, not the shared inode
    wheel.write_bytes(data[:-100])
    r = install(kit, tmp_path / "pc")
    assert r.returncode == 1 and f"linux/wheels/{wheel.name}" in r.stderr, r.stderr
    assert not (tmp_path / "pc" / "program").exists()


# -- a PC as old as UOS 20 / Kylin V10, with no Python ------------------------------------

# A desktop's own libraries the window needs (Qt's xcb plugin, QtPdf, the player) and a
# Chinese font; no python3 and no VLC, as on a school PC.
PC_PACKAGES = (
    "libglib2.0-0", "libdbus-1-3", "libfontconfig1", "libfreetype6", "libx11-6",
    "libx11-xcb1", "libxkbcommon0", "libxkbcommon-x11-0", "libegl1", "libgl1", "libopengl0",
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xfixes0", "libxcb-xinerama0",
    "libxcb-xkb1", "libxcb-sync1", "libxcb-shm0", "libxcb-xinput0", "libpulse0",
    "libxext6", "libxrandr2", "libdrm2", "libatomic1", "fonts-wqy-microhei",
)  # fmt: skip
KIT_IN_PC = "/media/技术员/U盘"
# Run inside the PC by the installed Python: the real window, offscreen, drawn to a PNG
# once its library lists the imported packages.
WINDOW = """
import json, os, sys, time
from pathlib import Path
os.environ["KEBAO_LANG"] = "zh"
from app import i18n
from app.gui import style
from app.gui.window import MainWindow
from app.qt import QApplication, QTimer
from media.library import Library
app = QApplication(["kebao", "-platform", "offscreen"])
i18n.install(app)
style.apply(app)
window = MainWindow(Library(Path("/root/data")))
window.resize(1280, 800)
window.show()
page = window.library_page
page.search_box.insert("四边形")  # three hanzi: SQLite's FTS5 trigram index
deadline = time.monotonic() + 60
def look():
    if page.results.count() == 0 and time.monotonic() < deadline:
        return
    timer.stop()
    window.grab().save("/root/window.png")
    found = [page.results.item(i).text() for i in range(page.results.count())]
    print(json.dumps({"title": window.windowTitle(), "found": found}, ensure_ascii=False))
    app.exit(0 if found else 1)
timer = QTimer()
timer.timeout.connect(look)
timer.start(50)
sys.exit(app.exec())
"""


def in_pc(root: Path, kit: Path, script: str) -> subprocess.CompletedProcess:
    """Run `script` as root inside the PC (its own /proc, the kit mounted where a desktop
    mounts a drive, no network)."""
    inner = (
        f"mkdir -p {shlex.quote(str(root) + KIT_IN_PC)} && "
        f"mount --bind {shlex.quote(str(kit))} {shlex.quote(str(root) + KIT_IN_PC)} && "
        f"mount -t proc proc {shlex.quote(str(root / 'proc'))} && "
        f"exec chroot {shlex.quote(str(root))} /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 "
        "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin "
        f"/bin/sh -c {shlex.quote(script)}"
    )
    return subprocess.run(["unshare", "--net", "--mount", "--pid", "--fork", "sh", "-c", inner],
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip


def symbol_versions(folder: Path) -> dict[str, tuple[int, ...]]:
    """The newest GLIBC_, GLIBCXX_ and CXXABI_ symbol versions any ELF file under `folder`
    needs (`objdump -T`)."""
    elves = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
             and p.open("rb").read(4) == b"\x7fELF"]  # fmt: skip
    newest: dict[str, tuple[int, ...]] = {"GLIBC": (0,), "GLIBCXX": (0,), "CXXABI": (0,)}
    for start in range(0, len(elves), 200):
        # (not check=True: a relocatable .o, such as config-3.13/python.o, has no dynamic
        # symbols and makes objdump exit 1 after listing the others)
        out = subprocess.run(["objdump", "-T", *map(str, elves[start : start + 200])],
                             capture_output=True, text=True, check=False).stdout  # fmt: skip
        for name, version in re.findall(r"\((GLIBC|GLIBCXX|CXXABI)_([0-9.]+)\)", out):
            newest[name] = max(newest[name], tuple(map(int, version.split("."))))
    return newest


@pytest.fixture(scope="session")
def debian11(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Debian 11 desktop's libraries (glibc 2.31, as Kylin V10 SP1; UOS 20 has 2.28)."""
    root = tmp_path_factory.mktemp("debian11") / "root"
    r = subprocess.run(["debootstrap", "--variant=minbase", "--include=" + ",".join(PC_PACKAGES),
                        runtime.SUITE, root, runtime.MIRROR],
                       capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return root


@needs_runtime
@BUILD_TIMEOUT
@pytest.mark.skipif(not can_build_runtime(), reason="needs root, debootstrap and unshare")
def test_a_debian_11_pc_with_no_python_installs_the_kit_and_opens_the_window(
    linux_kit: Path, debian11: Path
) -> None:
    root = debian11
    facts = in_pc(root, linux_kit, "ldd --version | head -n 1; command -v python3 python || true")
    assert "GLIBC 2.31" in facts.stdout and "python" not in facts.stdout.split("\n", 1)[1]

    # a PC missing one library of the window: said, with the package to install
    assert in_pc(root, linux_kit, "dpkg -r libxcb-cursor0").returncode == 0
    first = in_pc(root, linux_kit, f"sh '{KIT_IN_PC}/linux/install.sh' --data-dir /root/data")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "安装完成" in first.stdout and "已导入 数学 三年级上册（演示）" in first.stdout
    assert "缺少课包窗口需要的系统库：libxcb-cursor.so.0" in first.stdout
    assert "sudo apt install libxcb-cursor0" in first.stdout
    assert "Qt 自带的播放器" in first.stdout  # no VLC on this PC

    # UOS 20 (Debian 10) stands in for itself here by numbers: nothing installed, Kebao's own
    # Python or any wheel's library, needs a glibc newer than its 2.28 or a libstdc++
    # newer than its GCC 8's
    needs = symbol_versions(root / "opt" / "kebao" / "current")
    assert needs["GLIBC"] <= (2, 28) and needs["GLIBCXX"] <= (3, 4, 25), needs

    status = in_pc(root, linux_kit, "kebao status --json --data-dir /root/data")
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    assert (doc["packages"], doc["complete"], doc["school"]["name"]) == (2, 2, "城关镇中心小学")

    # with the library installed, installing again says nothing is missing or to change
    deb = "/var/cache/apt/archives/libxcb-cursor0_*.deb"
    assert in_pc(root, linux_kit, f"dpkg -i {deb}").returncode == 0
    again = in_pc(root, linux_kit, f"sh '{KIT_IN_PC}/linux/install.sh' --data-dir /root/data")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "缺少" not in again.stdout and "没有需要改动的" in again.stdout

    # the window opens on this PC's Qt libraries and shows the imported packages
    (root / "root" / "window.py").write_text(WINDOW, encoding="utf-8")
    shown = in_pc(root, linux_kit, "/opt/kebao/current/bin/python3 /root/window.py")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    seen = json.loads(shown.stdout.strip().splitlines()[-1])
    assert "课包" in seen["title"] and any("四边形" in line for line in seen["found"]), seen
    assert (root / "root" / "window.png").stat().st_size > 20_000


# -- verify ------------------------------------------------------------------------------


def test_verify_names_each_damaged_missing_and_extra_file(small_kit: Path) -> None:
    assert run_cli("usb-kit", "verify", small_kit).rc == 0
    blobs = sorted((small_kit / "repo" / "blobs").rglob("*/*"))
    flipped, cut, deleted = blobs[0], blobs[1], small_kit / SCHOOL
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(data)
    cut.write_bytes(cut.read_bytes()[:-1])
    deleted.unlink()
    (small_kit / "repo" / "readme.txt").write_text("?")
    (small_kit / SYNC_FOLDER / "x").mkdir()  # the exchange folder changes: not checked

    r = run_cli("usb-kit", "verify", small_kit)
    assert r.rc == 2
    rel = lambda p: p.relative_to(small_kit).as_posix()  # noqa: E731
    assert f"已损坏：{rel(flipped)}" in r.out and f"已损坏：{rel(cut)}" in r.out
    assert "缺少：school.json" in r.out and "多出（不属于安装U盘）：repo/readme.txt" in r.out
    assert len(r.err.strip().splitlines()) == 1


# -- apply -------------------------------------------------------------------------------


def test_apply_twice_changes_nothing_the_second_time(small_kit: Path, tmp_path: Path) -> None:
    data = tmp_path / "pc"
    first = run_cli("usb-kit", "apply", small_kit, "--data-dir", data)
    assert first.rc == 0, first.err
    assert (
        "已信任发布者“课包演示发布者”" in first.out
        and "已导入 语文 三年级上册（演示）" in first.out
    )
    state = Journal(data).sync_state()
    assert (state.school_id, state.school_name, state.enrolled) == (
        SCHOOL_ID,
        "城关镇中心小学",
        False,
    )
    settings = Settings.load(data)
    assert settings.enrolment_code == "7K4QM2XD9HPA" and settings.subscriptions == ["demo.math.g3a"]
    assert (data / MARKER).exists()  # the window opens on the county's packages, not the demo

    before = (
        snapshot(data),
        (data / "settings.json").read_bytes(),
        sorted((data / "trust").iterdir()),
    )
    second = run_cli("usb-kit", "apply", small_kit, "--data-dir", data)
    assert second.rc == 0 and "没有需要改动的" in second.out, second.out
    after = (
        snapshot(data),
        (data / "settings.json").read_bytes(),
        sorted((data / "trust").iterdir()),
    )
    assert after == before


def test_a_bad_field_in_school_json_stops_apply_with_one_line_and_nothing_changed(
    small_kit: Path, tmp_path: Path
) -> None:
    doc = json.loads((small_kit / SCHOOL).read_text(encoding="utf-8"))
    doc["bandwidth"]["windows"][0]["start"] = "25:00"
    (small_kit / SCHOOL).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    checksums.write(small_kit)  # summed again: not damage, a bad configuration
    r = run_cli("usb-kit", "apply", small_kit, "--data-dir", tmp_path / "pc")
    assert r.rc == 2 and r.out == ""
    assert r.err.count("\n") == 1 and "[bandwidth]" in r.err and "25:00" in r.err
    assert not (tmp_path / "pc").exists()


def test_a_damaged_school_json_is_caught_before_anything_changes(
    small_kit: Path, tmp_path: Path
) -> None:
    (small_kit / SCHOOL).write_bytes((small_kit / SCHOOL).read_bytes().replace(b"17:00", b"07:00"))
    r = run_cli("usb-kit", "apply", small_kit, "--data-dir", tmp_path / "pc")
    assert r.rc == 2 and "已损坏：school.json" in r.err
    assert not (tmp_path / "pc").exists()


def test_apply_says_when_vlc_is_missing_and_goes_on(small_kit: Path, tmp_path: Path) -> None:
    r = run_cli_process("usb-kit", "apply", small_kit, "--data-dir", tmp_path / "pc",
                        env={"PYTHON_VLC_LIB_PATH": str(tmp_path / "no-libvlc.so")})  # fmt: skip
    assert r.rc == 0, r.err
    assert "注意：没有找到 VLC 播放组件：课包将用 Qt 自带的播放器" in r.out
    assert "已导入 数学 三年级上册（演示）" in r.out


@pytest.mark.root
def test_too_little_disk_stops_apply_before_anything_is_imported(
    small_kit: Path, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", disk], check=True)
    try:
        r = run_cli_process("usb-kit", "apply", small_kit, "--data-dir", disk / "data",
                            env={"KEBAO_RESERVE_BYTES": "0"})  # fmt: skip
        assert r.rc == 2 and "磁盘空间不足" in r.err and "本机没有任何改动" in r.err, r.err
        assert (
            not list((disk / "data").rglob("blobs/*/*")) and not (disk / "data" / "trust").exists()
        )
    finally:
        subprocess.run(["umount", disk], check=True)


# -- build: what it refuses, and updating a kit ------------------------------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (('url = "http://127.0.0.1:9"', 'url = "ftp://hub"'), "[hub] url"),
        ((f'"{SCHOOL_ID}"', '"城关镇"'), "[hub] school_id"),
        (('"7K4Q-M2XD-9HPA"', '"不知道"'), "[hub] enrolment_code"),
        (('"县教育局.pub"', '"没有这个.pub"'), "[publishers] files"),
        (('start = "17:00"', 'start = "5pm"'), "[bandwidth]"),
        (('daytime_cap_bytes_per_s = "unlimited"', "daytime_cap = 1"), "[bandwidth]"),
        (('subscribe = ["demo.math.g3a"]', 'subscribe = ["数学"]'), "[packages] subscribe"),
        (('name = "城关镇中心小学"', 'name = ""'), "[school] name"),
        (("[packages]", "[packagez]"), "packagez"),
    ],
)
def test_a_bad_school_config_is_one_line_and_no_kit(
    tmp_path: Path, technician: Path, change, named
) -> None:
    config = school_toml(tmp_path / "config")
    config.write_text(config.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    r = build(tmp_path / "U盘", technician, "--school-config", config)
    assert r.rc == 2 and r.out == "", r.out
    assert r.err.count("\n") == 1 and named in r.err, r.err
    assert not (tmp_path / "U盘").exists()


def test_packages_need_their_publisher_in_the_school_config(
    tmp_path: Path, technician: Path
) -> None:
    config = school_toml(tmp_path / "config")
    config.write_text(
        config.read_text(encoding="utf-8").replace('"县教育局.pub"', ""), encoding="utf-8"
    )
    r = build(
        tmp_path / "U盘", technician, "--packages", "demo.math.g3a", "--school-config", config
    )
    assert r.rc == 2 and "不在学校配置的 [publishers] 中" in r.err
    assert not (tmp_path / "U盘").exists()


def test_building_into_a_kit_updates_it(small_kit: Path, tmp_path: Path, technician: Path) -> None:
    r = build(small_kit, technician, "--packages", "demo.math.g3a")  # the school.json stays
    assert r.rc == 0, r.err
    manifest = json.loads((small_kit / MANIFEST).read_text(encoding="utf-8"))
    assert {p["id"] for p in manifest["packages"]} == set(DEMO)
    assert manifest["school"]["name"] == "城关镇中心小学"
    assert run_cli("usb-kit", "verify", small_kit).rc == 0


def test_a_file_fat32_cannot_hold_stops_the_build_by_name(tmp_path: Path, technician: Path) -> None:
    kit = tmp_path / "U盘"
    kit.mkdir()
    with open(kit / "课堂录像.mp4", "wb") as f:
        f.truncate(4 * 1024**3)  # sparse: 4 GiB on FAT32 is one byte too many
    (kit / "备份:旧").write_text("?")
    r = build(kit, technician)
    assert r.rc == 2 and "文件不能大于 4 GB（FAT32）：课堂录像.mp4" in r.err
    assert "FAT32 U盘不能用的文件名：备份:旧" in r.err
    assert not (kit / "SHA256SUMS").exists()


def test_the_school_config_reads_as_documented(tmp_path: Path) -> None:
    config = read_toml(school_toml(tmp_path), lambda raw: Policy.parse(raw).to_dict())
    assert config.hub is not None and config.hub.enrolment_code == "7K4QM2XD9HPA"
    assert config.bandwidth == {
        "windows": [{"days": [1, 2, 3, 4, 5], "start": "17:00", "end": "07:00"}],
        "daytime_cap_bytes_per_s": None,
        "window_rate_bytes_per_s": None,
        "metered_journal_only": True,
    }
    assert [k.name for k in config.publishers] == ["课包演示发布者"]


# -- the pending enrolment and the county's data, with a real hub -------------------------


def test_a_kit_with_the_hubs_export_brings_the_school_in_and_sync_enrols_first(
    make_hub, hub_db, tmp_path: Path, technician: Path
) -> None:
    hub = make_hub(hub_db, "--repo", str(DEMO_REPO))  # the county publishes the demo
    school_id, code = hub.add_school("城关镇中心小学")
    # another PC of the school enrolled earlier; its learner reached the hub
    other = Journal(tmp_path / "other")
    assert (
        run_cli("enrol", "--hub", hub.url, "--code", code, "--data-dir", tmp_path / "other").rc == 0
    )
    other.add_learner("李芳", "三年级1班")
    assert run_cli("sync", "--now", "--data-dir", tmp_path / "other").rc == 0
    other.close()

    kit = tmp_path / "U盘"
    config = school_toml(tmp_path / "config", hub=hub.url, school_id=school_id, code=code)
    assert build(kit, technician, "--packages", *DEMO, "--school-config", config).rc == 0
    assert run_cli("hub", "export", kit, *hub.cli_args()).rc == 0  # the county's data, same drive

    pc = tmp_path / "pc"
    r = run_cli("usb-kit", "apply", kit, "--data-dir", pc)
    assert r.rc == 0 and "已从U盘读入县里带来的 1 条学习记录" in r.out, r.out + r.err
    journal = Journal(pc)
    assert [x.name for x in journal.learners()] == ["李芳"]  # before any network
    assert not journal.sync_state().enrolled

    # still no network: the school's own records go back to the county on the same drive
    journal.add_learner("王小明", "三年级1班")
    assert run_cli("sync", "--via", kit, "--data-dir", pc).rc == 0
    at_hub = hub.event_count(school_id)
    assert run_cli("hub", "import", kit, *hub.cli_args()).rc == 0
    assert hub.event_count(school_id) == at_hub + 1

    synced = run_cli("sync", "--now", "--data-dir", pc)
    assert synced.rc == 0, synced.err
    assert synced.out.startswith("已登记到同步中心：城关镇中心小学")
    state = journal.sync_state()
    assert state.enrolled and state.school_id == school_id
    assert Settings.load(pc).enrolment_code == ""  # the code is not kept once used
    device = hub.store.device_by_token(sha256_hex(state.token or ""))
    assert device is not None and (device.device_id, device.school_id) == (
        journal.device_id,
        school_id,
    )
    journal.close()


def test_the_scheduler_enrols_first_when_a_kit_left_an_enrolment(
    qtbot, make_hub, tmp_path: Path, small_kit: Path, scheduler
) -> None:
    hub = make_hub(None, "--repo", str(DEMO_REPO))
    school_id, code = hub.add_school("城关镇中心小学")
    doc = json.loads((small_kit / SCHOOL).read_text(encoding="utf-8"))
    doc["hub"] = {"url": hub.url, "school_id": school_id, "enrolment_code": code}
    (small_kit / SCHOOL).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    checksums.write(small_kit)
    assert run_cli("usb-kit", "apply", small_kit, "--data-dir", tmp_path / "pc").rc == 0

    s = scheduler(tmp_path / "pc")
    with qtbot.waitSignal(s.round_finished, timeout=30_000):
        s.request_now()
    journal = Journal(tmp_path / "pc")
    assert journal.sync_state().enrolled and journal.sync_state().school_id == school_id
    journal.close()


# -- what the PC lacks, as rules -----------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "facts", "says"),
    [
        ("Linux", {"glibc": (2, 17)}, "需要 glibc 2.28 或更新（本机 2.17）"),  # CentOS 7
        ("Linux", {"glibc": (2, 27)}, "需要 glibc 2.28 或更新（本机 2.27）"),  # Ubuntu 18.04
        ("Linux", {"glibc": (2, 28)}, None),  # UOS 20 (Debian 10)
        ("Linux", {"glibc": (2, 31)}, None),  # Kylin V10 SP1 (Ubuntu 20.04)
        ("Linux", {"glibc": (2, 36)}, None),
        ("Windows", {"windows_build": 17134}, "Windows 10 1809 或更新（本机版本号 17134）"),
        ("Windows", {"windows_build": 17763}, None),
        ("Windows", {"windows_build": 26100}, None),
    ],
)
def test_too_old_a_system_is_said_plainly(system: str, facts: dict, says: str | None) -> None:
    from installer.host import too_old

    sentence = too_old(system, **facts)
    assert (sentence is None) == (says is None)
    assert says is None or (sentence is not None and says in sentence and "太旧" in sentence)


def test_disk_and_player_sentences() -> None:
    from installer.host import player_notice, too_little_disk

    assert too_little_disk(100, 100, "/data") is None
    assert too_little_disk(2_500_000_000, 300_000_000, "/data") == (
        "磁盘空间不足：U盘上的资源包需要 2.5 GB，/data 所在的磁盘只剩 300.0 MB"
    )
    assert player_notice("3.0.21 Vetinari") is None
    assert "Qt 自带的播放器" in (player_notice(None) or "")
