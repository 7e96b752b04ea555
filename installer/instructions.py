"""`安装说明.txt`: the kit explained to the technician and the teachers, in plain Chinese.

UTF-8 with a BOM and CRLF line ends, so Windows Notepad (even before 1903) shows it right.

    >>> (kit / FILE).write_bytes(instructions(manifest))
"""

from __future__ import annotations

FILE = "安装说明.txt"


def _lines(manifest: dict) -> list[str]:
    platforms = manifest["platforms"]
    school = manifest.get("school")
    packages = manifest["packages"]
    lines = [
        f"课包 安装U盘（课包 {manifest['kebao_version']}，制作于 {manifest['created'][:16].replace('T', ' ')}）",
        "",
        f"学校：{school['name']}" if school else "学校：（没有学校配置）",
    ]
    if school and school.get("hub"):
        lines.append(f"县同步中心：{school['hub']}（联网后自动登记）")
    lines += ["", "这个U盘里有："]
    if "win_amd64" in platforms:
        lines.append(
            f"  {platforms['win_amd64']}    Windows 10（1809 及以后）、Windows 11 的安装程序"
        )
    if "linux_x86_64" in platforms:
        lines.append(
            f"  {platforms['linux_x86_64']}    统信 UOS、银河麒麟、Debian、Ubuntu（x86_64）的安装脚本"
        )
    if packages:
        titles = "、".join(f"{p['title']}（{p['version']}）" for p in packages)
        lines.append(f"  repo/    资源包：{titles}")
    if school:
        lines.append("  school.json    学校配置：同步中心与登记码、受信任的发布者、带宽规则、订阅")
    lines += [
        "  kebao-sync/    学校数据交换文件夹：把没有网络的学校的学习记录带回县里",
        "  SHA256SUMS    每个文件的校验值",
        "",
    ]
    step = 1
    if "win_amd64" in platforms:
        lines += [
            f"{step}. 在 Windows 电脑上安装",
            f"   双击 {platforms['win_amd64']}，按提示完成。",
            "   安装程序会自动导入本U盘上的学校配置、资源包和县里带来的数据。",
            "",
        ]
        step += 1
    if "linux_x86_64" in platforms:
        lines += [
            f"{step}. 在 Linux 电脑上安装（统信 UOS、银河麒麟、Debian、Ubuntu）",
            "   打开“终端”，输入（把路径换成U盘所在的位置，可把 install.sh 拖进终端窗口）：",
            "       bash /media/用户名/U盘名/linux/install.sh",
            "   这样只装给当前用户；要装给这台电脑的所有用户，在前面加 sudo。",
            "   脚本会自动导入学校配置、资源包和县里带来的数据；装好后在应用菜单里找“课包”。",
            "   需要 Python 3.11 或更新的系统（Debian 12、Ubuntu 24.04 及以后等）；系统太旧时脚本会说明，不做任何改动。",
            "",
        ]
        step += 1
    lines += [
        f"{step}. 再运行一次安装 = 升级或修复。学校的资源包、学习记录和设置都会保留。",
        "   安装时缺少什么（磁盘空间不够、系统太旧、没有 VLC 播放器等），安装程序会直接说明。",
        "",
        f"{step + 1}. 没有网络的学校：把学习记录带回县里",
        "   在每台电脑上打开课包 → 同步 → 通过U盘同步（或在终端：kebao sync --via U盘目录）。",
        "   回到县里后，在同步中心运行：kebao hub import U盘目录；",
        "   再运行 kebao hub export U盘目录，下次到校安装或同步时，各电脑就会收到全校的记录。",
        "",
        f"{step + 2}. 检查U盘是否完好",
        "   kebao usb-kit verify U盘目录（Linux 也可以：cd U盘目录 && sha256sum -c SHA256SUMS）。",
        "   损坏或缺少的文件会逐个列出；请重新制作U盘。",
    ]
    return lines


def instructions(manifest: dict) -> bytes:
    """The file's bytes for a kit described by its manifest (`kebao-kit.json`)."""
    return "\ufeff".encode() + "\r\n".join([*_lines(manifest), ""]).encode("utf-8")
