"""TensorBoard for a job: one process per job on a free loopback port, stopped on request
or when the server shuts down."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status

from healthopt.api.deps import JobDep, StateDep
from healthopt.api.schemas.tensorboard import TensorBoardInfo
from healthopt.api.tensorboard import TensorBoardError

router = APIRouter(prefix="/jobs/{job_id}/tensorboard", tags=["tensorboard"])


@router.post("/start", response_model=TensorBoardInfo)
def start_tensorboard(job: JobDep, state: StateDep) -> TensorBoardInfo:
    # Refused wherever /health says TensorBoard is unavailable, with the reason.
    unavailable = state.settings.tensorboard_unavailable_reason
    if unavailable is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, unavailable)
    try:
        status_ = state.tensorboard.start(job.id, Path(job.run_dir))
    except TensorBoardError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return TensorBoardInfo(**status_.to_dict())


@router.get("/status", response_model=TensorBoardInfo)
def tensorboard_status(job: JobDep, state: StateDep) -> TensorBoardInfo:
    return TensorBoardInfo(**state.tensorboard.status(job.id).to_dict())


@router.post("/stop", response_model=TensorBoardInfo)
def stop_tensorboard(job: JobDep, state: StateDep) -> TensorBoardInfo:
    return TensorBoardInfo(**state.tensorboard.stop(job.id).to_dict())
