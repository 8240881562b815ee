"""Seed 001's anomalies on crafted layer histories: each type comes out over its threshold,
none just under it, and a healthy history gives none."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from healthopt.monitoring.anomalies import (
    classification_instability,
    earlier_changes_yardstick,
    layer_not_learning,
    metric_spikes,
    model_convergence,
)
from healthopt.records import EpochRecord
from healthopt.records.epoch import LossBlock

from .crafted import health, history, record, report, smooth


def luminosity(values: list[float], step: int = 1):
    return report([{"luminosity": v} for v in values], step=step)


def test_earlier_changes_yardstick_is_scipys_median_and_normal_scaled_mad_of_the_changes_before():
    change = np.random.default_rng(1).normal(0.0, 0.1, size=(3, 12))
    centre, sigma = earlier_changes_yardstick(change)
    assert np.isnan(centre[:, :3]).all() and np.isnan(sigma[:, :3]).all()
    for row in range(3):
        for position in range(3, 12):
            earlier = change[row, :position]
            assert centre[row, position] == pytest.approx(np.median(earlier))
            assert sigma[row, position] == pytest.approx(
                stats.median_abs_deviation(earlier, scale="normal")
            )


def test_change_over_3_robust_sigma_and_at_least_0_1_is_a_spike():
    values = [0.30, 0.32, 0.31, 0.34, 0.34, 0.59]
    [spike] = metric_spikes(luminosity(values))
    earlier = np.diff(values)[:4]  # +0.02, -0.01, +0.03, 0.00
    sigma = stats.median_abs_deviation(earlier, scale="normal")  # MAD 0.015 -> 0.0222
    assert sigma == pytest.approx(0.015 * 1.482602218505602)
    distance = (0.59 - 0.34) - np.median(earlier)
    assert (spike.type, spike.layer, spike.metric, spike.epoch) == (
        "metric_spike",
        "dense",
        "luminosity",
        5,
    )
    # median of the earlier changes +0.01, so 0.24 from it: 0.24 / (3 * 0.0222) = 3.597
    assert spike.severity == pytest.approx(round(distance / (3 * sigma), 3))
    assert spike.severity == pytest.approx(3.597)
    assert "+0.250 into epoch 5" in spike.description and "robust sigma 0.022" in spike.description


def test_change_just_under_3_robust_sigma_is_no_spike():
    # earlier changes 0, +0.1, -0.1: median 0, MAD 0.1, so 3 sigma = 0.445
    assert metric_spikes(luminosity([0.2, 0.2, 0.3, 0.2, 0.64])) == []
    [spike] = metric_spikes(luminosity([0.2, 0.2, 0.3, 0.2, 0.65]))
    assert spike.epoch == 4 and spike.severity == pytest.approx(1.012, abs=1e-3)


def test_change_under_0_1_is_no_spike_however_many_sigma():
    assert metric_spikes(luminosity([0.4, 0.4, 0.4, 0.4, 0.499])) == []
    [spike] = metric_spikes(luminosity([0.4, 0.4, 0.4, 0.4, 0.501]))
    # no earlier change at all: any jump of 0.1 is infinitely many sigma, capped at 10
    assert spike.severity == 10.0


def test_fewer_than_3_earlier_changes_are_no_yardstick():
    assert metric_spikes(luminosity([0.2, 0.2, 0.2, 0.9])) == []
    assert [s.epoch for s in metric_spikes(luminosity([0.2, 0.2, 0.2, 0.2, 0.9]))] == [4]


def test_a_drop_is_a_spike_too_and_one_spike_does_not_hide_the_next():
    values = [0.50, 0.51, 0.50, 0.52, 0.82, 0.82, 0.81, 0.51]
    spikes = metric_spikes(luminosity(values))
    # +0.30 against +0.01, -0.01, +0.02 (sigma 0.0148); then -0.30 against the six changes
    # before it, the first spike among them: median +0.005, sigma still 0.0222
    assert [(s.epoch, round(s.severity, 1)) for s in spikes] == [(4, 6.5), (7, 4.6)]


def test_a_spike_is_dated_at_the_monitored_epoch_it_jumped_into():
    [spike] = metric_spikes(luminosity([0.2, 0.2, 0.2, 0.2, 0.9], step=5))
    assert spike.epoch == 20


def test_a_metric_missing_at_one_epoch_is_not_judged():
    layer = report([{"entropy": v} for v in [0.2, 0.2, 0.2, 0.2, 0.9]])
    missing = layer.epochs[1].model_copy(
        update={"metrics": layer.epochs[1].metrics.model_copy(update={"entropy": None})}
    )
    layer = layer.model_copy(update={"epochs": [layer.epochs[0], missing, *layer.epochs[2:]]})
    assert metric_spikes(layer) == []


def test_smoothly_converging_metrics_with_large_early_moves_have_no_spike():
    epochs = 12
    # the entropy's moves: 0.2, 0.16, 0.128, 0.102, ... each over 0.1 for four epochs
    entropy = [1.0 - 0.8**k for k in range(epochs)]
    assert np.diff(entropy)[3] > 0.1  # a move judged (3 earlier ones) and over the 0.1 floor
    series = {
        "entropy": entropy,
        "luminosity": smooth(0.1, 0.8, epochs),
        "fracture_density": smooth(0.95, 0.5, epochs),
        "variance": smooth(0.05, 0.6, epochs, rate=0.5),
        "resilience": smooth(0.5, 0.98, epochs),
    }
    layer = report([{name: values[k] for name, values in series.items()} for k in range(epochs)])
    assert metric_spikes(layer) == []


def _switching(changes: int, monitored: int = 10):
    """A layer alternating Oracle and Wanderer `changes` times over `monitored` epochs."""
    classes = []
    current = True
    for k in range(monitored):
        if 0 < k <= changes:
            current = not current
        classes.append(current)
    return report(
        [{"entropy": 0.85 if oracle else 0.5, "fracture_density": 0.75} for oracle in classes]
    )


def test_class_changes_in_over_30_percent_of_epochs_is_instability():
    layer = _switching(4)
    assert layer.class_changes == 4
    [anomaly] = classification_instability(layer)
    assert (anomaly.type, anomaly.layer, anomaly.epoch) == (
        "classification_instability",
        "dense",
        None,
    )
    assert anomaly.severity == pytest.approx(round(0.4 / 0.3, 3))
    assert "4 times in 10 monitored epochs (40%" in anomaly.description


def test_class_changes_in_exactly_30_percent_of_epochs_is_stable():
    layer = _switching(3)
    assert layer.class_changes == 3
    assert classification_instability(layer) == []


def test_one_monitored_epoch_cannot_be_unstable():
    assert classification_instability(_switching(0, monitored=1)) == []


def test_a_layer_dead_at_every_monitored_epoch_is_a_convergence_issue():
    records = [record(k, {"dense": health(dead=1.0 if k % 2 == 0 else 0.2)}) for k in range(5)]
    [anomaly] = layer_not_learning("dense", records, [0, 2, 4])
    assert (anomaly.type, anomaly.layer, anomaly.epoch) == ("convergence_issue", "dense", None)
    assert "dead units" in anomaly.description


def test_a_layer_dead_at_0_98_in_one_monitored_epoch_is_no_issue():
    records = [record(k, {"dense": health(dead=0.98 if k == 2 else 1.0)}) for k in range(5)]
    assert layer_not_learning("dense", records, [0, 2, 4]) == []
    assert len(layer_not_learning("dense", records, [0, 4])) == 1  # 0.99 and over: dead


def test_weights_that_never_changed_are_a_convergence_issue():
    records = [record(k, {"dense": health(resilience=1.0)}) for k in range(4)]
    [anomaly] = layer_not_learning("dense", records, [0, 1, 2, 3])
    assert "weights did not change in any epoch" in anomaly.description


def test_weights_that_moved_only_between_monitored_epochs_did_move():
    records = [
        record(k, {"dense": health(resilience=1.0 if k % 3 == 0 else 0.99)}) for k in range(10)
    ]
    assert layer_not_learning("dense", records, [0, 3, 6, 9]) == []


def test_a_tiny_weight_change_in_one_epoch_is_movement():
    records = [record(k, {"dense": health(resilience=1.0)}) for k in range(4)]
    records[2] = record(
        2, {"dense": health(resilience=1.0).model_copy(update={"weight_change": 1e-9})}
    )
    assert layer_not_learning("dense", records, [0, 1, 2, 3]) == []


def test_a_non_finite_loss_is_a_convergence_issue_at_its_epoch():
    records = [
        record(0, {}, 2.0),
        record(1, {}, 1.5),
        EpochRecord(epoch=2, loss=LossBlock(train_epoch=float("nan"))),
    ]
    [anomaly] = model_convergence(records)
    assert (anomaly.type, anomaly.layer, anomaly.epoch) == ("convergence_issue", None, 2)
    assert "not finite at epoch 2" in anomaly.description


def test_a_loss_ending_less_than_1_percent_below_its_start_is_a_convergence_issue():
    [anomaly] = model_convergence(
        [record(k, {}, loss) for k, loss in enumerate([1.0, 0.8, 0.9901])]
    )
    assert anomaly.epoch == 2 and "ended at 0.9901" in anomaly.description
    assert model_convergence([record(k, {}, loss) for k, loss in enumerate([1.0, 0.8, 0.99])]) == []


def test_records_without_a_loss_say_nothing_about_convergence():
    assert model_convergence([EpochRecord(epoch=k) for k in range(3)]) == []


def test_the_mean_batch_loss_stands_in_for_a_missing_epoch_loss():
    records = [
        EpochRecord(epoch=k, loss=LossBlock(train_mean=loss)) for k, loss in enumerate([1.0, 1.2])
    ]
    [anomaly] = model_convergence(records)
    assert "ended at 1.2" in anomaly.description


def test_a_healthy_history_has_no_convergence_issue():
    records = history([{"resilience": r} for r in smooth(0.6, 0.97, 8)])
    assert model_convergence(records) == []
    assert layer_not_learning("dense", records, list(range(8))) == []
