"""Real jobs through the app: progress over the WebSocket, results, downloads, cancel."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from healthopt.api.app import create_app
from healthopt.api.schemas.progress import ProgressEvent

from .conftest import make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One 2-trial digits job run to the end, with every progress event it pushed."""
    settings = make_settings(tmp_path_factory.mktemp("api"))
    with TestClient(create_app(settings)) as client:
        body = {"dataset_name": "digits", "trials": 2, "max_epochs_per_trial": 2, "seed": 3}
        job_id = client.post("/optimize", json=body).json()["job_id"]
        events = []
        with client.websocket_connect(f"/ws/jobs/{job_id}") as socket:
            while not events or events[-1]["kind"] != "job_finished":
                events.append(socket.receive_json())
        yield client, job_id, events


def test_progress_arrives_over_the_websocket_in_order(finished):
    _, job_id, events = finished
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "status" and kinds[-2:] == ["job_status", "job_finished"]
    epochs = [(e["trial_number"], e["epoch"]) for e in events if e["kind"] == "epoch_end"]
    assert epochs == [(0, 1), (0, 2), (1, 1), (1, 2)]
    finished_trials = [e for e in events if e["kind"] == "trial_finished"]
    assert [e["trials_done"] for e in finished_trials] == [1, 2]
    assert all(e["job_id"] == job_id for e in events)
    # The schema the dashboard's types are generated from describes every real event.
    adapter = TypeAdapter(ProgressEvent)
    assert [adapter.validate_python(e).kind for e in events] == kinds


def test_status_and_trials_of_a_completed_job(finished):
    client, job_id, _ = finished
    status = client.get(f"/jobs/{job_id}/status").json()
    assert status["status"] == "completed" and status["error"] is None
    assert (status["trials_completed"], status["trials_total"]) == (2, 2)
    assert status["current_trial"] is None and status["elapsed_seconds"] > 0
    trials = client.get(f"/jobs/{job_id}/trials").json()["trials"]
    assert [t["number"] for t in trials] == [0, 1]
    assert status["best_score"] == max(t["total_score"] for t in trials)
    assert all(set(t["health"]) >= {"neuron_utilization", "gradient_health"} for t in trials)
    assert [j["job_id"] for j in client.get("/jobs").json()["jobs"]] == [job_id]


def test_best_model_carries_the_architecture_view(finished):
    client, job_id, _ = finished
    best = client.get(f"/jobs/{job_id}/best-model").json()
    status = client.get(f"/jobs/{job_id}/status").json()
    assert best["trial_number"] == status["best_trial"] and best["model_ready"] is True
    elements = best["architecture"]["cytoscape"]["elements"]
    ids = {e["data"]["id"] for e in elements if "source" not in e["data"]}
    edges = [e["data"] for e in elements if "source" in e["data"]]
    assert {"input", "output"} <= ids and all(
        e["source"] in ids and e["target"] in ids for e in edges
    )
    layers = best["architecture"]["visualization"]["layers"]
    assert sum(layer["parameters"] for layer in layers) == best["num_parameters"]
    download = client.get(f"/jobs/{job_id}/best-model/download")
    assert "attachment" in download.headers["content-disposition"]
    assert json.loads(download.content) == best
    architecture = client.get(best["architecture_url"])
    assert "attachment" in architecture.headers["content-disposition"]
    assert json.loads(architecture.content) == best["architecture"]


def test_best_model_carries_diagnostics_and_layer_health(finished):
    client, job_id, _ = finished
    best = client.get(f"/jobs/{job_id}/best-model").json()
    diagnostics = best["diagnostics"]
    assert 0 <= diagnostics["health_score"] <= 100 and diagnostics["issue_count"] == len(
        diagnostics["issues"]
    )
    assert all(issue["suggestion"] for issue in diagnostics["issues"])
    node_ids = {e["data"]["id"] for e in best["architecture"]["cytoscape"]["elements"]}
    weighted = {name for name, layer in best["layer_health"].items() if layer["alpha"]}
    assert weighted and weighted <= node_ids  # keyed by the graph's node ids
    assert all(0 <= layer["weight_health"] <= 1 for layer in best["layer_health"].values()
               if layer["weight_health"] is not None)  # fmt: skip
    trial = next(
        t for t in client.get(f"/jobs/{job_id}/trials").json()["trials"]
        if t["number"] == best["trial_number"]
    )  # fmt: skip
    assert trial["health_score"] == best["health_score"] and 0 < trial["health_score"] <= 1
    assert trial["num_parameters"] == best["num_parameters"]


def test_model_and_plots_download(finished):
    client, job_id, _ = finished
    model = client.get(f"/download/{job_id}")
    assert model.status_code == 200 and model.headers["content-disposition"].endswith('.keras"')
    assert zipfile.is_zipfile(io.BytesIO(model.content))  # a .keras file is a zip
    plots = client.get(f"/jobs/{job_id}/plots").json()["plots"]
    assert len(plots) >= 10 and {p["trial"] for p in plots} == {
        client.get(f"/jobs/{job_id}/status").json()["best_trial"]
    }  # plot mode "best"
    png = client.get(plots[0]["url"])
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/jobs/{job_id}/download/plots").content))
    assert sorted(archive.namelist()) == sorted(f"trial_{p['trial']}/{p['name']}" for p in plots)


def test_tensorboard_for_a_job(finished):
    client, job_id, _ = finished
    started = client.post(f"/jobs/{job_id}/tensorboard/start").json()
    assert started["running"] and started["url"].startswith("http://127.0.0.1:")
    assert client.get(f"/jobs/{job_id}/tensorboard/status").json()["pid"] == started["pid"]
    # The trials' own event files: the run folder is the logdir.
    assert Path(started["logdir"], "trials", "trial_0", "tensorboard", "train").is_dir()
    assert client.post(f"/jobs/{job_id}/tensorboard/stop").json()["running"] is False


def _wait_for(client: TestClient, job_id: str, statuses: tuple[str, ...], timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/jobs/{job_id}/status").json()
        if status["status"] in statuses:
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {statuses}: {status}")


def test_cancel_a_running_and_a_pending_job(tmp_path: Path):
    with TestClient(create_app(make_settings(tmp_path, max_running_jobs=1))) as client:
        body = {"dataset_name": "digits", "trials": 50, "max_epochs_per_trial": 3}
        running = client.post("/optimize", json=body).json()["job_id"]
        queued = client.post("/optimize", json=body).json()["job_id"]
        assert client.get(f"/jobs/{queued}/status").json()["status"] == "pending"
        cancelled = client.post(f"/jobs/{queued}/cancel").json()
        assert cancelled["status"] == "cancelled"
        assert client.post(f"/jobs/{queued}/cancel").status_code == 409

        with client.websocket_connect(f"/ws/jobs/{running}") as socket:
            while socket.receive_json()["kind"] != "trial_finished":
                pass
        client.post(f"/jobs/{running}/cancel")
        status = _wait_for(client, running, ("cancelled",))
        assert status["trials_completed"] >= 1 and "finished trials are kept" in status["error"]
        trials = client.get(f"/jobs/{running}/trials").json()["trials"]
        assert [t["state"] for t in trials if not t.get("interrupted")].count("COMPLETE") >= 1
        assert client.get(f"/download/{running}").status_code == 404  # never assembled
        results_dir = client.app.state.healthopt.results_dir
        assert not any(queued[:12] in p.name for p in results_dir.iterdir())  # never started


def test_an_app_started_again_after_shutdown_still_runs_jobs(tmp_path: Path):
    app = create_app(make_settings(tmp_path))
    with TestClient(app):
        pass
    with TestClient(app) as client:
        body = {"dataset_name": "digits", "trials": 1, "max_epochs_per_trial": 1}
        job_id = client.post("/optimize", json=body).json()["job_id"]
        assert _wait_for(client, job_id, ("completed", "failed"))["status"] == "completed"
