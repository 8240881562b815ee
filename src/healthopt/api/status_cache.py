"""StatusCache: the status of the jobs this process runs, kept in memory from the runner's events.

`GET /jobs/{id}/status` is polled by every open dashboard, often by many clients at once. Read
from the jobs table and results.json on each poll, it competed with the runner for the GIL and
the database (issue 25: 600 ms p99 at 100 clients). The runner already learns everything a
status says, as it happens, so it keeps one snapshot per job here and a poll only formats it.

What is here: every job this process has claimed, from `open` until it ends, then its final
row (a bounded number of them, oldest dropped first: a final row never changes again). What
is not: another server's jobs on a shared table, jobs that ended before this process saw them,
and a job this process stopped without ending (a shutdown, or another server took it over);
the status route reads those from the table.

Snapshots change only in the runner's threads (open, each event, the ending) and are immutable,
so a reader on the event loop takes one under a short lock and formats it without holding it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from healthopt.api.db import JobRecord
from healthopt.records import (
    ComputeSummary,
    EpochEndEvent,
    RunEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialStartedEvent,
)

# Final snapshots kept after their jobs ended; older ones are read from the table again.
KEEP_FINAL = 256


@dataclass(frozen=True)
class JobSnapshot:
    """A job as this process knows it now: its row with the progress the events brought, the
    run's compute summary as of the last finished trial, and the current trial's epoch count
    (which the table has no column for)."""

    record: JobRecord
    compute: ComputeSummary | None = None
    epochs: int | None = None

    @classmethod
    def opened(cls, record: JobRecord) -> JobSnapshot:
        """A claimed row about to run: no epoch has run in this attempt yet (the row's
        current trial stays until the run says otherwise, as the table's does)."""
        return cls(replace(record, current_epoch=None))

    def after(self, event: RunEvent) -> JobSnapshot:
        """This snapshot once `event` happened; the same one for events that change nothing
        a status shows (plots drawn, notices, the run's end before its row is final)."""
        record = self.record
        if isinstance(event, RunStartedEvent):
            return replace(self, record=replace(record, trials_completed=event.trials_done))
        if isinstance(event, TrialStartedEvent):
            moved = replace(record, current_trial=event.trial_number, current_epoch=0)
            return replace(self, record=moved, epochs=None)
        if isinstance(event, EpochEndEvent):
            moved = replace(record, current_trial=event.trial_number, current_epoch=event.epoch)
            return replace(self, record=moved, epochs=event.epochs)
        if isinstance(event, TrialFinishedEvent):
            counted = replace(
                record,
                trials_completed=event.trials_done,
                best_trial=event.best_trial,
                best_score=event.best_value,
            )
            return replace(self, record=counted)
        return self


class StatusCache:
    """Snapshots of the jobs this process runs or ran, by job id; safe across threads."""

    def __init__(self, keep_final: int = KEEP_FINAL) -> None:
        self.keep_final = keep_final
        self._running: dict[str, JobSnapshot] = {}
        self._final: OrderedDict[str, JobSnapshot] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, job_id: str) -> JobSnapshot | None:
        with self._lock:
            return self._running.get(job_id) or self._final.get(job_id)

    def start(self, record: JobRecord) -> None:
        """This process has claimed `record` and runs it from now on."""
        with self._lock:
            self._final.pop(record.id, None)
            self._running[record.id] = JobSnapshot.opened(record)

    def apply(self, job_id: str, change: Callable[[JobSnapshot], JobSnapshot]) -> None:
        """Replace a running job's snapshot by `change(snapshot)`. A job that is not running
        here (a late event after its ending) is left alone: its ending is the last word."""
        with self._lock:
            snapshot = self._running.get(job_id)
            if snapshot is not None:
                self._running[job_id] = change(snapshot)

    def end(self, record: JobRecord, compute: ComputeSummary | None) -> None:
        """The job ended with the row `record` as its ending left it. A row that is not final
        after all (this server lost the job to another before it could end it) is dropped:
        the table knows what the other server does with it."""
        with self._lock:
            self._running.pop(record.id, None)
            if not record.is_final:
                self._final.pop(record.id, None)
                return
            self._final[record.id] = JobSnapshot(record, compute)
            self._final.move_to_end(record.id)
            while len(self._final) > self.keep_final:
                self._final.popitem(last=False)

    def drop(self, job_id: str) -> None:
        """Forget a job this process no longer runs and did not end (a shutdown, a takeover)."""
        with self._lock:
            self._running.pop(job_id, None)
            self._final.pop(job_id, None)
