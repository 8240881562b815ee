"""A run's trials as a file download: the table `healthopt export` writes (CSV, Parquet or
JSON, one row per trial in every state), for any run in the results folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from healthopt.api.deps import RunDep
from healthopt.runs.export import (
    MEDIA_TYPES,
    ExportFormat,
    NothingToExport,
    export_filename,
    write_export,
)
from healthopt.runs.index import RunUnreadable

router = APIRouter(tags=["export"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
    404: {"description": "no such run, or no trial of it has finished yet"},
    409: {"description": "the run's results.json is unreadable; the reason names it"},
}


@router.get("/runs/{run}/export", response_class=FileResponse, responses=RESPONSES)
def export_run(
    run: RunDep,
    fmt: Annotated[ExportFormat, Query(alias="format", description="csv, parquet or json")] = "csv",
) -> FileResponse:
    """The run's trials as `{run}_trials.{format}`: one row per trial, every state; the
    columns are those of docs/export_columns.md."""
    # Written to a temporary file first: a run that cannot be read answers an error, never
    # a half-sent download.
    handle, name = tempfile.mkstemp(prefix="healthopt-export-", suffix=f".{fmt}")
    os.close(handle)
    target = Path(name)
    try:
        write_export(run, target, fmt)
    except BaseException as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, NothingToExport):
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        if isinstance(exc, RunUnreadable):
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        raise
    return FileResponse(
        target,
        media_type=MEDIA_TYPES[fmt],
        filename=export_filename(run.name, fmt),
        background=BackgroundTask(target.unlink, missing_ok=True),
    )
