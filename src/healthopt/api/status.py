"""A job's status as the API reports it: the stored row, overlaid with live progress."""

from __future__ import annotations

from healthopt.api.db import JobRecord
from healthopt.api.jobs import LiveProgress
from healthopt.api.schemas.jobs import JobStatus
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


def _mode(spelling: object) -> Mode:
    """The stored request's mode; rows written before v2 spell it "health_aware". Read without
    Mode.parse's warning: the client did nothing wrong, the row is only old."""
    text = str(spelling or Mode.SIMPLE)
    return LEGACY_SPELLINGS.get(text) or Mode(text)
