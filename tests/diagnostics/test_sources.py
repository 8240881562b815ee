from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthopt.diagnostics import run_diagnostics
from healthopt.diagnostics.sources import SourceError, load_sources
from healthopt.records import TrialMetrics, TrialResult


def _trial(folder: Path, epochs: list, architecture: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "observer.json").write_text(json.dumps(epochs))
    (folder / "logs.json").write_text(json.dumps([{"level": "ERROR", "msg": "boom"}]))
    if architecture is not None:
        (folder / "architecture.json").write_text(json.dumps(architecture))
    return folder


def test_json_file_with_all_three_parts(tmp_path, healthy_epochs, cnn_architecture):
    path = tmp_path / "run.json"
    path.write_text(
        json.dumps({"epochs": healthy_epochs, "logs": [], "architecture": cnn_architecture})
    )
    [(label, data)] = load_sources(path)
    assert label == str(path) and len(data.epochs) == 8 and data.architecture.arch_type == "cnn"


def test_a_bare_list_is_read_as_epoch_records(tmp_path, healthy_epochs):
    path = tmp_path / "observer.json"
    path.write_text(json.dumps(healthy_epochs))
    assert len(load_sources(path)[0][1].epochs) == 8


def test_trial_folder_reads_observer_logs_and_architecture(
    tmp_path, healthy_epochs, cnn_architecture
):
    folder = _trial(tmp_path / "trial_3", healthy_epochs, cnn_architecture)
    [(_, data)] = load_sources(folder)
    assert data.logs[0].msg == "boom" and data.architecture is not None


def test_run_folder_lists_trials_in_numeric_order(tmp_path, healthy_epochs):
    for n in (10, 2, 1):
        _trial(tmp_path / "trials" / f"trial_{n}", healthy_epochs)
    assert [label for label, _ in load_sources(tmp_path)] == ["trial_1", "trial_2", "trial_10"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not valid JSON"),
        ('{"something": 1}', "must hold"),
        ('{"epochs": [1, 2]}', "list of epoch records"),
        ('"text"', "must hold"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=message):
        load_sources(path)


def test_missing_and_unrelated_paths_are_refused(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        load_sources(tmp_path / "nope")
    with pytest.raises(SourceError, match="neither a run folder"):
        load_sources(tmp_path)


def test_a_trial_folder_takes_its_chance_level_from_result_json(tmp_path, healthy_epochs):
    folder = _trial(tmp_path / "trial_0", healthy_epochs)
    result = TrialResult.create(
        trial_number=0, state="COMPLETE", metrics=TrialMetrics(chance_accuracy=0.1)
    )
    (folder / "result.json").write_text(result.to_json_text())
    [(_, data)] = load_sources(folder)
    assert data.chance_accuracy == 0.1
    assert "did_not_learn" not in {s["check"] for s in run_diagnostics(data).checks_skipped}


def test_a_trial_folder_without_a_chance_level_skips_did_not_learn_and_says_why(
    tmp_path, healthy_epochs
):
    folder = _trial(tmp_path / "trial_0", healthy_epochs)
    [(_, data)] = load_sources(folder)  # no result.json: still running, or never finished
    assert data.chance_accuracy is None
    (folder / "result.json").write_text(
        TrialResult.create(trial_number=0, state="COMPLETE").to_json_text()
    )  # written before issue 20: no chance level in its metrics
    [(_, data)] = load_sources(folder)
    assert data.chance_accuracy is None
    [skipped] = [s for s in run_diagnostics(data).checks_skipped if s["check"] == "did_not_learn"]
    assert "result.json metrics.chance_accuracy" in skipped["needs"]


def test_a_malformed_result_json_is_named(tmp_path, healthy_epochs):
    folder = _trial(tmp_path / "trial_0", healthy_epochs)
    (folder / "result.json").write_text('{"trial_number": "x"}')
    with pytest.raises(SourceError, match=r"result\.json: not a valid TrialResult"):
        load_sources(folder)
