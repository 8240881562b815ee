"""Pareto mode: the run's trials on its two objectives, and any trial's saved model."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from healthopt.api.db import JobRecord
from healthopt.api.deps import FilesDep, JobDep
from healthopt.api.files import FileMissing, RunFiles
from healthopt.api.routers.models import KERAS_MEDIA_TYPE
from healthopt.api.schemas.pareto import OBJECTIVES, ParetoPoint, ParetoView
from healthopt.records import Mode, RunResults, TrialRecord

router = APIRouter(tags=["pareto"])
TrialNumber = PathParam(ge=0, le=10_000_000)


def _model_url(job: JobRecord, files: RunFiles, trial: int) -> str | None:
    try:
        files.trial_model(trial)
    except FileMissing:
        return None
    return f"/jobs/{job.id}/trials/{trial}/model"


def _point(
    job: JobRecord, files: RunFiles, record: TrialRecord, front: set[int], chosen: int | None
) -> ParetoPoint:
    score = record.score
    assert record.metrics.val_accuracy is not None  # only such trials are points
    return ParetoPoint(
        trial=record.number,
        val_accuracy=record.metrics.val_accuracy,
        # The study counts a missing health term as 0 (`optimize.selection`), so does the chart.
        health=score.health if score is not None and score.health is not None else 0.0,
        test_accuracy=record.metrics.test_accuracy,
        total_score=record.total_score,
        num_parameters=record.num_parameters,
        on_front=record.number in front,
        chosen=record.number == chosen,
        model_url=_model_url(job, files, record.number),
    )


def _pareto_results(job: JobRecord, files: RunFiles) -> RunResults:
    results = files.results()
    if results is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"job {job.id} has no results yet ({job.status})"
        )
    if results.mode is not Mode.PARETO or results.pareto_front is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"job {job.id} ran in {results.mode} mode; the Pareto front exists in pareto mode",
        )
    return results


@router.get("/jobs/{job_id}/pareto", response_model=ParetoView)
def get_pareto(job: JobDep, files: FilesDep) -> ParetoView:
    """Every completed trial of a pareto run (the scatter shows them all), the front and the
    member chosen by the recorded rule."""
    results = _pareto_results(job, files)
    front = results.pareto_front or []
    selection = results.selection
    chosen = selection.trial if selection is not None else results.best_trial
    members = set(front)
    points = [
        _point(job, files, record, members, chosen)
        for record in sorted(results.trials, key=lambda r: r.number)
        if record.complete and record.metrics.val_accuracy is not None
    ]
    return ParetoView(
        job_id=job.id,
        run_name=job.run_name,
        objectives=list(OBJECTIVES),
        points=points,
        front=sorted(front),
        chosen_trial=chosen,
        rule=selection.rule if selection is not None else None,
        rule_description=selection.description if selection is not None else None,
    )


@router.get(
    "/jobs/{job_id}/trials/{trial}/model",
    response_class=FileResponse,
    responses={200: {"content": {KERAS_MEDIA_TYPE: {}}}},
)
def download_trial_model(job: JobDep, files: FilesDep, trial: int = TrialNumber) -> FileResponse:
    """One trial's saved .keras model: every completed trial keeps its own, so any member of a
    Pareto front can be downloaded, not only the assembled one."""
    results = files.results()  # the digest the trial recorded, checked before serving
    try:
        path = files.trial_model(trial)
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"job {job.id} has no model for trial {trial}: the trial does not exist, did not "
            "complete (pruned or failed), or its files have not been fetched yet",
        ) from None
    record = results.trial(trial) if results is not None else None
    files.verified(path, record.model_sha256 if record is not None else None)
    return FileResponse(
        path, media_type=KERAS_MEDIA_TYPE, filename=f"{job.run_name}_trial_{trial}.keras"
    )
