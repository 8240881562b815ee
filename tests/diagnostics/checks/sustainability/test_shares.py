"""Parameter and compute shares: over-parameterized and compute-inefficient layers."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from healthopt.diagnostics.checks.sustainability.shares import (
    check_compute_inefficient_layer,
    check_over_parameterized_layer,
)
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input

T = DiagnosticThresholds()


def _pct(epoch: dict[str, Any], name: str, pct: float) -> None:
    for entry in epoch["profiler"]["per_layer"]:
        if entry["name"] == name:
            entry["pct_total"] = pct


def _param_pct(params: dict[str, int]) -> dict[str, float]:
    return {n: 100.0 * p / sum(params.values()) for n, p in params.items()}


def _median_ratio(
    param_pct: dict[str, float], compute_pct: dict[str, float], name: str, inverse: bool
) -> float:
    ratios = {n: compute_pct[n] / param_pct[n] for n in param_pct}
    if inverse:
        ratios = {n: 1 / r for n, r in ratios.items()}
    return ratios[name] / statistics.median(ratios.values())


def test_over_parameterized_layer(healthy_epochs, clone, cnn_architecture, cnn_params):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        _pct(epoch, "dense_0", 2.0)
    data = diagnostic_input(epochs=epochs, architecture=cnn_architecture)
    [issue] = check_over_parameterized_layer(data, T)
    compute = {"conv_0": 25.0, "conv_1": 35.0, "dense_0": 2.0, "predictions": 15.0}
    assert issue.severity is Severity.INFO
    assert issue.layer_id == "dense_0"
    assert issue.metric_key == "param_to_compute_ratio"
    assert issue.metric_value == pytest.approx(
        _median_ratio(_param_pct(cnn_params), compute, "dense_0", inverse=True), rel=1e-4
    )
    assert issue.metric_value == pytest.approx(26.85, abs=0.01)
    assert "44.7% of the parameters" in issue.description


def test_over_parameterized_skips_embeddings(healthy_epochs, clone, rnn_architecture):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["profiler"]["per_layer"] = [
            {"name": "embedding", "type": "Embedding", "pct_total": 2.0},
            {"name": "bidirectional_lstm", "type": "Bidirectional", "pct_total": 60.0},
            {"name": "dense_0", "type": "Dense", "pct_total": 20.0},
            {"name": "predictions", "type": "Dense", "pct_total": 18.0},
        ]
    data = diagnostic_input(epochs=epochs, architecture=rnn_architecture)
    # 92% of the parameters in 2% of the compute, but a lookup table is not over-sized by it
    assert check_over_parameterized_layer(data, T) == []
    for epoch in epochs:  # without a type in the profiler record the architecture's decides
        for entry in epoch["profiler"]["per_layer"]:
            del entry["type"]
    data = diagnostic_input(epochs=epochs, architecture=rnn_architecture)
    assert check_over_parameterized_layer(data, T) == []
    # the same shares would be reported for a layer that is not an embedding
    rnn_architecture["layers"]["embedding"]["type"] = "Dense"
    data = diagnostic_input(epochs=epochs, architecture=rnn_architecture)
    [issue] = check_over_parameterized_layer(data, T)
    assert issue.layer_id == "embedding"


def test_compute_inefficient_layer(healthy_epochs, clone, cnn_architecture, cnn_params):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        _pct(epoch, "conv_0", 60.0)
        epoch["profiler"]["per_layer"].append(
            {"name": "conv_0_pool", "type": "MaxPooling2D", "pct_total": 30.0}
        )
    data = diagnostic_input(epochs=epochs, architecture=cnn_architecture)
    [issue] = check_compute_inefficient_layer(data, T)  # the pooling layer has no parameters
    compute = {"conv_0": 60.0, "conv_1": 35.0, "dense_0": 25.0, "predictions": 15.0}
    assert issue.severity is Severity.INFO
    assert issue.layer_id == "conv_0"
    assert issue.metric_key == "compute_to_param_ratio"
    assert issue.metric_value == pytest.approx(
        _median_ratio(_param_pct(cnn_params), compute, "conv_0", inverse=False), rel=1e-4
    )
    assert "SeparableConv2D" in issue.suggestion


def test_share_checks_need_three_layers(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["profiler"]["per_layer"] = epoch["profiler"]["per_layer"][:2]
        _pct(epoch, "conv_0", 99.0)
    data = diagnostic_input(epochs=epochs)
    assert check_compute_inefficient_layer(data, T) == []
    assert check_over_parameterized_layer(data, T) == []


def test_share_thresholds_are_honoured(healthy_epochs):
    # Healthy conv_0: 5.8x the median compute per parameter; dense_0: 2.1x the median params
    # per compute. Both are under the default 10x.
    data = diagnostic_input(epochs=healthy_epochs)
    inefficient = check_compute_inefficient_layer(
        data, DiagnosticThresholds(compute_inefficient_ratio=5.0)
    )
    assert [(i.layer_id, round(i.metric_value, 2)) for i in inefficient] == [("conv_0", 5.82)]
    over = check_over_parameterized_layer(data, DiagnosticThresholds(over_parameterized_ratio=2.0))
    assert [(i.layer_id, round(i.metric_value, 2)) for i in over] == [("dense_0", 2.15)]


def test_min_share_pct_is_honoured(healthy_epochs):
    # The layers test_share_thresholds_are_honoured reports: conv_0 does 25% of the compute,
    # dense_0 holds 44.7% of the parameters. Layers below min_share_pct are not compared.
    data = diagnostic_input(epochs=healthy_epochs)
    inefficient = DiagnosticThresholds(compute_inefficient_ratio=5.0, min_share_pct=30.0)
    assert check_compute_inefficient_layer(data, inefficient) == []
    over = DiagnosticThresholds(over_parameterized_ratio=2.0, min_share_pct=50.0)
    assert check_over_parameterized_layer(data, over) == []
