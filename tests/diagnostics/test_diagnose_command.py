"""`healthopt diagnose` on crafted histories: finds what was injected, no false criticals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _diagnose(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "healthopt.cli", "diagnose", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _write(path: Path, epochs: list, architecture: dict | None = None) -> Path:
    path.write_text(json.dumps({"epochs": epochs, "logs": [], "architecture": architecture}))
    return path


@pytest.fixture
def healthy_file(tmp_path: Path, healthy_epochs, cnn_architecture) -> Path:
    return _write(tmp_path / "healthy.json", healthy_epochs, cnn_architecture)


@pytest.fixture
def broken_file(tmp_path: Path, healthy_epochs, cnn_architecture, clone) -> Path:
    epochs = clone(healthy_epochs)
    epochs[4]["loss"]["train_mean"] = epochs[3]["loss"]["train_mean"] * 4  # explosion
    for record in epochs:
        record["layer_health"]["layers"]["conv_1"]["gradient_norm"] = 1e-9  # vanishing
    return _write(tmp_path / "broken.json", epochs, cnn_architecture)


def test_json_report_finds_injected_problems(broken_file: Path):
    completed = _diagnose(str(broken_file), "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    checks = {issue["check"]: issue for issue in report["issues"]}
    assert checks["loss_explosion"]["severity"] == "critical"
    assert checks["loss_explosion"]["epoch_index"] == 4
    assert checks["vanishing_gradients"]["layer_id"] == "conv_1"
    assert report["health_score"] < 80
    assert report["layer_highlights"][0]["layer_id"] == "conv_1"


def test_healthy_history_has_no_critical_and_scores_at_least_80(healthy_file: Path):
    report = json.loads(_diagnose(str(healthy_file), "--json").stdout)
    assert report["summary_json"]["severity_breakdown"]["critical"] == 0
    assert report["health_score"] >= 80


def test_readable_report_shows_severity_and_suggestions(broken_file: Path):
    completed = _diagnose(str(broken_file))
    assert completed.returncode == 0
    assert "CRITICAL" in completed.stdout and "fix:" in completed.stdout
    assert "health score" in completed.stdout and "Loss explosion" in completed.stdout


def test_thresholds_file_overrides_defaults(broken_file: Path, tmp_path: Path):
    overrides = tmp_path / "thresholds.json"
    overrides.write_text(json.dumps({"loss_explosion_ratio": 10.0}))
    report = json.loads(
        _diagnose(str(broken_file), "--json", "--thresholds", str(overrides)).stdout
    )
    assert "loss_explosion" not in {issue["check"] for issue in report["issues"]}


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: p / "missing.json", "does not exist"),
        (lambda p: (p / "bad.json").write_text("{oops") and p / "bad.json", "not valid JSON"),
    ],
)
def test_bad_paths_exit_2_with_one_line(tmp_path: Path, setup, message):
    completed = _diagnose(str(setup(tmp_path)))
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_bad_threshold_names_exit_2(healthy_file: Path, tmp_path: Path):
    overrides = tmp_path / "t.json"
    overrides.write_text(json.dumps({"loss_explosion": 3}))
    completed = _diagnose(str(healthy_file), "--thresholds", str(overrides))
    assert completed.returncode == 2 and "unknown thresholds: loss_explosion" in completed.stderr
