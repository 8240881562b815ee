"""Layer health: dead neurons, vanishing gradients, frozen output, collapse, redundancy."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks.sustainability.layers import (
    check_activation_collapse,
    check_dead_neurons,
    check_frozen_output,
    check_redundant_layers,
    check_vanishing_gradients,
)
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input

T = DiagnosticThresholds()


def test_dead_neurons_warning(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "conv_1")["dead_unit_fraction"] = 0.7
    [issue] = check_dead_neurons(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.layer_id, issue.epoch_index) == ("conv_1", 7)
    assert issue.metric_key == "layer_health.layers.conv_1.dead_unit_fraction"
    assert issue.metric_value == 0.7


def test_dead_neurons_sparse_weights(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "dense_0")["weight_sparsity"] = 0.8
    [issue] = check_dead_neurons(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.metric_key, issue.metric_value) == (
        "layer_health.layers.dense_0.weight_sparsity",
        0.8,
    )


def test_dead_neurons_whole_layer_is_critical_and_reported_once(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "dense_0")["dead_unit_fraction"] = 1.0
    # constant input, constant output
    final_layer(epochs, "predictions")["dead_unit_fraction"] = 1.0
    [issue] = check_dead_neurons(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.CRITICAL
    assert (issue.layer_id, issue.metric_value) == ("dense_0", 1.0)


def test_dead_neurons_parameter_free_layers_inherit(healthy_epochs, clone, insert_layer):
    epochs = clone(healthy_epochs)
    act = {"type": "Activation", "num_parameters": 0, "dead_unit_fraction": 0.6}
    insert_layer(epochs[-1], "conv_1", "conv_1_act", act)
    insert_layer(epochs[-1], "conv_1_act", "conv_1_pool", {**act, "type": "MaxPooling2D"})
    issues = check_dead_neurons(diagnostic_input(epochs=epochs), T)
    assert [i.layer_id for i in issues] == ["conv_1_act"]


def test_dead_neurons_near_miss_and_earlier_epochs(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "conv_1")["dead_unit_fraction"] = 0.5  # not above 0.5
    epochs[3]["layer_health"]["layers"]["conv_0"]["dead_unit_fraction"] = 1.0  # recovered
    assert check_dead_neurons(diagnostic_input(epochs=epochs), T) == []
    assert (
        check_dead_neurons(
            diagnostic_input(epochs=epochs), DiagnosticThresholds(dead_neuron_sparsity=0.4)
        )
        != []
    )


def test_vanishing_gradients(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs[2:]:
        epoch["layer_health"]["layers"]["conv_0"]["gradient_norm"] = 2e-9
    [issue] = check_vanishing_gradients(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.layer_id, issue.epoch_index) == ("conv_0", 2)
    assert issue.metric_key == "layer_health.layers.conv_0.gradient_norm"
    assert issue.metric_value == pytest.approx(2e-9)
    assert "6 of 8 epochs" in issue.description


def test_vanishing_gradients_late_or_parameter_free_is_silent(healthy_epochs, clone, insert_layer):
    epochs = clone(healthy_epochs)
    for epoch in epochs[5:]:  # 3 of 8: converging at the end, not vanishing
        epoch["layer_health"]["layers"]["conv_0"]["gradient_norm"] = 1e-9
    for epoch in epochs:
        insert_layer(epoch, "conv_0", "pool", {"num_parameters": 0, "gradient_norm": 0.0})
    assert check_vanishing_gradients(diagnostic_input(epochs=epochs), T) == []


def test_vanishing_gradient_threshold_is_honoured(healthy_epochs, cnn_params):
    # Healthy gradients fall from 0.05 to 0.05 / 2.4 = 0.0208.
    t = DiagnosticThresholds(vanishing_gradient_threshold=0.03)
    issues = check_vanishing_gradients(diagnostic_input(epochs=healthy_epochs), t)
    assert {i.layer_id for i in issues} == set(cnn_params)
    # epoch 3: 0.05 / 1.6 = 0.03125, epoch 4: 0.05 / 1.8 = 0.0278, the first below
    assert {i.epoch_index for i in issues} == {4}
    assert all("4 of 8 epochs" in i.description for i in issues)


def test_frozen_output(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "dense_0")["activation_variance_across_samples"] = 1e-15
    final_layer(epochs, "predictions")["activation_variance_across_samples"] = 0.0  # inherits
    [issue] = check_frozen_output(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.CRITICAL
    assert (issue.layer_id, issue.epoch_index, issue.metric_value) == ("dense_0", 7, 1e-15)
    assert issue.metric_key == "layer_health.layers.dense_0.activation_variance_across_samples"


def test_frozen_output_near_miss_and_wholly_dead_layer(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "conv_1")["activation_variance_across_samples"] = 1e-11
    final_layer(epochs, "dense_0").update(
        activation_variance_across_samples=0.0, dead_unit_fraction=1.0
    )  # dead_neurons reports it
    assert check_frozen_output(diagnostic_input(epochs=epochs), T) == []
    assert [i.layer_id for i in check_dead_neurons(diagnostic_input(epochs=epochs), T)] == [
        "dense_0"
    ]


def test_activation_collapse(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "dense_0")["activation_variance_across_samples"] = 1e-6
    final_layer(epochs, "predictions")["activation_variance_across_samples"] = 1e-7  # inherits
    [issue] = check_activation_collapse(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.layer_id, issue.epoch_index) == ("dense_0", 7)
    assert issue.metric_value == pytest.approx(1e-6 / 0.52)


def test_activation_collapse_near_miss_and_frozen(healthy_epochs, clone, final_layer):
    epochs = clone(healthy_epochs)
    final_layer(epochs, "conv_1")["activation_variance_across_samples"] = 2e-4 * 0.52
    final_layer(epochs, "dense_0")["activation_variance_across_samples"] = 1e-13  # frozen instead
    assert check_activation_collapse(diagnostic_input(epochs=epochs), T) == []
    t = DiagnosticThresholds(activation_collapse_ratio=3e-4)
    assert [i.layer_id for i in check_activation_collapse(diagnostic_input(epochs=epochs), t)] == [
        "conv_1"
    ]


def test_redundant_layers(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k, epoch in enumerate(epochs):
        epoch["layer_health"]["layers"]["dense_0"]["correlation_with_previous"] = (
            0.99 if k == 5 else 0.97
        )
    [issue] = check_redundant_layers(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.INFO
    assert (issue.layer_id, issue.epoch_index) == ("dense_0", 5)
    assert issue.metric_value == pytest.approx((7 * 0.97 + 0.99) / 8)
    assert "'conv_1' and 'dense_0'" in issue.description


def test_redundant_layers_skips_normalization_and_near_miss(healthy_epochs, clone, insert_layer):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["layer_health"]["layers"]["dense_0"]["correlation_with_previous"] = 0.95
        insert_layer(
            epoch,
            "conv_1",
            "conv_1_bn",
            {
                "type": "BatchNormalization",
                "num_parameters": 128,
                "correlation_with_previous": 0.99,
            },
        )
    assert check_redundant_layers(diagnostic_input(epochs=epochs), T) == []
    t = DiagnosticThresholds(redundant_correlation=0.9)
    [issue] = check_redundant_layers(diagnostic_input(epochs=epochs), t)
    assert "'conv_1_bn' and 'dense_0'" in issue.description  # the previous weighted layer
