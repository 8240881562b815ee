"""Limits with clear errors (issue 19, probe 8): a bounded queue, a ceiling on the work one
request may ask for, and one workload at a time across jobs and studies."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from healthopt.api.app import create_app
from healthopt.api.db import JobStore
from healthopt.api.work import QueueFull, WorkRunner

from .conftest import make_settings

JOB = {"dataset_name": "digits", "trials": 2, "max_epochs_per_trial": 1}
STUDY = {"dataset_name": "digits", "runs_per_mode": 1, "trials_per_mode": 1,
         "max_epochs_per_trial": 1}  # fmt: skip


def test_a_request_for_more_work_than_the_ceiling_is_422_naming_it(tmp_path):
    settings = make_settings(tmp_path, max_trial_epochs=1000)
    with TestClient(create_app(settings)) as client:
        huge = client.post("/optimize", json={**JOB, "trials": 100, "max_epochs_per_trial": 100})
        big_study = {**STUDY, "trials_per_mode": 200, "max_epochs_per_trial": 100}
        study = client.post("/comparison-study/start", json=big_study)
        jobs = client.get("/jobs").json()["jobs"]
    assert huge.status_code == 422
    assert "10,000" in huge.text and "HEALTHOPT_MAX_TRIAL_EPOCHS" in huge.text
    assert study.status_code == 422 and "HEALTHOPT_MAX_TRIAL_EPOCHS" in study.text
    assert jobs == []  # nothing was queued


def test_the_queue_is_bounded_and_a_full_queue_is_429(tmp_path):
    settings = make_settings(tmp_path, max_queued_jobs=2)
    with TestClient(create_app(settings)) as client:
        answers = [client.post("/optimize", json={**JOB, "seed": n}) for n in range(5)]
        study = client.post("/comparison-study/start", json=STUDY)
        statuses = [job["status"] for job in client.get("/jobs").json()["jobs"]]
        for answer in answers:
            if answer.status_code == 200:
                client.post(f"/jobs/{answer.json()['job_id']}/cancel")
    codes = [answer.status_code for answer in answers]
    # One runs, two wait; the rest are refused with the reason and nothing is lost.
    assert codes == [200, 200, 200, 429, 429], [a.text for a in answers]
    assert "HEALTHOPT_MAX_QUEUED_JOBS=2" in answers[3].json()["detail"]
    assert answers[3].headers["retry-after"]
    assert study.status_code == 429  # studies wait in the same queue
    assert sorted(statuses) == ["pending", "pending", "running"]


def test_a_study_waits_while_a_job_runs_and_starts_after_it(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as client:
        job_id = client.post("/optimize", json=JOB).json()["job_id"]
        study_id = client.post("/comparison-study/start", json=STUDY).json()["study_id"]
        state = client.get(f"/comparison-study/{study_id}/status").json()["state"]
        assert client.get(f"/jobs/{job_id}/status").json()["status"] == "running"
        assert state == "pending"  # not beside the job: 2 cores would be shared
        client.post(f"/jobs/{job_id}/cancel")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = client.get(f"/comparison-study/{study_id}/status").json()["state"]
            if state != "pending":
                break
            time.sleep(0.2)
        client.post(f"/comparison-study/{study_id}/cancel")
    assert state == "running"


def test_the_queue_counts_studies_and_jobs_together(tmp_path):
    store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
    runner = WorkRunner(store, tmp_path, max_queued=3)
    for n, kind in enumerate(["optimization", "study", "study"]):
        store.create(f"{n}" * 32, f"run{n}", f"run{n}", {}, {}, 1, kind=kind)
    with pytest.raises(QueueFull, match="3 jobs and studies waiting"):
        runner.check_room("the job")
