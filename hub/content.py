"""`GET /repo/<path>`: the content repository folder, read-only, with Range and ETag.

Starlette's FileResponse already answers `Range` (206, 416) and `If-Range` (a changed
validator → 200 with the whole file); this module resolves the path inside the folder
and gives it the protocol's strong ETag `"<size>-<mtime_ns>"`; `If-None-Match` with that
ETag is answered 304.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from hub.state import hub_state
from hub.wire import HubError
from media.repository import INDEX
from sync.protocol import REPO

router = APIRouter()
_OPEN_RANGE = re.compile(r"bytes=(\d+)-\d*")
# RFC 9110 §14.1.1: `bytes=` and one or more of `first-[last]` or `-suffix`.
_RANGE = re.compile(r"bytes=(\d+-\d*|-\d+)(\s*,\s*(\d+-\d*|-\d+))*")


def resolve(root: Path, rel: str) -> Path | None:
    """The file `rel` names inside `root`, or None (`..`, absolute, a link out, missing)."""
    parts = rel.split("/")
    if not rel or "\x00" in rel or "\\" in rel or rel.startswith("/") or ".." in parts:
        return None
    base = root.resolve()
    try:
        path = (base / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def etag(stat: os.stat_result) -> str:
    return f'"{stat.st_size}-{stat.st_mtime_ns}"'


def index_etag(root: Path | None) -> str | None:
    """The ETag of the repository's index now (None: no repository or no index): each pull
    page carries it, so a client fetches the index only when it changed."""
    if root is None:
        return None
    try:
        return etag((root / INDEX).stat())
    except OSError:
        return None


@router.api_route(REPO + "/{rel:path}", methods=["GET", "HEAD"])
def repo_file(request: Request, rel: str) -> Response:
    root = hub_state(request).repo
    path = resolve(root, rel) if root is not None else None
    if path is None:
        raise HubError("not_found", rel)
    stat = path.stat()
    tag = etag(stat)
    if request.headers.get("if-none-match") == tag:  # the client's copy is this file
        return Response(status_code=304, headers={"ETag": tag})
    asked = request.headers.get("range", "").strip()
    if asked and not _RANGE.fullmatch(asked):
        # Starlette would answer a bare-text 400; the hub's shape instead.
        raise HubError("bad_request", "Range")
    wanted = _OPEN_RANGE.fullmatch(asked)
    if_range = request.headers.get("if-range")
    if wanted and int(wanted[1]) >= stat.st_size and (if_range is None or if_range == tag):
        # FileResponse would answer this with a bare text body; the hub's shape instead.
        raise HubError(
            "range_not_satisfiable",
            f"the file has {stat.st_size} bytes",
            headers={"Content-Range": f"bytes */{stat.st_size}"},
        )
    return FileResponse(path, stat_result=stat, headers={"ETag": tag})
