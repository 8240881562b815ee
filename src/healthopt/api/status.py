"""A job's status as the API reports it: from memory for the jobs this process runs or ran, from
the stored row (overlaid with live progress) for the others.

The status routes are `async` so a poll never waits for a threadpool slot behind the sync
routes; only a job this process does not know is read from the table and results.json, and
that read goes to the threadpool (`current_status`), never onto the event loop.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from healthopt.api.db import OPTIMIZATION, JobRecord
from healthopt.api.deps import ServerState, get_files, lookup_job
from healthopt.api.jobs import LiveProgress
from healthopt.api.schemas.jobs import JobList, JobStatus
from healthopt.api.status_cache import JobSnapshot
from healthopt.records import ComputeSummary, Mode
from healthopt.records.mode import LEGACY_SPELLINGS


def job_status(
    record: JobRecord, live: LiveProgress | None, compute: ComputeSummary | None = None
) -> JobStatus:
    current_trial = record.current_trial
    current_epoch = record.current_epoch
    if live is not None and not record.is_final:
        current_trial = live.current_trial if live.current_trial is not None else current_trial
        current_epoch = live.current_epoch
    return JobStatus(
        job_id=record.id,
        status=record.status,
        trials_completed=record.trials_completed,
        trials_total=record.trials_total,
        current_trial=None if record.is_final else current_trial,
        current_epoch=None if record.is_final else current_epoch,
        best_score=record.best_score,
        elapsed_seconds=record.elapsed_seconds(),
        error=record.error,
        run_name=record.run_name,
        dataset_name=record.config.get("dataset_name", ""),
        mode=_mode(record.request.get("mode")),
        created_at=record.created_at.isoformat(),
        best_trial=record.best_trial,
        compute=compute,
    )


def snapshot_status(snapshot: JobSnapshot) -> JobStatus:
    """The status of a job this process runs or ran; no disk, no database (elapsed time is
    taken now, as for a stored row)."""
    return job_status(snapshot.record, None, snapshot.compute)


def read_status(state: ServerState, job_id: str) -> JobStatus:
    """The status from memory when this process runs or ran the job, else from the table and
    results.json; HTTPException 404 when there is no such job. Blocking when the job is not
    in memory: call it off the event loop."""
    snapshot = state.jobs.snapshot(job_id)
    if snapshot is not None:
        return snapshot_status(snapshot)
    record = lookup_job(state, job_id)
    return job_status(record, None, get_files(record, state).compute())


async def current_status(state: ServerState, job_id: str) -> JobStatus:
    """A job's status: from memory when this process runs or ran it, else read in the
    threadpool (another server's job on a shared table, or one that ended before this
    process started)."""
    snapshot = state.jobs.snapshot(job_id)
    if snapshot is not None:
        return snapshot_status(snapshot)
    return await run_in_threadpool(read_status, state, job_id)


def job_list(state: ServerState) -> JobList:
    """Every optimization job, oldest first: one read of the table, then each job from
    memory when this process knows it, else from its row and results.json. Blocking."""
    statuses = []
    for record in state.store.list(kind=OPTIMIZATION):
        snapshot = state.jobs.snapshot(record.id)
        if snapshot is not None:
            statuses.append(snapshot_status(snapshot))
        else:
            statuses.append(job_status(record, None, get_files(record, state).compute()))
    return JobList(jobs=statuses)


def _mode(spelling: object) -> Mode:
    """The stored request's mode; rows written before v2 spell it "health_aware". Read without
    Mode.parse's warning: the client did nothing wrong, the row is only old."""
    text = str(spelling or Mode.SIMPLE)
    return LEGACY_SPELLINGS.get(text) or Mode(text)
