"""A trial folder written from crafted records, in the schema a real trial writes.

`make_trial(path, ...)` writes history.json, observer.json, health.json, diagnostics.json,
architecture.json, analysis.json and plot_inputs.npz (built with `build_plot_inputs` from
crafted arrays), so the plots are tested without training a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from healthopt.analysis.files import (
    CalibrationEntry,
    ModelAnalysisFile,
    ReliabilityBinEntry,
    SpectralSummaryEntry,
    SpectrumEntry,
)
from healthopt.analysis.records import LayerOutput, WeightRecord
from healthopt.plots.inputs import build_plot_inputs, save_plot_inputs

from ...builders import healthy_epoch

ALL_FILES = (
    "history.json",
    "observer.json",
    "health.json",
    "diagnostics.json",
    "architecture.json",
    "analysis.json",
    "plot_inputs.npz",
)


def _cnn_layers(count: int) -> list[tuple[str, str, int]]:
    """(name, Keras type, parameters): conv/act/dropout blocks, then a dense head."""
    layers = []
    for i in range(count):
        layers += [(f"conv_{i}", "Conv2D", 160), (f"conv_{i}_act", "Activation", 0)]
        layers.append((f"conv_{i}_dropout", "Dropout", 0))
    return layers + [("global_pool", "GlobalAveragePooling2D", 0), ("predictions", "Dense", 170)]


def _text_layers() -> list[tuple[str, str, int]]:
    return [
        ("embedding", "Embedding", 1984),
        ("bidirectional_lstm", "Bidirectional", 66048),
        ("dense_0", "Dense", 8256),
        ("dense_0_dropout", "Dropout", 0),
        ("predictions", "Dense", 195),
    ]


def _epoch(e: int, layers: list[tuple[str, str, int]], rng: np.random.Generator) -> dict:
    """The shared healthy epoch, with this trial's layers and profiler timings, and a
    learning rate that decays (so the loss-spread plot draws its rate panel)."""
    record = healthy_epoch(e)
    health = {}
    for position, (name, kind, params) in enumerate(layers):
        weighted = params > 0
        health[name] = {
            "type": kind,
            "num_parameters": params,
            "weight_mean": float(rng.normal(0, 0.01)) if weighted else None,
            "weight_std": 0.05 if weighted else None,
            "weight_sparsity": 0.0 if weighted else None,
            "gradient_norm": float(0.1 * (1 + position) / (e + 1)) if weighted else None,
            "gradient_finite": True if weighted else None,
            "activation_mean": float(rng.normal(0.1, 0.05)),
            "activation_std": float(0.2 + 0.05 * e),
            "activation_zero_fraction": 0.5 if kind == "Activation" else 0.0,
            "units": 16,
            "dead_unit_fraction": 0.25 if name == "conv_0_act" else 0.0,
        }
    record["layer_health"] = {"layers": health}
    record["optimizer"]["learning_rate"] = 1e-3 / (e + 1)
    record["profiler"] = {
        "probe_batch_size": 64,
        "per_layer": [
            {"name": n, "type": k, "forward_ms": 0.5, "pct_total": 100 / len(layers)}
            for n, k, _ in layers
        ],
    }
    return record


def _inputs(text: bool, classes: int, conv_layers: int, rng: np.random.Generator):
    n = 10 * classes
    labels = np.arange(n) % classes
    logits = rng.normal(size=(n, classes)) + 3.0 * np.eye(classes)[labels]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if text:
        samples = rng.integers(0, 30, size=(8, 12)).astype(np.int32)
        records = [
            WeightRecord("embedding", 0, "embedding", "embeddings", rng.normal(size=(31, 8))),
            WeightRecord(
                "lstm", 1, "lstm", "kernel", rng.normal(size=(8, 32)), rng.normal(size=32)
            ),
            WeightRecord("lstm", 1, "lstm", "recurrent_kernel", rng.normal(size=(8, 32))),
            WeightRecord(
                "predictions",
                2,
                "dense",
                "kernel",
                rng.normal(size=(8, classes)),
                np.zeros(classes),
            ),
        ]
        outputs = [LayerOutput("lstm", "lstm", 1, rng.normal(size=(8, 8)))]
        return build_plot_inputs(records, outputs, probs, labels, samples)
    samples = rng.random(size=(8, 8, 8, 1)).astype(np.float32)
    records, outputs = [], []
    for i in range(conv_layers):
        kernel = rng.normal(size=(3, 3, 1 if i == 0 else 16, 16))
        records.append(
            WeightRecord(f"conv_{i}", 3 * i, "conv2d", "kernel", kernel, rng.normal(size=16))
        )
        outputs.append(LayerOutput(f"conv_{i}", "conv2d", 3 * i, rng.normal(size=(8, 8, 8, 16))))
        act = np.maximum(outputs[-1].values, 0)
        outputs.append(LayerOutput(f"conv_{i}_act", "activation", 3 * i + 1, act))
    records.append(
        WeightRecord(
            "predictions",
            99,
            "dense",
            "kernel",
            rng.normal(size=(16, classes)),
            rng.normal(size=classes),
        )
    )
    return build_plot_inputs(records, outputs, probs, labels, samples)


def write_trial(
    trial_dir: Path,
    *,
    epochs: int = 3,
    classes: int = 10,
    conv_layers: int = 2,
    text: bool = False,
    files: tuple[str, ...] = ALL_FILES,
) -> Path:
    """Write a trial folder holding `files` (a subset of ALL_FILES)."""
    rng = np.random.default_rng(0)
    trial_dir.mkdir(parents=True, exist_ok=True)
    layers = _text_layers() if text else _cnn_layers(conv_layers)
    records = [_epoch(e, layers, rng) for e in range(epochs)]
    weighted = [name for name, _, params in layers if params]
    content = {
        "history.json": {
            "loss": [r["loss"]["train_epoch"] for r in records],
            "accuracy": [r["accuracy"]["train"] for r in records],
            "val_loss": [r["loss"]["val"]["val_loss"] for r in records],
            "val_accuracy": [r["loss"]["val"]["val_acc"] for r in records],
        },
        "observer.json": records,
        "health.json": {
            "components": {
                "neuron_utilization": 0.9,
                "parameter_efficiency": 0.3,
                "training_stability": 0.8,
                "gradient_health": None,
                "convergence_quality": 0.5,
                "accuracy_consistency": 0.7,
            },
            "reasons": {"gradient_health": "no per-layer gradient records"},
        },
        "diagnostics.json": {
            "health_score": 72,
            "issue_count": 2,
            "checks_run": 46,
            "summary_json": {
                "severity_breakdown": {"critical": 0, "warning": 1, "info": 1},
                "category_breakdown": {"architecture": 1, "sustainability": 1},
            },
            "issues": [
                {
                    "check": "a",
                    "severity": "warning",
                    "category": "architecture",
                    "title": "Big conv",
                },
                {"check": "b", "severity": "info", "category": "sustainability", "title": "Carbon"},
            ],
        },
        "architecture.json": {
            "arch_type": "rnn" if text else "cnn",
            "layers": {n: {"type": k, "parameters": p} for n, k, p in layers},
        },
        # Written through the analyzer's own records, so it has the shape a trial writes.
        "analysis.json": ModelAnalysisFile(
            model="trial",
            spectral=[
                SpectrumEntry(name=n, alpha=None if i == 0 else 1.5 + 1.5 * i, stable_rank=3.0)
                for i, n in enumerate(weighted)
            ],
            spectral_summary=SpectralSummaryEntry(mean_alpha=3.5),
            calibration=CalibrationEntry(
                ece=0.1,
                brier=0.4,
                bins=[
                    ReliabilityBinEntry(
                        lower=0.5, upper=0.75, count=10, mean_confidence=0.6, accuracy=0.5
                    ),
                    ReliabilityBinEntry(
                        lower=0.75, upper=1.0, count=20, mean_confidence=0.9, accuracy=0.8
                    ),
                ],
            ),
            weights=[],
        ).to_json(),
    }
    for name in files:
        if name == "plot_inputs.npz":
            save_plot_inputs(trial_dir / name, _inputs(text, classes, conv_layers, rng))
        else:
            (trial_dir / name).write_text(json.dumps(content[name]))
    return trial_dir


@pytest.fixture
def make_trial(tmp_path: Path) -> Callable[..., Path]:
    """`make_trial(name="trial", **options)`: a trial folder under tmp_path (see write_trial)."""

    def make(name: str = "trial", **options) -> Path:
        return write_trial(tmp_path / name, **options)

    return make
