"""`healthopt serve` as a real process: killed mid-job and restarted, and driven by the curl
scripts of seed 002's Test 1."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psutil
import pytest

from healthopt.api.db import JobStore
from healthopt.records import COMPLETE, RunResults

from .serving import Server

pytestmark = pytest.mark.slow
REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("serve"))
    server.start()
    yield server
    server.stop()


def test_a_job_survives_sigkill_of_the_server_and_runs_its_trials_once(server: Server):
    body = {"dataset_name": "digits", "trials": 3, "max_epochs_per_trial": 3, "seed": 5,
            "plot_generation": "none"}  # fmt: skip
    job_id = server.post("/optimize", body)["job_id"]
    server.wait_status(
        job_id,
        lambda s: s["trials_completed"] >= 1 and s["current_trial"] == 1 and s["current_epoch"],
    )
    workers = psutil.Process(server.process.pid).children(recursive=True)
    assert workers, "trials run in worker processes"
    jobs_table = f"sqlite:///{server.results / 'jobs.db'}"
    run_dir = Path(JobStore(jobs_table, server.results).get(job_id).run_dir)
    before = RunResults.from_json((run_dir / "results.json").read_text()).trials

    server.process.kill()  # SIGKILL: no cleanup of any kind
    server.process.wait()
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, "workers must die with the server, not train on as orphans"

    server.start()
    status = server.wait_status(job_id, lambda s: s["status"] not in ("pending", "running"))
    assert status["status"] == "completed", status
    assert (status["trials_completed"], status["trials_total"]) == (3, 3)

    trials = RunResults.from_json((run_dir / "results.json").read_text()).trials
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers))  # no trial number was run twice
    counted = [t for t in trials if not t.interrupted]
    assert [t.state for t in counted] == [COMPLETE] * 3
    interrupted = [t for t in trials if t.interrupted]
    assert [t.number for t in interrupted] == [1]  # the one killed mid-training
    assert trials[0] == before[0]  # the finished trial is kept as it was
    assert server.get(f"/jobs/{job_id}/best-model")["model_ready"] is True
    store = JobStore(f"sqlite:///{server.results / 'jobs.db'}")
    assert store.get(job_id).attempts == 2


def test_seed_002_test_1_as_a_curl_script(server: Server, tmp_path: Path):
    out = tmp_path / "downloads"
    env = {
        **{k: v for k, v in os.environ.items() if k != "HEALTHOPT_API_TOKEN"},
        "BASE_URL": server.base,
        "EPOCHS": "2",
        "TIMEOUT": "300",
        "OUT": str(out),
    }
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "test_curl_local.sh")],
        env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    models = list(out.rglob("*.keras"))
    assert len(models) == 1 and models[0].stat().st_size > 10_000
    assert list(out.rglob("*.zip")) and len(list(out.rglob("*.png"))) >= 10
    best = json.loads(next(out.rglob("best_model.json")).read_text())
    assert best["architecture"]["cytoscape"]["elements"]
