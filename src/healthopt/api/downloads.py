"""ZIP downloads: written into a temporary file, served, and removed once sent."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask


def zip_download(write: Callable[[Path], object], filename: str) -> FileResponse:
    """The ZIP `write` makes at the path it is given, served as `filename`. The temporary
    file is removed after the response is sent, or at once when `write` raises (an
    HTTPException saying there is nothing to zip included)."""
    handle, name = tempfile.mkstemp(prefix="healthopt-", suffix=".zip")
    os.close(handle)
    target = Path(name)
    try:
        write(target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return FileResponse(
        target,
        media_type="application/zip",
        filename=filename,
        background=BackgroundTask(target.unlink, missing_ok=True),
    )
