"""Issue 3's demonstration as a user runs it: a health-aware run, then `healthopt diagnose`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from healthopt.config import ScoringWeights
from healthopt.health.scoring import total_score
from healthopt.records import DiagnosticsSummary, RunResults

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
            "--plots",
            "none",  # scores and diagnostics are the point, not the figures
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    text = (tmp_path / "ha" / "results.json").read_text()
    results = RunResults.from_json(text)
    weights = ScoringWeights(**results.scoring_weights.to_json())
    assert weights.accuracy_weight == 0.6
    for trial, written in zip(results.trials, json.loads(text)["trials"], strict=True):
        assert trial.metrics.val_accuracy is not None
        # (d): every total recomputes exactly from results.json alone, chance level included.
        assert trial.metrics.chance_accuracy is not None
        expected = total_score(
            trial.metrics.val_accuracy, trial.health, weights, trial.metrics.chance_accuracy
        )
        assert trial.total_score == expected.total
        # The engine's short summary, every key written; diagnostics.json has the full report.
        assert set(written["diagnostics"]) == set(DiagnosticsSummary.model_fields)
        assert trial.diagnostics.health_score is not None

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
    for trial, stored in zip(trials, results.trials, strict=True):
        assert trial["health_score"] == stored.diagnostics.health_score
