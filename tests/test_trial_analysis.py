from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

import healthopt.trial_analysis
from healthopt.analysis import layers
from healthopt.plots.inputs import load_plot_inputs
from healthopt.trial_analysis import analyze_trial

HISTORY: dict[str, list[float | None]] = {
    "loss": [1.0, 0.8],
    "val_loss": [1.1, 0.9],
    "accuracy": [0.5, 0.6],
    "val_accuracy": [0.45, 0.55],
}


@pytest.fixture(scope="module")
def trained() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """A tiny trained image classifier and 120 validation samples, some of them misread."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=400)
    x = rng.normal(size=(400, 6, 6, 1)).astype(np.float32)
    x[np.arange(400), y, y, 0] += 2.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(4, 3, padding="same", name="conv_0"),
            keras.layers.Activation("relu", name="conv_0_act"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax", name="predictions"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:280], y[:280], epochs=3, batch_size=32, verbose=0)
    return model, x[280:], y[280:]


@pytest.fixture
def predictions(monkeypatch) -> list[int]:
    """How often the model is asked to predict the validation split."""
    calls: list[int] = []
    real = layers.predict_proba

    def counted(model, x, *args, **kwargs):
        calls.append(len(x))
        return real(model, x, *args, **kwargs)

    monkeypatch.setattr(layers, "predict_proba", counted)
    return calls


def _analyze(trained, out: Path, probabilities: np.ndarray | None = None):
    model, val_x, val_y = trained
    out.mkdir()
    timings: dict[str, float] = {}
    analysis = analyze_trial(
        model, HISTORY, val_x, val_y, out, None, timings, 0, val_probabilities=probabilities
    )
    assert analysis.errors == {}
    assert {"analysis_seconds", "plot_inputs_seconds"} <= set(timings)
    return (
        analysis,
        json.loads((out / "analysis.json").read_text()),
        load_plot_inputs(out / "plot_inputs.npz"),
    )


def test_the_evaluation_probabilities_serve_the_analyzer_and_the_plot_inputs(
    trained, predictions, tmp_path: Path, monkeypatch
):
    model, val_x, val_y = trained
    # Fewer analysis samples than validation rows: the analyzer samples the given rows as it
    # samples the data.
    monkeypatch.setattr(healthopt.trial_analysis, "ANALYSIS_SAMPLES", 50)
    alone, alone_json, alone_inputs = _analyze(trained, tmp_path / "alone")
    # Left to predict itself, the step predicts the validation split once, for the analyzer
    # (which takes its sample's rows of it) and the plot inputs alike.
    assert predictions == [len(val_x)]
    predictions.clear()
    given = np.asarray(model(val_x, training=False), dtype=np.float64)
    shared, shared_json, shared_inputs = _analyze(trained, tmp_path / "shared", given)
    assert predictions == []  # nothing predicted again
    assert shared_json["calibration"]["ece"] == pytest.approx(alone_json["calibration"]["ece"])
    assert shared.summary.ece == pytest.approx(alone.summary.ece)
    assert shared.summary.accuracy == pytest.approx(alone.summary.accuracy)
    assert shared_json["num_samples"] == alone_json["num_samples"] == 50
    assert shared_inputs.probs is not None and alone_inputs.probs is not None
    np.testing.assert_allclose(shared_inputs.probs, alone_inputs.probs, atol=1e-3)
    np.testing.assert_array_equal(shared_inputs.labels, val_y)


def test_probabilities_that_do_not_fit_the_data_fail_the_analysis_step(trained, tmp_path):
    model, val_x, val_y = trained
    out = tmp_path / "trial"
    out.mkdir()
    wrong = np.full((len(val_x) - 1, 3), 1 / 3)
    analysis = analyze_trial(model, HISTORY, val_x, val_y, out, None, {}, 0, wrong)
    assert "one row per sample" in analysis.errors["analysis"]
