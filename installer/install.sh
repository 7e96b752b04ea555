#!/bin/sh
# 课包 Kebao：Linux 安装脚本。在U盘上直接运行，不需要网络：
#
#     bash /media/<用户名>/<U盘>/linux/install.sh
#
# 普通用户运行：只装给这个用户（~/.local）；用 sudo 运行：装给这台电脑的所有用户（/opt/kebao），
# 学校配置和资源包导入给运行 sudo 的用户。再运行一次即升级或修复，学校的数据不变。
# 卸载程序（数据保留）：bash install.sh --uninstall
#
# Kebao brings its own Python (linux/python/, installer/runtime.py): the PC's python3, if
# any, is never used. Written for POSIX sh: the drive may be FAT32 (no exec bit), and
# dash is /bin/sh on Debian.
set -eu

say() { printf '%s\n' "$*"; }
fail() {
	printf '课包安装：%s\n' "$*" >&2
	exit 1
}
usage() {
	say "用法：bash install.sh [--prefix 目录] [--bin-dir 目录] [--applications-dir 目录]"
	say "                      [--data-dir 目录] [--uninstall]"
}

LINUX_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
KIT=$(dirname -- "$LINUX_DIR")
[ -f "$LINUX_DIR/kit.env" ] || fail "找不到 $LINUX_DIR/kit.env：U盘上的安装文件不完整，请重新制作安装U盘。"
. "$LINUX_DIR/kit.env"

# Nothing from the caller's Python setup may leak into the new environment.
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE

if [ "$(id -u)" = 0 ]; then
	PREFIX=/opt/kebao
	BIN_DIR=/usr/local/bin
	APPS_DIR=/usr/share/applications
else
	share=${XDG_DATA_HOME:-$HOME/.local/share}
	PREFIX=$share/kebao-program
	BIN_DIR=$HOME/.local/bin
	APPS_DIR=$share/applications
fi
DATA_DIR=""
ACTION=install
while [ $# -gt 0 ]; do
	case $1 in
	--uninstall)
		ACTION=uninstall
		shift
		continue
		;;
	-h | --help)
		usage
		exit 0
		;;
	--prefix | --bin-dir | --applications-dir | --data-dir)
		[ $# -ge 2 ] || fail "$1 后面缺少值"
		;;
	*) fail "不认识的选项：$1（用 --help 查看用法）" ;;
	esac
	case $1 in
	--prefix) PREFIX=$2 ;;
	--bin-dir) BIN_DIR=$2 ;;
	--applications-dir) APPS_DIR=$2 ;;
	--data-dir) DATA_DIR=$2 ;;
	esac
	shift 2
done
MARKER=$PREFIX/.kebao-program

if [ "$ACTION" = uninstall ]; then
	[ -f "$MARKER" ] || fail "$PREFIX 中没有课包程序，没有卸载任何东西。"
	rm -f "$BIN_DIR/kebao" "$APPS_DIR/kebao.desktop"
	rm -rf "$PREFIX"
	say "已卸载课包程序。学校的数据（资源包、学习记录、设置）仍在数据文件夹中，重新安装即可继续使用。"
	exit 0
fi

# -- what this PC has: each check stops before anything is changed ----------------------

arch=$(uname -m)
[ "$arch" = x86_64 ] || fail "本U盘只有 x86_64 电脑（英特尔、AMD、兆芯、海光）的安装文件；这台电脑是 $arch（如龙芯、飞腾、鲲鹏），暂不支持。本机没有任何改动。"

if [ -f "$KIT/SHA256SUMS" ] && command -v sha256sum >/dev/null 2>&1; then
	if ! bad=$(cd "$KIT" && grep '  linux/' SHA256SUMS | LC_ALL=C sha256sum -c --quiet 2>&1); then
		names=$(printf '%s\n' "$bad" | sed -n 's/: FAILED.*//p' | sort -u | tr '\n' ' ')
		fail "U盘上的安装文件已损坏或缺失：${names}。请在制作U盘的电脑上运行 kebao usb-kit verify 检查，或重新制作。本机没有任何改动。"
	fi
fi

# $1 >= $2, as versions ("2.31" >= "2.28")
version_ge() { printf '%s\n%s\n' "$2" "$1" | sort -V -C; }

too_old() {
	fail "这台电脑的系统太旧，装不了课包：课包需要 glibc $KEBAO_GLIBC 或更新（本机：$1）。可用的系统：统信 UOS 20、银河麒麟 V10、Debian 10、Ubuntu 20.04 及更新的版本。本机没有任何改动。"
}

glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}') || glibc=""
[ -n "$glibc" ] || too_old "没有 glibc"
version_ge "$glibc" "$KEBAO_GLIBC" || too_old "glibc $glibc"

# The program's identity: the Python and the wheels it was built from.
ID=$KEBAO_VERSION-py$KEBAO_PYTHON-$(cd "$LINUX_DIR" && ls python wheels | sha256sum | cut -c1-12)
VENV=$PREFIX/versions/$ID

free_mb() {
	d=$1
	while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done
	df -Pk -- "$d" | awk 'NR == 2 { print int($4 / 1024) }'
}

# -- the program: a new version beside the old one, then one switch ---------------------

if [ ! -f "$VENV/.complete" ]; then
	free=$(free_mb "$PREFIX")
	[ "$free" -ge "$KEBAO_INSTALL_MB" ] || fail "磁盘空间不足：安装课包需要约 $KEBAO_INSTALL_MB MB，$PREFIX 所在的磁盘只剩 $free MB。请清理后再运行。本机没有任何改动。"
	say "正在安装课包 $KEBAO_VERSION（带有自己的 Python $KEBAO_PYTHON，约需一分钟）……"
	mkdir -p "$PREFIX/versions"
	: >"$MARKER"
	rm -rf "$VENV"
	mkdir -p "$VENV"
	if ! tar -xzf "$LINUX_DIR/$KEBAO_RUNTIME" -C "$VENV" ||
		! "$VENV/bin/python3" -c 'import ssl, sqlite3, ctypes, zlib' 2>/dev/null; then
		rm -rf "$VENV"
		fail "课包自带的 Python 在这台电脑上解不开或不能运行（$KEBAO_RUNTIME）。请在制作U盘的电脑上运行 kebao usb-kit verify 检查U盘。已装的课包（如果有）没有改动。"
	fi
	# pip runs from its wheel on the drive: nothing of the PC's Python setup is needed.
	pip_wheel=$(ls "$LINUX_DIR/wheels"/pip-*.whl | head -n 1)
	if ! "$VENV/bin/python3" "$pip_wheel/pip" install --isolated --no-index \
		--find-links "$LINUX_DIR/wheels" --only-binary=:all: --no-cache-dir \
		--disable-pip-version-check --no-warn-script-location --root-user-action=ignore --quiet \
		"kebao==$KEBAO_VERSION" pip; then
		rm -rf "$VENV"
		fail "从U盘安装课包的程序文件失败（见上面 pip 的说明）。已装的课包（如果有）没有改动。"
	fi
	: >"$VENV/.complete"
fi
ln -sfn "versions/$ID" "$PREFIX/current.new"
mv -fT "$PREFIX/current.new" "$PREFIX/current"
# An older version still running (each version has its own Python, so its processes'
# executables are inside its folder) is kept: it loads modules as it goes, and deleting
# them would break it in the middle of a lesson. The next install removes it.
in_use() {
	for exe in /proc/[0-9]*/exe; do
		target=$(readlink "$exe" 2>/dev/null) || continue
		case $target in "$1"/*) return 0 ;; esac
	done
	return 1
}
for old in "$PREFIX/versions"/*; do
	[ -d "$old" ] && [ "$old" != "$VENV" ] || continue
	if in_use "$(cd "$old" && pwd -P)"; then
		say "旧版本的课包正在运行，暂时保留（$old）；关闭课包后再运行一次本脚本即可删除它。"
	else
		rm -rf "$old"
	fi
done

mkdir -p "$BIN_DIR"
cat >"$BIN_DIR/.kebao.new" <<EOF
#!/bin/sh
exec "$PREFIX/current/bin/kebao" "\$@"
EOF
chmod 755 "$BIN_DIR/.kebao.new"
mv -f "$BIN_DIR/.kebao.new" "$BIN_DIR/kebao"

mkdir -p "$APPS_DIR"
cat >"$APPS_DIR/.kebao.desktop.new" <<EOF
[Desktop Entry]
Type=Application
Version=1.0
Name=课包
Name[zh_CN]=课包
Name[en]=Kebao
GenericName=课程资源库
Comment=离线课程资源库与播放器
Comment[en]=Offline lesson library and player
Exec="$BIN_DIR/kebao"
Icon=applications-education
Terminal=false
Categories=Education;
StartupNotify=true
EOF
mv -f "$APPS_DIR/.kebao.desktop.new" "$APPS_DIR/kebao.desktop"
if command -v update-desktop-database >/dev/null 2>&1; then
	update-desktop-database -q "$APPS_DIR" 2>/dev/null || true
fi
# The window needs a few of the desktop's own libraries (Qt's xcb plugin, QtPdf, the player);
# a PC without them still syncs and imports, so this is said, not a failure.
package_of() {
	case $1 in
	libEGL.so.1) echo libegl1 ;;
	libGL.so.1) echo libgl1 ;;
	libOpenGL.so.0) echo libopengl0 ;;
	libdbus-1.so.3) echo libdbus-1-3 ;;
	libglib-2.0.so.0 | libgthread-2.0.so.0 | libgobject-2.0.so.0) echo libglib2.0-0 ;;
	libX11-xcb.so.1) echo libx11-xcb1 ;;
	libX11.so.6) echo libx11-6 ;;
	libatomic.so.1) echo libatomic1 ;;
	libxkbcommon-x11.so.0) echo libxkbcommon-x11-0 ;;
	libxcb*.so.* | libxkbcommon.so.* | libfontconfig.so.* | libfreetype.so.*) echo "${1%%.so.*}${1##*.so.}" ;;
	*) echo "$1" ;;
	esac
}
qt=$(ls -d "$PREFIX/current"/lib/python*/site-packages/PySide6/Qt 2>/dev/null || true)
missing=$(for f in "$qt/plugins/platforms/libqxcb.so" "$qt/lib/libQt6Pdf.so.6" "$qt/lib/libQt6Multimedia.so.6"; do
	[ ! -f "$f" ] || ldd "$f" 2>/dev/null
done | awk '/not found/ { print $1 }' | sort -u)
if [ -n "$missing" ]; then
	packages=$(for m in $missing; do package_of "$m"; done | sort -u | tr '\n' ' ')
	say "注意：这台电脑缺少课包窗口需要的系统库：$(printf '%s' "$missing" | tr '\n' ' ')。请安装后再打开课包（统信 UOS、银河麒麟、Debian、Ubuntu：sudo apt install ${packages% }）；导入资源包和同步不受影响。"
fi

# shellcheck disable=SC1111  # Chinese quotation marks, as written
say "课包程序已安装：$PREFIX/current（菜单中的“课包”，或终端命令 $BIN_DIR/kebao）。"

# -- the school: configuration, content and the county's data from this drive ------------

set -- usb-kit apply "$KIT"
[ -z "$DATA_DIR" ] || set -- "$@" --data-dir "$DATA_DIR"
kebao=$PREFIX/current/bin/kebao
if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] && [ -z "$DATA_DIR" ]; then
	user_home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
	run() { runuser -u "$SUDO_USER" -- env HOME="$user_home" "$kebao" "$@"; }
else
	run() { "$kebao" "$@"; }
fi
if run "$@"; then
	case ":$PATH:" in
	*":$BIN_DIR:"*) ;;
	*) say "（重新登录后，终端里直接输入 kebao 即可。）" ;;
	esac
	say "安装完成。"
else
	fail "课包程序已装好，但学校配置或资源包没有完全导入（原因见上）。处理后再运行一次本脚本即可。"
fi
