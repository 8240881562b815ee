"""Seed 004's own records (section 4.1 epoch payload, section 7 PyTorch CNN) through the engine
and the real `healthopt diagnose` command: the findings they hold are found, never a silent 100.

The fixtures in `seed_records/` are written in the seed's format: `gradient_norm_mean`,
`has_vanishing_gradients`, `activation_var_of_means`, PyTorch type names, no `arch_type`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from healthopt.diagnostics import DiagnosticInput, run_diagnostics
from healthopt.diagnostics.engine import all_checks

from ..builders import diagnostic_input

SEED_RECORDS = Path(__file__).parent / "seed_records"
HEALTHOPT = Path(sys.executable).with_name("healthopt")  # the venv's console script
FINDINGS = {"vanishing_gradients", "fc_dominates", "missing_pooling"}


def _load(name: str) -> DiagnosticInput:
    return DiagnosticInput.from_json((SEED_RECORDS / name).read_text())


def _diagnose(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(HEALTHOPT), "diagnose", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "name, vanishing_key, vanishing_value",
    [
        # The recorder's own flag decides: 1e-4 is above our 1e-7 threshold.
        ("cnn_epoch.json", "has_vanishing_gradients", True),
        # No layer graph: nodes come from `layers`; the seed's norm spelling is read.
        ("cnn_layers_only.json", "gradient_norm_mean", pytest.approx(2.5e-8)),
    ],
)
def test_engine_finds_the_seed_records_findings(name, vanishing_key, vanishing_value):
    report = run_diagnostics(_load(name))
    found = {issue.check: issue for issue in report.issues}
    assert FINDINGS <= set(found)
    assert found["vanishing_gradients"].layer_id == "conv1"
    assert found["vanishing_gradients"].metric_key == f"layer_health.layers.conv1.{vanishing_key}"
    assert found["vanishing_gradients"].metric_value == vanishing_value
    assert found["fc_dominates"].layer_id == "fc1" and found["fc_dominates"].metric_value > 92
    assert found["missing_pooling"].metric_value == 3
    assert report.arch_type == "cnn" and report.arch_type_source == "detected"
    assert any("detected as cnn" in note for note in report.notes)
    assert report.health_score <= 100 - 3 * 7
    assert report.sustainability["vanishing_gradient_layers"] == ["conv1"]


def test_checks_run_counts_only_checks_that_had_their_data():
    report = run_diagnostics(_load("cnn_epoch.json"))
    skipped = {entry["check"]: entry["needs"] for entry in report.checks_skipped}
    assert report.checks_run + len(skipped) == len(all_checks())
    # The seed's record has no optimizer section, no input shape and no correlations.
    assert skipped["batch_size_too_small"] == "epochs[].optimizer.batch_size"
    assert skipped["large_kernel"] == "architecture.input_shape"
    assert "correlation_with_previous" in skipped["redundant_layers"]
    assert "architecture family rnn" in skipped["num_layers"]
    # What it does have ran: the seed's loss, profiler, carbon and layer-health fields.
    for ran in ("loss_divergence", "fwd_bwd_ratio", "high_carbon_intensity", "frozen_output"):
        assert ran not in skipped


def test_cli_readable_report_on_a_seed_record():
    completed = _diagnose(str(SEED_RECORDS / "cnn_epoch.json"))
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    for title in ("Vanishing gradients", "Dense layer dominates", "Convolutions without pooling"):
        assert title in out
    assert "cnn (detected)" in out and "100/100" not in out
    assert "skipped batch_size_too_small, batch_size_too_large: needs " in out
    assert "epochs[].optimizer.batch_size" in out


def test_cli_json_report_on_a_seed_record():
    completed = _diagnose(str(SEED_RECORDS / "cnn_layers_only.json"), "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert FINDINGS <= {issue["check"] for issue in report["issues"]}
    assert report["arch_type"] == "cnn" and report["arch_type_source"] == "detected"
    assert report["checks_run"] + len(report["checks_skipped"]) == len(all_checks())
    assert {"check": "memory_growth", "needs": "epochs[].memory.process_rss_mb"} in report[
        "checks_skipped"
    ]


def test_input_with_only_unknown_keys_warns_and_names_them():
    report = run_diagnostics(_load("unknown_keys.json"))
    assert [issue.check for issue in report.issues] == ["unrecognised_input"]
    issue = report.issues[0]
    assert issue.severity.value == "warning" and report.health_score == 93
    for key in ("history", "epochs[].train_loss", "epochs[].val_loss", "epochs[].acc"):
        assert key in issue.description and key in issue.metric_value
    assert report.checks_run == 0


def test_cli_on_unknown_keys_warns_in_both_outputs():
    path = str(SEED_RECORDS / "unknown_keys.json")
    report = json.loads(_diagnose(path, "--json").stdout)
    assert report["health_score"] < 100
    assert report["issues"][0]["check"] == "unrecognised_input"
    assert report["issues"][0]["severity"] == "warning"
    readable = _diagnose(path).stdout
    assert "Nothing in the input could be diagnosed" in readable
    assert "epochs[].train_loss" in readable


def test_unknown_keys_in_a_readable_record_are_named_in_a_note(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    epochs[0]["gpu_temperature"] = 71
    epochs[-1]["layer_health"]["layers"]["conv_0"]["grad_norm"] = 0.1
    report = run_diagnostics(diagnostic_input(epochs))
    notes = [note for note in report.notes if note.startswith("unrecognised keys ignored")]
    assert notes == [
        "unrecognised keys ignored: epochs[].gpu_temperature, layer_health.layers.*.grad_norm"
    ]
    assert "unrecognised_input" not in {issue.check for issue in report.issues}


def test_our_own_records_have_no_unrecognised_keys(healthy_epochs, cnn_architecture):
    records = diagnostic_input(
        healthy_epochs,
        [{"ts": "t", "level": "INFO", "msg": "m", "kind": "console"}],
        cnn_architecture,
    )
    # trial.py also hands the engine the validation split's chance level
    report = run_diagnostics(replace(records, chance_accuracy=0.1))
    assert not any("unrecognised" in note for note in report.notes)
    assert report.arch_type_source == "recorded"
    assert not any("detected" in note for note in report.notes)
    # Every check of our format's CNN ran; only the other families were skipped.
    assert {entry["needs"].split(" (")[0] for entry in report.checks_skipped} == {
        "architecture family rnn",
        "architecture family transformer",
    }


def test_a_recorded_false_flag_and_a_healthy_norm_is_not_vanishing():
    epoch = {
        "layer_health": {
            "layers": {"conv1": {"gradient_norm_mean": 0.01, "has_vanishing_gradients": False}}
        }
    }
    report = run_diagnostics(diagnostic_input([epoch, epoch]))
    assert "vanishing_gradients" not in {issue.check for issue in report.issues}
    assert "vanishing_gradients" not in {entry["check"] for entry in report.checks_skipped}


def test_one_flagged_epoch_in_three_is_not_vanishing():
    def epoch(flag: bool) -> dict:
        entry = {"gradient_norm_mean": 0.01, "has_vanishing_gradients": flag}
        return {"layer_health": {"layers": {"conv1": entry}}}

    report = run_diagnostics(diagnostic_input([epoch(False), epoch(False), epoch(True)]))
    assert "vanishing_gradients" not in {issue.check for issue in report.issues}


def test_a_constant_output_read_from_the_seed_spelling_is_frozen():
    entry = {"weight_sparsity": 0.0, "activation_var_of_means": 0.0}
    report = run_diagnostics(diagnostic_input([{"layer_health": {"layers": {"fc1": entry}}}]))
    frozen = [issue for issue in report.issues if issue.check == "frozen_output"]
    assert [issue.metric_key for issue in frozen] == [
        "layer_health.layers.fc1.activation_var_of_means"
    ]


def test_a_pytorch_rnn_without_arch_type_gets_the_rnn_checks():
    layers = {f"lstm{i}": {"type": "nn.LSTM", "parameters": 1000} for i in range(5)}
    layers["fc"] = {"type": "Linear", "parameters": 100}
    report = run_diagnostics(diagnostic_input(architecture={"layers": layers}))
    assert report.arch_type == "rnn" and report.arch_type_source == "detected"
    found = {issue.check: issue for issue in report.issues}
    assert found["num_layers"].metric_value == 5
    assert "unrecognised_input" not in found


def test_a_nan_gradient_under_the_seed_spelling_is_a_non_finite_gradient():
    entry = {"gradient_norm_mean": float("nan"), "has_vanishing_gradients": False}
    report = run_diagnostics(diagnostic_input([{"layer_health": {"layers": {"conv1": entry}}}]))
    found = {issue.check: issue for issue in report.issues}
    assert found["inf_gradients"].metric_key == "layer_health.layers.conv1.gradient_norm_mean"
    assert found["inf_gradients"].metric_value == "nan"
