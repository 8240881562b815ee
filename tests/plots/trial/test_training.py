"""Which history curves the training plot finds, and which epoch it marks best."""

from __future__ import annotations

import math

from healthopt.plots.trial.training import _ACCURACY_NAMES, _best_epoch, _curve


def test_accuracy_curves_are_found_under_any_keras_name():
    history = {"sparse_categorical_accuracy": [0.1, 0.2], "val_acc": [0.3, None]}
    assert _curve(history, _ACCURACY_NAMES, "") == [0.1, 0.2]
    val = _curve(history, _ACCURACY_NAMES, "val_")
    assert val[0] == 0.3 and math.isnan(val[1])
    assert _curve({"loss": []}, ("loss",), "") is None


def test_best_epoch_is_the_lowest_validation_loss_else_highest_accuracy():
    assert _best_epoch([1.0, 0.5, 0.7], [0.1, 0.2, 0.9]) == 1
    assert _best_epoch(None, [0.1, 0.9, 0.3]) == 1
    assert _best_epoch([math.nan, math.nan], [0.2, 0.1]) == 0
    assert _best_epoch(None, None) is None
