"""MlflowTracker against a real MLflow store (SQLite under tmp_path), read back with the client.

MLflow 3 refuses `file:` stores unless MLFLOW_ALLOW_FILE_STORE=true, so the store is SQLite, the
backend MLflow recommends; one database serves the module (making one runs MLflow's migrations,
seconds) and each test has an experiment of its own.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient

from healthopt.records import DiagnosticsSummary, HealthValues, TrialMetrics, TrialRecord
from healthopt.trackers import MlflowTracker

CONFIG = {
    "dataset_name": "digits",
    "mode": "health-aware",
    "trials": 2,
    "seed": 7,
    "timeout_seconds": None,
    "scoring_weights": {"accuracy": 0.5, "neuron_utilization": 0.5},
    "storage_url": "postgresql://optuna:hunter2@db/optuna",
    "mlflow_uri": "http://mlflow.internal",
    "api_token": "tok-3f9",
    "output_dir": "optimization_results",
}
HISTORY = {
    "loss": [1.0, 0.5, 0.25],
    "accuracy": [0.5, 0.75, 0.875],
    "val_loss": [1.25, float("nan"), 0.75],
    "val_accuracy": [0.25, 0.5, 0.625],
}
HEALTH = HealthValues(
    neuron_utilization=0.9,
    parameter_efficiency=0.5,
    training_stability=0.75,
    gradient_health=0.8,
    convergence_quality=0.6,
    accuracy_consistency=None,
)


def record(number: int, state: str = "COMPLETE", **extra: Any) -> TrialRecord:
    values: dict[str, Any] = {
        "number": number,
        "state": state,
        "params": {"learning_rate": 0.001, "optimizer": "adam", "dropout": None},
        "metrics": TrialMetrics(
            val_accuracy=0.625, val_loss=0.75, test_accuracy=0.5, test_loss=0.875
        ),
        "health": HEALTH,
        "total_score": 0.7,
        "diagnostics": DiagnosticsSummary(health_score=80, issue_count=2),
        "epochs_run": 3,
        "num_parameters": 1234,
    }
    values.update(extra)
    return TrialRecord(**values)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mlflow")


@pytest.fixture(scope="module")
def uri(store: Path) -> str:
    return f"sqlite:///{store / 'mlflow.db'}"


@pytest.fixture
def experiment(uri: str, store: Path, request: pytest.FixtureRequest) -> str:
    """A fresh experiment whose artifacts stay under the test's store (a SQLite store would
    put them in ./mlruns of the working folder)."""
    name = request.node.name
    MlflowClient(uri).create_experiment(name, artifact_location=(store / name).as_uri())
    return name


@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "trials" / "trial_0"
    folder.mkdir(parents=True)
    (folder / "history.json").write_text(json.dumps(HISTORY))
    (folder / "model.keras").write_bytes(b"PK\x03\x04 a small model")
    return folder


def runs_by_name(client: MlflowClient, experiment: str) -> dict[str, Any]:
    found = client.get_experiment_by_name(experiment)
    return {run.info.run_name: run for run in client.search_runs([found.experiment_id])}


def history(client: MlflowClient, run_id: str, key: str) -> list[tuple[int, float]]:
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


def test_a_trial_is_a_child_run_with_params_curves_health_and_model(
    uri: str, experiment: str, trial_dir: Path, tmp_path: Path
) -> None:
    tracker = MlflowTracker(uri, experiment, "digits_run", CONFIG)
    tracker.trial_finished(record(0), trial_dir)
    client = MlflowClient(uri)
    runs = runs_by_name(client, experiment)
    parent, child = runs["digits_run"], runs["trial_0"]

    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert child.data.tags["healthopt.state"] == "COMPLETE"
    assert child.info.status == "FINISHED"
    assert child.data.params == {"learning_rate": "0.001", "optimizer": "adam", "dropout": "None"}
    run_id = child.info.run_id
    # Every Keras key, step = epoch; the NaN epoch is left out.
    assert history(client, run_id, "loss") == [(0, 1.0), (1, 0.5), (2, 0.25)]
    assert history(client, run_id, "val_loss") == [(0, 1.25), (2, 0.75)]
    assert history(client, run_id, "val_accuracy") == [(0, 0.25), (1, 0.5), (2, 0.625)]
    metrics = child.data.metrics
    assert {k: metrics[k] for k in metrics if k.startswith("final.")} == {
        "final.val_accuracy": 0.625,
        "final.val_loss": 0.75,
        "final.test_accuracy": 0.5,
        "final.test_loss": 0.875,
    }
    assert {k: metrics[k] for k in metrics if k.startswith("health.")} == {
        "health.neuron_utilization": 0.9,
        "health.parameter_efficiency": 0.5,
        "health.training_stability": 0.75,
        "health.gradient_health": 0.8,
        "health.convergence_quality": 0.6,
    }  # accuracy_consistency is None: not logged
    assert metrics["total_score"] == 0.7
    assert metrics["diagnostics.health_score"] == 80
    assert metrics["diagnostics.issue_count"] == 2
    assert [a.path for a in client.list_artifacts(run_id)] == ["model.keras"]
    local = client.download_artifacts(run_id, "model.keras", str(tmp_path / "down"))
    assert Path(local).read_bytes() == (trial_dir / "model.keras").read_bytes()


def test_the_parent_run_has_the_settings_but_no_secret(uri: str, experiment: str) -> None:
    MlflowTracker(uri, experiment, "digits_run", CONFIG)
    parent = runs_by_name(MlflowClient(uri), experiment)["digits_run"]
    assert parent.data.params == {
        "dataset_name": "digits",
        "mode": "health-aware",
        "trials": "2",
        "seed": "7",
        "scoring_weights.accuracy": "0.5",
        "scoring_weights.neuron_utilization": "0.5",
        "output_dir": "optimization_results",
    }
    tags = parent.data.tags
    assert tags["healthopt.run_name"] == "digits_run"
    assert (tags["healthopt.mode"], tags["healthopt.dataset"]) == ("health-aware", "digits")
    everything = json.dumps([parent.data.params, tags])
    assert "hunter2" not in everything and "tok-3f9" not in everything
    assert "mlflow.internal" not in everything


def test_without_history_only_the_final_figures_are_logged(
    uri: str, experiment: str, tmp_path: Path
) -> None:
    tracker = MlflowTracker(uri, experiment, "digits_run", CONFIG)
    pruned = record(1, "PRUNED", metrics=TrialMetrics(val_accuracy=0.25), health=HealthValues())
    tracker.trial_finished(pruned, tmp_path / "no_such_trial")
    tracker.trial_finished(record(2, "FAIL", error="boom at postgresql://u:pw@h/db"), None)
    runs = runs_by_name(MlflowClient(uri), experiment)
    assert runs["trial_1"].data.metrics == {
        "final.val_accuracy": 0.25,
        "total_score": 0.7,
        "diagnostics.health_score": 80,
        "diagnostics.issue_count": 2,
        "epochs_run": 3,
        "num_parameters": 1234,
    }
    assert runs["trial_1"].info.status == "KILLED"
    failed = runs["trial_2"]
    assert failed.info.status == "FAILED" and "loss" not in failed.data.metrics
    assert failed.data.tags["healthopt.error"] == "boom at postgresql://u:***@h/db"


def test_run_finished_marks_the_best_and_keeps_results(
    uri: str, experiment: str, tmp_path: Path
) -> None:
    tracker = MlflowTracker(uri, experiment, "digits_run", CONFIG)
    tracker.trial_finished(record(0), None)
    tracker.trial_finished(record(1), None)
    results = tmp_path / "results.json"
    results.write_text('{"run_name": "digits_run"}')
    tracker.run_finished(best_trial=1, results_path=results)
    tracker.close()  # after run_finished: nothing more
    client = MlflowClient(uri)
    runs = runs_by_name(client, experiment)
    parent = runs["digits_run"]
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["healthopt.best_trial"] == "1"
    assert runs["trial_1"].data.tags["healthopt.best"] == "true"
    assert "healthopt.best" not in runs["trial_0"].data.tags
    assert [a.path for a in client.list_artifacts(parent.info.run_id)] == ["results.json"]


def test_an_interrupted_run_closes_as_killed(uri: str, experiment: str) -> None:
    tracker = MlflowTracker(uri, experiment, "digits_run", CONFIG)
    tracker.close()
    tracker.close()
    assert runs_by_name(MlflowClient(uri), experiment)["digits_run"].info.status == "KILLED"


def test_tracking_errors_are_warnings_and_later_trials_still_log(
    uri: str, experiment: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = MlflowTracker(uri, experiment, "digits_run", CONFIG)
    odd = tmp_path / "odd"
    odd.mkdir()
    # MLflow refuses a metric name that would resolve to another as a file path.
    (odd / "history.json").write_text(json.dumps({"bad/../loss": [1.0]}))
    with caplog.at_level(logging.WARNING, logger="healthopt.trackers.mlflow"):
        tracker.trial_finished(record(0), odd)
        tracker.trial_finished(record(1), None)
    assert "MLflow tracking failed while logging trial 0" in caplog.text
    assert runs_by_name(MlflowClient(uri), experiment)["trial_1"].info.status == "FINISHED"


def test_an_unreachable_server_never_ends_the_optimization(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    with caplog.at_level(logging.WARNING, logger="healthopt.trackers.mlflow"):
        tracker = MlflowTracker("http://127.0.0.1:9", "unreached", "run", CONFIG)
        tracker.trial_finished(record(0), None)
        tracker.run_finished(0, None)
        tracker.close()
    assert tracker.parent_run_id is None
    assert caplog.text.count("MLflow tracking failed") == 1  # then it logs nothing more


def test_a_missing_mlflow_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r"pip install 'healthopt\[mlflow\]'"):
        MlflowTracker("sqlite:///x.db", "never", "run", CONFIG)
