"""A CLI run reaches the user's trackers: `tensorboard --logdir RUN` shows every trial's
scalars, histograms and HParams row, and `--mlflow-uri file:...` leaves runs that
`mlflow.search_runs` reads back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
TENSORBOARD = Path(sys.executable).with_name("tensorboard")


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("tracked")
    mlflow_uri = f"file:{root / 'mlruns'}"
    done = subprocess.run(
        [sys.executable, "-m", "healthopt.cli", "optimize", "--dataset", "digits",
         "--trials", "2", "--epochs", "2", "--plots", "none", "--output-dir", str(root),
         "--run-name", "tracked", "--mlflow-uri", mlflow_uri],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root / "tracked", mlflow_uri


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, query: dict | None = None) -> dict:
    url = f"http://127.0.0.1:{port}{path}"
    if query is not None:
        url += "?request=" + urllib.parse.quote(json.dumps(query))
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_tensorboard_on_the_run_folder_shows_scalars_histograms_and_hparams(cli_run, tmp_path):
    run_dir, _ = cli_run
    port = _free_port()
    log = (tmp_path / "tensorboard.log").open("w")
    # The `tensorboard` command a user types, TensorFlow and all.
    process = subprocess.Popen(
        [str(TENSORBOARD), "--logdir", str(run_dir), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                scalars = _get(port, "/data/plugin/scalars/tags")
                if len(scalars) >= 6:  # train, validation and health of both trials
                    break
            except OSError:
                pass
            assert process.poll() is None, (tmp_path / "tensorboard.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "TensorBoard never loaded the run"
            time.sleep(0.5)
        for trial in (0, 1):
            run = f"trials/trial_{trial}/tensorboard"
            assert {"epoch_loss", "epoch_accuracy"} <= set(scalars[f"{run}/train"])
            assert {"epoch_loss", "epoch_accuracy"} <= set(scalars[f"{run}/validation"])
        histograms = _get(port, "/data/plugin/histograms/tags")
        health = histograms["trials/trial_0/tensorboard/health"]
        assert any(t.endswith("/histogram") for t in health)  # weights
        assert any(t.endswith("/gradient") for t in health)
        experiment = _get(port, "/data/plugin/hparams/experiment", {"experimentName": ""})
        params = {info["name"] for info in experiment["hparamInfos"]}
        assert {"optimizer", "batch_size", "num_layers_conv"} <= params
        groups = _get(
            port,
            "/data/plugin/hparams/session_groups",
            {"experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN"], "colParams": [],
             "startIndex": 0, "sliceSize": 10},
        )["sessionGroups"]  # fmt: skip
        assert sorted(group["name"] for group in groups) == ["trial_0", "trial_1"]
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_mlflow_search_runs_reads_the_run_and_its_trials(cli_run, monkeypatch):
    import mlflow

    run_dir, mlflow_uri = cli_run
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(mlflow_uri)
    runs = mlflow.search_runs(experiment_names=["healthopt"], output_format="list")
    parent = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    trials = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parent) == 1 and parent[0].data.tags["healthopt.run_name"] == "tracked"
    assert parent[0].info.status == "FINISHED"
    assert len(trials) == 2
    results = json.loads((run_dir / "results.json").read_text())
    client = mlflow.MlflowClient(mlflow_uri)
    for run in trials:
        number = int(run.data.tags["healthopt.trial"])
        record = next(t for t in results["trials"] if t["number"] == number)
        assert run.data.params["optimizer"] == str(record["params"]["optimizer"])
        history = client.get_metric_history(run.info.run_id, "val_accuracy")
        assert [m.step for m in history] == [0, 1]  # one point per epoch
        assert run.data.metrics["final.val_accuracy"] == pytest.approx(
            record["metrics"]["val_accuracy"]
        )
        assert "health.neuron_utilization" in run.data.metrics
        assert "diagnostics.health_score" in run.data.metrics
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert "model.keras" in artifacts
    assert "storage_url" not in parent[0].data.params and "mlflow_uri" not in parent[0].data.params
