"""Overfitting by the generalization gap: diagnostics and analyzer share one definition.

The crafted overfit run is the real trial that scored 88/100 with no warning: train accuracy
0.865 against validation 0.25, train loss 0.58 against validation 2.24, with a validation loss
that never rises (so the trend rule alone stays silent).
"""

from __future__ import annotations

from typing import Any

import pytest

from healthopt.analysis.dynamics import analyze_dynamics
from healthopt.diagnostics.checks import loss
from healthopt.diagnostics.engine import run_diagnostics
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.records import series
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.generalization_gap import GapLimits, generalization_gap

from ..builders import diagnostic_input

T = DiagnosticThresholds()

# Final third = the last 2 of 6 epochs; their means are the figures quoted above.
OVERFIT = {
    "train_acc": [0.40, 0.55, 0.70, 0.80, 0.86, 0.87],  # mean 0.865
    "val_acc": [0.25] * 6,
    "train_loss": [1.40, 1.10, 0.85, 0.70, 0.60, 0.56],  # mean 0.58
    "val_loss": [2.30, 2.28, 2.27, 2.26, 2.245, 2.235],  # mean 2.24, falling every epoch
}
HEALTHY = {
    "train_acc": [0.60, 0.80, 0.90, 0.94, 0.965, 0.975],  # mean 0.97
    "val_acc": [0.60, 0.78, 0.88, 0.92, 0.945, 0.955],  # mean 0.95
    "train_loss": [1.20, 0.60, 0.30, 0.18, 0.11, 0.09],  # mean 0.10
    "val_loss": [1.20, 0.62, 0.33, 0.20, 0.165, 0.155],  # mean 0.16
}


def records(run: dict[str, list[float | None]]) -> list[dict[str, Any]]:
    """Epoch records as the observer writes them (see diagnostics.records)."""
    return [
        {
            "epoch": k,
            "loss": {
                "train_mean": run["train_loss"][k],
                "train_epoch": run["train_loss"][k],
                "val": {"val_loss": run["val_loss"][k], "val_acc": run["val_acc"][k]},
            },
            "accuracy": {"train": run["train_acc"][k]},
        }
        for k in range(len(run["train_loss"]))
    ]


def keras_history(raw: list[dict[str, Any]]) -> dict[str, list[float | None]]:
    """The same run as the Keras History the analyzer reads."""
    epochs = diagnostic_input(epochs=raw).epochs
    return {
        "loss": series(epochs, lambda e: e.loss.train_mean),
        "val_loss": series(epochs, lambda e: e.loss.val.val_loss),
        "accuracy": series(epochs, lambda e: e.accuracy.train),
        "val_accuracy": series(epochs, lambda e: e.loss.val.val_acc),
    }


def shared_gap(epochs: list[dict[str, Any]]):
    history = keras_history(epochs)
    return generalization_gap(
        history["loss"], history["val_loss"], history["accuracy"], history["val_accuracy"]
    )


def test_wide_gap_is_a_warning_even_when_val_loss_keeps_falling():
    [issue] = loss.check_overfitting(diagnostic_input(epochs=records(OVERFIT)), T)
    assert issue.check == "overfitting"
    assert issue.severity is Severity.WARNING and issue.category is Category.LOSS
    text = issue.description
    assert text.startswith("Generalization gap over the final third (epochs 4-5")
    assert "train accuracy 0.865 vs validation 0.25, a gap of 0.615 (limit 0.1)" in text
    assert "validation loss 2.24 vs train 0.58, 3.9x and +1.66 (limits 2x and +0.2)" in text
    assert "Validation loss rose" not in text  # the trend rule did not fire
    assert issue.epoch_index == 5
    assert issue.metric_key == "loss.val.val_acc" and issue.metric_value == pytest.approx(0.25)
    assert "same steps" in issue.suggestion


def test_healthy_run_has_no_overfitting():
    assert loss.check_overfitting(diagnostic_input(epochs=records(HEALTHY)), T) == []


def test_gap_thresholds_are_user_settable():
    data = diagnostic_input(epochs=records(OVERFIT))
    lenient = DiagnosticThresholds(
        overfitting_accuracy_gap=0.7, overfitting_loss_ratio=4.0, overfitting_loss_gap=0.2
    )
    assert loss.check_overfitting(data, lenient) == []
    loss_only = DiagnosticThresholds(overfitting_accuracy_gap=0.7)
    [issue] = loss.check_overfitting(data, loss_only)
    assert "train accuracy" not in issue.description and "3.9x" in issue.description
    assert issue.metric_key == "loss.val.val_loss"
    assert issue.metric_value == pytest.approx(2.235)


@pytest.mark.parametrize("drop", ["accuracy", "loss"])
def test_each_gap_alone_is_enough(drop):
    run = dict(OVERFIT)
    keys = ("train_acc", "val_acc") if drop == "accuracy" else ("train_loss", "val_loss")
    run.update({key: [None] * 6 for key in keys})
    [issue] = loss.check_overfitting(diagnostic_input(epochs=records(run)), T)
    assert ("a gap of 0.615" in issue.description) == (drop == "loss")
    assert ("3.9x" in issue.description) == (drop == "accuracy")


def test_trend_and_gap_together_make_one_issue_naming_both():
    run = dict(OVERFIT, val_loss=[2.20, 2.22, 2.24, 2.26, 2.28, 2.30])
    [issue] = loss.check_overfitting(diagnostic_input(epochs=records(run)), T)
    assert "Validation loss rose in 5 epochs (1, 2, 3, 4, 5)" in issue.description
    assert "Generalization gap" in issue.description
    assert issue.metric_key == "loss.val.val_loss" and issue.metric_value == pytest.approx(2.30)


@pytest.mark.parametrize(
    ("train", "val", "wide"),
    [
        (0.58, 2.24, True),  # the real overfit: 3.9x and +1.66
        (0.10, 0.16, False),  # healthy: 1.6x, +0.06
        (0.01, 0.05, False),  # near-converged: 5x, but only +0.04
        (10.0, 13.0, False),  # a large-scale loss (MSE): +3, but only 1.3x
        (0.30, 0.65, True),  # 2.2x and +0.35
        (0.0, 0.5, True),  # a zero train loss has no ratio; the gap still counts
    ],
)
def test_loss_rule_needs_both_a_ratio_and_an_absolute_gap(train, val, wide):
    gap = generalization_gap([train], [val])
    assert gap.loss_too_wide(GapLimits()) is wide
    assert gap.overfitting(GapLimits()) is wide


def test_final_third_skips_epochs_missing_either_split():
    early = [9.0] * 6  # left out: the final third of 9 epochs is epochs 6-8
    gap = generalization_gap(early + [1.0, None, 3.0], early + [2.0, 5.0, float("nan")])
    assert gap.loss.epochs == 1  # only epoch 6 has both splits
    assert gap.loss_gap == pytest.approx(1.0) and gap.loss_ratio == pytest.approx(2.0)
    assert generalization_gap([1.0, None], [2.0, 3.0]).loss is None  # final third: epoch 1
    assert generalization_gap(None, [1.0]).overfitting(GapLimits()) is None


def test_diagnostics_defaults_are_the_shared_definitions():
    assert loss.gap_limits(DiagnosticThresholds()) == GapLimits()


@pytest.mark.parametrize(("run", "overfit"), [(OVERFIT, True), (HEALTHY, False)])
def test_analyzer_agrees_with_the_diagnostics(run, overfit):
    epochs = records(run)
    gap = shared_gap(epochs)
    dynamics = analyze_dynamics(keras_history(epochs))
    assert dynamics.overfitting_index == pytest.approx(gap.loss_gap)
    assert dynamics.accuracy_gap == pytest.approx(gap.accuracy_gap)
    assert dynamics.loss_ratio == pytest.approx(gap.loss_ratio)
    assert dynamics.overfitting is gap.overfitting(GapLimits()) is overfit
    diagnosed = loss.check_overfitting(diagnostic_input(epochs=epochs), T)
    assert bool(diagnosed) is overfit
    if overfit:  # the figures of the report that scored 88/100 with no warning
        assert dynamics.overfitting_index == pytest.approx(1.66)
        assert dynamics.accuracy_gap == pytest.approx(0.615)


def test_report_of_the_overfit_run_warns():
    report = run_diagnostics(diagnostic_input(epochs=records(OVERFIT)))
    warnings = [i for i in report.issues if i.severity is Severity.WARNING]
    assert "overfitting" in {i.check for i in warnings}
    healthy = run_diagnostics(diagnostic_input(epochs=records(HEALTHY)))
    assert "overfitting" not in {i.check for i in healthy.issues}
    assert report.health_score < healthy.health_score
