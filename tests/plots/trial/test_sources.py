"""TrialData: each file read once, every failure a MissingInput with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    with pytest.raises(MissingInput, match="no 'spectral' section"):
        TrialData(tmp_path).analysis_section("spectral")
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
