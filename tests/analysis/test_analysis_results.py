"""AnalysisConfig validation and AnalysisResults' JSON, curves and summaries on crafted results.

No TensorFlow: results are built from the analyses run on crafted numpy records and arrays.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from healthopt.analysis import calibration, dynamics, spectral, weights
from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.files import AnalysisResultsFile, ModelAnalysisFile
from healthopt.analysis.records import WeightRecord
from healthopt.analysis.results import (
    CONCENTRATION_FIELDS,
    RESULTS_FILE,
    AnalysisResults,
    ModelInfo,
    model_metrics,
    summarize_for_trial,
)
from healthopt.config import ConfigError
from healthopt.records import AnalysisSummary, SchemaError

# ---- AnalysisConfig -------------------------------------------------------------------------


def test_config_defaults_follow_seed_000() -> None:
    config = AnalysisConfig()
    assert config.n_samples == 1000
    assert config.calibration_bins == 15
    assert config.spectral_min_evals == 10
    assert config.smoothing_window == 5
    assert config.max_layers_heatmap == 12 and config.max_layers_info_flow == 8
    assert not config.json_include_per_sample_data and not config.json_include_raw_esds
    assert config.enabled == (
        "weights",
        "spectral",
        "calibration",
        "information_flow",
        "training_dynamics",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n_samples", 0, "n_samples must be an integer >= 1"),
        ("n_samples", 2.5, "n_samples must be an integer >= 1"),
        ("calibration_bins", 1, "calibration_bins must be an integer >= 2"),
        ("smoothing_window", 0, "smoothing_window must be an integer >= 1"),
        ("spectral_min_evals", 0, "spectral_min_evals must be an integer >= 1"),
        ("max_layers_info_flow", 0, "max_layers_info_flow must be an integer >= 1"),
        ("pareto_analysis_threshold", 1, "pareto_analysis_threshold must be an integer >= 2"),
        ("dpi", 10, "dpi must be an integer in [50, 600]"),
        ("dpi", 1200, "dpi must be an integer in [50, 600]"),
        ("save_format", "jpg", "save_format must be one of png, pdf, svg"),
        ("analyze_spectral", "yes", "analyze_spectral must be True or False"),
        ("weight_layer_types", ["Dense", "Conv3D"], "unknown: ['Conv3D']"),
        ("weight_layer_types", [], "weight_layer_types must be a non-empty list"),
    ],
)
def test_config_rejects_bad_values_naming_the_field(field: str, value: object, message: str):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        AnalysisConfig(**{field: value})


def test_config_layer_types_map_to_record_kinds_and_stay_hashable() -> None:
    config = AnalysisConfig(weight_layer_types=["Dense", "Conv2D"])
    assert config.weight_layer_types == ("Dense", "Conv2D")
    assert config.weight_kinds == ("dense", "conv2d")
    hash(config)


def test_the_config_is_written_and_read_back_with_the_results() -> None:
    config = AnalysisConfig(weight_layer_types=["Dense", "Conv2D"], dpi=120)
    written = crafted_results(config).to_json().to_json()
    assert written["config"]["weight_layer_types"] == ["Dense", "Conv2D"]
    assert AnalysisResultsFile.from_json(written).config == config
    written["config"]["dpi"] = 10
    with pytest.raises(SchemaError, match="config: .*dpi must be an integer in"):
        AnalysisResultsFile.from_json(written)


def test_enabled_lists_only_switched_on_analyses() -> None:
    config = AnalysisConfig(analyze_weights=False, analyze_calibration=False)
    assert config.enabled == ("spectral", "information_flow", "training_dynamics")


# ---- crafted results -------------------------------------------------------------------------


def _records(seed: int) -> list[WeightRecord]:
    rng = np.random.default_rng(seed)
    return [
        WeightRecord("dense", 0, "dense", "kernel", rng.normal(size=(64, 48)).astype(np.float32)),
        WeightRecord("dense_1", 1, "dense", "kernel", rng.normal(size=(48, 32)).astype(np.float32)),
    ]


def _probs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probs, rng.integers(0, 3, size=n)


HISTORY = {
    "loss": [1.0, 0.7, 0.5, 0.4, 0.35, 0.3],
    "val_loss": [1.1, 0.8, 0.7, 0.72, 0.75, 0.8],
    "accuracy": [0.5, 0.7, 0.8, 0.85, 0.88, 0.9],
    "val_accuracy": [0.45, 0.65, 0.7, 0.72, 0.71, 0.7],
}


def crafted_results(config: AnalysisConfig | None = None, n: int = 400) -> AnalysisResults:
    config = config or AnalysisConfig()
    records = _records(0)
    stats = weights.analyze_weights(records)
    spectra = spectral.analyze_records(records, min_evals=10)
    probs, labels = _probs(n, 1)
    return AnalysisResults(
        config=config,
        models=("m",),
        model_info={"m": ModelInfo(parameters=4608, layers=2, inputs=1)},
        weights={"m": stats},
        weight_summary={"m": weights.summarize_weights(stats)},
        spectral={"m": spectra},
        spectral_summary={"m": spectral.summarize(spectra)},
        calibration={"m": calibration.analyze_calibration(probs, labels, n_bins=10)},
        training_dynamics={"m": dynamics.analyze_dynamics(HISTORY)},
        histories={"m": HISTORY},
        skipped={"m": {"information_flow": "no data given"}},
        num_samples=n,
    )


def test_to_json_is_strict_json_with_the_seed_sections() -> None:
    data = crafted_results().to_json().to_json()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["models"] == {"m": {"parameters": 4608, "layers": 2, "inputs": 1}}
    assert data["spectral_recommendations"]["m"] == list(
        crafted_results().spectral_summary["m"].recommendations
    )
    assert data["skipped"] == {"m": {"information_flow": "no data given"}}
    assert [layer["name"] for layer in data["spectral"]["m"]] == ["dense", "dense_1"]
    assert data["num_samples"] == 400


def test_bulky_arrays_only_when_asked_for() -> None:
    small = crafted_results().to_json().to_json()
    assert "confidences" not in small["calibration"]["m"]
    assert all("evals" not in layer for layer in small["spectral"]["m"])
    config = AnalysisConfig(json_include_per_sample_data=True, json_include_raw_esds=True)
    big = crafted_results().to_json(config).to_json()
    assert len(big["calibration"]["m"]["confidences"]) == 400
    assert len(big["calibration"]["m"]["entropies"]) == 400
    assert [len(layer["evals"]) for layer in big["spectral"]["m"]] == [48, 32]
    assert len(json.dumps(big)) > 2 * len(json.dumps(small))


def test_concentration_fields_left_out_when_switched_off() -> None:
    on = crafted_results().to_json().to_json()
    assert all(key in on["spectral"]["m"][0] for key in CONCENTRATION_FIELDS)
    off = crafted_results(AnalysisConfig(spectral_concentration_analysis=False))
    off = off.to_json().to_json()
    assert not any(key in off["spectral"]["m"][0] for key in CONCENTRATION_FIELDS)
    assert "mean_concentration" not in off["spectral_summary"]["m"]
    assert off["spectral"]["m"][0]["alpha"] == on["spectral"]["m"][0]["alpha"]


def test_model_json_holds_one_model_per_analysis_and_reads_back() -> None:
    results = crafted_results()
    one = results.model_json("m")
    full = results.to_json()
    assert one.model == "m" and one.num_samples == 400
    assert one.model_info == full.models["m"]
    assert one.weights == full.weights["m"] and one.spectral == full.spectral["m"]
    assert one.calibration == full.calibration["m"]
    assert one.training_dynamics == full.training_dynamics["m"]
    assert one.spectral_summary == full.spectral_summary["m"]
    assert one.information_flow is None
    assert one.skipped == {"information_flow": "no data given"}
    assert ModelAnalysisFile.from_json(one.to_json_text()) == one
    with pytest.raises(KeyError, match="no model named 'x'"):
        results.model_json("x")


def test_write_json_puts_analysis_results_json_in_the_folder(tmp_path: Path) -> None:
    path = crafted_results().write_json(tmp_path / "out")
    assert path == tmp_path / "out" / RESULTS_FILE
    assert json.loads(path.read_text())["config"]["n_samples"] == 1000


def test_curves_follow_the_smoothing_config() -> None:
    raw = crafted_results(AnalysisConfig(smooth_training_curves=False)).curves("m")
    assert raw is not None and not raw.smoothed
    np.testing.assert_allclose(raw.val_loss, HISTORY["val_loss"])
    smooth = crafted_results(AnalysisConfig(smoothing_window=3)).curves("m")
    assert smooth is not None and smooth.smoothed
    np.testing.assert_allclose(smooth.val_loss, dynamics.smooth_curve(HISTORY["val_loss"], 3))
    assert not np.allclose(smooth.val_loss, raw.val_loss)
    assert crafted_results().curves("m", smoothed=False).train_accuracy[-1] == 0.9
    assert crafted_results().curves("other") is None


def test_model_metrics_read_each_analysis() -> None:
    results = crafted_results()
    metrics = model_metrics(results, "m")
    assert metrics["peak_val_accuracy"] == pytest.approx(0.72)
    # final third of 6 epochs = last 2: mean of (0.75-0.35, 0.8-0.3)
    assert metrics["overfitting_index"] == pytest.approx(0.45)
    assert metrics["ece"] == pytest.approx(results.calibration["m"].ece)
    assert metrics["mean_weight_health"] == pytest.approx(results.weight_summary["m"].mean_health)
    assert metrics["parameters"] == 4608


def test_summarize_for_trial_is_flat_json_with_reasons() -> None:
    results = crafted_results()
    summary = summarize_for_trial(results, "m")
    assert isinstance(summary, AnalysisSummary)
    written = json.loads(json.dumps(summary.to_json(), allow_nan=False))
    assert AnalysisSummary.from_json(written) == summary
    assert summary.mean_alpha == pytest.approx(results.spectral_summary["m"].mean_alpha)
    assert summary.brier == pytest.approx(results.calibration["m"].brier)
    assert summary.mean_effective_rank is None  # information flow was skipped ...
    assert summary.skipped == {"information_flow": "no data given"}  # ... and says why
    assert summary.epochs_to_convergence == results.training_dynamics["m"].epochs_to_convergence
    with pytest.raises(KeyError, match="no model named 'x'"):
        summarize_for_trial(results, "x")
