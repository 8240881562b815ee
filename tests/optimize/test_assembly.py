from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthopt.optimize.assembly import assemble_best, model_file_name, trial_dir
from healthopt.records import HealthValues, TrialMetrics, TrialRecord


def _record(number: int, val_accuracy: float | None, **fields: object) -> TrialRecord:
    """The best trial as results.json holds it."""
    metrics = TrialMetrics(val_accuracy=val_accuracy, chance_accuracy=0.1)
    return TrialRecord(number=number, state="COMPLETE", metrics=metrics, **fields)


def test_model_file_name_carries_dataset_and_accuracy():
    assert model_file_name("digits", 0.98333) == "optimized_digits_acc_0.9833.keras"
    assert model_file_name("npz:/data/my set.npz", 0.5) == "optimized_npz_my_set_acc_0.5000.keras"


def _trial_files(run_dir: Path, number: int, payload: bytes) -> None:
    folder = trial_dir(run_dir, number)
    folder.mkdir(parents=True)
    (folder / "model.keras").write_bytes(payload)
    (folder / "history.json").write_text("{}")


def test_assembly_copies_without_retraining_and_replaces_a_previous_best(tmp_path: Path):
    _trial_files(tmp_path, 0, b"model zero")
    _trial_files(tmp_path, 4, b"model four")
    plots = tmp_path / "plots" / "trial_4"
    plots.mkdir(parents=True)
    (plots / "loss.png").write_bytes(b"png")

    first = assemble_best(tmp_path, _record(0, 0.5), "digits")
    assert first.read_bytes() == b"model zero"
    second = assemble_best(tmp_path, _record(4, 0.9), "digits")
    folder = tmp_path / "optimized_model"
    assert second == folder / "optimized_digits_acc_0.9000.keras"
    assert second.read_bytes() == b"model four"
    assert sorted(p.name for p in folder.iterdir()) == [
        "best_trial.json",
        "history.json",
        "optimized_digits_acc_0.9000.keras",
        "plots",
    ]
    assert (folder / "plots" / "loss.png").read_bytes() == b"png"
    best = json.loads((folder / "best_trial.json").read_text())
    assert best.pop("model_file") == "optimized_digits_acc_0.9000.keras"
    assert TrialRecord.from_json(best) == _record(4, 0.9)  # the trial as results.json has it


def test_assembly_without_a_model_fails_clearly(tmp_path: Path):
    trial_dir(tmp_path, 2).mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="best trial 2 has no model"):
        assemble_best(tmp_path, _record(2, 0.1), "digits")


def test_assembly_without_a_val_accuracy_says_so_before_copying(tmp_path: Path):
    _trial_files(tmp_path, 2, b"model")
    with pytest.raises(ValueError, match="best trial 2 has no val_accuracy"):
        assemble_best(tmp_path, _record(2, None), "digits")
    assert not (tmp_path / "optimized_model").exists()


ARCHITECTURE = Path(__file__).parents[1] / "visualization" / "data" / "cnn_architecture.json"


def test_assembly_writes_the_architecture_view_of_the_best_model(tmp_path: Path):
    _trial_files(tmp_path, 1, b"model")
    (trial_dir(tmp_path, 1) / "architecture.json").write_text(ARCHITECTURE.read_text())
    record = _record(1, 0.9, health=HealthValues(gradient_health=0.5))
    assemble_best(tmp_path, record, "digits")
    view = json.loads((tmp_path / "optimized_model" / "architecture_view.json").read_text())
    assert view["visualization"]["performance_score"] == 0.9
    # The one component it has, at its default share (the others count 0), gated by skill.
    assert view["visualization"]["health_score"] == pytest.approx((0.8 / 0.9) * 0.15 * 0.5)
    assert view["cytoscape"]["elements"][0]["data"]["id"] == "input"


def test_a_broken_architecture_file_costs_only_the_view(tmp_path: Path):
    _trial_files(tmp_path, 1, b"model")
    (trial_dir(tmp_path, 1) / "architecture.json").write_text('{"arch_type": "cnn"}')
    path = assemble_best(tmp_path, _record(1, 0.9), "digits")
    assert path.is_file() and not (tmp_path / "optimized_model" / "architecture_view.json").exists()
