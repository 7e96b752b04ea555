"""The Windows installer's last step: apply the kit it was started from, and keep a record.

    python.exe -X utf8 -m installer.windows_apply E:\\. "C:\\Program Files\\Kebao\\安装记录.txt"

runs `python.exe -X utf8 -m app.cli usb-kit apply E:\\` (docs/install-kit-format.md) and
writes what it said to the record, a text file the technician opens in Notepad
(UTF-16 with a byte-order mark, CRLF: every Windows 10 Notepad reads it). Its last line
is the outcome in one sentence, which the installer (NSIS, which reads UTF-16 but not
UTF-8) shows in a message box when the apply failed. Exits with the apply's own code.

Plain stdlib: this runs from the installed site-packages, with no console of its own
(the installer runs it hidden), so the apply's console is suppressed too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from media.errors import text


def lines(output: str) -> list[str]:
    """Non-empty lines as the console would end up showing them: a progress bar that
    redraws itself with carriage returns leaves only its last state."""
    shown = (line.split("\r")[-1].rstrip() for line in output.replace("\r\n", "\n").split("\n"))
    return [line for line in shown if line]


def apply(kit: Path, record: Path) -> int:
    """Run the kit's apply step, write the record, return the apply's exit code."""
    kit = Path(os.path.abspath(kit))  # "E:\\windows\\.." → "E:\\"
    command = [sys.executable, "-X", "utf8", "-m", "app.cli", "usb-kit", "apply", str(kit)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        code = done.returncode
        said = lines(done.stdout.decode("utf-8", "replace"))
        errors = lines(done.stderr.decode("utf-8", "replace"))
    except OSError as err:
        code, said, errors = 1, [], [str(err)]
    if code == 0:
        outcome = text("已应用U盘上的学校配置和资源包。", "the kit was applied.")
    else:
        outcome = errors[-1] if errors else text(f"退出代码 {code}", f"exit code {code}")
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    record.write_text(
        "\ufeff"
        + "\n".join([f"{started}  kebao usb-kit apply {kit}", *said, *errors, outcome])
        + "\n",
        encoding="utf-16-le",
        newline="\r\n",
    )
    return code


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(apply(Path(sys.argv[1]), Path(sys.argv[2])))


if __name__ == "__main__":
    main()
