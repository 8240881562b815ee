"""The events of `WS /ws/jobs/{id}`, as types for clients.

WebSockets are not part of OpenAPI, so these models are added to the schema's components by
`healthopt.api.openapi_export` under `ProgressEvent`: the dashboard's TypeScript types for
them are generated like the rest. Each event may carry more fields than listed (`extra`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from healthopt.api.schemas.jobs import JobStatus, JobStatusName


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")

    job_id: str


class StatusEvent(JobStatus):
    """The first message on every socket: the job's status when it connected."""

    model_config = ConfigDict(extra="allow")

    kind: Literal["status"]


class RunStartedEvent(_Event):
    kind: Literal["run_started"]
    run_name: str
    trials_total: int
    trials_done: int


class TrialStartedEvent(_Event):
    kind: Literal["trial_started"]
    trial_number: int


class EpochEndEvent(_Event):
    kind: Literal["epoch_end"]
    trial_number: int
    epoch: int = Field(description="1-based")
    epochs: int
    val_accuracy: float | None = None
    val_loss: float | None = None


class TrialFinishedEvent(_Event):
    kind: Literal["trial_finished"]
    trial_number: int
    state: Literal["COMPLETE", "FAIL"]
    error: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    total_score: float | None = None
    trials_done: int
    trials_total: int
    best_trial: int | None = None
    best_value: float | None = None


class PlotsDrawnEvent(_Event):
    kind: Literal["plots_drawn"]
    trial_number: int
    written: int


class NoticeEvent(_Event):
    kind: Literal["notice"]
    message: str


class JobStatusEvent(_Event):
    kind: Literal["job_status"]
    status: JobStatusName


class JobFinishedEvent(_Event):
    """The last message: the server closes the socket after it."""

    kind: Literal["job_finished"]
    status: JobStatusName


class RunFinishedEvent(_Event):
    kind: Literal["run_finished"]
    best_trial: int | None = None
    best_value: float | None = None


ProgressEvent = Annotated[
    StatusEvent
    | RunStartedEvent
    | TrialStartedEvent
    | EpochEndEvent
    | TrialFinishedEvent
    | PlotsDrawnEvent
    | NoticeEvent
    | JobStatusEvent
    | JobFinishedEvent
    | RunFinishedEvent,
    Field(discriminator="kind"),
]
