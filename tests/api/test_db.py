from __future__ import annotations

from pathlib import Path

import pytest

from healthopt.api.db import JobNotFound, JobStore

from ..postgres import fresh_database

OWNER = "host:1:a"


def _store(tmp_path: Path) -> JobStore:
    return JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")


def _claim(store: JobStore, owner: str = OWNER, lease: float = 30.0):
    claimed = store.claim_next(owner, lease)
    assert claimed is not None
    return claimed


def _create(store: JobStore, job_id: str = "a" * 32):
    return store.create(job_id, "run", "/r/run", {"trials": 2}, {"trials": 2}, trials_total=2)


def test_a_job_survives_a_new_store_on_the_same_file(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    _claim(store)
    store.update("a" * 32, trials_completed=1, best_score=0.5)
    store.close()

    again = _store(tmp_path).get("a" * 32)
    assert (again.status, again.trials_completed, again.best_score) == ("running", 1, 0.5)
    assert again.request == {"trials": 2} and again.attempts == 1
    assert again.started_at is not None and again.started_at.tzinfo is not None


def test_a_resumed_job_keeps_its_first_start_and_counts_attempts(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    first = _claim(store, lease=-1).started_at  # a lease already run out: free to take over
    second = _claim(store, owner="host:2:b")
    assert second.started_at == first and second.attempts == 2 and second.owner == "host:2:b"


def test_a_job_ends_once(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    _claim(store)
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
    _claim(store)
    store.update("a" * 32, trials_completed=2, best_score=0.75)
    record = store.finish("a" * 32, "completed")
    store.close()
    again = JobStore(postgres_url).get("a" * 32)
    assert (again.status, again.trials_completed, again.best_score) == ("completed", 2, 0.75)
    assert again.finished_at == record.finished_at and again.finished_at.tzinfo is not None


def test_a_live_lease_is_not_taken_over_and_an_expired_one_is(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    _claim(store, owner="elsewhere:1:a", lease=30)
    assert store.claim_next("elsewhere:2:b", 30) is None  # live lease: nothing to claim
    store.update("a" * 32, lease_expires_at=store.get("a" * 32).started_at)  # ran out
    taken = store.claim_next("elsewhere:2:b", 30)
    assert taken is not None and taken.owner == "elsewhere:2:b" and taken.attempts == 2


def test_renewal_tells_the_old_owner_it_lost_the_job(tmp_path: Path):
    from healthopt.api.db import Heartbeat

    store = _store(tmp_path)
    _create(store)
    _claim(store, owner="h:1:a", lease=-1)
    _claim(store, owner="h:2:b")
    assert store.renew("a" * 32, "h:1:a", 30) is Heartbeat.LOST
    assert store.renew("a" * 32, "h:2:b", 30) is Heartbeat.RENEWED
    store.request_cancel("a" * 32)
    assert store.renew("a" * 32, "h:2:b", 30) is Heartbeat.CANCEL
    # The old owner may not end a job it lost.
    assert store.finish("a" * 32, "failed", "late", owner="h:1:a").status == "running"


def test_a_dead_owner_on_this_host_is_taken_over_at_once(tmp_path: Path):
    store = _store(tmp_path)
    _create(store)
    _claim(store, owner="thishost:99:a", lease=3600)
    assert store.claim_next("thishost:7:b", 30) is None
    taken = store.claim_next("thishost:7:b", 30, owner_is_dead=lambda owner: owner.endswith(":a"))
    assert taken is not None and taken.owner == "thishost:7:b"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_stores_racing_for_one_row_claim_it_once(tmp_path: Path, backend: str, request):
    """Many threads on two engines over one table: each job is claimed exactly once
    (compare-and-set on SQLite, FOR UPDATE SKIP LOCKED and compare-and-set on PostgreSQL)."""
    import threading

    if backend == "sqlite":
        first, second = _store(tmp_path), _store(tmp_path)
        ids = [f"{n}" * 32 for n in range(5)]
    else:
        url = fresh_database(request.getfixturevalue("postgres_url"), "claim_race")
        first, second = JobStore(url), JobStore(url)
        ids = [f"{n}" * 32 for n in range(5)]
    for job_id in ids:
        _create(first, job_id)
    claims: list[str] = []
    lock = threading.Lock()

    def claim_all(store: JobStore, owner: str) -> None:
        while (job := store.claim_next(owner, 30)) is not None:
            with lock:
                claims.append(job.id)

    threads = [
        threading.Thread(target=claim_all, args=(store, f"h:{i}:x"))
        for i, store in enumerate([first, second, first, second])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claims) == sorted(ids)


def test_run_dir_comes_from_this_servers_results_folder_not_the_row(tmp_path: Path):
    store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}", results_dir=tmp_path / "mine")
    store.create("a" * 32, "run", "/other/server/run", {}, {}, trials_total=1)
    assert store.get("a" * 32).run_dir == str(tmp_path / "mine" / "run")


def test_an_older_table_gains_the_lease_columns(tmp_path: Path):
    import sqlite3

    path = tmp_path / "jobs.db"
    store = _store(tmp_path)
    _create(store)
    store.close()
    with sqlite3.connect(path) as db:  # the table as the first release wrote it
        db.execute("DROP INDEX IF EXISTS ix_jobs_kind")
        for column in ("owner", "lease_expires_at", "cancel_requested", "kind"):
            db.execute(f"ALTER TABLE jobs DROP COLUMN {column}")
    again = _store(tmp_path)
    assert again.get("a" * 32).status == "pending"
    assert again.claim_next(OWNER, 30) is not None


def test_a_table_healthopt_did_not_write_is_refused(tmp_path: Path):
    import sqlite3

    from healthopt.api.db import JobsTableError

    with sqlite3.connect(tmp_path / "jobs.db") as db:
        db.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, payload TEXT)")
    with pytest.raises(JobsTableError, match="did not write it"):
        _store(tmp_path)


def test_a_corrupt_file_is_a_jobs_table_error(tmp_path: Path):
    from healthopt.api.db import JobsTableError

    (tmp_path / "jobs.db").write_bytes(b"\x13garbage" * 512)
    with pytest.raises(JobsTableError, match="not a readable jobs database"):
        _store(tmp_path)
