"""Loss checks: each fires on a crafted history with one problem and stays quiet otherwise."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks import loss
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ...builders import diagnostic_input

T = DiagnosticThresholds()


def set_train(epochs, position, value):
    """Give one epoch a train loss (mean and epoch loss) with the healthy 20% batch spread."""
    epochs[position]["loss"].update(
        train_mean=value,
        train_epoch=value,
        train_std=0.2 * value,
        train_min=0.6 * value,
        train_max=1.8 * value,
    )


def set_val(epochs, position, value):
    epochs[position]["loss"]["val"]["val_loss"] = value


def only(issues, check):
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.check == check
    assert issue.category is Category.LOSS
    assert issue.title and issue.description and issue.suggestion
    return issue


@pytest.mark.parametrize("check", loss.CHECKS, ids=lambda c: c.__name__)
def test_empty_input_gives_nothing(check):
    assert check(diagnostic_input(), T) == []


@pytest.mark.parametrize("check", loss.CHECKS, ids=lambda c: c.__name__)
def test_healthy_history_gives_nothing(check, healthy_epochs):
    assert check(diagnostic_input(epochs=healthy_epochs), T) == []


@pytest.mark.parametrize("check", loss.CHECKS, ids=lambda c: c.__name__)
def test_partial_records_do_not_raise(check):
    epochs = [
        {},
        {"loss": {}, "accuracy": {}},
        {"epoch": None, "loss": {"train_mean": None, "train_std": None, "val": {}}},
        {"loss": {"train_mean": "1.0", "train_max": 3.0, "val": {"val_loss": None}}},
        {"loss": {"train_mean": 0.0, "train_std": 0.0, "train_max": 0.0}},
        {"loss": {"train_mean": 1.0}},
    ]
    assert check(diagnostic_input(epochs=epochs), T) == []


# -- loss_divergence --------------------------------------------------------------------
def test_divergence_two_rising_epochs(healthy_epochs):
    set_train(healthy_epochs, 5, 0.95)  # epoch 4 is 0.869
    set_train(healthy_epochs, 6, 1.1)
    issue = only(
        loss.check_loss_divergence(diagnostic_input(epochs=healthy_epochs), T), "loss_divergence"
    )
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 6
    assert issue.metric_key == "loss.train_mean"
    assert issue.metric_value == pytest.approx(1.1)
    assert "2 epochs in a row" in issue.description


def test_divergence_ignores_single_rise_and_tiny_wobbles(clone, healthy_epochs):
    one_rise = clone(healthy_epochs)
    set_train(one_rise, 5, 0.95)
    set_train(one_rise, 6, 0.9)
    assert loss.check_loss_divergence(diagnostic_input(epochs=one_rise), T) == []
    wobble = clone(healthy_epochs)
    set_train(wobble, 4, 0.870)
    set_train(wobble, 5, 0.873)  # +0.35%: under the 1% noise floor
    set_train(wobble, 6, 0.876)
    assert loss.check_loss_divergence(diagnostic_input(epochs=wobble), T) == []


def test_divergence_threshold_is_honoured(healthy_epochs):
    set_train(healthy_epochs, 5, 0.95)
    set_train(healthy_epochs, 6, 1.1)
    data = diagnostic_input(epochs=healthy_epochs)
    assert loss.check_loss_divergence(data, DiagnosticThresholds(loss_divergence_epochs=3)) == []
    assert len(loss.check_loss_divergence(data, T)) == 1


# -- loss_explosion ---------------------------------------------------------------------
def test_explosion_is_critical(healthy_epochs):
    set_train(healthy_epochs, 3, 4.0)  # epoch 2 is 1.33: 3x
    issue = only(
        loss.check_loss_explosion(diagnostic_input(epochs=healthy_epochs), T), "loss_explosion"
    )
    assert issue.severity is Severity.CRITICAL
    assert issue.epoch_index == 3
    assert issue.metric_value == pytest.approx(4.0)
    assert "3.0x" in issue.description
    assert "clipnorm=1.0" in issue.suggestion


def test_explosion_threshold_and_near_miss(healthy_epochs):
    set_train(healthy_epochs, 3, 1.9 * 1.33)  # 1.9x: under the default 2x
    data = diagnostic_input(epochs=healthy_epochs)
    assert loss.check_loss_explosion(data, T) == []
    found = loss.check_loss_explosion(data, DiagnosticThresholds(loss_explosion_ratio=1.5))
    assert [i.epoch_index for i in found] == [3]


def test_explosion_skips_blip_of_converged_model(healthy_epochs):
    for k in (6, 7):
        healthy_epochs[k]["accuracy"]["train"] = 0.995
    set_train(healthy_epochs, 6, 0.004)
    set_train(healthy_epochs, 7, 0.009)
    assert loss.check_loss_explosion(diagnostic_input(epochs=healthy_epochs), T) == []


# -- loss_plateau -----------------------------------------------------------------------
def test_plateau_over_last_three_epochs(healthy_epochs):
    for k, value in zip((5, 6, 7), (0.500, 0.498, 0.497), strict=True):
        set_train(healthy_epochs, k, value)
    issue = only(
        loss.check_loss_plateau(diagnostic_input(epochs=healthy_epochs), T), "loss_plateau"
    )
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 7
    assert issue.metric_value == pytest.approx(0.497)
    assert "0.60%" in issue.description


def test_plateau_threshold_and_converged_model(clone, healthy_epochs):
    for k, value in zip((5, 6, 7), (0.500, 0.498, 0.497), strict=True):
        set_train(healthy_epochs, k, value)
    data = diagnostic_input(epochs=healthy_epochs)
    assert loss.check_loss_plateau(data, DiagnosticThresholds(loss_plateau_improvement=0.005)) == []
    assert loss.check_loss_plateau(data, DiagnosticThresholds(loss_plateau_window=5)) == []
    fitted = clone(healthy_epochs)
    fitted[7]["accuracy"]["train"] = 0.99
    assert loss.check_loss_plateau(diagnostic_input(epochs=fitted), T) == []


# -- overfitting ------------------------------------------------------------------------
def test_overfitting_val_rises_while_train_falls(healthy_epochs):
    for k, value in zip((5, 6, 7), (1.0, 1.05, 1.1), strict=True):  # best val: epoch 4
        set_val(healthy_epochs, k, value)
    issue = only(loss.check_overfitting(diagnostic_input(epochs=healthy_epochs), T), "overfitting")
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 7
    assert issue.metric_key == "loss.val.val_loss"
    assert issue.metric_value == pytest.approx(1.1)
    assert "3 epochs (5, 6, 7)" in issue.description
    assert "EarlyStopping" in issue.suggestion
    strict = DiagnosticThresholds(overfitting_epochs=4)
    assert loss.check_overfitting(diagnostic_input(epochs=healthy_epochs), strict) == []


def test_overfitting_needs_repeated_rise_since_best(clone, healthy_epochs):
    once = clone(healthy_epochs)
    set_val(once, 7, 1.0)  # one rise only
    assert loss.check_overfitting(diagnostic_input(epochs=once), T) == []
    recovered = clone(healthy_epochs)
    set_val(recovered, 2, 2.0)  # two early rises, then validation reaches new bests
    set_val(recovered, 3, 2.1)
    assert loss.check_overfitting(diagnostic_input(epochs=recovered), T) == []


# -- high_loss_variance -----------------------------------------------------------------
def test_high_loss_variance_at_noisiest_epoch(healthy_epochs):
    mean = healthy_epochs[3]["loss"]["train_mean"]
    healthy_epochs[3]["loss"]["train_std"] = 0.7 * mean
    healthy_epochs[5]["loss"]["train_std"] = 0.6 * healthy_epochs[5]["loss"]["train_mean"]
    issue = only(
        loss.check_high_loss_variance(diagnostic_input(epochs=healthy_epochs), T),
        "high_loss_variance",
    )
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 3
    assert issue.metric_key == "loss.train_std"
    assert issue.metric_value == pytest.approx(0.7 * mean)
    assert "0.70" in issue.description and "2 of 7" in issue.description
    relaxed = DiagnosticThresholds(high_loss_variance_cv=0.8)
    assert loss.check_high_loss_variance(diagnostic_input(epochs=healthy_epochs), relaxed) == []


def test_high_loss_variance_ignores_first_epoch(healthy_epochs):
    healthy_epochs[0]["loss"]["train_std"] = 1.0 * healthy_epochs[0]["loss"]["train_mean"]
    assert loss.check_high_loss_variance(diagnostic_input(epochs=healthy_epochs), T) == []


# -- gradient_instability ---------------------------------------------------------------
def test_gradient_spike(healthy_epochs):
    mean = healthy_epochs[5]["loss"]["train_mean"]
    healthy_epochs[5]["loss"]["train_max"] = 30 * mean
    issue = only(
        loss.check_gradient_instability(diagnostic_input(epochs=healthy_epochs), T),
        "gradient_instability",
    )
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 5
    assert issue.metric_key == "loss.train_max"
    assert issue.metric_value == pytest.approx(30 * mean)
    assert "30.0x" in issue.description


def test_gradient_spike_near_miss_threshold_and_converged(clone, healthy_epochs):
    near = clone(healthy_epochs)
    near[5]["loss"]["train_max"] = 15 * near[5]["loss"]["train_mean"]
    assert loss.check_gradient_instability(diagnostic_input(epochs=near), T) == []
    strict = DiagnosticThresholds(gradient_spike_ratio=10.0)
    assert len(loss.check_gradient_instability(diagnostic_input(epochs=near), strict)) == 1
    fitted = clone(healthy_epochs)
    fitted[5]["accuracy"]["train"] = 0.99
    fitted[5]["loss"]["train_max"] = 30 * fitted[5]["loss"]["train_mean"]
    assert loss.check_gradient_instability(diagnostic_input(epochs=fitted), T) == []


def test_issues_serialise_to_plain_json(healthy_epochs):
    set_train(healthy_epochs, 3, 4.0)
    issue = loss.check_loss_explosion(diagnostic_input(epochs=healthy_epochs), T)[0]
    data = issue.to_dict()
    assert data["severity"] == "critical" and data["category"] == "loss"
    assert isinstance(data["metric_value"], float)
