"""HealthMonitor: healthopt's epoch records from a user's own model.fit."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from healthopt.cli import main as healthopt_main
from healthopt.keras import HealthMonitor, _fit_sizes
from healthopt.records import read_epochs
from healthopt.training.observer import TrainingObserver


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)


def _model() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu", name="hidden"),
            keras.layers.Dense(3, activation="softmax", name="predictions"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_records_one_epoch_record_per_epoch_of_a_plain_fit(data):
    x, y = data
    model = _model()
    monitor = HealthMonitor((x[:32], y[:32]), batch_size=32)
    assert isinstance(monitor, keras.callbacks.Callback) and isinstance(monitor, TrainingObserver)
    history = model.fit(
        x, y, batch_size=32, epochs=2, validation_data=(x, y), callbacks=[monitor], verbose=0
    )
    assert [r.epoch for r in monitor.records] == [0, 1]
    first = monitor.records[0]
    assert first.optimizer.batch_size == 32 and first.throughput.samples_processed == 96
    assert first.loss.val.val_loss == pytest.approx(history.history["val_loss"][0])
    # Batch losses recovered from Keras' running mean average back to its epoch loss.
    assert first.loss.train_mean == pytest.approx(history.history["loss"][0], rel=1e-4)
    assert set(first.layers) == {"hidden", "predictions"}
    assert first.layers["hidden"].gradient_norm > 0
    assert monitor.nan_detected_at is None


def test_train_samples_alone_gives_the_batch_size_from_keras_steps(data):
    x, y = data
    monitor = HealthMonitor((x[:16], y[:16]), train_samples=96)
    _model().fit(x, y, batch_size=24, epochs=1, callbacks=[monitor], verbose=0)
    # Keras 3 tells callbacks only the 4 steps per epoch: 96 samples / 4 steps.
    assert (monitor.batch_size, monitor.train_samples) == (24, 96)
    assert monitor.records[0].optimizer.batch_size == 24


def test_a_fit_whose_sizes_cannot_be_known_stops_at_once_and_says_what_to_pass(data):
    x, y = data
    monitor = HealthMonitor((x[:16], y[:16]))
    with pytest.raises(ValueError, match=r"cannot tell this fit's batch_size.*steps"):
        _model().fit(x, y, batch_size=24, epochs=1, callbacks=[monitor], verbose=0)
    assert monitor.records == []


def test_old_keras_params_and_step_counts_fill_in_what_was_not_given():
    assert _fit_sizes(None, None, {"batch_size": 64, "samples": 1000, "steps": 16}) == (64, 1000)
    # The last partial batch counts as full: 7 steps of 16.
    assert _fit_sizes(16, None, {"steps": 7}) == (16, 112)
    assert _fit_sizes(None, 100, {"steps": 7}) == (15, 100)
    assert _fit_sizes(8, 50, {"steps": 99}) == (8, 50)  # what was given wins
    with pytest.raises(ValueError, match="train_samples"):
        _fit_sizes(16, None, {"steps": None})


def test_saved_records_are_what_healthopt_diagnose_reads(data, tmp_path, monkeypatch, capsys):
    x, y = data
    model = _model()
    monitor = HealthMonitor((x[:32], y[:32]), batch_size=32)
    model.fit(x, y, batch_size=32, epochs=2, validation_data=(x, y), callbacks=[monitor], verbose=0)
    written = monitor.save(tmp_path / "mine")
    assert written == tmp_path / "mine" / "observer.json"
    assert read_epochs(json.loads(written.read_text())) == monitor.records
    architecture = json.loads((tmp_path / "mine" / "architecture.json").read_text())
    assert architecture["total_parameters"] == model.count_params()
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    assert healthopt_main(["diagnose", str(tmp_path / "mine"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["epochs_analyzed"] == 2 and report["arch_type_source"] == "recorded"


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((np.zeros((4, 2)),), {}, TypeError, r"must be a tuple \(x, y\)"),
        (((np.zeros((4, 2)), np.zeros(3)),), {}, ValueError, "x has 4 samples but y has 3"),
        (((np.zeros((0, 2)), np.zeros(0)),), {}, ValueError, "at least one sample"),
        (((np.zeros((4, 2)), np.zeros(4)),), {"batch_size": 0}, ValueError, "batch_size must"),
        (((np.zeros((4, 2)), np.zeros(4)),), {"train_samples": 2.5}, TypeError, "an int"),
    ],
)
def test_bad_arguments_are_named(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        HealthMonitor(*args, **kwargs)


def test_save_needs_records_and_a_folder(data, tmp_path):
    x, y = data
    monitor = HealthMonitor((x[:8], y[:8]), batch_size=32)
    with pytest.raises(RuntimeError, match="no epoch records"):
        monitor.save(tmp_path)
    _model().fit(x, y, batch_size=32, epochs=1, callbacks=[monitor], verbose=0)
    with pytest.raises(ValueError, match="takes a folder"):
        monitor.save(tmp_path / "observer.json")


def test_write_monitoring_gives_a_users_fit_the_trials_monitoring_report(data, tmp_path):
    """The same seed-001 folder a trial gets, from a plain fit: summary, images, report."""
    from healthopt.records.monitoring import MonitoringSummary

    x, y = data
    model = _model()
    monitor = HealthMonitor((x[:32], y[:32]), batch_size=32)
    model.fit(x, y, batch_size=32, epochs=3, validation_data=(x, y), callbacks=[monitor], verbose=0)
    report = monitor.write_monitoring(tmp_path / "mine", every=2)
    assert report == tmp_path / "mine" / "monitoring" / "monitoring_report.html"
    assert (tmp_path / "mine" / "observer.json").is_file()  # saved alongside, as save() does
    summary = MonitoringSummary.from_json((report.parent / "training_summary.json").read_bytes())
    assert summary.monitor_every == 2 and summary.monitored_epochs == [0, 2]
    assert [layer.name for layer in summary.layers] == ["hidden", "predictions"]
    assert all(layer.summary_class is not None for layer in summary.layers)
    assert (report.parent / "layer_classifications.png").is_file()
    assert "hidden" in report.read_text()
