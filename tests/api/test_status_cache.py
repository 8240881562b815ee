"""The in-memory job snapshots (api/status_cache.py): what each run event changes, what an
ending leaves, and what is never cached."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from healthopt.api.db import CANCELLED, COMPLETED, RUNNING, JobRecord
from healthopt.api.status_cache import JobSnapshot, StatusCache
from healthopt.records import (
    ComputeSummary,
    EpochEndEvent,
    NoticeEvent,
    PlotsDrawnEvent,
    RunFinishedEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialStartedEvent,
)

JOB = "a" * 32
COMPUTE = ComputeSummary(epochs_budgeted=20, epochs_run=10)


def claimed(job_id: str = JOB, **values) -> JobRecord:
    """A row as a claim leaves it: running, started, with an earlier attempt's progress."""
    record = JobRecord(
        id=job_id,
        status=RUNNING,
        run_name="digits_simple_run",
        run_dir="/results/digits_simple_run",
        request={"dataset_name": "digits", "mode": "simple"},
        config={"dataset_name": "digits"},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        started_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
        finished_at=None,
        trials_total=4,
        current_trial=1,
        current_epoch=3,
        attempts=2,
    )
    return replace(record, **values)


def test_a_claimed_row_keeps_its_trial_but_no_epoch_until_the_run_reports_one():
    snapshot = JobSnapshot.opened(claimed())
    assert (snapshot.record.current_trial, snapshot.record.current_epoch) == (1, None)
    assert snapshot.compute is None and snapshot.epochs is None


def test_each_event_kind_moves_the_snapshot_as_the_table_would_record_it():
    snapshot = JobSnapshot.opened(claimed())
    snapshot = snapshot.after(
        RunStartedEvent(run_name="digits_simple_run", trials_total=4, trials_done=2)
    )
    assert snapshot.record.trials_completed == 2

    snapshot = snapshot.after(TrialStartedEvent(trial_number=2))
    assert (snapshot.record.current_trial, snapshot.record.current_epoch) == (2, 0)

    snapshot = snapshot.after(EpochEndEvent(trial_number=2, epoch=3, epochs=5))
    assert (snapshot.record.current_trial, snapshot.record.current_epoch) == (2, 3)
    assert snapshot.epochs == 5

    snapshot = snapshot.after(
        TrialFinishedEvent(
            trial_number=2,
            state="COMPLETE",
            trials_done=3,
            trials_total=4,
            best_trial=2,
            best_value=0.93,
        )
    )
    record = snapshot.record
    assert (record.trials_completed, record.best_trial, record.best_score) == (3, 2, 0.93)

    # A new trial's start forgets the last one's epoch count.
    assert snapshot.after(TrialStartedEvent(trial_number=3)).epochs is None


def test_events_that_a_status_does_not_show_change_nothing():
    snapshot = JobSnapshot.opened(claimed())
    for event in (
        PlotsDrawnEvent(trial_number=0, written=3),
        NoticeEvent(message="tracking is off"),
        RunFinishedEvent(best_trial=0, best_value=0.9),
    ):
        assert snapshot.after(event) is snapshot


def test_a_running_job_is_served_until_it_ends_then_its_final_row():
    cache = StatusCache()
    assert cache.get(JOB) is None
    cache.start(claimed())
    cache.apply(JOB, lambda s: replace(s.after(TrialStartedEvent(trial_number=2)), compute=COMPUTE))
    running = cache.get(JOB)
    assert running is not None and running.record.current_trial == 2
    assert running.compute == COMPUTE

    final = claimed(status=COMPLETED, current_trial=None, trials_completed=4)
    cache.end(final, COMPUTE)
    ended = cache.get(JOB)
    assert ended is not None and ended.record == final and ended.compute == COMPUTE
    # An event that arrives after the ending (a worker's last line) does not undo it.
    cache.apply(JOB, lambda s: s.after(TrialStartedEvent(trial_number=3)))
    assert cache.get(JOB) == ended


def test_an_ending_that_left_the_row_running_drops_the_job():
    """Another server took the job over before this one could record its ending: the row is
    that server's now, so the status must come from the table."""
    cache = StatusCache()
    cache.start(claimed())
    cache.end(claimed(owner="otherhost:1:abc"), None)
    assert cache.get(JOB) is None


def test_a_stopped_job_is_dropped_and_late_events_do_not_bring_it_back():
    cache = StatusCache()
    cache.start(claimed())
    cache.drop(JOB)
    cache.apply(JOB, lambda s: s.after(TrialStartedEvent(trial_number=2)))
    assert cache.get(JOB) is None


def test_only_the_newest_final_rows_are_kept():
    cache = StatusCache(keep_final=2)
    ids = [str(n) * 32 for n in range(3)]
    for job_id in ids:
        cache.start(claimed(job_id))
        cache.end(claimed(job_id, status=CANCELLED), None)
    assert [cache.get(job_id) is not None for job_id in ids] == [False, True, True]
