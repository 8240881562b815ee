"""Training-dynamics metrics on crafted histories whose answers are worked out by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from healthopt.analysis.dynamics import analyze_dynamics, find_metric, smooth_curve
from healthopt.generalization_gap import GapLimits

HISTORY = {
    "loss": [1.0, 0.8, 0.6, 0.5, 0.4, 0.3],
    "val_loss": [1.1, 0.9, 0.8, 0.75, 0.8, 0.85],
    "val_accuracy": [0.5, 0.7, 0.86, 0.88, 0.9, 0.89],
}


@pytest.mark.parametrize(
    ("key", "metric", "split"),
    [
        ("accuracy", "accuracy", "train"),
        ("acc", "accuracy", "train"),
        ("categorical_accuracy", "accuracy", "train"),
        ("sparse_categorical_accuracy", "accuracy", "train"),
        ("val_acc", "accuracy", "val"),
        ("val_sparse_categorical_accuracy", "accuracy", "val"),
        ("Val_Accuracy", "accuracy", "val"),
        ("validation_loss", "loss", "val"),
        ("loss", "loss", "train"),
    ],
)
def test_find_metric_knows_the_keras_names(key, metric, split):
    assert find_metric({key: [0.1, 0.2]}, metric, split) == [0.1, 0.2]


def test_find_metric_keeps_splits_apart_and_ignores_other_metrics():
    history = {"val_accuracy": [0.5], "top_k_categorical_accuracy": [0.9], "val_loss": [1.0]}
    assert find_metric(history, "accuracy", "train") is None
    assert find_metric(history, "loss", "train") is None
    assert find_metric(history, "accuracy", "val") == [0.5]
    assert find_metric({"loss": []}, "loss", "train") is None


def test_find_metric_reads_a_history_object_and_rejects_bad_arguments():
    class History:
        history = {"loss": np.array([0.5, 0.25], dtype=np.float32)}

    assert find_metric(History(), "loss", "train") == [0.5, 0.25]
    values = find_metric({"loss": [1.0, None]}, "loss", "train")
    assert values[0] == 1.0 and math.isnan(values[1])  # None keeps its epoch slot as NaN
    with pytest.raises(ValueError, match="metric"):
        find_metric({}, "precision", "train")
    with pytest.raises(ValueError, match="split"):
        find_metric({}, "loss", "test")
    with pytest.raises(TypeError):
        find_metric([1, 2], "loss", "train")


def test_metrics_of_a_crafted_history():
    d = analyze_dynamics(HISTORY, val_loss_std_window=3)
    assert d.epochs == 6
    # Peak 0.9; 95% of it is 0.855, first reached at epoch index 2 -> 3 epochs.
    assert d.epochs_to_convergence == 3 and d.convergence_metric == "val_accuracy"
    # Final third = last 2 epochs: gaps 0.8 - 0.4 and 0.85 - 0.3.
    assert d.overfitting_index == pytest.approx((0.4 + 0.55) / 2)
    # Population std of 0.75, 0.8, 0.85.
    assert d.val_loss_std == pytest.approx(math.sqrt(0.005 / 3))
    assert d.peak_val_accuracy == 0.9 and d.peak_epoch == 4 and d.peak_metric == "val_accuracy"
    assert d.peak_val_loss == 0.75 and d.peak_val_loss_epoch == 3
    assert d.final_gap == pytest.approx(0.55)
    assert d.final_train_loss == 0.3 and d.final_val_loss == 0.85
    assert d.missing == ["accuracy"]


def test_generalization_gap_fields_of_a_crafted_history():
    d = analyze_dynamics(HISTORY)
    # Final third: val loss 0.8, 0.85 (mean 0.825) against train 0.4, 0.3 (mean 0.35).
    assert d.loss_ratio == pytest.approx(0.825 / 0.35)  # 2.36x and +0.475: overfitting
    assert d.overfitting is True
    assert d.accuracy_gap is None and "accuracy_gap" in d.notes
    with_accuracy = dict(
        HISTORY,
        loss=[1.0, 0.8, 0.6, 0.5, 0.7, 0.75],  # 1.1x and +0.1: no loss gap
        accuracy=[0.5, 0.7, 0.86, 0.9, 0.92, 0.96],  # 0.94 against 0.895: +0.045
    )
    d = analyze_dynamics(with_accuracy)
    assert d.accuracy_gap == pytest.approx(0.045) and d.overfitting is False
    assert analyze_dynamics(with_accuracy, limits=GapLimits(accuracy_gap=0.04)).overfitting


def test_val_loss_std_window_longer_than_history_uses_every_epoch():
    d = analyze_dynamics(HISTORY, val_loss_std_window=50)
    assert d.val_loss_std == pytest.approx(float(np.std(HISTORY["val_loss"])))


def test_convergence_from_val_loss_when_there_is_no_accuracy():
    # Start 2.0, best 0.5: the target is 2.0 - 0.95 * 1.5 = 0.575, first reached at index 3.
    d = analyze_dynamics(
        {"loss": [1.9, 1.0, 0.5, 0.4, 0.3], "val_loss": [2.0, 1.0, 0.6, 0.55, 0.5]}
    )
    assert d.epochs_to_convergence == 4 and d.convergence_metric == "val_loss"
    assert d.peak_metric == "val_loss" and d.peak_epoch == 4 and d.peak_val_accuracy is None
    assert sorted(d.missing) == ["accuracy", "val_accuracy"]


def test_val_loss_that_never_improves_converges_at_once():
    d = analyze_dynamics({"val_loss": [1.0, 1.2, 1.1]})
    assert d.epochs_to_convergence == 1


def test_training_only_history_reports_what_is_missing():
    d = analyze_dynamics({"loss": [1.0, 0.5], "accuracy": [0.4, 0.6]})
    assert d.missing == ["val_loss", "val_accuracy"]
    assert d.epochs_to_convergence is None and d.overfitting_index is None
    assert d.val_loss_std is None and d.final_gap is None and d.peak_epoch is None
    assert d.final_train_loss == 0.5
    assert set(d.notes) >= {"epochs_to_convergence", "overfitting_index", "val_loss_std"}
    empty = analyze_dynamics({})
    assert empty.epochs == 0 and len(empty.missing) == 4


def test_single_epoch_has_no_val_loss_std():
    d = analyze_dynamics({"loss": [1.0], "val_loss": [1.2]})
    assert d.val_loss_std is None and "val_loss_std" in d.notes
    assert d.overfitting_index == pytest.approx(0.2)
    assert d.final_gap == pytest.approx(0.2)


def test_nan_epochs_are_skipped_and_to_json_is_json():
    history = {
        "loss": [1.0, 0.5, float("nan")],
        "val_loss": [1.2, 0.7, float("nan")],
        "val_accuracy": [0.5, 0.8, float("nan")],
    }
    d = analyze_dynamics(history)
    assert d.peak_val_accuracy == 0.8 and d.peak_epoch == 1
    assert d.val_loss_std == pytest.approx(0.25)
    assert d.final_val_loss is None and d.final_gap is None
    out = d.to_json().to_json()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    with pytest.raises(ValueError, match="val_loss_std_window"):
        analyze_dynamics(history, val_loss_std_window=0)


def test_smooth_curve_keeps_length_and_shrinks_the_window_at_the_ends():
    assert smooth_curve([1, 2, 3, 4, 5], 3) == pytest.approx([1.5, 2, 3, 4, 4.5])
    # Even window: one more value on the right.
    assert smooth_curve([1, 2, 3, 4, 5], 2) == pytest.approx([1.5, 2.5, 3.5, 4.5, 5])
    assert smooth_curve([1, 2, 3], 1) == pytest.approx([1, 2, 3])
    assert smooth_curve([2.0] * 7, 5) == pytest.approx([2.0] * 7)
    assert smooth_curve([], 3).size == 0


def test_smooth_curve_skips_nan():
    out = smooth_curve([1.0, float("nan"), 3.0, float("nan"), float("nan"), float("nan")], 3)
    assert out[:3] == pytest.approx([1.0, 2.0, 3.0])
    assert out[3] == pytest.approx(3.0)
    assert math.isnan(out[4]) and math.isnan(out[5])
