"""The layer-monitoring check family: monitoring's anomalies as diagnostics issues, with the
severities the module states, and none that another check already reports."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks.chance import check_did_not_learn
from healthopt.diagnostics.checks.layer_monitoring import (
    check_layer_class_instability,
    check_layer_metric_spike,
    check_layer_not_converging,
)
from healthopt.diagnostics.checks.loss import (
    check_loss_divergence,
    check_loss_explosion,
    check_loss_plateau,
)
from healthopt.diagnostics.checks.sustainability.layers import (
    check_dead_neurons,
    check_vanishing_gradients,
)
from healthopt.diagnostics.checks.training import check_nan_in_loss
from healthopt.diagnostics.engine import run_diagnostics
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds, ThresholdError
from healthopt.records import EpochRecord, LayerHealth
from healthopt.records.epoch import AccuracyBlock, LossBlock

from ...builders import HEALTHY_EPOCHS, healthy_epoch
from ...monitoring.crafted import BALANCED, health, record

T = DiagnosticThresholds()
ORACLE = {"entropy": 0.85, "fracture_density": 0.75}
LOSS_CHECKS = (check_loss_plateau, check_loss_divergence, check_loss_explosion, check_did_not_learn)


def run(layers_by_epoch: list[dict[str, LayerHealth]], losses: list[float] | None = None):
    losses = losses or [2.0 * 0.8**k for k in range(len(layers_by_epoch))]
    return DiagnosticInput(
        epochs=[record(k, layers, losses[k]) for k, layers in enumerate(layers_by_epoch)]
    )


def luminosity_run(values: list[float], name: str = "dense") -> DiagnosticInput:
    return run([{name: health(luminosity=v)} for v in values])


def test_a_spike_over_twice_its_limit_is_a_warning_at_its_layer_and_epoch():
    data = luminosity_run([0.3, 0.3, 0.3, 0.3, 0.3, 0.8])
    [issue] = check_layer_metric_spike(data, T)
    assert (issue.check, issue.severity, issue.category) == (
        "layer_metric_spike",
        Severity.WARNING,
        Category.LAYERS,
    )
    assert (issue.layer_id, issue.epoch_index, issue.metric_key) == (
        "dense",
        5,
        "monitoring.luminosity",
    )
    assert issue.metric_value == pytest.approx(0.8)
    assert "luminosity of dense changed by +0.500 into epoch 5" in issue.description


def test_a_spike_under_twice_its_limit_is_info():
    # earlier changes 0, +0.1, -0.1 (3 sigma 0.445); +0.45 is severity 1.01
    [issue] = check_layer_metric_spike(luminosity_run([0.2, 0.2, 0.3, 0.2, 0.65]), T)
    assert issue.severity is Severity.INFO and "severity 1.01" in issue.description


def test_several_spikes_in_one_layer_are_one_issue_at_the_worst():
    values = [0.50, 0.51, 0.50, 0.52, 0.82, 0.82, 0.81, 0.51]  # severities 6.5 then 4.6
    [issue] = check_layer_metric_spike(luminosity_run(values), T)
    assert issue.epoch_index == 4 and "1 more spike(s) in this layer" in issue.description


def _switching(epochs: int) -> list[dict[str, LayerHealth]]:
    """Oracle at odd epochs, Wanderer at even ones."""
    return [{"dense": health(**(ORACLE if k % 2 else BALANCED))} for k in range(epochs)]


def test_class_instability_is_info_with_the_number_of_changes():
    [issue] = check_layer_class_instability(run(_switching(6)), T)
    assert (issue.severity, issue.layer_id, issue.epoch_index) == (Severity.INFO, "dense", None)
    assert (issue.metric_key, issue.metric_value) == ("monitoring.class_changes", 5)


def test_the_monitoring_frequency_threshold_sets_the_epochs_judged():
    # every 2nd epoch sees only Wanderer (epochs 0, 2, 4) and Oracle at the last (5)
    every_2 = DiagnosticThresholds(monitor_every_epochs=2)
    assert check_layer_class_instability(run(_switching(6)), every_2) == []


def _moving(**figures: float) -> LayerHealth:
    return health(**figures).model_copy(update={"gradient_norm": 0.01})


def test_weights_that_never_changed_with_a_live_gradient_are_reported_here():
    data = run([{"dense": _moving(resilience=1.0)} for _ in range(4)])
    assert check_vanishing_gradients(data, T) == [] and check_dead_neurons(data, T) == []
    [issue] = check_layer_not_converging(data, T)
    assert (issue.severity, issue.layer_id, issue.title) == (
        Severity.WARNING,
        "dense",
        "Layer did not learn",
    )
    assert (issue.metric_key, issue.metric_value) == (
        "layer_health.layers.dense.weight_change",
        0.0,
    )
    assert "weights did not change in any epoch" in issue.description


def test_weights_frozen_by_a_vanished_gradient_are_left_to_vanishing_gradients():
    frozen = health(resilience=1.0).model_copy(update={"gradient_norm": 0.0})
    data = run([{"dense": frozen} for _ in range(4)])
    assert [i.layer_id for i in check_vanishing_gradients(data, T)] == ["dense"]
    assert check_layer_not_converging(data, T) == []


def test_a_dead_layer_is_left_to_dead_neurons():
    data = run([{"dense": _moving(luminosity=0.0, entropy=0.0, dead=1.0)} for _ in range(4)])
    assert [i.title for i in check_dead_neurons(data, T)] == ["Dead layer"]
    assert check_layer_not_converging(data, T) == []


def test_a_dead_layer_that_dead_neurons_lets_pass_is_reported_here():
    # 99.2 % dead at every epoch: dead for monitoring (0.99), under a raised 0.995 limit
    lenient = DiagnosticThresholds(dead_neuron_sparsity=0.995)
    data = run([{"dense": _moving(dead=0.992)} for _ in range(4)])
    assert check_dead_neurons(data, lenient) == []
    [issue] = check_layer_not_converging(data, lenient)
    assert issue.metric_key == "layer_health.layers.dense.dead_unit_fraction"
    assert issue.metric_value == pytest.approx(0.992)


def test_a_loss_that_rose_in_a_run_too_short_for_the_loss_checks_is_reported_here():
    data = run([{"dense": _moving()}] * 2, losses=[1.0, 1.05])
    assert not any(check(data, T) for check in LOSS_CHECKS)
    [issue] = check_layer_not_converging(data, T)
    assert (issue.title, issue.layer_id, issue.epoch_index) == (
        "Training did not converge",
        None,
        1,
    )
    assert (issue.metric_key, issue.metric_value) == ("loss.train_epoch", 1.05)


def test_a_flat_loss_is_left_to_loss_plateau():
    data = run([{"dense": _moving()}] * 4, losses=[1.0, 1.0, 1.0, 1.0])
    assert [i.check for i in check_loss_plateau(data, T)] == ["loss_plateau"]
    assert check_layer_not_converging(data, T) == []


def test_a_non_finite_loss_is_left_to_nan_in_loss():
    data = run([{"dense": _moving()}] * 3)
    broken = EpochRecord(
        epoch=2, loss=LossBlock(train_epoch=None), layer_health=data.epochs[2].layer_health
    )
    data = DiagnosticInput(epochs=[*data.epochs[:2], broken])
    assert [i.check for i in check_nan_in_loss(data, T)] == ["nan_in_loss"]
    assert check_layer_not_converging(data, T) == []


def test_a_model_that_fitted_its_data_from_the_start_is_not_flagged():
    data = run([{"dense": _moving()}] * 2, losses=[0.010, 0.0101])
    fitted = [e.model_copy(update={"accuracy": AccuracyBlock(train=0.995)}) for e in data.epochs]
    assert check_layer_not_converging(DiagnosticInput(epochs=fitted), T) == []


def test_the_engine_reports_the_family_and_skips_classes_on_records_without_them():
    frozen = run([{"dense": _moving(resilience=1.0)} for _ in range(4)])
    report = run_diagnostics(frozen)
    assert "layer_not_converging" in {issue.check for issue in report.issues}
    assert report.category_counts().get("layers") == 1
    old = LayerHealth(num_parameters=10, activation_mean_square=0.5, activation_std=0.5)
    skipped = {
        row["check"]: row["needs"] for row in run_diagnostics(run([{"d": old}] * 3)).checks_skipped
    }
    assert skipped["layer_class_instability"] == (
        "layer_health.layers.*.activation_entropy; layer_health.layers.*.weight_change; "
        "layer_health.layers.*.activation_variance_across_samples (or activation_var_of_means)"
    )
    assert "layer_metric_spike" not in skipped  # the mean square alone gives luminosity


def test_the_monitoring_frequency_threshold_is_unset_or_a_whole_number_of_epochs():
    assert DiagnosticThresholds().monitor_every_epochs is None
    assert DiagnosticThresholds.from_dict({"monitor_every_epochs": 3}).monitor_every_epochs == 3
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ThresholdError, match="monitor_every_epochs"):
            DiagnosticThresholds(monitor_every_epochs=bad)


def test_the_three_checks_share_one_summary_per_input(monkeypatch):
    """The engine hands one input to all three checks: monitoring runs once for it, and
    again for a new input."""
    import healthopt.diagnostics.checks.layer_monitoring as family

    calls = []
    real = family.monitor
    monkeypatch.setattr(family, "monitor", lambda *a: calls.append(a) or real(*a))
    epochs = [EpochRecord.from_json(healthy_epoch(k)) for k in range(HEALTHY_EPOCHS)]
    data = DiagnosticInput(epochs=epochs)
    for check in family.CHECKS:
        check(data, DiagnosticThresholds())
    assert len(calls) == 1
    family.check_layer_metric_spike(DiagnosticInput(epochs=list(epochs)), DiagnosticThresholds())
    family.check_layer_metric_spike(data, DiagnosticThresholds(monitor_every_epochs=2))
    assert len(calls) == 3
