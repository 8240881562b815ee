"""Seed 001's six metrics read off the observer's layer records, on figures with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthopt.monitoring.metrics import layer_metrics, learning_layers, resilience
from healthopt.records import EpochRecord, LayerHealth
from healthopt.records.epoch import LayerHealthBlock

from .crafted import health


def test_each_metric_follows_its_definition_on_known_figures():
    entry = LayerHealth(
        activation_mean_square=4.0,  # RMS 2
        activation_std=1.0,
        activation_variance_across_samples=1.0,
        activation_entropy=0.42,
        activation_zero_fraction=0.25,
    )
    metrics = layer_metrics(entry, [0.25])
    assert metrics.luminosity == pytest.approx(math.tanh(2.0))
    assert metrics.fracture_density == pytest.approx(0.5)  # std 1 / RMS 2
    assert metrics.variance == pytest.approx(0.25)  # 1 / mean square 4
    assert metrics.entropy == 0.42
    assert metrics.resilience == pytest.approx(0.8)  # 1 / (1 + 0.25)
    assert metrics.sparsity == 0.25


def test_luminosity_is_0_76_at_rms_1_and_0_9_at_rms_1_47():
    assert layer_metrics(LayerHealth(activation_mean_square=1.0), []).luminosity == pytest.approx(
        0.7616, abs=1e-4
    )
    at_147 = layer_metrics(LayerHealth(activation_mean_square=1.47**2), []).luminosity
    assert at_147 == pytest.approx(0.9, abs=1e-3)


def test_fracture_density_is_the_bounded_coefficient_of_variation_of_real_activations():
    rng = np.random.default_rng(0)
    activations = rng.normal(0.7, 0.4, size=(64, 16))
    mean, std = activations.mean(), activations.std()
    entry = LayerHealth(activation_std=std, activation_mean_square=np.mean(activations**2))
    cv = std / abs(mean)
    assert layer_metrics(entry, []).fracture_density == pytest.approx(cv / math.sqrt(1 + cv**2))


def test_a_silent_layer_has_no_strength_spread_or_variance():
    entry = LayerHealth(
        activation_mean_square=0.0, activation_std=0.0, activation_variance_across_samples=0.0
    )
    metrics = layer_metrics(entry, [0.0])
    assert (metrics.luminosity, metrics.fracture_density, metrics.variance) == (0.0, 0.0, 0.0)
    assert metrics.resilience == 1.0  # weights that did not move are perfectly stable


def test_resilience_averages_the_changes_since_the_previous_monitored_epoch():
    assert resilience([0.1, 0.3]) == pytest.approx(1 / 1.2)
    assert resilience([None, 0.5]) == pytest.approx(1 / 1.5)  # an unrecorded epoch is skipped
    assert resilience([None]) is None
    assert resilience([]) is None


def test_a_figure_not_recorded_leaves_its_metric_none():
    metrics = layer_metrics(LayerHealth(activation_std=1.0), [None])
    assert metrics.luminosity is None and metrics.fracture_density is None
    assert metrics.entropy is None and metrics.resilience is None and metrics.variance is None


def test_the_crafted_figures_give_back_the_metrics_they_were_made_from():
    entry = health(
        luminosity=0.85, fracture_density=0.75, entropy=0.9, resilience=0.6, variance=0.3
    )
    metrics = layer_metrics(entry, [entry.weight_change])
    for name, value in [
        ("luminosity", 0.85),
        ("fracture_density", 0.75),
        ("entropy", 0.9),
        ("resilience", 0.6),
        ("variance", 0.3),
    ]:
        assert metrics.get(name) == pytest.approx(value), name


def test_only_layers_with_trainable_weights_are_monitored_in_model_order():
    first = EpochRecord(
        layer_health=LayerHealthBlock(
            layers={
                "conv": LayerHealth(type="Conv2D", num_parameters=320),
                "flatten": LayerHealth(type="Flatten", num_parameters=0),
                "dropout": LayerHealth(type="Dropout"),
                "dense": LayerHealth(type="Dense", num_parameters=650),
            }
        )
    )
    later = EpochRecord(
        layer_health=LayerHealthBlock(layers={"late": LayerHealth(type="Dense", num_parameters=9)})
    )
    assert learning_layers([first, later]) == [
        ("conv", "Conv2D"),
        ("dense", "Dense"),
        ("late", "Dense"),
    ]
