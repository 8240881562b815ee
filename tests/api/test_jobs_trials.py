"""GET /jobs/{job_id}/trials: a job's trials page by page, as /runs/{run}/trials pages a run's,
read from a real run folder (the optimizer on the scripted executor) that a finished job names,
so nothing trains."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthopt.api.app import create_app
from healthopt.api.db import COMPLETED
from healthopt.api.jobs import new_job_id

from ..optimize.scripted import Outcome, fail, learning
from ..runs.made_runs import made_run
from .conftest import make_settings

TRIALS = 7


def script(spec) -> Outcome:
    """Trial 4 fails; the others complete with a val accuracy of 0.5 + n/100."""
    if spec.trial_number == 4:
        return fail("boom")
    return learning([0.3, 0.5 + spec.trial_number / 100])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_run(tmp_path_factory.mktemp("made"), "job_run", script, trials=TRIALS, epochs=2)


@pytest.fixture
def job(made: Path, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """A client, and a finished job of the server naming the made run folder."""
    settings = make_settings(tmp_path, results_dir=made.parent)
    with TestClient(create_app(settings)) as client:
        store = client.app.state.healthopt.store
        job_id = new_job_id()
        store.create(job_id, made.name, str(made), {}, {}, trials_total=TRIALS)
        store.update(job_id, trials_completed=TRIALS)
        store.finish(job_id, COMPLETED)
        yield client, job_id


def test_a_jobs_trials_come_page_by_page_with_the_runs_compute(job):
    client, job_id = job
    page = client.get(f"/jobs/{job_id}/trials", params={"offset": 2, "limit": 3}).json()
    assert (page["total"], page["offset"], page["limit"], page["next_offset"]) == (TRIALS, 2, 3, 5)
    assert [t["number"] for t in page["trials"]] == [2, 3, 4]
    compute = client.get("/runs/job_run").json()["compute"]
    assert compute is not None and page["compute"] == compute
    last = client.get(f"/jobs/{job_id}/trials", params={"offset": 5, "limit": 3}).json()
    assert [t["number"] for t in last["trials"]] == [5, 6] and last["next_offset"] is None
    # The default page holds every trial of a small job, as the route always answered.
    everything = client.get(f"/jobs/{job_id}/trials").json()
    assert [t["number"] for t in everything["trials"]] == list(range(TRIALS))
    assert all(t["health_score"] is not None for t in everything["trials"] if t["number"] != 4)


def test_a_jobs_trials_by_score_and_by_state(job):
    client, job_id = job
    by_score = client.get(f"/jobs/{job_id}/trials", params={"order": "score"}).json()
    assert [t["number"] for t in by_score["trials"]] == [6, 5, 3, 2, 1, 0, 4]
    failed = client.get(f"/jobs/{job_id}/trials", params={"state": "FAIL"}).json()
    assert failed["total"] == 1 and failed["trials"][0]["error"] == "boom"


def test_a_job_and_its_run_page_their_trials_alike(job):
    client, job_id = job
    query = {"offset": 1, "limit": 4, "order": "score"}
    of_job = client.get(f"/jobs/{job_id}/trials", params=query).json()
    of_run = client.get("/runs/job_run/trials", params=query).json()
    assert of_run["trials"] == of_job["trials"]
    assert {k: of_run[k] for k in ("total", "offset", "limit", "next_offset")} == {
        k: of_job[k] for k in ("total", "offset", "limit", "next_offset")
    }


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"state": "RUNNING"}, {"order": "health"}],
)
def test_a_page_out_of_bounds_is_refused(job, params: dict):
    client, job_id = job
    assert client.get(f"/jobs/{job_id}/trials", params=params).status_code == 422
