"""The spine's own demonstrations, run as a user would: through the `healthopt` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest

from healthopt.data import load_dataset
from healthopt.records import COMPLETE, RunResults

HEALTHOPT = [sys.executable, "-m", "healthopt.cli"]


def test_optimize_writes_results_whose_best_model_reproduces_test_accuracy(tmp_path: Path):
    completed = subprocess.run(
        [
            *HEALTHOPT,
            "optimize",
            "--dataset",
            "digits",
            "--trials",
            "5",
            "--epochs",
            "3",
            "--seed",
            "1",
            "--output-dir",
            str(tmp_path),
            "--run-name",
            "r",
            "--plots",
            "none",  # the best model is the point here, not its figures
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Trials" in completed.stdout and "best trial" in completed.stdout
    run_dir = tmp_path / "r"
    text = (run_dir / "results.json").read_text()
    assert json.loads(text)["schema_version"] == RunResults.SCHEMA_VERSION
    results = RunResults.from_json(text)
    assert len(results.trials) == 5
    best = results.best()
    assert best is not None and results.optimized_model_path is not None
    split_seed = json.loads((run_dir / "config.json").read_text())["split_seed"]
    test = load_dataset("digits", seed=split_seed).test
    model = keras.models.load_model(run_dir / results.optimized_model_path)
    _, accuracy = model.evaluate(test.x, test.y, verbose=0)
    assert accuracy == pytest.approx(best.metrics.test_accuracy, abs=1e-6)


def test_orchestrator_never_imports_tensorflow(tmp_path: Path):
    script = (
        "import sys\n"
        "from healthopt.config import OptimizationConfig\n"
        "from healthopt.optimize import ModelOptimizer\n"
        "if __name__ == '__main__':\n"
        f"    ModelOptimizer(OptimizationConfig(trials=1, max_epochs_per_trial=1, "
        f"output_dir={str(tmp_path)!r}, run_name='tf')).optimize_model()\n"
        "    assert 'tensorflow' not in sys.modules, 'orchestrator imported tensorflow'\n"
        "    print('clean')\n"
    )
    path = tmp_path / "orchestrate.py"
    path.write_text(script)
    completed = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    assert "clean" in completed.stdout


def _wait_for_finished_trials(results: Path, count: int, process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "healthopt ended before it was interrupted"
        if results.exists():
            if len(RunResults.from_json(results.read_text()).trials) >= count:
                return
        time.sleep(0.2)
    raise AssertionError(f"no {count} finished trials within {timeout}s")


def test_ctrl_c_keeps_finished_trials_and_the_run_resumes(tmp_path: Path):
    args = [
        *HEALTHOPT,
        "optimize",
        "--trials",
        "2",
        "--epochs",
        "20",
        "--seed",
        "2",
        "--output-dir",
        str(tmp_path),
        "--run-name",
        "stop",
        "--plots",
        "none",  # what Ctrl-C keeps and what a resume re-runs is the point, not the figures
    ]
    results = tmp_path / "stop" / "results.json"
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _wait_for_finished_trials(results, 1, process, timeout=300)
        time.sleep(2)  # the second trial is now mid-training
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole group
        stdout, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "resume with --run-name stop" in stdout
    kept = RunResults.from_json(results.read_text()).trials
    assert kept[0].state == COMPLETE
    assert any(t.interrupted for t in kept)

    resumed = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    final = RunResults.from_json(results.read_text()).trials
    assert final[0] == kept[0]
    assert len([t for t in final if not t.interrupted]) == 2
