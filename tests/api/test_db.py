from __future__ import annotations

from pathlib import Path

import pytest

from healthopt.api.db import JobNotFound, JobStore


def _store(tmp_path: Path) -> JobStore:
    return JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")


def _create(store: JobStore, job_id: str = "a" * 32):
    return store.create(job_id, "run", "/r/run", {"trials": 2}, {"trials": 2}, trials_total=2)


def test_a_job_survives_a_new_store_on_the_same_file(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    store.mark_started("a" * 32)
    store.update("a" * 32, trials_completed=1, best_score=0.5)
    store.close()

    again = _store(tmp_path).get("a" * 32)
    assert (again.status, again.trials_completed, again.best_score) == ("running", 1, 0.5)
    assert again.request == {"trials": 2} and again.attempts == 1
    assert again.started_at is not None and again.started_at.tzinfo is not None


def test_a_resumed_job_keeps_its_first_start_and_counts_attempts(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    first = store.mark_started("a" * 32).started_at
    second = store.mark_started("a" * 32)
    assert second.started_at == first and second.attempts == 2


def test_a_job_ends_once(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    store.mark_started("a" * 32)
    store.finish("a" * 32, "cancelled", "by request")
    record = store.finish("a" * 32, "completed")
    assert (record.status, record.error) == ("cancelled", "by request")
    with pytest.raises(ValueError):
        store.finish("a" * 32, "running")


def test_list_filters_by_status_in_creation_order(tmp_path: Path):
    store = _store(tmp_path)
    for job_id in ("b" * 32, "c" * 32, "d" * 32):
        _create(store, job_id)
    store.finish("c" * 32, "failed", "x")
    assert [j.id for j in store.list(("pending",))] == ["b" * 32, "d" * 32]
    assert len(store.list()) == 3
    with pytest.raises(JobNotFound):
        store.get("e" * 32)


def test_the_jobs_table_works_on_postgresql(postgres_url: str):
    store = JobStore(postgres_url)
    _create(store)
    store.mark_started("a" * 32)
    store.update("a" * 32, trials_completed=2, best_score=0.75)
    record = store.finish("a" * 32, "completed")
    store.close()
    again = JobStore(postgres_url).get("a" * 32)
    assert (again.status, again.trials_completed, again.best_score) == ("completed", 2, 0.75)
    assert again.finished_at == record.finished_at and again.finished_at.tzinfo is not None
