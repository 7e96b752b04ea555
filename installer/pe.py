"""Which DLLs a Windows executable or DLL needs, read from its PE headers on any system.

    >>> imported_dlls(Path("PySide6/QtPdf.pyd").read_bytes())
    ['Qt6Pdf.dll', 'Qt6Core.dll', 'Qt6Gui.dll', 'pyside6.abi3.dll', ...]

The Windows build keeps the Qt libraries the modules Kebao imports need, and no
others (`installer/windows.py`); the tests check that every DLL the bundle loads is in
the bundle or is part of Windows. Both read the import and delay-import tables, which
is what the Windows loader reads; a DLL loaded by name at run time (a Qt plugin) is not
in them, so the plugins Kebao needs are named in `windows.py`.
"""

from __future__ import annotations

import struct


class NotPortableExecutable(ValueError):
    """The bytes are not a PE image (a Windows .exe, .dll or .pyd)."""


def _sections(data: bytes, pe: int) -> tuple[int, list[tuple[int, int, int]]]:
    count, optional_size = struct.unpack_from("<H12xH", data, pe + 6)
    optional = pe + 24
    sections = []
    for i in range(count):
        header = optional + optional_size + 40 * i
        virtual_size, address, raw_size, raw_offset = struct.unpack_from("<IIII", data, header + 8)
        sections.append((address, max(virtual_size, raw_size), raw_offset))
    return optional, sections


def imported_dlls(data: bytes) -> list[str]:
    """The DLL names in a PE image's import and delay-import tables, in table order."""
    if data[:2] != b"MZ" or len(data) < 0x40:
        raise NotPortableExecutable("no MZ header")
    (pe,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe : pe + 4] != b"PE\0\0":
        raise NotPortableExecutable("no PE header")
    optional, sections = _sections(data, pe)
    (magic,) = struct.unpack_from("<H", data, optional)
    directories = optional + (112 if magic == 0x20B else 96)  # PE32+ or PE32

    def offset(rva: int) -> int:
        for address, size, raw_offset in sections:
            if address <= rva < address + size:
                return rva - address + raw_offset
        raise NotPortableExecutable(f"address {rva:#x} is in no section")

    def name_at(rva: int) -> str:
        start = offset(rva)
        return data[start : data.index(b"\0", start)].decode("ascii")

    names: list[str] = []
    # (directory index, descriptor size, offset of the name's address in a descriptor)
    for index, size, name_field in ((1, 20, 12), (13, 32, 4)):
        (table,) = struct.unpack_from("<I", data, directories + 8 * index)
        if not table:
            continue
        descriptor = offset(table)
        while True:
            (name_rva,) = struct.unpack_from("<I", data, descriptor + name_field)
            if not name_rva:
                break
            names.append(name_at(name_rva))
            descriptor += size
    return names
