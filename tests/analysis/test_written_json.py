"""analysis_results.json and analysis.json keep their shape and values as the writers change.

The files in data/ were written from these very results by the code before the JSON was typed
(`analysis_results_before*.json`, `analysis_before.json`); the typed writers must write the
same JSON: the same keys in the same places, absent where they were absent, and the same
values (floats to 1e-9 relative, so another BLAS does not fail the comparison). No TensorFlow:
every analysis runs on crafted numpy records.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from healthopt.analysis import calibration, dynamics, information_flow, spectral, weights
from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.randomized import compare_randomized
from healthopt.analysis.records import LayerOutput, WeightRecord
from healthopt.analysis.results import AnalysisResults, ModelInfo, pareto_analysis
from healthopt.analysis.weight_pca import weight_pca

DATA = Path(__file__).parent / "data"
MODELS = ("small", "wide", "deep")
FULL = AnalysisConfig(
    json_include_per_sample_data=True,
    json_include_raw_esds=True,
    spectral_concentration_analysis=False,
    spectral_randomize=True,
)
HISTORY = {
    "loss": [1.0, 0.7, 0.5, 0.4, 0.35, 0.3],
    "val_loss": [1.1, 0.8, 0.7, 0.72, 0.75, 0.8],
    "accuracy": [0.5, 0.7, 0.8, 0.85, 0.88, 0.9],
    "val_accuracy": [0.45, 0.65, 0.7, 0.72, 0.71, 0.7],
}


def _records(seed: int) -> list[WeightRecord]:
    rng = np.random.default_rng(seed)
    width = 24 + 8 * seed
    return [
        WeightRecord(
            "dense", 0, "dense", "kernel", rng.normal(size=(32, width)), rng.normal(size=width)
        ),
        WeightRecord("dense_1", 1, "dense", "kernel", rng.standard_t(3, size=(width, 16))),
        WeightRecord("lstm", 2, "lstm", "recurrent_kernel", rng.normal(size=(4, 16))),
        WeightRecord("zeros", 3, "dense", "kernel", np.zeros((12, 12))),
    ]


def _outputs(seed: int) -> list[LayerOutput]:
    rng = np.random.default_rng(10 + seed)
    conv = rng.normal(size=(20, 4, 4, 6))
    return [
        LayerOutput("conv", "conv2d", 0, conv),
        LayerOutput("relu", "activation", 1, np.maximum(conv, 0)),
        LayerOutput("dead", "dense", 2, np.zeros((20, 5))),
        LayerOutput("broken", "dense", 3, np.full((20, 3), np.nan)),
    ]


def golden_results(config: AnalysisConfig) -> AnalysisResults:
    """Three models with every section filled, a skip and a missing history among them."""
    rng = np.random.default_rng(99)
    stats, spectra, calib, flows, randomized = {}, {}, {}, {}, {}
    for i, model in enumerate(MODELS):
        records = _records(i)
        stats[model] = weights.analyze_weights(records, include_biases=i == 0)
        spectra[model] = spectral.analyze_records(records, min_evals=4)
        randomized[model] = compare_randomized(records, min_evals=4, seed=i)
        logits = rng.normal(size=(60, 3)) * (1 + i)
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        calib[model] = calibration.analyze_calibration(probs, rng.integers(0, 3, size=60), 10)
        if model != "deep":
            flows[model] = information_flow.analyze_flow(_outputs(i))
    histories = {"small": HISTORY, "wide": {"loss": [0.9, 0.5, 0.4]}}
    results = AnalysisResults(
        config=config,
        models=MODELS,
        model_info={
            m: ModelInfo(parameters=1000 * (i + 1), layers=4, inputs=1)
            for i, m in enumerate(MODELS)
        },
        weights=stats,
        weight_summary={m: weights.summarize_weights(s) for m, s in stats.items()},
        weight_pca=weight_pca(stats),
        spectral=spectra,
        spectral_summary={m: spectral.summarize(s) for m, s in spectra.items()},
        spectral_randomized=randomized if config.spectral_randomize else {},
        calibration=calib,
        information_flow=flows,
        training_dynamics={m: dynamics.analyze_dynamics(h) for m, h in histories.items()},
        histories=histories,
        skipped={
            "small": {},
            "wide": {},
            "deep": {
                "information_flow": "the model has 2 inputs",
                "training_dynamics": "no training history for this model",
            },
        },
        num_samples=60,
        notes={"figures": "failed: RuntimeError: no display"},
        timings={"small": {"weights": 0.01, "spectral": 0.25}, "wide": {"weights": 0.02}},
        figures={"summary_dashboard": "summary_dashboard.png"},
    )
    pareto = pareto_analysis(results, {"peak_val_accuracy": "max", "ece": "min"})
    return AnalysisResults(**{**results.__dict__, "pareto": pareto})


def _written(results: AnalysisResults, tmp_path: Path, config: AnalysisConfig | None) -> Any:
    return json.loads(results.write_json(tmp_path, config).read_text())


def assert_same_json(new: Any, old: Any, where: str = "$") -> None:
    """Equal JSON: same keys and types; floats equal to 1e-9 relative."""
    if isinstance(old, dict):
        assert isinstance(new, dict), where
        assert list(new) == list(old), f"{where}: keys {list(new)} != {list(old)}"
        for key in old:
            assert_same_json(new[key], old[key], f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            assert_same_json(a, b, f"{where}[{i}]")
    elif isinstance(old, float) and not isinstance(new, bool):
        assert isinstance(new, (int, float)), f"{where}: {new!r} != {old!r}"
        assert math.isclose(new, old, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {new} != {old}"
    else:
        assert type(new) is type(old) and new == old, f"{where}: {new!r} != {old!r}"


@pytest.mark.parametrize(
    ("config", "before"),
    [
        (AnalysisConfig(), "analysis_results_before.json"),
        (FULL, "analysis_results_before_full.json"),
    ],
)
def test_analysis_results_json_is_what_it_was(tmp_path: Path, config: AnalysisConfig, before: str):
    written = _written(golden_results(config), tmp_path, None)
    assert_same_json(written, json.loads((DATA / before).read_text()))


def test_a_trials_analysis_json_is_what_it_was():
    for model in MODELS:
        written = json.loads(golden_results(FULL).model_json(model).to_json_text())
        before = json.loads((DATA / "analysis_before.json").read_text())[model]
        assert_same_json(written, before)


def test_the_comparison_fails_on_a_changed_value_or_key():
    old = {"a": [1.0, None], "b": {"c": 2}}
    assert_same_json({"a": [1.0 + 1e-12, None], "b": {"c": 2}}, old)
    for changed in ({"a": [1.1, None], "b": {"c": 2}}, {"a": [1.0, None], "b": {"c": 2, "d": 1}}):
        with pytest.raises(AssertionError):
            assert_same_json(changed, old)
    with pytest.raises(AssertionError):
        assert_same_json({"a": [1.0, 0.0], "b": {"c": 2}}, old)  # None is not 0
