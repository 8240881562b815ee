"""Fixtures for the API tests: an app on a temporary results folder, and crafted run folders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from healthopt.api.app import create_app
from healthopt.api.db import JobRecord, JobStore
from healthopt.api.jobs import new_job_id
from healthopt.api.settings import ServerSettings
from healthopt.config import ScoringWeights

ARCHITECTURE = Path(__file__).parents[1] / "visualization" / "data" / "cnn_architecture.json"


def make_settings(tmp_path: Path, **overrides) -> ServerSettings:
    values = {
        "results_dir": tmp_path / "results",
        "max_workers_per_job": 2,
        "api_token": None,
        "database_url": "",
        "allowed_hosts": "testserver",  # the Host TestClient sends
        "_env_file": None,  # a developer's .env must not change the tests
    }
    values.update(overrides)
    return ServerSettings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: ServerSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def finished_job(store: JobStore, results_dir: Path, accuracy: float = 0.9) -> JobRecord:
    """A completed job with a crafted run folder: one trial, its plot, architecture and model.

    Lets the read-only endpoints be tested without training anything.
    """
    job_id = new_job_id()
    run_name = f"digits_simple_{job_id[:12]}"
    run_dir = results_dir / run_name
    model_name = f"optimized_digits_acc_{accuracy:.4f}.keras"
    trial = {
        "number": 0,
        "state": "COMPLETE",
        "value": accuracy,
        "params": {"num_layers_conv": 1},
        "metrics": {"val_accuracy": accuracy, "test_accuracy": accuracy - 0.01},
        "health": {"neuron_utilization": 1.0, "training_stability": 0.5},
        "total_score": accuracy,
        "num_parameters": 7002,
    }
    (run_dir / "trials" / "trial_0").mkdir(parents=True)
    (run_dir / "plots" / "trial_0").mkdir(parents=True)
    (run_dir / "optimized_model").mkdir(parents=True)
    (run_dir / "results.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "run_name": run_name,
                "dataset": "digits",
                "mode": "simple",
                "trials_requested": 1,
                "scoring_weights": ScoringWeights.for_mode("simple").to_dict(),
                "best_trial": 0,
                "best_value": accuracy,
                "optimized_model_path": f"optimized_model/{model_name}",
                "trials": [trial],
            }
        )
    )
    (run_dir / "trials" / "trial_0" / "architecture.json").write_text(ARCHITECTURE.read_text())
    Image.new("RGB", (4, 4), "red").save(run_dir / "plots" / "trial_0" / "training_history.png")
    (run_dir / "optimized_model" / model_name).write_bytes(b"PK\x03\x04 not really a model")
    request = {"dataset_name": "digits", "trials": 1, "mode": "simple"}
    store.create(
        job_id, run_name, str(run_dir), request, {"dataset_name": "digits"}, trials_total=1
    )
    store.update(job_id, trials_completed=1, best_trial=0, best_score=accuracy)
    return store.finish(job_id, "completed")
