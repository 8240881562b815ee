"""`sustainability_summary`: the engine's figures agree with the checks and invent nothing."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks.sustainability.stop import check_early_stop_opportunity
from healthopt.diagnostics.checks.sustainability.summary import sustainability_summary
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input

T = DiagnosticThresholds()
SUMMARY_KEYS = {
    "optimal_stop_epoch",
    "wasted_epochs",
    "wasted_compute_pct",
    "wasted_duration_seconds",
    "total_training_duration_seconds",
    "total_samples_processed",
    "dead_layers",
    "vanishing_gradient_layers",
    "frozen_output_layers",
    "redundant_layer_pairs",
    "parameter_efficiency_score",
    "total_co2_kg",
    "total_energy_kwh",
    "co2_per_epoch_avg_kg",
    "co2_per_1k_samples_kg",
    "avg_power_draw_watts",
    "wasted_co2_kg",
    "energy_method",
}


def test_summary_of_healthy_run(healthy_epochs):
    summary = sustainability_summary(diagnostic_input(epochs=healthy_epochs), T)
    assert set(summary) == SUMMARY_KEYS
    assert summary["optimal_stop_epoch"] is None
    assert (summary["wasted_epochs"], summary["wasted_compute_pct"]) == (0, 0.0)
    assert summary["wasted_duration_seconds"] == 0.0
    assert summary["wasted_co2_kg"] == 0.0
    assert summary["total_training_duration_seconds"] == pytest.approx(80.7)
    assert summary["total_samples_processed"] == 80000
    assert summary["dead_layers"] == summary["frozen_output_layers"] == []
    assert summary["vanishing_gradient_layers"] == summary["redundant_layer_pairs"] == []
    assert summary["parameter_efficiency_score"] == 100.0
    assert summary["total_co2_kg"] == pytest.approx(1.04e-4)
    assert summary["total_energy_kwh"] == pytest.approx(2.24e-4)
    assert summary["co2_per_epoch_avg_kg"] == pytest.approx(1.3e-5)
    assert summary["co2_per_1k_samples_kg"] == pytest.approx(1.3e-6)
    assert summary["avg_power_draw_watts"] == pytest.approx(10.0)
    assert summary["energy_method"] == "estimate: process CPU seconds x 10 W per busy core"


def test_summary_of_empty_input_invents_nothing():
    summary = sustainability_summary(diagnostic_input(), T)
    assert set(summary) == SUMMARY_KEYS
    lists = {
        "dead_layers",
        "vanishing_gradient_layers",
        "frozen_output_layers",
        "redundant_layer_pairs",
    }
    assert all(summary[k] == [] for k in lists)
    assert all(summary[k] is None for k in SUMMARY_KEYS - lists)


def test_summary_survives_partial_records(messy_epochs):
    summary = sustainability_summary(diagnostic_input(epochs=messy_epochs), T)
    assert summary["total_co2_kg"] is None and summary["energy_method"] is None
    assert summary["optimal_stop_epoch"] is None and summary["wasted_epochs"] is None


def test_summary_agrees_with_the_checks(plateau_epochs, final_layer, cnn_params):
    epochs = plateau_epochs
    final_layer(epochs, "dense_0")["dead_unit_fraction"] = 1.0
    final_layer(epochs, "predictions")["dead_unit_fraction"] = 1.0  # inherits: wasted, not listed
    for epoch in epochs:
        epoch["layer_health"]["layers"]["conv_0"]["gradient_norm"] = 0.0
        epoch["layer_health"]["layers"]["conv_1"]["correlation_with_previous"] = 0.99
    data = diagnostic_input(epochs=epochs)
    summary = sustainability_summary(data, T)
    assert summary["optimal_stop_epoch"] == 3
    assert summary["optimal_stop_epoch"] == check_early_stop_opportunity(data, T)[0].epoch_index
    assert summary["wasted_epochs"] == 4
    assert summary["wasted_duration_seconds"] == pytest.approx(40.4)
    assert summary["wasted_compute_pct"] == pytest.approx(50.06)
    assert summary["wasted_co2_kg"] == pytest.approx(4 * 1.3e-5)
    assert summary["dead_layers"] == ["dense_0"]
    assert summary["vanishing_gradient_layers"] == ["conv_0"]
    assert summary["frozen_output_layers"] == []
    assert summary["redundant_layer_pairs"] == [
        {"layer_a": "conv_0", "layer_b": "conv_1", "correlation": pytest.approx(0.99)}
    ]
    healthy = cnn_params["conv_1"]  # conv_0 gets no gradient, dense_0 and predictions are dead
    assert summary["parameter_efficiency_score"] == round(
        100 * healthy / sum(cnn_params.values()), 1
    )


def test_parameter_efficiency_charges_a_dead_activation_to_its_layer(
    healthy_epochs, clone, insert_layer, cnn_params
):
    epochs = clone(healthy_epochs)
    insert_layer(
        epochs[-1],
        "conv_1",
        "conv_1_act",
        {"type": "Activation", "num_parameters": 0, "dead_unit_fraction": 0.9},
    )
    summary = sustainability_summary(diagnostic_input(epochs=epochs), T)
    assert summary["dead_layers"] == ["conv_1_act"]
    total = sum(cnn_params.values())
    expected = 100 * (total - cnn_params["conv_1"]) / total
    assert summary["parameter_efficiency_score"] == round(expected, 1)


def test_summary_without_durations_uses_epoch_share(plateau_epochs):
    epochs = plateau_epochs
    epochs[0]["duration_seconds"] = None
    summary = sustainability_summary(diagnostic_input(epochs=epochs), T)
    assert summary["wasted_compute_pct"] == 50.0  # 4 of 8 epochs
    assert summary["total_training_duration_seconds"] == pytest.approx(80.7 - 10.0)
