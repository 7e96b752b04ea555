"""Where Kebao keeps its data: `--data-dir`, else env KEBAO_DATA_DIR, else the OS's place.

>>> default_data_dir()   # Linux: ~/.local/share/Kebao, Windows: %LOCALAPPDATA%\\Kebao
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "Kebao"


def default_data_dir() -> Path:
    env = os.environ.get("KEBAO_DATA_DIR")
    return Path(env) if env else Path(user_data_dir(APP_NAME, appauthor=False))
