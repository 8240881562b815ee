"""Plots: list a job's trial plots, serve one, or all of them as a ZIP."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from healthopt.api.deps import FilesDep, JobDep
from healthopt.api.downloads import zip_download
from healthopt.api.files import FileMissing
from healthopt.api.schemas.plots import PlotFile, PlotList

router = APIRouter(tags=["plots"])


@router.get("/jobs/{job_id}/plots", response_model=PlotList)
def list_plots(job: JobDep, files: FilesDep) -> PlotList:
    return PlotList(
        plots=[
            PlotFile(
                trial=entry.trial,
                name=entry.name,
                url=f"/jobs/{job.id}/plots/{entry.trial}/{entry.name}",
                size_bytes=entry.size_bytes,
            )
            for entry in files.plots()
        ]
    )


@router.get(
    "/jobs/{job_id}/plots/{trial}/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}},
)
def get_plot(
    files: FilesDep, trial: int = PathParam(ge=0, le=10_000_000), name: str = PathParam()
) -> FileResponse:
    try:
        path = files.plot(trial, name)
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no plot {name!r} for trial {trial}"
        ) from None
    return FileResponse(path, media_type="image/png")


@router.get(
    "/jobs/{job_id}/download/plots",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_plots(job: JobDep, files: FilesDep) -> FileResponse:
    def write(target: Path) -> None:
        if files.write_plots_zip(target) == 0:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job.id} has no plots yet")

    return zip_download(write, f"{job.run_name}_plots.zip")
