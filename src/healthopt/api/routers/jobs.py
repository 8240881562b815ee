"""Jobs: start an optimization, list jobs, poll one, read its trials, cancel it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from healthopt.api.db import OPTIMIZATION
from healthopt.api.deps import FilesDep, JobDep, StateDep, get_files
from healthopt.api.jobs import CannotCancel, RequestRejected
from healthopt.api.schemas.jobs import (
    JobCreated,
    JobList,
    JobStatus,
    OptimizeRequest,
    TrialList,
    TrialSummary,
)
from healthopt.api.status import job_status
from healthopt.api.work import QUEUE_FULL_RESPONSE
from healthopt.health.scoring import composite_health

router = APIRouter(tags=["jobs"])


@router.post("/optimize", response_model=JobCreated, responses=QUEUE_FULL_RESPONSE)
def start_optimization(request: OptimizeRequest, state: StateDep) -> JobCreated:
    try:
        record = state.jobs.submit(request)
    except RequestRejected as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}],
        ) from None
    return JobCreated(job_id=record.id)


@router.get("/jobs", response_model=JobList)
def list_jobs(state: StateDep) -> JobList:
    return JobList(
        jobs=[
            job_status(record, state.jobs.live(record.id), get_files(record, state).compute())
            for record in state.store.list(kind=OPTIMIZATION)
        ]
    )


@router.get("/jobs/{job_id}/status", response_model=JobStatus)
def get_status(job: JobDep, state: StateDep, files: FilesDep) -> JobStatus:
    return job_status(job, state.jobs.live(job.id), files.compute())


@router.get("/jobs/{job_id}/trials", response_model=TrialList)
def get_trials(files: FilesDep) -> TrialList:
    results = files.results()
    trials = results.trials if results is not None else []
    return TrialList(
        trials=[
            TrialSummary.model_validate({**t.to_json(), "health_score": composite_health(t)})
            for t in trials
        ],
        compute=results.compute if results is not None else None,
    )


@router.post("/jobs/{job_id}/cancel", response_model=JobStatus)
def cancel_job(job: JobDep, state: StateDep, files: FilesDep) -> JobStatus:
    try:
        record = state.jobs.cancel(job.id)
    except CannotCancel as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return job_status(record, state.jobs.live(job.id), files.compute())
