"""The events of `WS /ws/jobs/{id}`, as types for clients.

A run's own events are the records' (`healthopt.records.progress`); the server adds the three
about the job itself: `status` (the snapshot a socket starts with), `job_status` and
`job_finished`. WebSockets are not part of OpenAPI, so `healthopt.api.openapi_export` adds
`ProgressEvent` to the schema's components: the dashboard's TypeScript types for it are
generated like the rest.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from healthopt.api.schemas.jobs import JobStatus, JobStatusName
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
