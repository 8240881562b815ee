"""Jobs: start an optimization, list jobs, poll one, read its trials, cancel it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool

from healthopt.api.deps import FilesDep, JobDep, StateDep
from healthopt.api.jobs import CannotCancel, RequestRejected
from healthopt.api.pagination import TrialPageQueryDep, page_of
from healthopt.api.schemas.jobs import (
    JobCreated,
    JobList,
    JobStatus,
    OptimizeRequest,
    TrialList,
    TrialSummary,
)
from healthopt.api.status import current_status, job_list, job_status
from healthopt.api.work import QUEUE_FULL_RESPONSE

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
async def list_jobs(state: StateDep) -> JobList:
    # One read of the table in the threadpool; the jobs this process runs come from memory.
    return await run_in_threadpool(job_list, state)


@router.get("/jobs/{job_id}/status", response_model=JobStatus)
async def get_status(job_id: str, request: Request) -> Response:
    # Polled by every open dashboard: async and from memory for the jobs this process runs,
    # so a poll never queues for the threadpool or the database while a job trains (issue
    # 25). The body is serialized here, once: FastAPI would validate the model again first.
    # The state comes off the request, as `require_token` already resolved it.
    status = await current_status(request.app.state.healthopt, job_id)
    return Response(status.model_dump_json(), media_type="application/json")


@router.get("/jobs/{job_id}/trials", response_model=TrialList)
def get_trials(files: FilesDep, query: TrialPageQueryDep) -> TrialList:
    """The job's finished trials a page at a time, as `/runs/{run}/trials` pages them (a
    client that needs them all follows `next_offset`), with the run's compute summary."""
    results = files.results()
    page = page_of(results.trials if results is not None else [], query)
    return TrialList(
        total=page.total,
        offset=query.offset,
        limit=query.limit,
        next_offset=page.next_offset,
        trials=[TrialSummary.of(t) for t in page.trials],
        compute=results.compute if results is not None else None,
    )


@router.post("/jobs/{job_id}/cancel", response_model=JobStatus)
def cancel_job(job: JobDep, state: StateDep, files: FilesDep) -> JobStatus:
    try:
        record = state.jobs.cancel(job.id)
    except CannotCancel as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return job_status(record, state.jobs.live(job.id), files.compute())
