"""Draw Kebao's icon (课 on a green rounded square) as installer/kebao.ico.

    python tools/make_icon.py            # writes installer/kebao.ico (committed)

The Windows installer gives it to the 课包 shortcuts, the setup program and its entry
in Add/Remove Programs; without it they would show Python's icon. One PNG per size
(Windows Vista and later read PNG inside .ico), each drawn at its own size so the
small ones stay sharp. Needs a CJK font (Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter

SIZES = (16, 24, 32, 48, 64, 128, 256)
OUT = Path(__file__).resolve().parent.parent / "installer" / "kebao.ico"


def draw(size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#2e8b57"))
    radius = size * 0.2
    painter.drawRoundedRect(QRectF(0, 0, size, size), radius, radius)
    font = QFont("Noto Sans CJK SC")
    font.setWeight(QFont.Weight.Bold)
    font.setPixelSize(round(size * 0.72))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "课")
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    """An .ico holding one PNG per size (ICONDIR, then ICONDIRENTRYs, then the PNGs)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images.items():
        side = size % 256  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main() -> None:
    app = QGuiApplication(sys.argv[:1])
    OUT.write_bytes(ico({size: draw(size) for size in SIZES}))
    del app
    print(OUT)


if __name__ == "__main__":
    main()
