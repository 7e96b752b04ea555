"""The bundled demo library: a small signed repository imported on first run.

Its publisher key is trusted by default so a new install opens on real lessons. The
private key that signed it was thrown away when it was built (see `build.py`), so
nobody can sign other packages with this trusted key.

    >>> ensure_demo(library)   # once per data folder; a removed demo stays removed
"""

from __future__ import annotations

from pathlib import Path

from media.errors import KebaoError
from media.library import Library
from media.repository import FolderSource
from media.signature import PublicKey

DEMO_DIR = Path(__file__).resolve().parent
DEMO_REPO = DEMO_DIR / "repo"
DEMO_KEY = DEMO_DIR / "publisher.pub"
MARKER = ".demo-offered"


def ensure_demo(library: Library) -> bool:
    """Trust the demo publisher and import the demo on a data folder's first run."""
    marker = library.data_dir / MARKER
    if marker.exists() or not DEMO_KEY.is_file():
        return False
    key = PublicKey.from_bytes(DEMO_KEY.read_bytes(), str(DEMO_KEY))
    try:
        with library.writing():
            library.trust.add(key)
        library.import_from(FolderSource(DEMO_REPO))
    except KebaoError:
        return False  # the library works without the demo; next start tries again
    marker.write_text("1\n", encoding="utf-8")
    return True


def import_demo(data_dir: Path) -> bool:
    """`ensure_demo` with a library of its own, for a background thread."""
    with Library(data_dir) as library:
        return ensure_demo(library)
