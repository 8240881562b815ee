"""Response bodies of the tensorboard resource."""

from __future__ import annotations

from pydantic import BaseModel


class TensorBoardInfo(BaseModel):
    """A job's TensorBoard: where it listens while running, or how it ended."""

    job_id: str
    running: bool
    port: int | None
    pid: int | None
    logdir: str | None
    exit_code: int | None
    url: str | None
