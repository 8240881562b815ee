"""Users' own models over HTTP: a request names a model the operator registered
(HEALTHOPT_MODELS), never a module; the server imports nothing a request names."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from healthopt.api.app import create_app

from .conftest import make_settings

USER_MODELS = Path(__file__).resolve().parents[1] / "hypermodel"


@pytest.fixture
def user_models(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(USER_MODELS))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(USER_MODELS), os.environ.get("PYTHONPATH", "")])
    )
    return USER_MODELS


def _planted_module(folder: Path, name: str) -> Path:
    """A module that leaves a file behind if anything ever imports it."""
    marker = folder / f"{name}.imported"
    (folder / f"{name}.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
        "def build(hp):\n    raise RuntimeError('never to be called')\n"
    )
    return marker


def test_a_request_cannot_make_the_server_import_a_module(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    marker = _planted_module(tmp_path, "planted_by_request")
    settings = make_settings(tmp_path, models="residual=user_hypermodels:build")
    with TestClient(create_app(settings)) as client:
        for model in ("planted_by_request", "planted_by_request:build", "os:system", "../x"):
            body = {"dataset_name": "digits", "trials": 1, "max_epochs_per_trial": 1,
                    "model": model}  # fmt: skip
            response = client.post("/optimize", json=body)
            assert response.status_code == 422, response.text
            detail = json.dumps(response.json())
            assert "model" in detail
        unregistered = client.post(
            "/optimize",
            json={"trials": 1, "max_epochs_per_trial": 1, "model": "planted_by_request"},
        ).json()
        assert "not registered on this server (residual)" in json.dumps(unregistered)
        assert client.get("/jobs").json()["jobs"] == []
    assert not marker.exists()
    assert "planted_by_request" not in sys.modules


def test_health_lists_the_registered_models_and_bad_registrations_stop_the_server(tmp_path):
    settings = make_settings(tmp_path, models="b=pkg.mod:build_b, a=pkg.mod:build_a")
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["models"] == ["a", "b"]
    with pytest.raises(ValidationError, match="name=module:function"):
        make_settings(tmp_path, models="resnet")
    with pytest.raises(ValidationError, match="module:function"):
        make_settings(tmp_path, models="resnet=not a module")


@pytest.mark.slow
def test_a_registered_model_runs_as_a_job(tmp_path, user_models):
    settings = make_settings(tmp_path, models="residual=user_hypermodels:build")
    with TestClient(create_app(settings)) as client:
        body = {"dataset_name": "digits", "trials": 2, "max_epochs_per_trial": 1,
                "model": "residual", "plot_generation": "none"}  # fmt: skip
        job_id = client.post("/optimize", json=body).json()["job_id"]
        deadline = time.monotonic() + 240
        while (status := client.get(f"/jobs/{job_id}/status").json())["status"] not in (
            "completed",
            "failed",
        ):
            assert time.monotonic() < deadline, status
            time.sleep(0.3)
        assert status["status"] == "completed", status
        trials = client.get(f"/jobs/{job_id}/trials").json()["trials"]
        assert len(trials) == 2 and all("residual_blocks" in t["params"] for t in trials)


def test_a_job_another_server_accepted_runs_only_with_a_model_this_server_registered(
    tmp_path, monkeypatch
):
    """Servers share one jobs table: a row naming a model this operator did not register
    fails with the reason, and its module is never imported here."""
    from healthopt.api.db import FAILED, JobStore
    from healthopt.api.jobs import JobManager, new_job_id
    from healthopt.config import OptimizationConfig

    monkeypatch.syspath_prepend(str(tmp_path))
    marker = _planted_module(tmp_path, "registered_elsewhere")
    store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
    config = OptimizationConfig(
        trials=1, max_epochs_per_trial=1, model="registered_elsewhere:build", run_name="r",
        output_dir=str(tmp_path / "results"),
    )  # fmt: skip
    job_id = new_job_id()
    store.create(job_id, "r", "r", {}, config.to_dict(), 1)
    manager = JobManager(store, tmp_path / "results", models={"mine": "user_hypermodels:build"})
    manager.runner.schedule()
    record = manager.wait(job_id, timeout=60)
    manager.shutdown()
    assert record.status == FAILED
    assert "'registered_elsewhere:build' is not registered on this server" in record.error
    assert not marker.exists() and "registered_elsewhere" not in sys.modules
