"""What routes depend on: the server's state, the job or run a path names, its files, the token
check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from healthopt.api.db import FINAL_STATUSES, OPTIMIZATION, JobNotFound, JobRecord, JobStore
from healthopt.api.files import JOB_ID, RunFiles
from healthopt.api.jobs import JobManager
from healthopt.api.security import token_matches
from healthopt.api.settings import ServerSettings
from healthopt.api.studies import StudyManager, StudyNotFound
from healthopt.api.tensorboard import TensorBoardManager
from healthopt.records.browse import JobInfo
from healthopt.runs.index import RunFolder, RunNotFound, find_run
from healthopt.study.metadata import StudyMetadata


@dataclass(frozen=True)
class ServerState:
    settings: ServerSettings
    store: JobStore
    jobs: JobManager
    tensorboard: TensorBoardManager
    studies: StudyManager
    # Why RunPod cannot be used as configured, or None; read once, the environment is fixed.
    runpod_problem: str | None = None

    @property
    def results_dir(self) -> Path:
        return self.settings.results_dir


# The two dependencies every protected route resolves are `async`: FastAPI runs a sync
# dependency in the threadpool, so each poll of an async route (the job status) would queue
# there twice behind the sync routes. Neither blocks.
async def get_state(request: Request) -> ServerState:
    return request.app.state.healthopt


StateDep = Annotated[ServerState, Depends(get_state)]


async def require_token(request: Request, state: StateDep) -> None:
    """Every route but /health needs the bearer token when the server has one."""
    if not token_matches(
        state.settings.token,
        request.headers.get("authorization"),
        request.query_params.get("token"),
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def lookup_job(state: ServerState, job_id: str) -> JobRecord:
    if not JOB_ID.match(job_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
    try:
        record = state.store.get(job_id)
    except JobNotFound:
        record = None
    if record is None or record.kind != OPTIMIZATION:  # a study's row is not a job's
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
    return record


def get_job(job_id: str, state: StateDep) -> JobRecord:
    return lookup_job(state, job_id)


JobDep = Annotated[JobRecord, Depends(get_job)]


def get_files(job: JobDep, state: StateDep) -> RunFiles:
    return RunFiles(state.results_dir, Path(job.run_dir))


FilesDep = Annotated[RunFiles, Depends(get_files)]


def get_study(study_id: str, state: StateDep) -> StudyMetadata:
    try:
        return state.studies.metadata(study_id)
    except StudyNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no study {study_id!r}") from None


StudyDep = Annotated[StudyMetadata, Depends(get_study)]


def get_run(run: str, state: StateDep) -> RunFolder:
    """The run folder `{run}` names in this server's results folder, whoever made it; 404
    with the reason for a name that is no run's (or could not be one)."""
    try:
        return find_run(state.results_dir, run)
    except RunNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


RunDep = Annotated[RunFolder, Depends(get_run)]


def get_run_files(run: RunDep, state: StateDep) -> RunFiles:
    return RunFiles(state.results_dir, run.path)


RunFilesDep = Annotated[RunFiles, Depends(get_run_files)]


def jobs_by_run(state: ServerState) -> dict[str, JobInfo]:
    """Run folder name -> the job of this server's table that wrote it (the newest, when a
    folder had several). A row whose folder is not directly in the results folder is no
    run's: `run_folders` would not list it."""
    root = state.results_dir.resolve()
    found: dict[str, JobInfo] = {}
    for job in state.store.list(kind=OPTIMIZATION):  # oldest first: newer rows win
        folder = Path(job.run_dir)
        if folder.parent.resolve() != root:
            continue
        found[folder.name] = JobInfo(
            job_id=job.id, status=job.status, finished=job.status in FINAL_STATUSES
        )
    return found
