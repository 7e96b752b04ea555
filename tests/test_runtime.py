"""The Python the Linux kit brings (installer/runtime.py): what stops its build, in one
sentence, before anything is written. The build itself, and the Python it makes, are
checked by tests/test_usb_kit.py through the kit."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT

from installer import runtime
from installer.runtime import RuntimeBuildFailed, Source


@pytest.fixture
def mirror(tmp_path: Path):
    """A Debian mirror on loopback serving `tmp_path/mirror`."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_source_that_is_not_the_pinned_one_stops_the_build(mirror, tmp_path, monkeypatch):
    folder, url = mirror
    (folder / "pool").mkdir()
    (folder / "pool" / "Python-3.13.5.tar.xz").write_bytes(b"not the release")
    monkeypatch.setattr(runtime, "MIRROR", url)
    with pytest.raises(RuntimeBuildFailed) as caught:
        runtime._fetch(Source("Python-3.13.5.tar.xz", "pool/Python-3.13.5.tar.xz", "0" * 64),
                       tmp_path / "src.tar.xz")  # fmt: skip
    assert "校验值不对" in str(caught.value) and "Python-3.13.5.tar.xz" in str(caught.value)

    with pytest.raises(RuntimeBuildFailed) as caught:
        runtime._fetch(Source("gone.tar.gz", "pool/gone.tar.gz", "0" * 64), tmp_path / "x")
    assert "404" in str(caught.value)


def test_the_cache_key_follows_the_pins_and_the_script(monkeypatch) -> None:
    before = runtime.file_name()
    assert before.startswith(f"kebao-python-{runtime.PYTHON_VERSION}-glibc2.28-")
    pins = (*runtime.SOURCES[:-1], Source("sqlite-3.47.0.tar.xz", "pool/x", "1" * 64))
    monkeypatch.setattr(runtime, "SOURCES", pins)
    assert runtime.file_name() != before


def test_building_without_root_says_what_to_run(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    # As a user without root: in a user namespace of its own, this process is uid 65534
    # (when run by root, it keeps reading the checkout as root does).
    r = subprocess.run(
        [
            *([] if os.geteuid() else ["unshare", "--user"]),
            sys.executable,
            "-m",
            "app.cli",
            "usb-kit",
            "runtime",
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "KEBAO_RUNTIME_CACHE": str(cache), "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert "需要 root" in r.stderr and "sudo kebao usb-kit runtime" in r.stderr
    assert not cache.exists()  # nothing written
