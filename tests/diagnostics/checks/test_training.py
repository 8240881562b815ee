"""Learning-rate, batch-size and non-finite checks on crafted histories."""

from __future__ import annotations

import math

import pytest

from healthopt.diagnostics.checks import training
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ...builders import diagnostic_input

T = DiagnosticThresholds()
ZIGZAG = (2.0, 1.5, 1.8, 1.3, 1.6, 1.1, 1.0, 0.9)  # direction flips at epochs 2, 3, 4, 5


def set_losses(epochs, values, cv=0.2):
    for record, value in zip(epochs, values, strict=True):
        record["loss"].update(
            train_mean=value,
            train_epoch=value,
            train_std=cv * value,
            train_min=0.6 * value,
            train_max=1.8 * value,
        )


def set_cv(epochs, cv):
    for record in epochs:
        record["loss"]["train_std"] = cv * record["loss"]["train_mean"]


def set_batch(epochs, size):
    for record in epochs:
        record["optimizer"]["batch_size"] = size


def only(issues, check):
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.check == check
    assert issue.category is Category.LOSS
    assert issue.title and issue.description and issue.suggestion
    return issue


@pytest.mark.parametrize("check", training.CHECKS, ids=lambda c: c.__name__)
def test_empty_input_gives_nothing(check):
    assert check(diagnostic_input(), T) == []


@pytest.mark.parametrize("check", training.CHECKS, ids=lambda c: c.__name__)
def test_healthy_history_gives_nothing(check, healthy_epochs):
    assert check(diagnostic_input(epochs=healthy_epochs), T) == []


@pytest.mark.parametrize("check", training.CHECKS, ids=lambda c: c.__name__)
def test_partial_records_do_not_raise(check):
    epochs = [
        {},
        {"loss": {}, "optimizer": {}, "layer_health": {}},
        {"epoch": None, "optimizer": {"batch_size": None, "learning_rate": "fast"}},
        {"loss": {"train_std": 0.1, "val": {}}, "layer_health": {"layers": {"a": {}}}},
        {"loss": {"train_mean": 1.0}, "optimizer": {"batch_size": 0}},
    ]
    assert check(diagnostic_input(epochs=epochs), T) == []


# -- learning_rate_too_high -------------------------------------------------------------
def test_lr_too_high_on_zigzag_quotes_learning_rate(healthy_epochs):
    set_losses(healthy_epochs, ZIGZAG)
    issue = only(
        training.check_learning_rate_too_high(diagnostic_input(epochs=healthy_epochs), T),
        "learning_rate_too_high",
    )
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 4
    assert issue.metric_key == "optimizer.learning_rate"
    assert issue.metric_value == pytest.approx(1e-3)
    assert "3 times" in issue.description and "0.001" in issue.description


def test_lr_too_high_on_jump_without_optimizer_record(healthy_epochs):
    for record in healthy_epochs:
        del record["optimizer"]
    healthy_epochs[3]["loss"]["train_mean"] = 3.0  # epoch 2 is 1.33: 2.3x
    issue = only(
        training.check_learning_rate_too_high(diagnostic_input(epochs=healthy_epochs), T),
        "learning_rate_too_high",
    )
    assert issue.epoch_index == 3
    assert issue.metric_key == "loss.train_mean"
    assert issue.metric_value == pytest.approx(3.0)


def test_lr_too_high_near_misses_and_threshold(clone, healthy_epochs):
    two_flips = clone(healthy_epochs)
    set_losses(two_flips, (2.0, 1.5, 1.8, 1.3, 1.2, 1.1, 1.0, 0.9))
    assert training.check_learning_rate_too_high(diagnostic_input(epochs=two_flips), T) == []
    wobble = clone(healthy_epochs)  # flips, but every move under 1%
    set_losses(wobble, (0.500, 0.497, 0.499, 0.496, 0.498, 0.495, 0.497, 0.494))
    assert training.check_learning_rate_too_high(diagnostic_input(epochs=wobble), T) == []
    zigzag = clone(healthy_epochs)
    set_losses(zigzag, ZIGZAG)
    data = diagnostic_input(epochs=zigzag)
    four = training.check_learning_rate_too_high(
        data, DiagnosticThresholds(lr_oscillation_sign_changes=4)
    )
    assert [i.epoch_index for i in four] == [5]
    assert (
        training.check_learning_rate_too_high(
            data, DiagnosticThresholds(lr_oscillation_sign_changes=5)
        )
        == []
    )


# -- learning_rate_too_low --------------------------------------------------------------
def test_lr_too_low_on_slow_steady_progress(healthy_epochs):
    set_losses(healthy_epochs, [2.0 * 0.995**k for k in range(8)])
    issue = only(
        training.check_learning_rate_too_low(diagnostic_input(epochs=healthy_epochs), T),
        "learning_rate_too_low",
    )
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 7
    assert issue.metric_key == "optimizer.learning_rate"
    assert issue.metric_value == pytest.approx(1e-3)
    assert "0.50% per epoch" in issue.description


def test_lr_too_low_near_misses_and_threshold(clone, healthy_epochs):
    slow = [2.0 * 0.995**k for k in range(8)]
    bumpy = clone(healthy_epochs)
    set_losses(bumpy, slow[:5] + [slow[3]] + slow[6:])  # one rise: not steady
    assert training.check_learning_rate_too_low(diagnostic_input(epochs=bumpy), T) == []
    fitted = clone(healthy_epochs)
    set_losses(fitted, slow)
    fitted[7]["accuracy"]["train"] = 0.99
    assert training.check_learning_rate_too_low(diagnostic_input(epochs=fitted), T) == []
    short = clone(healthy_epochs[:2])
    set_losses(short, slow[:2])
    assert training.check_learning_rate_too_low(diagnostic_input(epochs=short), T) == []
    steady = clone(healthy_epochs)
    set_losses(steady, slow)
    lenient = DiagnosticThresholds(lr_too_low_epoch_improvement=0.004)
    assert training.check_learning_rate_too_low(diagnostic_input(epochs=steady), lenient) == []


# -- batch_size_too_small ---------------------------------------------------------------
def test_batch_size_too_small_with_noisy_losses(healthy_epochs):
    set_batch(healthy_epochs, 8)
    set_cv(healthy_epochs, 0.3)
    issue = only(
        training.check_batch_size_too_small(diagnostic_input(epochs=healthy_epochs), T),
        "batch_size_too_small",
    )
    assert issue.severity is Severity.INFO
    assert issue.epoch_index is None
    assert issue.metric_key == "optimizer.batch_size"
    assert issue.metric_value == 8
    assert "0.30" in issue.description


def test_batch_size_too_small_needs_both_signs(clone, healthy_epochs):
    quiet = clone(healthy_epochs)
    set_batch(quiet, 8)  # small batch, cv 0.2: not noisy enough
    assert training.check_batch_size_too_small(diagnostic_input(epochs=quiet), T) == []
    noisy = clone(healthy_epochs)
    set_cv(noisy, 0.3)  # noisy, but batch 32
    assert training.check_batch_size_too_small(diagnostic_input(epochs=noisy), T) == []
    found = training.check_batch_size_too_small(
        diagnostic_input(epochs=noisy), DiagnosticThresholds(batch_size_small=32)
    )
    assert [i.metric_value for i in found] == [32]


# -- batch_size_too_large ---------------------------------------------------------------
def _large_batch_history(epochs):
    set_batch(epochs, 1024)
    set_cv(epochs, 0.01)
    for k, value in zip((5, 6, 7), (0.80, 0.80, 0.81), strict=True):
        epochs[k]["loss"]["val"]["val_loss"] = value
    return epochs


def test_batch_size_too_large_with_smooth_losses_and_stalled_validation(healthy_epochs):
    epochs = _large_batch_history(healthy_epochs)
    issue = only(
        training.check_batch_size_too_large(diagnostic_input(epochs=epochs), T),
        "batch_size_too_large",
    )
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 7
    assert issue.metric_key == "optimizer.batch_size"
    assert issue.metric_value == 1024


def test_batch_size_too_large_near_misses_and_threshold(clone, healthy_epochs):
    improving = clone(healthy_epochs)
    set_batch(improving, 1024)
    set_cv(improving, 0.01)  # smooth, but validation keeps improving
    assert training.check_batch_size_too_large(diagnostic_input(epochs=improving), T) == []
    noisy = _large_batch_history(clone(healthy_epochs))
    set_cv(noisy, 0.2)
    assert training.check_batch_size_too_large(diagnostic_input(epochs=noisy), T) == []
    stalled = _large_batch_history(clone(healthy_epochs))
    data = diagnostic_input(epochs=stalled)
    assert (
        training.check_batch_size_too_large(data, DiagnosticThresholds(batch_size_large=2048)) == []
    )
    set_batch(stalled, 256)
    assert training.check_batch_size_too_large(diagnostic_input(epochs=stalled), T) == []


# -- nan_in_loss ------------------------------------------------------------------------
def test_nan_in_loss_from_observer_null(healthy_epochs):
    healthy_epochs[5]["loss"]["train_mean"] = None  # the observer writes NaN as null
    healthy_epochs[6]["loss"]["train_mean"] = None
    issue = only(
        training.check_nan_in_loss(diagnostic_input(epochs=healthy_epochs), T), "nan_in_loss"
    )
    assert issue.severity is Severity.CRITICAL
    assert issue.epoch_index == 5
    assert issue.metric_key == "loss.train_mean"
    assert issue.metric_value == "null"
    assert "2 epoch(s)" in issue.description
    assert "TerminateOnNaN" in issue.suggestion


def test_nan_in_loss_from_float_nan_in_validation(healthy_epochs):
    healthy_epochs[3]["loss"]["val"]["val_loss"] = math.nan
    issue = only(
        training.check_nan_in_loss(diagnostic_input(epochs=healthy_epochs), T), "nan_in_loss"
    )
    assert (issue.epoch_index, issue.metric_key, issue.metric_value) == (
        3,
        "loss.val.val_loss",
        "nan",
    )


def test_nan_in_loss_tolerates_runs_without_validation_or_keys(clone, healthy_epochs):
    no_val = clone(healthy_epochs)
    for record in no_val:
        record["loss"]["val"]["val_loss"] = None
    assert training.check_nan_in_loss(diagnostic_input(epochs=no_val), T) == []
    one_null = clone(healthy_epochs)  # validation exists elsewhere, so this null is a NaN
    one_null[4]["loss"]["val"]["val_loss"] = None
    assert [
        i.epoch_index for i in training.check_nan_in_loss(diagnostic_input(epochs=one_null), T)
    ] == [4]
    missing = clone(healthy_epochs)
    del missing[2]["loss"]["train_mean"]  # absent, not null: nothing to judge
    assert training.check_nan_in_loss(diagnostic_input(epochs=missing), T) == []


# -- inf_gradients ----------------------------------------------------------------------
def test_inf_gradients_one_issue_naming_first_layer(healthy_epochs):
    for k in (4, 5):
        for name in ("dense_0", "predictions"):
            entry = healthy_epochs[k]["layer_health"]["layers"][name]
            entry.update(gradient_finite=False, gradient_norm=None)
    issue = only(
        training.check_inf_gradients(diagnostic_input(epochs=healthy_epochs), T), "inf_gradients"
    )
    assert issue.severity is Severity.CRITICAL
    assert issue.epoch_index == 4
    assert issue.layer_id == "dense_0"
    assert issue.metric_key == "layer_health.layers.dense_0.gradient_finite"
    assert issue.metric_value is False
    assert "dense_0, predictions" in issue.description and "2 epoch(s)" in issue.description


def test_inf_gradients_from_raw_norm_and_not_from_weightless_layers(clone, healthy_epochs):
    weightless = clone(healthy_epochs)
    weightless[2]["layer_health"]["layers"]["flatten"] = {
        "type": "Flatten",
        "gradient_norm": None,
        "gradient_finite": None,
    }
    assert training.check_inf_gradients(diagnostic_input(epochs=weightless), T) == []
    raw = clone(healthy_epochs)
    entry = raw[3]["layer_health"]["layers"]["conv_1"]
    del entry["gradient_finite"]
    entry["gradient_norm"] = math.inf
    issue = only(training.check_inf_gradients(diagnostic_input(epochs=raw), T), "inf_gradients")
    assert (issue.epoch_index, issue.layer_id, issue.metric_value) == (3, "conv_1", "inf")
