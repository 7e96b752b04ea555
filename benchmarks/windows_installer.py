"""What trimming PySide6 saves in the Windows installer, and how long a build takes.

Builds `kebao-setup-<version>-win_amd64.exe` twice with `installer.windows.build`: as
the kit has it (PySide6 trimmed to what Kebao loads) and, as the baseline, with all of
PySide6 (`trim=False`). Wheels come from pip's cache after the first build of a machine,
so the times are the packing's (NSIS LZMA, one thread) more than the downloads'.

    $ .venv/bin/python benchmarks/windows_installer.py
    {"trimmed": {"bytes": ..., "seconds": ...}, "whole": {...}, "ratio_bytes": 0.07, ...}

Needs nsis, osslsigncode and the package index (or a warm pip cache). Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from installer import windows


def measure(out: Path, *, trim: bool) -> dict[str, float]:
    start = time.monotonic()
    setup = windows.build(out, trim=trim)
    return {"bytes": setup.stat().st_size, "seconds": round(time.monotonic() - start, 1)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kebao-bench-windows-") as tmp:
        trimmed = measure(Path(tmp) / "trimmed", trim=True)
        whole = measure(Path(tmp) / "whole", trim=False)
    print(
        json.dumps(
            {
                "trimmed": trimmed,
                "whole": whole,
                "ratio_bytes": round(trimmed["bytes"] / whole["bytes"], 3),
                "ratio_seconds": round(trimmed["seconds"] / whole["seconds"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
