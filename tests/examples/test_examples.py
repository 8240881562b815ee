"""The scripts in examples/ run as a user runs them, on tiny budgets, and write what they say.

Each runs in its own Python process from the repository root; the checks read the files the
script wrote (observer.json, results.json), not only what it printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthopt.records import HEALTH_COMPONENTS, read_epochs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

pytestmark = pytest.mark.slow


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return process


def _results(out: Path) -> dict:
    (path,) = out.glob("*/results.json")  # one run, under its generated name
    return json.loads(path.read_text())


def _best(results: dict) -> dict:
    return next(t for t in results["trials"] if t["number"] == results["best_trial"])


def test_callback_in_fit_saves_records_healthopt_diagnose_reads(tmp_path):
    out = tmp_path / "mine"
    printed = _run("callback_in_fit.py", "--epochs", "2", "--out", str(out)).stdout
    epochs = read_epochs(json.loads((out / "observer.json").read_text()))
    assert [e.epoch for e in epochs] == [0, 1]
    assert epochs[0].optimizer.batch_size == 64
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert set(evaluation["health"]["components"]) == set(HEALTH_COMPONENTS)
    assert evaluation["diagnostics"]["epochs_analyzed"] == 2
    assert evaluation["chance_accuracy"] < evaluation["val_accuracy"] <= 1.0
    score = evaluation["diagnostics"]["health_score"]
    assert f"diagnostics score {score}/100" in printed
    assert all(name in printed for name in HEALTH_COMPONENTS)
    diagnose = subprocess.run(
        [sys.executable, "-m", "healthopt.cli", "diagnose", str(out), "--json"],
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert diagnose.returncode == 0, diagnose.stderr
    assert json.loads(diagnose.stdout)["epochs_analyzed"] == 2


def test_tabular_searches_the_builtin_mlp_space_on_an_npz_table(tmp_path):
    printed = _run("tabular.py", "--trials", "2", "--epochs", "1", "--out", str(tmp_path)).stdout
    assert (tmp_path / "tabular.npz").is_file()
    results = _results(tmp_path)
    assert len(results["trials"]) == 2
    best = _best(results)
    assert best["state"] == "COMPLETE" and "num_layers_hidden" in best["params"]
    assert f"diagnostics score: {best['diagnostics']['health_score']}/100" in printed


def test_custom_hypermodel_searches_its_own_residual_block_count(tmp_path):
    printed = _run(
        "custom_hypermodel.py", "--trials", "2", "--epochs", "1", "--out", str(tmp_path)
    ).stdout
    results = _results(tmp_path)
    assert len(results["trials"]) == 2
    assert all(1 <= t["params"]["residual_blocks"] <= 3 for t in results["trials"])
    best = _best(results)
    assert best["state"] == "COMPLETE"
    assert f"residual_blocks: {best['params']['residual_blocks']}" in printed
    assert set(best["health"]) == set(HEALTH_COMPONENTS)
