"""Several real `healthopt serve` processes on one jobs table (issue 19): each job runs exactly
once, and a PostgreSQL outage mid-job heals itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from healthopt.api.db import JobStore
from healthopt.records import RunResults

from ..postgres import fresh_database, postgres_bin, running_cluster
from .serving import Server

pytestmark = pytest.mark.slow
# No plots: these tests are about who runs a job and how often, and the best trial's plots
# would add seconds of drawing to every job.
JOB = {"dataset_name": "digits", "trials": 2, "max_epochs_per_trial": 1, "plot_generation": "none"}
LEASE = {"HEALTHOPT_JOB_LEASE_SECONDS": "9"}  # keepers poll every 3 s


def _finished(status: dict) -> bool:
    return status["status"] not in ("pending", "running")


def _wait_through_errors(server: Server, job_id: str, timeout: float = 300) -> dict:
    """The job's final status, asking again while the server answers 503 (database down)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = server.get(f"/jobs/{job_id}/status")
        except OSError:
            time.sleep(1)
            continue
        if _finished(status):
            return status
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish\n{server.log_tail()}")


def _run_five_jobs_on_two_servers(first: Server, second: Server) -> list[str]:
    """The probe: post to A, start B while A runs, post to B; wait for all five."""
    first.start()
    jobs = [first.post("/optimize", {**JOB, "seed": n})["job_id"] for n in range(3)]
    first.wait_status(jobs[0], lambda s: s["status"] == "running")
    second.start()
    jobs += [second.post("/optimize", {**JOB, "seed": n})["job_id"] for n in range(3, 5)]
    for job_id in jobs:
        status = first.wait_status(job_id, _finished, timeout=600)
        assert status["status"] == "completed", (status, first.log_tail(), second.log_tail())
    return jobs


def _assert_each_ran_once(store: JobStore, jobs: list[str], servers: list[Server]) -> None:
    for job_id in jobs:
        record = store.get(job_id)
        assert record.attempts == 1, f"job {job_id} was started {record.attempts} times"
        homes = [
            s.results / record.run_name for s in servers if (s.results / record.run_name).is_dir()
        ]
        assert len(homes) == 1, f"job {job_id} has run folders in {homes}"
        trials = RunResults.from_json((homes[0] / "results.json").read_text()).trials
        assert [t.number for t in trials] == [0, 1]
        assert not [t for t in trials if t.interrupted], "a live owner's trial was interrupted"
    for server in servers:
        assert "resuming" not in server.log_tail(), server.log_tail()


def test_two_servers_on_one_sqlite_results_folder_run_each_job_once(tmp_path: Path):
    first = Server(tmp_path / "a", env=LEASE)
    second = Server(tmp_path / "b", env=LEASE)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    second.results = first.results  # the same folder, so the same jobs.db
    try:
        jobs = _run_five_jobs_on_two_servers(first, second)
    finally:
        first.stop()
        second.stop()
    store = JobStore(f"sqlite:///{first.results / 'jobs.db'}", first.results)
    _assert_each_ran_once(store, jobs, [first])


def test_two_servers_on_one_postgresql_table_run_each_job_once(tmp_path: Path, postgres_url):
    url = fresh_database(postgres_url, "two_servers")
    env = {**LEASE, "HEALTHOPT_DATABASE_URL": url}
    first, second = Server(tmp_path / "a", env=env), Server(tmp_path / "b", env=env)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    try:
        jobs = _run_five_jobs_on_two_servers(first, second)
    finally:
        first.stop()
        second.stop()
    # Different results folders: each job's run folder is in the folder of the server that ran
    # it, never in the other's.
    _assert_each_ran_once(JobStore(url), jobs, [first, second])


def _trials_done(run_dir: Path) -> int:
    """Trials results.json counts as finished: read from the run folder, not the database."""
    try:
        return len(RunResults.from_json((run_dir / "results.json").read_text()).trials)
    except (OSError, ValueError):
        return 0


@pytest.mark.skipif(postgres_bin() is None, reason="Debian's postgresql server is not installed")
@pytest.mark.parametrize(
    "back_after_trials",
    [1, 3],
    ids=["the job goes on after the outage", "the job ends during the outage"],
)
def test_a_job_completes_after_the_jobs_database_is_down_for_20_seconds(
    tmp_path: Path, back_after_trials: int
):
    with running_cluster() as cluster:
        server = Server(tmp_path, env={"HEALTHOPT_DATABASE_URL": cluster.url, **LEASE})
        server.start()
        try:
            body = {**JOB, "trials": 3, "max_epochs_per_trial": 2}
            job_id = server.post("/optimize", body)["job_id"]
            running = server.wait_status(job_id, lambda s: s["current_trial"] is not None)
            cluster.stop()
            down_since = time.monotonic()
            run_dir = server.results / running["run_name"]
            deadline = down_since + 300
            while time.monotonic() < deadline and (
                time.monotonic() - down_since < 20 or _trials_done(run_dir) < back_after_trials
            ):
                time.sleep(0.5)
            with pytest.raises(OSError, match="503"):  # not 500: the client may retry
                server.get("/jobs")  # the list reads the table
            if _trials_done(run_dir) < 3:
                # A job this server runs is served from memory, database or not (issue 25).
                assert server.get(f"/jobs/{job_id}/status")["status"] == "running"
            done_in_outage = _trials_done(run_dir)
            cluster.start()
            outage = time.monotonic() - down_since
            status = _wait_through_errors(server, job_id)
            health = server.get("/health")
        finally:
            server.stop()
        assert outage >= 20 and done_in_outage >= back_after_trials
        assert status["status"] == "completed", (status, server.log_tail())
        # Progress the outage kept back is recorded, also when the job ended meanwhile.
        assert status["trials_completed"] == 3 and status["best_score"] is not None
        assert health["jobs_running"] == 0
        record = JobStore(cluster.url).get(job_id)
        assert record.attempts == 1, "the outage must not restart the job"
        assert "Exception in thread" not in server.log_tail()
