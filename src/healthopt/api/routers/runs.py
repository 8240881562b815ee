"""Runs: every run folder in the results folder (CLI runs beside this server's jobs), each
run's trials page by page, and any one trial with its curves, plots, diagnostics and files.

Read-only. A run is named by its folder (`RunDep`); a results.json or trial file that is there
but unreadable is a 409 naming it (`FileCorrupt`), never an empty run or an empty curve.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response

from healthopt.api.deps import RunDep, RunFilesDep, StateDep, jobs_by_run
from healthopt.api.downloads import zip_download
from healthopt.api.files import FileCorrupt, FileMissing, RunFiles
from healthopt.api.pagination import TrialPageQueryDep, page_of
from healthopt.api.routers.models import (
    KERAS_MEDIA_TYPE,
    PDF_MEDIA_TYPE,
    SVG_MEDIA_TYPE,
    architecture_diagram,
    architecture_view,
    trial_health,
)
from healthopt.api.schemas.jobs import TrialSummary
from healthopt.api.schemas.plots import PlotFile
from healthopt.api.schemas.runs import RunDetail, RunList, TrialDetail, TrialPage
from healthopt.optimize.assembly import trial_dir
from healthopt.records import RunResults, TrialRecord
from healthopt.runs.index import RunFolder, RunUnreadable, read_results, run_folders
from healthopt.runs.summary import run_detail, run_summary
from healthopt.runs.trial_detail import (
    TrialNotFound,
    find_trial,
    trial_files,
    trial_plots,
    trial_rank,
)

router = APIRouter(tags=["runs"])

TrialNumber = Annotated[int, PathParam(ge=0, le=10_000_000)]  # as plots.py bounds it


@router.get("/runs", response_model=RunList)
def list_runs(state: StateDep) -> RunList:
    """Every run folder, newest first; one whose results.json is unreadable is listed with
    its `error`."""
    jobs = jobs_by_run(state)
    return RunList(
        runs=[run_summary(run, jobs.get(run.name)) for run in run_folders(state.results_dir)]
    )


@router.get("/runs/{run}", response_model=RunDetail)
def get_run(run: RunDep, state: StateDep) -> RunDetail:
    try:
        return run_detail(run, jobs_by_run(state).get(run.name))
    except RunUnreadable as exc:
        raise FileCorrupt(str(exc)) from None


@router.get("/runs/{run}/trials", response_model=TrialPage)
def list_trials(run: RunDep, query: TrialPageQueryDep) -> TrialPage:
    """The run's finished trials, `limit` from `offset`, by number (or by score), every
    state unless one is asked for."""
    results = _results(run)
    page = page_of(results.trials if results else [], query)
    return TrialPage(
        run=run.name,
        total=page.total,
        offset=query.offset,
        limit=query.limit,
        next_offset=page.next_offset,
        trials=[TrialSummary.of(t) for t in page.trials],
    )


@router.get("/runs/{run}/trials/{trial}", response_model=TrialDetail)
def get_trial(run: RunDep, files: RunFilesDep, state: StateDep, trial: TrialNumber) -> TrialDetail:
    results = _results(run)
    record = _trial(results, run, trial)
    assert results is not None  # the record came from it
    job = jobs_by_run(state).get(run.name)
    try:
        held = trial_files(run, record)
    except RunUnreadable as exc:
        raise FileCorrupt(str(exc)) from None
    base = f"/runs/{run.name}/trials/{trial}"
    plots = _plot_files(files, trial, held.plots, base)
    diagnostics, layers = trial_health(files, trial)
    view = architecture_view(files, record)
    notes = list(held.notes)
    folder = trial_dir(run.path, trial)
    if not (folder / "diagnostics.json").is_file():
        notes.append(f"no diagnostics: trials/trial_{trial} has no diagnostics.json")
    if view is None:
        notes.append(f"no architecture: trials/trial_{trial} has no readable architecture.json")
    return TrialDetail(
        run=run.name,
        job_id=job.job_id if job else None,
        trial=TrialSummary.of(record),
        is_best=results.best_trial == trial,
        rank=trial_rank(results, trial),
        learning_curves=dict(held.learning_curves),
        plots=plots,
        model_url=f"{base}/model" if held.has_model else None,
        plots_zip_url=f"{base}/plots.zip" if plots else None,
        diagnostics=diagnostics,
        layer_health=layers,
        architecture=view,
        architecture_svg_url=f"{base}/architecture.svg" if view else None,
        architecture_pdf_url=f"{base}/architecture.pdf" if view else None,
        monitoring_url=(
            f"/jobs/{job.job_id}/trials/{trial}/monitoring"
            if job is not None and held.has_monitoring
            else None
        ),
        notes=notes,
    )


@router.get(
    "/runs/{run}/trials/{trial}/plots.zip",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_trial_plots(run: RunDep, files: RunFilesDep, trial: TrialNumber) -> FileResponse:
    """Every plot of one trial as NAME.png entries of one ZIP."""
    paths = _plot_paths(files, trial, trial_plots(run, trial))
    if not paths:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"trial {trial} of run {run.name!r} has no plots"
        )

    def write(target: Path) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in paths:
                archive.write(path, name)

    return zip_download(write, f"{run.name}_trial_{trial}_plots.zip")


@router.get(
    "/runs/{run}/trials/{trial}/plots/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}},
)
def get_trial_plot(
    run: RunDep, files: RunFilesDep, trial: TrialNumber, name: str = PathParam()
) -> FileResponse:
    try:
        path = files.plot(trial, name)
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no plot {name!r} for trial {trial} of run {run.name!r}"
        ) from None
    return FileResponse(path, media_type="image/png")


@router.get(
    "/runs/{run}/trials/{trial}/model",
    response_class=FileResponse,
    responses={200: {"content": {KERAS_MEDIA_TYPE: {}}}},
)
def download_trial_model(run: RunDep, files: RunFilesDep, trial: TrialNumber) -> FileResponse:
    """The trial's own model.keras, once it hashes to the digest the trial recorded (409
    otherwise: a model changed on disk is never served)."""
    record = _trial(_results(run), run, trial)
    try:
        path = files.trial_model(trial)
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"trial {trial} of run {run.name!r} has no model.keras ({record.state})",
        ) from None
    files.verified(path, record.model_sha256)
    return FileResponse(
        path, media_type=KERAS_MEDIA_TYPE, filename=f"{run.name}_trial_{trial}.keras"
    )


@router.get(
    "/runs/{run}/trials/{trial}/architecture.svg",
    response_class=Response,
    responses={200: {"content": {SVG_MEDIA_TYPE: {}}}},
)
def trial_architecture_svg(run: RunDep, files: RunFilesDep, trial: TrialNumber) -> Response:
    """The trial's architecture as an SVG diagram (a side view of the 3D view's boxes)."""
    _trial(_results(run), run, trial)
    return architecture_diagram(files, trial, "svg", f"{run.name}_trial_{trial}_architecture.svg")


@router.get(
    "/runs/{run}/trials/{trial}/architecture.pdf",
    response_class=Response,
    responses={200: {"content": {PDF_MEDIA_TYPE: {}}}},
)
def trial_architecture_pdf(run: RunDep, files: RunFilesDep, trial: TrialNumber) -> Response:
    """The trial's architecture as a PDF diagram (a side view of the 3D view's boxes)."""
    _trial(_results(run), run, trial)
    return architecture_diagram(files, trial, "pdf", f"{run.name}_trial_{trial}_architecture.pdf")


def _results(run: RunFolder) -> RunResults | None:
    try:
        return read_results(run)
    except RunUnreadable as exc:
        raise FileCorrupt(str(exc)) from None


def _trial(results: RunResults | None, run: RunFolder, number: int) -> TrialRecord:
    try:
        return find_trial(results, run, number)
    except TrialNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


def _plot_paths(files: RunFiles, trial: int, names: list[str]) -> list[tuple[str, Path]]:
    """The plots of `names` the API serves (PNG names of its pattern, inside the results
    folder), each with its resolved path."""
    paths = []
    for name in names:
        try:
            paths.append((name, files.plot(trial, name)))
        except FileMissing:
            continue
    return paths


def _plot_files(files: RunFiles, trial: int, names: list[str], base: str) -> list[PlotFile]:
    return [
        PlotFile(trial=trial, name=name, url=f"{base}/plots/{name}", size_bytes=path.stat().st_size)
        for name, path in _plot_paths(files, trial, names)
    ]
