from __future__ import annotations

import hashlib
import io
import json
import logging
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from healthopt.artifacts.integrity import ModelCorrupt
from healthopt.optimize.assembly import assemble_best, model_file_name, trial_dir
from healthopt.records import HealthValues, TrialMetrics, TrialRecord
from healthopt.visualization import diagram

from ..builders import healthy_epoch


def _record(number: int, val_accuracy: float | None, **fields: object) -> TrialRecord:
    """The best trial as results.json holds it."""
    metrics = TrialMetrics(val_accuracy=val_accuracy, chance_accuracy=0.1)
    return TrialRecord(number=number, state="COMPLETE", metrics=metrics, **fields)


def test_model_file_name_carries_dataset_and_accuracy():
    assert model_file_name("digits", 0.98333) == "optimized_digits_acc_0.9833.keras"
    assert model_file_name("npz:/data/my set.npz", 0.5) == "optimized_npz_my_set_acc_0.5000.keras"


def _trial_files(run_dir: Path, number: int, payload: bytes) -> str:
    """A trial folder with `payload` as its model; returns the SHA-256 the trial recorded."""
    folder = trial_dir(run_dir, number)
    folder.mkdir(parents=True)
    (folder / "model.keras").write_bytes(payload)
    (folder / "history.json").write_text("{}")
    return hashlib.sha256(payload).hexdigest()


def test_assembly_copies_without_retraining_and_replaces_a_previous_best(tmp_path: Path):
    zero = _trial_files(tmp_path, 0, b"model zero")
    four = _trial_files(tmp_path, 4, b"model four")
    plots = tmp_path / "plots" / "trial_4"
    plots.mkdir(parents=True)
    (plots / "loss.png").write_bytes(b"png")

    first = assemble_best(tmp_path, _record(0, 0.5, model_sha256=zero), "digits")
    assert first.read_bytes() == b"model zero"
    second = assemble_best(tmp_path, _record(4, 0.9, model_sha256=four), "digits")
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
    # the trial as results.json has it
    assert TrialRecord.from_json(best) == _record(4, 0.9, model_sha256=four)


def test_assembly_without_a_model_fails_clearly(tmp_path: Path):
    trial_dir(tmp_path, 2).mkdir(parents=True)
    with pytest.raises(ModelCorrupt, match="model.keras of trial 2 is missing"):
        assemble_best(tmp_path, _record(2, 0.1), "digits")


def test_assembly_without_a_val_accuracy_says_so_before_copying(tmp_path: Path):
    digest = _trial_files(tmp_path, 2, b"model")
    with pytest.raises(ValueError, match="best trial 2 has no val_accuracy"):
        assemble_best(tmp_path, _record(2, None, model_sha256=digest), "digits")
    assert not (tmp_path / "optimized_model").exists()


ARCHITECTURE = Path(__file__).parents[1] / "visualization" / "data" / "cnn_architecture.json"


def test_assembly_writes_the_architecture_view_of_the_best_model(tmp_path: Path):
    digest = _trial_files(tmp_path, 1, b"model")
    (trial_dir(tmp_path, 1) / "architecture.json").write_text(ARCHITECTURE.read_text())
    record = _record(1, 0.9, health=HealthValues(gradient_health=0.5), model_sha256=digest)
    assemble_best(tmp_path, record, "digits")
    view = json.loads((tmp_path / "optimized_model" / "architecture_view.json").read_text())
    assert view["visualization"]["performance_score"] == 0.9
    # The one component it has, at its default share (the others count 0), gated by skill.
    assert view["visualization"]["health_score"] == pytest.approx((0.8 / 0.9) * 0.15 * 0.5)
    assert view["cytoscape"]["elements"][0]["data"]["id"] == "input"


def test_assembly_draws_the_architecture_as_svg_and_pdf(tmp_path: Path):
    digest = _trial_files(tmp_path, 1, b"model")
    (trial_dir(tmp_path, 1) / "architecture.json").write_text(ARCHITECTURE.read_text())
    (trial_dir(tmp_path, 1) / "observer.json").write_text(json.dumps([healthy_epoch(0)]))
    assemble_best(tmp_path, _record(1, 0.9, model_sha256=digest), "digits")
    folder = tmp_path / "optimized_model"
    view = json.loads((folder / "architecture_view.json").read_text())
    layers = [box["layer_id"] for box in view["visualization"]["layers"]]
    svg = ET.fromstring((folder / "architecture.svg").read_bytes())
    groups = {g.get("id") for g in svg.iter("{http://www.w3.org/2000/svg}g")}
    assert {f"layer-box-{i}" for i in range(len(layers))} <= groups
    pdf = PdfReader(folder / "architecture.pdf")
    assert len(pdf.pages) == 1 and layers[0] in pdf.pages[0].extract_text()
    # The view in the folder is the API's: with the signals of the trial's epoch records.
    assert [s["measure"] for s in view["forward_signals"]] == [
        "activation_rms",
        "forward_time_share",
    ]


def test_a_diagram_that_cannot_be_drawn_never_fails_the_assembly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    def broken(visualization: object, fmt: str) -> bytes:
        raise RuntimeError(f"no {fmt} today")

    monkeypatch.setattr(diagram, "architecture_diagram", broken)
    digest = _trial_files(tmp_path, 1, b"model")
    (trial_dir(tmp_path, 1) / "architecture.json").write_text(ARCHITECTURE.read_text())
    (trial_dir(tmp_path, 1) / "observer.json").write_text("[{not json")  # no signals, no failure
    with caplog.at_level(logging.WARNING, logger="healthopt.optimize.assembly"):
        path = assemble_best(tmp_path, _record(1, 0.9, model_sha256=digest), "digits")
    folder = tmp_path / "optimized_model"
    assert path.is_file() and (folder / "architecture_view.json").is_file()
    assert not (folder / "architecture.svg").exists() and not (folder / "architecture.pdf").exists()
    assert "no architecture.svg for trial 1: no svg today" in caplog.text
    assert json.loads((folder / "architecture_view.json").read_text())["forward_signals"] == []


def test_a_broken_architecture_file_costs_only_the_view(tmp_path: Path):
    digest = _trial_files(tmp_path, 1, b"model")
    (trial_dir(tmp_path, 1) / "architecture.json").write_text('{"arch_type": "cnn"}')
    path = assemble_best(tmp_path, _record(1, 0.9, model_sha256=digest), "digits")
    assert path.is_file() and not (tmp_path / "optimized_model" / "architecture_view.json").exists()


# -- integrity: nothing is copied before the model is checked --------------------------
def _keras_like() -> bytes:
    """The bytes of a ZIP shaped like a .keras file (config.json inside), without Keras."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", b"weights")
    return buffer.getvalue()


def test_a_model_changed_since_its_trial_saved_it_is_not_shipped(tmp_path: Path):
    digest = _trial_files(tmp_path, 3, b"model three")
    (trial_dir(tmp_path, 3) / "model.keras").write_bytes(b"garbage")
    with pytest.raises(ModelCorrupt, match="model.keras of trial 3 does not match the sha256"):
        assemble_best(tmp_path, _record(3, 0.9, model_sha256=digest), "digits")
    assert not (tmp_path / "optimized_model").exists()


def test_without_a_recorded_hash_only_a_keras_archive_is_shipped(tmp_path: Path):
    """Trials saved before hashes were recorded: garbage is refused, an archive is shipped."""
    _trial_files(tmp_path, 1, b"garbage")
    with pytest.raises(ModelCorrupt, match="model.keras of trial 1 is not a Keras archive"):
        assemble_best(tmp_path, _record(1, 0.9), "digits")
    assert not (tmp_path / "optimized_model").exists()
    archive = _keras_like()
    _trial_files(tmp_path, 2, archive)
    shipped = assemble_best(tmp_path, _record(2, 0.9), "digits")
    assert shipped.read_bytes() == archive
