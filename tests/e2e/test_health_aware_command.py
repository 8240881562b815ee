"""Issue 3's demonstration as a user runs it: a health-aware run, then `healthopt diagnose`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from healthopt.config import ScoringWeights
from healthopt.health.scoring import total_score

HEALTHOPT = [sys.executable, "-m", "healthopt.cli"]


def test_health_aware_run_is_recomputable_and_diagnosable(tmp_path: Path):
    completed = subprocess.run(
        [
            *HEALTHOPT,
            "optimize",
            "--dataset",
            "digits",
            "--trials",
            "3",
            "--epochs",
            "3",
            "--seed",
            "2",
            "--mode",
            "health-aware",
            "--accuracy-weight",
            "0.6",
            "--health-weights",
            "neuron_utilization=0.3,gradient_health=0.3,"
            "convergence_quality=0.2,accuracy_consistency=0.2",
            "--output-dir",
            str(tmp_path),
            "--run-name",
            "ha",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads((tmp_path / "ha" / "results.json").read_text())
    weights = ScoringWeights(**results["scoring_weights"])
    assert weights.accuracy_weight == 0.6
    for trial in results["trials"]:
        expected = total_score(trial["metrics"]["val_accuracy"], trial["health"], weights)
        assert trial["total_score"] == pytest.approx(expected.total, abs=1e-12)
        assert set(trial["diagnostics"]) == {"health_score", "issue_count", "severity_counts"}

    report = subprocess.run(
        [*HEALTHOPT, "diagnose", str(tmp_path / "ha"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    trials = json.loads(report.stdout)["trials"]
    assert [t["trial"] for t in trials] == ["trial_0", "trial_1", "trial_2"]
    # The command recomputes what each worker stored.
    for trial, stored in zip(trials, results["trials"], strict=True):
        assert trial["health_score"] == stored["diagnostics"]["health_score"]
