"""Crafted AnalysisResults for the analyzer figures: real analyses run on small known arrays.

Three models (alpha, beta, gamma) of dense layers with heavy-tailed weights, ReLU activations
on random inputs, softmax predictions of known sharpness and Keras-style histories; nothing is
trained and TensorFlow is never imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from healthopt.analysis.calibration import analyze_calibration
from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.dynamics import analyze_dynamics
from healthopt.analysis.information_flow import analyze_flow
from healthopt.analysis.pareto import pareto_front
from healthopt.analysis.records import LayerOutput, WeightRecord
from healthopt.analysis.results import AnalysisResults, ModelInfo, ParetoAnalysis, model_metrics
from healthopt.analysis.spectral import analyze_records, summarize
from healthopt.analysis.weight_pca import weight_pca
from healthopt.analysis.weights import analyze_weights, summarize_weights

MODELS = ("alpha", "beta", "gamma")
# The shared full results add a fourth model whose data analyses were skipped (multi-input).
SKIPPED_MODEL = "delta"
SKIPPED = {SKIPPED_MODEL: {"calibration": "multi-input model", "information_flow": "multi-input"}}
# Distinct, saturated colours that anti-aliasing never produces from the house palette, so a
# test can find each model's pixels in a PNG.
TEST_COLORS = {"alpha": "#ff00ff", "beta": "#00ffff", "gamma": "#7f00ff"}
EVERY_ANALYSIS = ("weights", "spectral", "calibration", "information_flow", "training_dynamics")


def _records(rng: np.random.Generator, widths: tuple[int, ...]) -> list[WeightRecord]:
    """Dense kernels of Student-t values (df 3): heavy-tailed, so power laws fit."""
    records = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        kernel = rng.standard_t(3, size=(fan_in, fan_out)) / np.sqrt(fan_in)
        records.append(
            WeightRecord(
                f"dense_{i}",
                i,
                "dense",
                "kernel",
                kernel.astype(np.float32),
                np.zeros(fan_out, np.float32),
            )
        )
    return records


def _outputs(rng: np.random.Generator, records: list[WeightRecord]) -> list[LayerOutput]:
    x = rng.normal(size=(120, records[0].weights.shape[0])).astype(np.float32)
    outputs = []
    for record in records:
        x = np.maximum(x @ record.weights, 0.0)
        outputs.append(LayerOutput(record.layer, "dense", record.layer_index, x))
    return outputs


def _predictions(rng: np.random.Generator, sharpness: float) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, 5, size=300)
    logits = rng.normal(size=(300, 5))
    logits[np.arange(300), labels] += 2.0
    logits *= sharpness
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True), labels


def _history(epochs: int, overfit: float) -> dict[str, list[float]]:
    t = np.arange(epochs)
    loss = 1.5 * np.exp(-t / 4) + 0.1
    val_loss = loss + overfit * t / epochs + 0.05
    acc = 1 - loss / 2
    val_acc = 1 - val_loss / 2
    return {
        "loss": loss.tolist(),
        "val_loss": val_loss.tolist(),
        "accuracy": acc.tolist(),
        "val_accuracy": val_acc.tolist(),
    }


def build_results(
    models: tuple[str, ...] = MODELS,
    analyses: tuple[str, ...] = EVERY_ANALYSIS,
    skipped: dict[str, dict[str, str]] | None = None,
    pareto: bool = True,
) -> AnalysisResults:
    """Results of `analyses` for `models`; a model named in `skipped` lacks those analyses."""
    skipped = skipped or {}
    sections: dict[str, dict] = {
        k: {} for k in (*EVERY_ANALYSIS, "spectral_summary", "weight_summary", "histories")
    }
    info = {}
    for index, model in enumerate(models):
        rng = np.random.default_rng(index)
        records = _records(rng, (48 + 8 * index, 40, 24, 12))
        info[model] = ModelInfo(
            parameters=sum(r.num_parameters for r in records), layers=4, inputs=1
        )

        def wanted(analysis: str, model: str = model) -> bool:
            return analysis in analyses and analysis not in skipped.get(model, {})

        if wanted("weights"):
            sections["weights"][model] = analyze_weights(records)
            sections["weight_summary"][model] = summarize_weights(sections["weights"][model])
        if wanted("spectral"):
            sections["spectral"][model] = analyze_records(records)
            sections["spectral_summary"][model] = summarize(sections["spectral"][model])
        if wanted("calibration"):
            sections["calibration"][model] = analyze_calibration(*_predictions(rng, 1 + index))
        if wanted("information_flow"):
            sections["information_flow"][model] = analyze_flow(_outputs(rng, records))
        if wanted("training_dynamics"):
            history = _history(12 + 4 * index, overfit=0.3 * index)
            sections["histories"][model] = history
            sections["training_dynamics"][model] = analyze_dynamics(history)
    weights = sections["weights"]
    results = AnalysisResults(
        config=AnalysisConfig(),
        models=tuple(models),
        model_info=info,
        weight_pca=weight_pca(weights) if len(weights) >= 3 else None,
        skipped={m: dict(v) for m, v in skipped.items()},
        **sections,
    )
    if pareto:
        objectives = {"peak_val_accuracy": "max", "overfitting_index": "min"}
        metrics = {m: model_metrics(results, m) for m in results.models}
        points = pareto_front(metrics, objectives)
        results = replace(results, pareto=ParetoAnalysis(objectives, metrics, points, {}))
    return results


@pytest.fixture
def make_results() -> Callable[..., AnalysisResults]:
    return build_results


@pytest.fixture(scope="module")
def full_results() -> AnalysisResults:
    return build_results(models=(*MODELS, SKIPPED_MODEL), skipped=SKIPPED)
