"""TrialData: each file read once, every failure a MissingInput with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from healthopt.plots.inputs import build_plot_inputs, save_plot_inputs
from healthopt.plots.trial.sources import MissingInput, TrialData
from healthopt.records import EpochRecord

from ...builders import healthy_cnn_architecture


def test_a_file_is_read_once_and_a_failure_is_remembered(tmp_path: Path):
    (tmp_path / "history.json").write_text(json.dumps({"loss": [1.0]}))
    data = TrialData(tmp_path)
    assert data.history() == {"loss": [1.0]}
    (tmp_path / "history.json").write_text("garbage")
    assert data.history() == {"loss": [1.0]}  # cached, not re-read per plot
    (tmp_path / "observer.json").write_text("{not json")
    for _ in range(2):
        with pytest.raises(MissingInput, match=r"observer.json: not valid JSON"):
            data.epochs()


def test_reasons_name_the_file_and_the_problem(tmp_path: Path):
    data = TrialData(tmp_path)
    with pytest.raises(MissingInput, match="health.json not found"):
        data.health()
    (tmp_path / "observer.json").write_text("[]")
    with pytest.raises(MissingInput, match="no epoch records"):
        TrialData(tmp_path).epochs()
    (tmp_path / "diagnostics.json").write_text("[]")
    with pytest.raises(MissingInput, match="expected a JSON object, found list"):
        TrialData(tmp_path).diagnostics()
    (tmp_path / "analysis.json").write_text(json.dumps({"spectral": None}))
    with pytest.raises(MissingInput, match="analysis.json: not a valid ModelAnalysisFile: model"):
        TrialData(tmp_path).analysis()
    (tmp_path / "plot_inputs.npz").write_bytes(b"\x00" * 10)
    with pytest.raises(MissingInput, match="cannot read"):
        TrialData(tmp_path).inputs()


def test_non_object_epoch_entries_are_dropped(tmp_path: Path):
    (tmp_path / "observer.json").write_text(json.dumps([1, {"epoch": 0}, "x"]))
    assert TrialData(tmp_path).epochs() == [EpochRecord(epoch=0)]


def test_a_malformed_epoch_record_is_a_reason_naming_the_field(tmp_path: Path):
    (tmp_path / "observer.json").write_text(json.dumps([{"epoch": 0, "loss": [1.0]}]))
    with pytest.raises(MissingInput, match=r"observer.json: not a valid EpochRecord: loss"):
        TrialData(tmp_path).epochs()


def test_architecture_is_read_as_a_summary(tmp_path: Path):
    (tmp_path / "architecture.json").write_text(json.dumps(healthy_cnn_architecture()))
    summary = TrialData(tmp_path).architecture()
    assert summary.arch_type == "cnn" and summary.layer_graph.nodes[0].out_channels == 32


def test_health_and_diagnostics_are_read_as_records(tmp_path: Path):
    (tmp_path / "health.json").write_text(
        json.dumps(
            {
                "components": {"gradient_health": None, "training_stability": "0.5"},
                "reasons": {"gradient_health": "no gradients"},
                "details": {"training_stability": {"monotony": 0.9}},
            }
        )
    )
    health = TrialData(tmp_path).health()
    assert health.components.training_stability is None  # a string is not a measurement
    assert health.reasons == {"gradient_health": "no gradients"}
    (tmp_path / "diagnostics.json").write_text(
        json.dumps({"health_score": 70, "issues": [{"severity": "warning"}], "notes": []})
    )
    report = TrialData(tmp_path).diagnostics()
    assert report.health_score == 70 and report.issues[0].severity == "warning"
    assert report.summary_json.severity_breakdown == {} and report.unknown_keys() == ("notes",)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("health.json", {"reasons": {}}, r"health.json: not a valid HealthFile: components"),
        ("health.json", {"components": {}, "reasons": {"x": 1}}, r"HealthFile: reasons.x"),
        ("diagnostics.json", {"issues": ["x"]}, r"DiagnosticsFile: issues.0"),
        ("diagnostics.json", {"checks_run": "many"}, r"DiagnosticsFile: checks_run"),
        ("history.json", {"loss": 0.5}, r"history.json: not metric -> per-epoch values \(loss:"),
        ("analysis.json", {"model": "m", "spectral": [{"alpha": 2}]}, r"spectral.0.name"),
    ],
)
def test_a_malformed_file_is_a_reason_naming_the_field(tmp_path, name, content, reason):
    (tmp_path / name).write_text(json.dumps(content))
    read = {
        "health.json": TrialData.health,
        "diagnostics.json": TrialData.diagnostics,
        "history.json": TrialData.history,
        "analysis.json": TrialData.analysis,
    }[name]
    with pytest.raises(MissingInput, match=reason):
        read(TrialData(tmp_path))


def test_history_values_that_are_not_finite_read_as_none(tmp_path: Path):
    (tmp_path / "history.json").write_text('{"loss": [1.0, null, "nan"], "val_loss": []}')
    assert TrialData(tmp_path).history() == {"loss": [1.0, None, None], "val_loss": []}


def test_preload_reads_every_file_now_and_keeps_each_reason(make_trial):
    trial = make_trial(files=("history.json", "observer.json", "plot_inputs.npz"))
    data = TrialData(trial)
    data.preload()
    for name in ("history.json", "observer.json", "plot_inputs.npz"):
        (trial / name).unlink()  # what a forked worker reads is what was read before the fork
    (trial / "health.json").write_text("{}")  # appears too late: its absence was read
    assert data.history()["loss"] and data.epochs() and data.inputs().probs is not None
    with pytest.raises(MissingInput, match="health.json not found"):
        data.health()
    assert data.predictions().classes == 10


def test_predictions_are_derived_once_for_every_figure(make_trial):
    data = TrialData(make_trial(classes=3))
    found = data.predictions()
    assert data.predictions() is found
    assert found.probs.dtype == np.float64 and found.labels.dtype == np.int64
    assert found.classes == 3 and len(found.predicted) == len(found.labels)
    assert (found.predicted == found.probs.argmax(axis=1)).all()


def test_predictions_without_probabilities_name_the_reason(tmp_path: Path):
    save_plot_inputs(
        tmp_path / "plot_inputs.npz",
        build_plot_inputs([], [], None, np.array([0, 1]), None),
    )
    with pytest.raises(MissingInput, match="holds no validation probabilities"):
        TrialData(tmp_path).predictions()
    with pytest.raises(MissingInput, match="plot_inputs.npz not found"):
        TrialData(tmp_path / "nowhere").predictions()
