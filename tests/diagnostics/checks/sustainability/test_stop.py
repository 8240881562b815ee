"""`optimal_stop_epoch` and the checks that report its epoch: diminishing returns, early stop
and wasted carbon."""

from __future__ import annotations

from typing import Any

import pytest

from healthopt.diagnostics.checks.sustainability.stop import (
    check_diminishing_returns,
    check_early_stop_opportunity,
    check_wasted_carbon,
    optimal_stop_epoch,
)
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input

T = DiagnosticThresholds()


def _stop(epochs, t=T):
    """`optimal_stop_epoch` over JSON-form epochs, read as the engine reads them."""
    return optimal_stop_epoch(diagnostic_input(epochs=epochs).epochs, t)


def _val(epochs: list[dict[str, Any]], losses: list[float]) -> list[dict[str, Any]]:
    for epoch, loss in zip(epochs, losses, strict=True):
        epoch["loss"]["val"]["val_loss"] = loss
    return epochs


def test_optimal_stop_epoch_on_a_plateau(plateau_epochs):
    assert _stop(plateau_epochs, T) == 3


def test_optimal_stop_epoch_uses_the_records_epoch_numbers(plateau_epochs):
    epochs = plateau_epochs
    for k, epoch in enumerate(epochs):
        epoch["epoch"] = 10 + k  # a resumed run
    assert _stop(epochs, T) == 13


def test_optimal_stop_epoch_none_when_still_improving_or_too_short(healthy_epochs, clone, plateau):
    assert _stop(healthy_epochs, T) is None
    assert _stop(_val(clone(healthy_epochs[:2]), plateau[:2]), T) is None
    flat = _val(clone(healthy_epochs), [1.0] * 8)  # never improved: a plateau, not waste
    assert _stop(flat, T) is None
    assert _stop([], T) is None


def test_optimal_stop_epoch_a_last_meaningful_epoch_is_no_plateau(healthy_epochs, clone):
    # epoch 3 adds 3.3% of the improvement so far, epoch 4 adds 5.5%: still paying off
    losses = [2.0, 1.0, 0.5, 0.45, 0.45 - 0.055 * 1.55]
    epochs = _val(clone(healthy_epochs[:5]), losses)
    assert _stop(epochs, T) is None
    assert _stop(epochs, DiagnosticThresholds(diminishing_returns_pct=0.06)) == 2


def test_optimal_stop_epoch_three_epochs_is_enough(healthy_epochs, clone):
    assert _stop(_val(clone(healthy_epochs[:3]), [2.0, 1.0, 0.99]), T) == 1


def test_optimal_stop_epoch_waits_for_a_late_recovery(healthy_epochs, clone):
    losses = [2.0, 1.0, 0.6, 0.5, 0.49, 0.488, 0.3, 0.299]
    assert _stop(_val(clone(healthy_epochs), losses), T) == 6


def test_optimal_stop_epoch_counts_rising_loss_as_no_return(healthy_epochs, clone):
    losses = [2.0, 1.0, 0.5, 0.45, 0.6, 0.7, 0.8, 0.9]
    assert _stop(_val(clone(healthy_epochs), losses), T) == 2


def test_optimal_stop_epoch_uses_train_loss_when_a_val_loss_is_missing(
    healthy_epochs, clone, plateau
):
    epochs = clone(healthy_epochs)  # val loss keeps improving 20% an epoch
    for epoch, loss in zip(epochs, plateau, strict=True):
        epoch["loss"]["train_mean"] = loss
    assert _stop(epochs, T) is None  # val loss decides
    epochs[5]["loss"]["val"]["val_loss"] = None
    assert _stop(epochs, T) == 3  # train loss decides


def test_diminishing_returns_threshold_is_honoured(healthy_epochs):
    # Healthy: epoch 6 adds 9.7% and epoch 7 adds 7.1% of the improvement so far.
    t = DiagnosticThresholds(diminishing_returns_pct=0.1)
    assert _stop(healthy_epochs, t) == 5
    issues = check_diminishing_returns(diagnostic_input(epochs=healthy_epochs), t)
    assert [(i.epoch_index, i.metric_value) for i in issues] == [(6, pytest.approx(0.09748, 1e-3))]


def test_diminishing_returns(plateau_epochs):
    data = diagnostic_input(epochs=plateau_epochs)
    [issue] = check_diminishing_returns(data, T)
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 4  # first epoch of the tail
    assert issue.metric_key == "marginal_improvement_ratio"
    assert issue.metric_value == pytest.approx(0.01 / 1.5, abs=1e-6)
    assert "validation loss" in issue.description
    assert "EarlyStopping" in issue.suggestion


def test_diminishing_returns_silent_on_healthy(healthy_epochs):
    assert check_diminishing_returns(diagnostic_input(epochs=healthy_epochs), T) == []


def test_early_stop_opportunity(plateau_epochs):
    data = diagnostic_input(epochs=plateau_epochs)
    [issue] = check_early_stop_opportunity(data, T)
    assert issue.check == "early_stop_opportunity"
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 3
    assert issue.metric_key == "wasted_epochs"
    assert issue.metric_value == 4
    # epochs 4-7 took 10.1 + 10.2 + 10.0 + 10.1 s of 80.7 s
    assert "50.1% of the compute, 40.4 s" in issue.description


def test_early_stop_opportunity_silent_on_healthy(healthy_epochs):
    assert check_early_stop_opportunity(diagnostic_input(epochs=healthy_epochs), T) == []


def test_wasted_carbon(plateau_epochs):
    data = diagnostic_input(epochs=plateau_epochs)
    [issue] = check_wasted_carbon(data, T)
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 4
    assert issue.metric_key == "carbon_emissions.epoch_co2_kg"
    assert issue.metric_value == pytest.approx(4 * 1.3e-5)
    assert "0.052 g CO2" in issue.description and "0.112 Wh" in issue.description


def test_wasted_carbon_needs_carbon_records(healthy_epochs, plateau_epochs):
    epochs = plateau_epochs
    for epoch in epochs:
        del epoch["carbon_emissions"]
    assert check_wasted_carbon(diagnostic_input(epochs=epochs), T) == []
    assert check_wasted_carbon(diagnostic_input(epochs=healthy_epochs), T) == []
