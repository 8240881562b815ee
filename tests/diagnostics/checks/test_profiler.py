"""Profiler checks: hotspot layer, backward dominance and the forward/backward ratio."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks import profiler
from healthopt.diagnostics.checks.profiler import (
    check_backward_dominance,
    check_fwd_bwd_ratio,
    check_profiler_hotspot,
)
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ...builders import diagnostic_input

T = DiagnosticThresholds()


def _set_layer_pct(epoch: dict, name: str, pct: float) -> None:
    for entry in epoch["profiler"]["per_layer"]:
        if entry["name"] == name:
            entry["pct_total"] = pct


def _set_backward(epoch: dict, pct: float) -> None:
    epoch["profiler"]["operation_categories"]["backward_pass"]["pct_cpu"] = pct


@pytest.mark.parametrize("check", profiler.CHECKS)
def test_every_check_returns_nothing_on_empty_input(check):
    assert check(diagnostic_input(), T) == []


@pytest.mark.parametrize("check", profiler.CHECKS)
def test_every_check_is_silent_on_healthy_history(check, healthy_epochs):
    assert check(diagnostic_input(epochs=healthy_epochs), T) == []


@pytest.mark.parametrize("check", profiler.CHECKS)
def test_every_check_survives_partial_records(check):
    epochs = [
        {"epoch": 0},
        {"profiler": {}},
        {"profiler": {"per_layer": [{}, {"name": None}, {"name": "a", "pct_total": None}]}},
        {
            "profiler": {
                "fwd_bwd_ratio": None,
                "forward_ms": 3.0,
                "backward_ms": 0.0,
                "operation_categories": {"backward_pass": {}},
            }
        },
        {"profiler": {"per_layer": [], "operation_categories": {}}},
    ]
    assert check(diagnostic_input(epochs=epochs), T) == []


def test_hotspot_reports_layer_once_with_mean_share(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k in range(2, 7):
        _set_layer_pct(epochs[k], "dense_0", 60.0 if k == 4 else 55.0)
    issues = check_profiler_hotspot(diagnostic_input(epochs=epochs), T)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.check == "profiler_hotspot"
    assert issue.severity is Severity.INFO
    assert issue.category is Category.PROFILER
    assert issue.layer_id == "dense_0"
    assert issue.epoch_index == 4  # where it was worst
    assert issue.metric_key == "profiler.per_layer.pct_total"
    assert issue.metric_value == pytest.approx((4 * 55.0 + 60.0 + 3 * 25.0) / 8)
    assert "5 of 8 profiled epochs" in issue.description
    assert "4 ms of forward time" in issue.description  # what the layer costs
    assert "GlobalAveragePooling2D" in issue.suggestion  # a Dense-specific hint


def test_hotspot_needs_most_profiled_epochs(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k in range(4):  # half of the epochs is not "most"
        _set_layer_pct(epochs[k], "dense_0", 80.0)
    assert check_profiler_hotspot(diagnostic_input(epochs=epochs), T) == []


def test_hotspot_counts_only_profiled_epochs(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k in range(6):
        del epochs[k]["profiler"]
    for k in (6, 7):
        _set_layer_pct(epochs[k], "conv_1", 50.0)
    issues = check_profiler_hotspot(diagnostic_input(epochs=epochs), T)
    assert [(i.layer_id, i.metric_value, i.epoch_index) for i in issues] == [("conv_1", 50.0, 6)]
    assert "2 of 2 profiled epochs" in issues[0].description


def test_hotspot_just_below_limit_is_silent(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        _set_layer_pct(epoch, "conv_1", 39.9)
    assert check_profiler_hotspot(diagnostic_input(epochs=epochs), T) == []


def test_backward_dominance_reports_once_with_worst_epoch(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k, epoch in enumerate(epochs):
        _set_backward(epoch, 70.0 if k == 3 else 60.0)
    issues = check_backward_dominance(diagnostic_input(epochs=epochs), T)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.check == "backward_dominance"
    assert issue.severity is Severity.INFO
    assert issue.category is Category.PROFILER
    assert issue.epoch_index == 3
    assert issue.layer_id is None
    assert issue.metric_key == "profiler.operation_categories.backward_pass.pct_cpu"
    assert issue.metric_value == pytest.approx((7 * 60.0 + 70.0) / 8)
    assert "8 of 8 profiled epochs" in issue.description
    assert "forward pass took 40.0%" in issue.description


def test_backward_dominance_at_the_limit_is_silent(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        _set_backward(epoch, 45.0)  # the rule is "above"
    assert check_backward_dominance(diagnostic_input(epochs=epochs), T) == []


def test_fwd_bwd_ratio_warns_with_mean_ratio(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k, epoch in enumerate(epochs):
        epoch["profiler"]["fwd_bwd_ratio"] = 0.05 if k == 6 else 0.1
    issues = check_fwd_bwd_ratio(diagnostic_input(epochs=epochs), T)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.check == "fwd_bwd_ratio"
    assert issue.severity is Severity.WARNING
    assert issue.category is Category.PROFILER
    assert issue.epoch_index == 6  # lowest ratio
    assert issue.metric_key == "profiler.fwd_bwd_ratio"
    assert issue.metric_value == pytest.approx((7 * 0.1 + 0.05) / 8)


def test_fwd_bwd_ratio_falls_back_to_timings(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["profiler"].update(fwd_bwd_ratio=None, forward_ms=1.0, backward_ms=10.0)
    issues = check_fwd_bwd_ratio(diagnostic_input(epochs=epochs), T)
    assert [i.metric_value for i in issues] == [pytest.approx(0.1)]


def test_fwd_bwd_ratio_ignores_untimed_forward_and_near_miss(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k, epoch in enumerate(epochs):
        # zero means "forward not timed"; 0.15 is exactly the limit (rule is "below")
        epoch["profiler"]["fwd_bwd_ratio"] = 0.0 if k % 2 else 0.15
    assert check_fwd_bwd_ratio(diagnostic_input(epochs=epochs), T) == []


def test_thresholds_are_honoured(healthy_epochs):
    data = diagnostic_input(epochs=healthy_epochs)
    hot = check_profiler_hotspot(data, DiagnosticThresholds(profiler_hotspot_pct=30.0))
    assert [(i.layer_id, i.metric_value) for i in hot] == [("conv_1", 35.0)]
    backward = check_backward_dominance(data, DiagnosticThresholds(backward_dominance_pct=39.0))
    assert [i.metric_value for i in backward] == [40.0]
    ratio = check_fwd_bwd_ratio(data, DiagnosticThresholds(fwd_bwd_ratio_min=1.5))
    assert [i.metric_value for i in ratio] == [1.0]
