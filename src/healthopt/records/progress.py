"""Progress events: what a run reports while it works, to the CLI, the API and the dashboard.

A discriminated union on `kind`. Emitters build these types; `ProgressCallback` receives them.
`job_id` is set by the API server when it relays an event to a job's socket. Control data
(the RunPod job id a trial runs under) does not travel here: executors report it on their own
`ControlCallback` (`healthopt.optimize.executors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError

from healthopt.records.base import Finite, Record, SchemaError
from healthopt.records.pruning import HealthAlarm, PruneInfo
from healthopt.records.trial import TrialMetrics


class _Event(Record):
    job_id: str | None = None


class RunStartedEvent(_Event):
    kind: Literal["run_started"] = "run_started"
    run_name: str
    run_dir: str | None = None
    trials_total: int
    trials_done: int


class TrialStartedEvent(_Event):
    kind: Literal["trial_started"] = "trial_started"
    trial_number: int
    worker_pid: int | None = Field(None, description="local runs: the worker process")
    attempt: int | None = Field(None, description="RunPod runs: 1 for the first submission")


class EpochEndEvent(_Event):
    kind: Literal["epoch_end"] = "epoch_end"
    trial_number: int
    epoch: int = Field(description="1-based")
    epochs: int
    val_accuracy: Finite = None
    val_loss: Finite = None
    health_alarm: HealthAlarm | None = Field(
        None, description="the worker's live health check found training pointless"
    )


class TrialFinishedEvent(_Event):
    kind: Literal["trial_finished"] = "trial_finished"
    trial_number: int
    state: Literal["COMPLETE", "FAIL", "PRUNED"]
    error: str | None = None
    metrics: TrialMetrics = TrialMetrics()
    total_score: Finite = None
    trials_done: int
    trials_total: int
    best_trial: int | None = None
    best_value: Finite = None
    pruned: PruneInfo | None = None


class PlotsDrawnEvent(_Event):
    kind: Literal["plots_drawn"] = "plots_drawn"
    trial_number: int
    written: int
    skipped: dict[str, str] = Field({}, description="plot name -> why it was not drawn")


class NoticeEvent(_Event):
    kind: Literal["notice"] = "notice"
    message: str


class RunFinishedEvent(_Event):
    kind: Literal["run_finished"] = "run_finished"
    best_trial: int | None = None
    best_value: Finite = None


RunEvent = Annotated[
    RunStartedEvent
    | TrialStartedEvent
    | EpochEndEvent
    | TrialFinishedEvent
    | PlotsDrawnEvent
    | NoticeEvent
    | RunFinishedEvent,
    Field(discriminator="kind"),
]
RUN_EVENTS: TypeAdapter[RunEvent] = TypeAdapter(RunEvent)

ProgressCallback = Callable[[RunEvent], None]
# Asked after each epoch of one trial: None to go on, or why the trial stops at that epoch.
EpochJudge = Callable[[EpochEndEvent], PruneInfo | None]


def read_event(data: str | bytes | dict[str, object]) -> RunEvent:
    """One event from JSON (a worker's stream, a test); SchemaError names what was wrong."""
    try:
        if isinstance(data, (str, bytes)):
            return RUN_EVENTS.validate_json(data)
        return RUN_EVENTS.validate_python(data)
    except ValidationError as exc:
        raise SchemaError(f"not a progress event: {exc.errors()[:3]}") from exc
