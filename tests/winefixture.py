"""A throwaway Wine prefix that passes for Windows, for the Windows installer's tests.

    prefix = WinePrefix.create(tmp_path / "wine", version="win10")
    done = prefix.run(setup_exe, "/S")      # waits for every process the prefix started
    prefix.drive_c / "Program Files" / "Kebao"
    prefix.registry(r"Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Kebao")

Each `wine` runs under its own Xvfb (`xvfb-run -a`). Debian 12's Wine 8.0 lacks three
things every Windows 10 has; a prefix made here fills them in, for these tests only:

* `bcryptprimitives.dll`, whose `ProcessPrng` Rust's standard library imports on Windows
  10 (cryptography, pydantic-core): a DLL with no code that forwards it to advapi32's
  `SystemFunction036` (RtlGenRandom, the same random bytes).
* `icuuc.dll`, Windows 10's own ICU, which Qt6Core imports for text codecs other than
  UTF-8/16 (nothing here calls them): an empty DLL, so Wine binds stubs that would say so.
* WMI: Wine's `wbemprox` crashes (unimplemented `propsys.VariantToString`) when Python
  3.12's `platform` asks it for the Windows version; it is disabled, and `platform` falls
  back as on a Windows whose WMI service is off.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

WINE_ENV = {
    "WINEDEBUG": "-all",
    # no Mono or Gecko install prompts; WMI off (see above)
    "WINEDLLOVERRIDES": "mscoree,mshtml=;wbemprox=d",
    "WINEARCH": "win64",
}


def forwarder_dll(name: str, exports: dict[str, str]) -> bytes:
    """A 64-bit DLL without code whose exports forward elsewhere:
    forwarder_dll("bcryptprimitives.dll", {"ProcessPrng": "advapi32.SystemFunction036"})."""
    base = 0x1000  # the one section's address; file offset 0x200
    names = sorted(exports)
    count = len(names)
    arrays = 40  # after the export directory: addresses, names, ordinals, strings
    strings = bytearray()

    def string(value: str) -> int:
        at = base + arrays + 10 * count + len(strings)
        strings.extend(value.encode("ascii") + b"\0")
        return at

    dll_name = string(name)
    name_rvas = [string(n) for n in names]
    target_rvas = [string(exports[n]) for n in names]
    edata = struct.pack(
        "<IIHHIIIIIII", 0, 0, 0, 0, dll_name, 1, count, count,
        base + arrays, base + arrays + 4 * count, base + arrays + 8 * count,
    )  # fmt: skip
    edata += struct.pack(f"<{count}I", *target_rvas) + struct.pack(f"<{count}I", *name_rvas)
    edata += struct.pack(f"<{count}H", *range(count)) + bytes(strings)
    raw = (len(edata) + 0x1FF) & ~0x1FF
    coff = struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 240, 0x2022)  # AMD64, DLL
    optional = struct.pack("<HBBIIIII", 0x20B, 14, 0, 0, raw, 0, 0, base)
    optional += struct.pack(
        "<QIIHHHHHHIIIIHHQQQQII", 0x180000000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0,
        base + ((len(edata) + 0xFFF) & ~0xFFF), 0x200, 0, 3, 0,
        0x100000, 0x1000, 0x100000, 0x1000, 0, 16,
    )  # fmt: skip
    optional += struct.pack("<II", base, len(edata)) + bytes(8 * 15)  # the export directory
    section = struct.pack("<8sIIIIIIHHI", b".edata", len(edata), base, raw, 0x200, 0, 0, 0, 0,
                          0x40000040)  # fmt: skip
    headers = b"MZ" + bytes(58) + struct.pack("<I", 0x40) + b"PE\0\0" + coff + optional + section
    return headers.ljust(0x200, b"\0") + edata.ljust(raw, b"\0")


def _unescape(value: str) -> str:
    """A string as Wine writes it in a .reg file: \\xNNNN for non-ASCII, \\\\ and \\"."""
    return re.sub(
        r"\\x([0-9a-fA-F]{1,4})|\\(.)",
        lambda m: chr(int(m[1], 16)) if m[1] else m[2],
        value,
    )


@dataclass
class WinePrefix:
    path: Path

    @classmethod
    def create(cls, path: Path, *, version: str) -> WinePrefix:
        """A new prefix reporting Windows `version` ("win7", "win10")."""
        prefix = cls(path)
        prefix.run("wineboot", "--init")
        prefix.set_version(version)
        system32 = prefix.drive_c / "windows" / "system32"
        (system32 / "bcryptprimitives.dll").write_bytes(
            forwarder_dll("bcryptprimitives.dll", {"ProcessPrng": "advapi32.SystemFunction036"})
        )
        (system32 / "icuuc.dll").write_bytes(forwarder_dll("icuuc.dll", {}))
        return prefix

    @property
    def drive_c(self) -> Path:
        return self.path / "drive_c"

    def env(self) -> dict[str, str]:
        return {**os.environ, **WINE_ENV, "WINEPREFIX": str(self.path)}

    def set_version(self, version: str) -> None:
        done = self.run("reg", "add", r"HKCU\Software\Wine", "/v", "Version", "/d", version, "/f")
        assert done.returncode == 0, done.stdout + done.stderr

    def run(self, *args: object, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`wine ARGS`, with its exit code, after every process of the prefix has ended
        (an NSIS uninstaller runs on as a copy of itself)."""
        done = subprocess.run(
            ["xvfb-run", "-a", "wine", *map(str, args)],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,  # pipes: Python under Wine cannot use a file as stdout
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
        subprocess.run(["wineserver", "-w"], env=self.env(), timeout=timeout, check=True)
        return done

    def registry(self, key: str) -> dict[str, str]:
        """The values of an HKEY_LOCAL_MACHINE key, from the prefix's system.reg (written
        when the prefix's last process has ended); {} when the key is not there."""
        text = (self.path / "system.reg").read_text(encoding="ascii", errors="replace")
        header = "[" + key.replace("\\", "\\\\") + "]"
        values: dict[str, str] = {}
        inside = False
        for line in text.splitlines():
            if line.startswith("["):
                inside = line.split("] ")[0] + "]" == header
            elif inside and (m := re.match(r'"((?:[^"\\]|\\.)*)"=(.*)$', line)):
                raw = m[2]
                values[_unescape(m[1])] = _unescape(raw[1:-1]) if raw.startswith('"') else raw
        return values
