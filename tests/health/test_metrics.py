"""Each health component on crafted records whose ordering is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthopt.health.metrics import (
    HealthInputs,
    accuracy_consistency,
    compute_health,
    convergence_quality,
    gradient_health,
    neuron_utilization,
    parameter_efficiency,
    training_stability,
)
from healthopt.records import HEALTH_COMPONENTS, EpochRecord, HealthValues

from ..builders import healthy_epoch, healthy_epoch_records


def _layer(kind, params, units, dead=0.0, grad=0.05):
    return {
        "type": kind,
        "num_parameters": params,
        "units": units,
        "dead_unit_fraction": dead,
        "gradient_norm": grad if params else None,
        "gradient_finite": True if params else None,
    }


def _epoch(k, train, val, std=None, layers=None):
    """The shared healthy epoch k with these losses (and these layers, when given)."""
    record = healthy_epoch(k)
    record["loss"].update(train_mean=train, train_std=0.1 * train if std is None else std)
    record["loss"]["val"]["val_loss"] = val
    if layers is not None:
        record["layer_health"]["layers"] = layers
    return EpochRecord.from_json(record)


def _healthy_layers():
    """A CNN with activation and pass-through layers, for the components that tell them apart."""
    return {
        "conv_0": _layer("Conv2D", 320, 32),
        "conv_0_act": _layer("Activation", 0, 32, dead=0.05),
        "conv_0_pool": _layer("MaxPooling2D", 0, 32, dead=0.05),
        "flatten": _layer("Flatten", 0, 512, dead=0.05),
        "dense_0": _layer("Dense", 32832, 64, dead=0.1),
        "dense_0_dropout": _layer("Dropout", 0, 64, dead=0.1),
        "predictions": _layer("Dense", 650, 10, grad=0.2),
    }


def _inputs(epochs=None, correct=None, **overrides):
    values = dict(
        epochs=epochs if epochs is not None else healthy_epoch_records(6),
        val_correct=np.array(correct if correct is not None else [True] * 90 + [False] * 10),
        val_accuracy=0.9,
        chance_accuracy=0.1,
        num_parameters=33802,
        reference_parameters=650,
        num_classes=10,
    )
    values.update(overrides)
    return HealthInputs(**values)


def test_every_component_is_in_unit_interval_on_healthy_records():
    report = compute_health(_inputs())
    values = report.values()
    assert isinstance(values, HealthValues)
    assert tuple(values.measured()) == HEALTH_COMPONENTS
    for name, value in values.measured().items():
        assert 0.0 <= value <= 1.0, name
    assert report.reasons() == {}
    # health.json keeps its shape: the six values by name, reasons and details.
    assert report.to_dict()["components"] == values.by_name()


def test_a_dead_layer_lowers_neuron_utilization():
    healthy = neuron_utilization(_inputs())
    layers = _healthy_layers()
    layers["dense_0"]["dead_unit_fraction"] = 1.0  # the dense layer outputs all zeros
    dead = neuron_utilization(_inputs(epochs=[_epoch(0, 1.0, 1.0, layers=layers)]))
    assert dead.value < healthy.value
    # Counted: the conv activation (32 units, 5% dead) and dense_0 (64 units), not the
    # conv's linear output, the pass-through layers or the output layer.
    assert set(dead.details["layers"]) == {"conv_0_act", "dense_0"}
    assert dead.value == pytest.approx(1 - (0.05 * 32 + 64) / 96)


def test_neuron_utilization_is_none_with_a_reason_without_layer_records():
    result = neuron_utilization(_inputs(epochs=[_epoch(0, 1.0, 1.0, layers={})]))
    assert result.value is None and "per-unit" in result.reason
    assert neuron_utilization(_inputs(epochs=[])).value is None


def test_parameter_efficiency_never_negative_and_zero_at_chance():
    worse_than_chance = parameter_efficiency(_inputs(val_accuracy=0.05, num_parameters=10))
    at_chance = parameter_efficiency(_inputs(val_accuracy=0.1, num_parameters=10))
    assert worse_than_chance.value == 0.0 and at_chance.value == 0.0


def test_parameter_efficiency_prefers_accuracy_and_then_fewer_parameters():
    small = parameter_efficiency(_inputs(num_parameters=6_500))
    large = parameter_efficiency(_inputs(num_parameters=650_000))
    tiny_useless = parameter_efficiency(_inputs(num_parameters=100, val_accuracy=0.15))
    assert small.value > large.value > tiny_useless.value
    # At or below a linear classifier's size there is no size penalty.
    at_reference = parameter_efficiency(_inputs(num_parameters=650))
    assert at_reference.value == pytest.approx((0.9 - 0.1) / 0.9)


def test_oscillating_loss_is_less_stable_than_smooth_loss():
    smooth = [_epoch(k, 2.0 - 0.2 * k, 2.0) for k in range(8)]
    oscillating = [_epoch(k, 2.0 - 0.1 * k + (0.4 if k % 2 else 0.0), 2.0) for k in range(8)]
    smooth_value = training_stability(_inputs(epochs=smooth)).value
    oscillating_value = training_stability(_inputs(epochs=oscillating)).value
    assert smooth_value > oscillating_value
    assert training_stability(_inputs(epochs=smooth)).details["monotony"] == 1.0


def test_noisy_batches_lower_stability():
    calm = [_epoch(k, 2.0 - 0.2 * k, 2.0, std=0.05) for k in range(5)]
    noisy = [_epoch(k, 2.0 - 0.2 * k, 2.0, std=2.0) for k in range(5)]
    assert (
        training_stability(_inputs(epochs=calm)).value
        > training_stability(_inputs(epochs=noisy)).value
    )


def test_training_stability_needs_two_epochs():
    result = training_stability(_inputs(epochs=[_epoch(0, 1.0, 1.0)]))
    assert result.value is None and "2 epochs" in result.reason


def test_vanishing_gradients_lower_gradient_health():
    healthy = gradient_health(_inputs())
    layers = _healthy_layers()
    layers["conv_0"]["gradient_norm"] = 1e-10
    vanishing = gradient_health(_inputs(epochs=[_epoch(0, 1.0, 1.0, layers=layers)]))
    assert vanishing.value < healthy.value
    assert vanishing.details["vanishing_layers"] == ["conv_0"]


def test_non_finite_and_lopsided_gradients_lower_gradient_health():
    healthy = gradient_health(_inputs()).value
    broken = _healthy_layers()
    broken["dense_0"].update(gradient_norm=None, gradient_finite=False)
    lopsided = _healthy_layers()
    lopsided["predictions"]["gradient_norm"] = 500.0  # 4+ decades above the others per param
    assert gradient_health(_inputs(epochs=[_epoch(0, 1, 1, layers=broken)])).value < healthy
    assert gradient_health(_inputs(epochs=[_epoch(0, 1, 1, layers=lopsided)])).value < healthy


def test_gradient_health_is_none_without_gradient_records():
    result = gradient_health(_inputs(epochs=[_epoch(0, 1.0, 1.0, layers={})]))
    assert result.value is None and result.reason
    # A recorder that gave weights but no gradient figures (a seed 004 file, say).
    no_gradients = {"dense": {"type": "Dense", "num_parameters": 650, "units": 10}}
    result = gradient_health(_inputs(epochs=[_epoch(0, 1.0, 1.0, layers=no_gradients)]))
    assert result.value is None and result.reason


def test_gradient_health_reads_seed_004_spellings():
    """Seed 004 records the per-layer gradient as `gradient_norm_mean`."""
    layers = _healthy_layers()
    for entry in layers.values():
        entry["gradient_norm_mean"] = entry.pop("gradient_norm")
    layers["conv_0"]["gradient_norm_mean"] = 1e-10
    vanishing = gradient_health(_inputs(epochs=[_epoch(0, 1.0, 1.0, layers=layers)]))
    assert vanishing.details["vanishing_layers"] == ["conv_0"]


def test_convergence_quality_penalises_drifting_away_from_the_best_epoch():
    settled = [_epoch(k, 1.0, v) for k, v in enumerate([2.0, 1.0, 0.5, 0.3, 0.25])]
    drifted = [_epoch(k, 1.0, v) for k, v in enumerate([2.0, 1.0, 0.25, 0.4, 0.6])]
    stuck = [_epoch(k, 1.0, v) for k, v in enumerate([2.3, 2.29, 2.28])]
    s, d, u = (convergence_quality(_inputs(epochs=e)).value for e in (settled, drifted, stuck))
    assert s > d > u
    assert s == pytest.approx(1 - 0.25 / math.log(10))


def test_convergence_quality_is_none_without_validation_loss():
    result = convergence_quality(_inputs(epochs=[_epoch(0, 1.0, None)]))
    assert result.value is None and "validation loss" in result.reason


def test_accuracy_consistency_uses_resamples_and_orders_by_reliability():
    reliable = accuracy_consistency(_inputs(correct=[True] * 95 + [False] * 5))
    shaky = accuracy_consistency(_inputs(correct=[True] * 30 + [False] * 70))
    assert reliable.value > shaky.value
    assert reliable.details["resamples"] == 200
    assert reliable.details["p5"] < reliable.details["bootstrap_mean"] < reliable.details["p95"]
    # Seeded: the same predictions give the same value.
    assert accuracy_consistency(_inputs(correct=[True] * 95 + [False] * 5)).value == reliable.value


def test_accuracy_consistency_is_none_on_tiny_validation_sets():
    result = accuracy_consistency(_inputs(correct=[True, False, True]))
    assert result.value is None and "at least 10" in result.reason


def test_components_differ_between_different_trials():
    good = compute_health(_inputs()).values()
    epochs = [healthy_epoch(k) for k in range(6)]
    for record in epochs:
        record["layer_health"]["layers"]["dense_0"]["dead_unit_fraction"] = 0.8
    worse = compute_health(
        _inputs(
            epochs=[EpochRecord.from_json(e) for e in epochs],
            val_accuracy=0.6,
            correct=[True] * 60 + [False] * 40,
        )
    ).values()
    assert good.neuron_utilization > worse.neuron_utilization
    assert good.parameter_efficiency > worse.parameter_efficiency
    assert good.accuracy_consistency > worse.accuracy_consistency
