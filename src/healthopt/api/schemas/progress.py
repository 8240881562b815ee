"""The events of `WS /ws/jobs/{id}` and `WS /ws/studies/{id}`, as types for clients.

A run's own events are the records' (`healthopt.records.progress`); the server adds the three
about the job itself: `status` (the snapshot a socket starts with), `job_status` and
`job_finished`. WebSockets are not part of OpenAPI, so `healthopt.api.openapi_export` adds
`ProgressEvent` to the schema's components: the dashboard's TypeScript types for it are
generated like the rest.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from healthopt.api.schemas.jobs import JobStatus, JobStatusName
from healthopt.api.schemas.studies import StudyStateName, StudyStatus
from healthopt.records import (
    EpochEndEvent,
    NoticeEvent,
    PlotsDrawnEvent,
    Record,
    RunFinishedEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialStartedEvent,
)


class StatusEvent(JobStatus):
    """The first message on every socket: the job's status when it connected."""

    kind: Literal["status"] = "status"


class JobStatusEvent(Record):
    """The job's status changed (started, cancelled, ended)."""

    kind: Literal["job_status"] = "job_status"
    job_id: str
    status: JobStatusName


class JobFinishedEvent(Record):
    """The last message: the server closes the socket after it."""

    kind: Literal["job_finished"] = "job_finished"
    job_id: str
    status: JobStatusName


# Every member of records.RunEvent, plus the server's own; tests/api/test_openapi_export.py
# checks that none of the records' events is missing here.
ProgressEvent = Annotated[
    StatusEvent
    | RunStartedEvent
    | TrialStartedEvent
    | EpochEndEvent
    | TrialFinishedEvent
    | PlotsDrawnEvent
    | NoticeEvent
    | RunFinishedEvent
    | JobStatusEvent
    | JobFinishedEvent,
    Field(discriminator="kind"),
]


class StudyStatusEvent(StudyStatus):
    """The first message on a study's socket: its status when it connected."""

    kind: Literal["study_status"] = "study_status"


class StudyEventMessage(Record):
    """One of the study's own events (study_started, study_run_started, module_finished, ...)
    or one of its runs' events tagged with `study_mode` and `run_index`, as the study emits it."""

    kind: Literal["study_event"] = "study_event"
    study_id: str
    event: dict[str, Any]


class StudyFinishedEvent(Record):
    """The last message on a study's socket: the server closes it after this."""

    kind: Literal["study_finished"] = "study_finished"
    study_id: str
    state: StudyStateName


StudyProgressEvent = Annotated[
    StudyStatusEvent | StudyEventMessage | StudyFinishedEvent, Field(discriminator="kind")
]
