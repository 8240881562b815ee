"""Sustainability checks, `optimal_stop_epoch` and `sustainability_summary`."""

from __future__ import annotations

from typing import Any

import pytest

from healthopt.diagnostics.checks import sustainability as s
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds

T = DiagnosticThresholds()
# Validation loss of a run that stops paying off after epoch 3 (epochs 4-7 add < 5% each).
PLATEAU = [2.0, 1.0, 0.6, 0.5, 0.49, 0.488, 0.487, 0.4869]
# Parameters of the healthy CNN (conftest): conv_0, conv_1, dense_0, predictions.
PARAMS = {"conv_0": 320, "conv_1": 9248, "dense_0": 8256, "predictions": 650}
TOTAL_PARAMS = sum(PARAMS.values())
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


def _val(epochs: list[dict[str, Any]], losses: list[float]) -> list[dict[str, Any]]:
    for epoch, loss in zip(epochs, losses, strict=True):
        epoch["loss"]["val"]["val_loss"] = loss
    return epochs


def _final(epochs: list[dict[str, Any]], layer: str) -> dict[str, Any]:
    return epochs[-1]["layer_health"]["layers"][layer]


def _insert_layer(epoch: dict[str, Any], after: str, name: str, entry: dict[str, Any]) -> None:
    """Put a layer entry right after `after`, keeping the record's layer order."""
    old = epoch["layer_health"]["layers"]
    new = {}
    for key, value in old.items():
        new[key] = value
        if key == after:
            new[name] = entry
    epoch["layer_health"]["layers"] = new


def _pct(epoch: dict[str, Any], name: str, pct: float) -> None:
    for entry in epoch["profiler"]["per_layer"]:
        if entry["name"] == name:
            entry["pct_total"] = pct


# -- contract -----------------------------------------------------------------------------------


@pytest.mark.parametrize("check", s.CHECKS)
def test_every_check_returns_nothing_on_empty_input(check):
    assert check(DiagnosticInput(), T) == []


@pytest.mark.parametrize("check", s.CHECKS)
def test_healthy_history_gives_at_most_the_carbon_report(check, healthy_epochs, cnn_architecture):
    for data in (
        DiagnosticInput(epochs=healthy_epochs),
        DiagnosticInput(epochs=healthy_epochs, architecture=cnn_architecture),
    ):
        issues = check(data, T)
        if check is s.check_high_carbon_intensity:
            assert [(i.check, i.severity) for i in issues] == [
                ("high_carbon_intensity", Severity.INFO)
            ]
        else:
            assert issues == []


MESSY = [
    {"epoch": 0},
    {
        "loss": None,
        "device": {"gpu_available": True, "training_device": None},
        "profiler": {
            "per_layer": [None, {"name": "x", "pct_total": None}],
            "total_cuda_time_ms": None,
        },
        "layer_health": {
            "layers": {
                "a": None,
                "b": {"num_parameters": None, "gradient_norm": "x", "dead_unit_fraction": None},
            }
        },
    },
    {
        "carbon_emissions": {"epoch_co2_kg": None, "method": 5},
        "duration_seconds": None,
        "layer_health": {
            "layers": {
                "b": {
                    "correlation_with_previous": float("nan"),
                    "activation_variance_across_samples": 0.0,
                    "activation_mean_square": None,
                }
            }
        },
    },
]


@pytest.mark.parametrize("check", s.CHECKS)
def test_every_check_survives_partial_records(check):
    issues = check(DiagnosticInput(epochs=MESSY, architecture={"layers": ["x"]}), T)
    # Only the layer whose output variance is exactly 0 is a finding here.
    expected = ["frozen_output"] if check is s.check_frozen_output else []
    assert [i.check for i in issues] == expected


def test_every_check_is_one_issue_kind_and_category(healthy_epochs, clone):
    for check in s.CHECKS:
        for issue in check(DiagnosticInput(epochs=_val(clone(healthy_epochs), PLATEAU)), T):
            assert issue.check == check.__name__.removeprefix("check_")
            assert issue.category is Category.SUSTAINABILITY


# -- optimal stop epoch -------------------------------------------------------------------------


def test_optimal_stop_epoch_on_a_plateau(healthy_epochs, clone):
    epochs = _val(clone(healthy_epochs), PLATEAU)
    assert s.optimal_stop_epoch(epochs, T) == 3


def test_optimal_stop_epoch_uses_the_records_epoch_numbers(healthy_epochs, clone):
    epochs = _val(clone(healthy_epochs), PLATEAU)
    for k, epoch in enumerate(epochs):
        epoch["epoch"] = 10 + k  # a resumed run
    assert s.optimal_stop_epoch(epochs, T) == 13


def test_optimal_stop_epoch_none_when_still_improving_or_too_short(healthy_epochs, clone):
    assert s.optimal_stop_epoch(healthy_epochs, T) is None
    assert s.optimal_stop_epoch(_val(clone(healthy_epochs[:2]), PLATEAU[:2]), T) is None
    flat = _val(clone(healthy_epochs), [1.0] * 8)  # never improved: a plateau, not waste
    assert s.optimal_stop_epoch(flat, T) is None
    assert s.optimal_stop_epoch([], T) is None


def test_optimal_stop_epoch_a_last_meaningful_epoch_is_no_plateau(healthy_epochs, clone):
    # epoch 3 adds 3.3% of the improvement so far, epoch 4 adds 5.5%: still paying off
    losses = [2.0, 1.0, 0.5, 0.45, 0.45 - 0.055 * 1.55]
    epochs = _val(clone(healthy_epochs[:5]), losses)
    assert s.optimal_stop_epoch(epochs, T) is None
    assert s.optimal_stop_epoch(epochs, DiagnosticThresholds(diminishing_returns_pct=0.06)) == 2


def test_optimal_stop_epoch_three_epochs_is_enough(healthy_epochs, clone):
    assert s.optimal_stop_epoch(_val(clone(healthy_epochs[:3]), [2.0, 1.0, 0.99]), T) == 1


def test_optimal_stop_epoch_waits_for_a_late_recovery(healthy_epochs, clone):
    losses = [2.0, 1.0, 0.6, 0.5, 0.49, 0.488, 0.3, 0.299]
    assert s.optimal_stop_epoch(_val(clone(healthy_epochs), losses), T) == 6


def test_optimal_stop_epoch_counts_rising_loss_as_no_return(healthy_epochs, clone):
    losses = [2.0, 1.0, 0.5, 0.45, 0.6, 0.7, 0.8, 0.9]
    assert s.optimal_stop_epoch(_val(clone(healthy_epochs), losses), T) == 2


def test_optimal_stop_epoch_uses_train_loss_when_a_val_loss_is_missing(healthy_epochs, clone):
    epochs = clone(healthy_epochs)  # val loss keeps improving 20% an epoch
    for epoch, loss in zip(epochs, PLATEAU, strict=True):
        epoch["loss"]["train_mean"] = loss
    assert s.optimal_stop_epoch(epochs, T) is None  # val loss decides
    epochs[5]["loss"]["val"]["val_loss"] = None
    assert s.optimal_stop_epoch(epochs, T) == 3  # train loss decides


def test_diminishing_returns_threshold_is_honoured(healthy_epochs):
    # Healthy: epoch 6 adds 9.7% and epoch 7 adds 7.1% of the improvement so far.
    t = DiagnosticThresholds(diminishing_returns_pct=0.1)
    assert s.optimal_stop_epoch(healthy_epochs, t) == 5
    issues = s.check_diminishing_returns(DiagnosticInput(epochs=healthy_epochs), t)
    assert [(i.epoch_index, i.metric_value) for i in issues] == [(6, pytest.approx(0.09748, 1e-3))]


# -- the checks that agree with it --------------------------------------------------------------


def test_diminishing_returns(healthy_epochs, clone):
    data = DiagnosticInput(epochs=_val(clone(healthy_epochs), PLATEAU))
    [issue] = s.check_diminishing_returns(data, T)
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 4  # first epoch of the tail
    assert issue.metric_key == "marginal_improvement_ratio"
    assert issue.metric_value == pytest.approx(0.01 / 1.5, abs=1e-6)
    assert "validation loss" in issue.description
    assert "EarlyStopping" in issue.suggestion


def test_diminishing_returns_silent_on_healthy(healthy_epochs):
    assert s.check_diminishing_returns(DiagnosticInput(epochs=healthy_epochs), T) == []


def test_early_stop_opportunity(healthy_epochs, clone):
    data = DiagnosticInput(epochs=_val(clone(healthy_epochs), PLATEAU))
    [issue] = s.check_early_stop_opportunity(data, T)
    assert issue.check == "early_stop_opportunity"
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 3
    assert issue.metric_key == "wasted_epochs"
    assert issue.metric_value == 4
    # epochs 4-7 took 10.1 + 10.2 + 10.0 + 10.1 s of 80.7 s
    assert "50.1% of the compute, 40.4 s" in issue.description


def test_early_stop_opportunity_silent_on_healthy(healthy_epochs):
    assert s.check_early_stop_opportunity(DiagnosticInput(epochs=healthy_epochs), T) == []


def test_wasted_carbon(healthy_epochs, clone):
    data = DiagnosticInput(epochs=_val(clone(healthy_epochs), PLATEAU))
    [issue] = s.check_wasted_carbon(data, T)
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 4
    assert issue.metric_key == "carbon_emissions.epoch_co2_kg"
    assert issue.metric_value == pytest.approx(4 * 1.3e-5)
    assert "0.052 g CO2" in issue.description and "0.112 Wh" in issue.description


def test_wasted_carbon_needs_carbon_records(healthy_epochs, clone):
    epochs = _val(clone(healthy_epochs), PLATEAU)
    for epoch in epochs:
        del epoch["carbon_emissions"]
    assert s.check_wasted_carbon(DiagnosticInput(epochs=epochs), T) == []
    assert s.check_wasted_carbon(DiagnosticInput(epochs=healthy_epochs), T) == []


# -- device -------------------------------------------------------------------------------------


def test_device_underutilization(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs[2:]:
        epoch["device"]["gpu_available"] = True
    [issue] = s.check_device_underutilization(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 2
    assert (issue.metric_key, issue.metric_value) == ("device.training_device", "cpu")
    assert "6 of 6 epochs" in issue.description


def test_device_underutilization_from_profiler_without_device_name(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["device"] = {"gpu_available": True}
    [issue] = s.check_device_underutilization(DiagnosticInput(epochs=epochs), T)
    assert (issue.metric_key, issue.metric_value) == ("profiler.total_cuda_time_ms", 0.0)


def test_device_underutilization_silent_on_gpu_or_without_gpu(healthy_epochs, clone):
    # The healthy fixture trains on a CPU-only machine: never a finding.
    assert s.check_device_underutilization(DiagnosticInput(epochs=healthy_epochs), T) == []
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["device"] = {"gpu_available": True, "training_device": "gpu"}
        epoch["profiler"]["total_cuda_time_ms"] = 0.0  # the recorded device decides
    assert s.check_device_underutilization(DiagnosticInput(epochs=epochs), T) == []


# -- parameters against compute -----------------------------------------------------------------


def _median_ratio(
    param_pct: dict[str, float], compute_pct: dict[str, float], name: str, inverse: bool
) -> float:
    import statistics

    ratios = {n: compute_pct[n] / param_pct[n] for n in param_pct}
    if inverse:
        ratios = {n: 1 / r for n, r in ratios.items()}
    return ratios[name] / statistics.median(ratios.values())


PARAM_PCT = {n: 100.0 * p / TOTAL_PARAMS for n, p in PARAMS.items()}


def test_over_parameterized_layer(healthy_epochs, clone, cnn_architecture):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        _pct(epoch, "dense_0", 2.0)
    data = DiagnosticInput(epochs=epochs, architecture=cnn_architecture)
    [issue] = s.check_over_parameterized_layer(data, T)
    compute = {"conv_0": 25.0, "conv_1": 35.0, "dense_0": 2.0, "predictions": 15.0}
    assert issue.severity is Severity.INFO
    assert issue.layer_id == "dense_0"
    assert issue.metric_key == "param_to_compute_ratio"
    assert issue.metric_value == pytest.approx(
        _median_ratio(PARAM_PCT, compute, "dense_0", inverse=True), rel=1e-4
    )
    assert issue.metric_value == pytest.approx(26.85, abs=0.01)
    assert "44.7% of the parameters" in issue.description


def test_over_parameterized_skips_embeddings(healthy_epochs, clone, rnn_architecture):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["profiler"]["per_layer"] = [
            {"name": "embedding", "type": "Embedding", "pct_total": 2.0},
            {"name": "bidirectional_lstm", "type": "Bidirectional", "pct_total": 60.0},
            {"name": "dense_0", "type": "Dense", "pct_total": 20.0},
            {"name": "predictions", "type": "Dense", "pct_total": 18.0},
        ]
    data = DiagnosticInput(epochs=epochs, architecture=rnn_architecture)
    # 92% of the parameters in 2% of the compute, but a lookup table is not over-sized by it
    assert s.check_over_parameterized_layer(data, T) == []
    for epoch in epochs:  # without a type in the profiler record the architecture's decides
        for entry in epoch["profiler"]["per_layer"]:
            del entry["type"]
    assert s.check_over_parameterized_layer(data, T) == []
    # the same shares would be reported for a layer that is not an embedding
    rnn_architecture["layers"]["embedding"]["type"] = "Dense"
    [issue] = s.check_over_parameterized_layer(data, T)
    assert issue.layer_id == "embedding"


def test_compute_inefficient_layer(healthy_epochs, clone, cnn_architecture):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        _pct(epoch, "conv_0", 60.0)
        epoch["profiler"]["per_layer"].append(
            {"name": "conv_0_pool", "type": "MaxPooling2D", "pct_total": 30.0}
        )
    data = DiagnosticInput(epochs=epochs, architecture=cnn_architecture)
    [issue] = s.check_compute_inefficient_layer(data, T)  # the pooling layer has no parameters
    compute = {"conv_0": 60.0, "conv_1": 35.0, "dense_0": 25.0, "predictions": 15.0}
    assert issue.severity is Severity.INFO
    assert issue.layer_id == "conv_0"
    assert issue.metric_key == "compute_to_param_ratio"
    assert issue.metric_value == pytest.approx(
        _median_ratio(PARAM_PCT, compute, "conv_0", inverse=False), rel=1e-4
    )
    assert "SeparableConv2D" in issue.suggestion


def test_share_checks_need_three_layers(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["profiler"]["per_layer"] = epoch["profiler"]["per_layer"][:2]
        _pct(epoch, "conv_0", 99.0)
    data = DiagnosticInput(epochs=epochs)
    assert s.check_compute_inefficient_layer(data, T) == []
    assert s.check_over_parameterized_layer(data, T) == []


def test_share_thresholds_are_honoured(healthy_epochs):
    # Healthy conv_0: 5.8x the median compute per parameter; dense_0: 2.1x the median params
    # per compute. Both are under the default 10x.
    data = DiagnosticInput(epochs=healthy_epochs)
    inefficient = s.check_compute_inefficient_layer(
        data, DiagnosticThresholds(compute_inefficient_ratio=5.0)
    )
    assert [(i.layer_id, round(i.metric_value, 2)) for i in inefficient] == [("conv_0", 5.82)]
    over = s.check_over_parameterized_layer(
        data, DiagnosticThresholds(over_parameterized_ratio=2.0)
    )
    assert [(i.layer_id, round(i.metric_value, 2)) for i in over] == [("dense_0", 2.15)]


# -- layer health -------------------------------------------------------------------------------


def test_dead_neurons_warning(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "conv_1")["dead_unit_fraction"] = 0.7
    [issue] = s.check_dead_neurons(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.layer_id, issue.epoch_index) == ("conv_1", 7)
    assert issue.metric_key == "layer_health.layers.conv_1.dead_unit_fraction"
    assert issue.metric_value == 0.7


def test_dead_neurons_sparse_weights(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "dense_0")["weight_sparsity"] = 0.8
    [issue] = s.check_dead_neurons(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.metric_key, issue.metric_value) == (
        "layer_health.layers.dense_0.weight_sparsity",
        0.8,
    )


def test_dead_neurons_whole_layer_is_critical_and_reported_once(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "dense_0")["dead_unit_fraction"] = 1.0
    _final(epochs, "predictions")["dead_unit_fraction"] = 1.0  # constant input, constant output
    [issue] = s.check_dead_neurons(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.CRITICAL
    assert (issue.layer_id, issue.metric_value) == ("dense_0", 1.0)


def test_dead_neurons_parameter_free_layers_inherit(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    act = {"type": "Activation", "num_parameters": 0, "dead_unit_fraction": 0.6}
    _insert_layer(epochs[-1], "conv_1", "conv_1_act", act)
    _insert_layer(epochs[-1], "conv_1_act", "conv_1_pool", {**act, "type": "MaxPooling2D"})
    issues = s.check_dead_neurons(DiagnosticInput(epochs=epochs), T)
    assert [i.layer_id for i in issues] == ["conv_1_act"]


def test_dead_neurons_near_miss_and_earlier_epochs(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "conv_1")["dead_unit_fraction"] = 0.5  # not above 0.5
    epochs[3]["layer_health"]["layers"]["conv_0"]["dead_unit_fraction"] = 1.0  # recovered
    assert s.check_dead_neurons(DiagnosticInput(epochs=epochs), T) == []
    assert (
        s.check_dead_neurons(
            DiagnosticInput(epochs=epochs), DiagnosticThresholds(dead_neuron_sparsity=0.4)
        )
        != []
    )


def test_vanishing_gradients(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs[2:]:
        epoch["layer_health"]["layers"]["conv_0"]["gradient_norm"] = 2e-9
    [issue] = s.check_vanishing_gradients(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.layer_id, issue.epoch_index) == ("conv_0", 2)
    assert issue.metric_key == "layer_health.layers.conv_0.gradient_norm"
    assert issue.metric_value == pytest.approx(2e-9)
    assert "6 of 8 epochs" in issue.description


def test_vanishing_gradients_late_or_parameter_free_is_silent(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs[5:]:  # 3 of 8: converging at the end, not vanishing
        epoch["layer_health"]["layers"]["conv_0"]["gradient_norm"] = 1e-9
    for epoch in epochs:
        _insert_layer(epoch, "conv_0", "pool", {"num_parameters": 0, "gradient_norm": 0.0})
    assert s.check_vanishing_gradients(DiagnosticInput(epochs=epochs), T) == []


def test_vanishing_gradient_threshold_is_honoured(healthy_epochs):
    # Healthy gradients fall from 0.05 to 0.05 / 2.4 = 0.0208.
    t = DiagnosticThresholds(vanishing_gradient_threshold=0.03)
    issues = s.check_vanishing_gradients(DiagnosticInput(epochs=healthy_epochs), t)
    assert {i.layer_id for i in issues} == set(PARAMS)
    # epoch 3: 0.05 / 1.6 = 0.03125, epoch 4: 0.05 / 1.8 = 0.0278, the first below
    assert {i.epoch_index for i in issues} == {4}
    assert all("4 of 8 epochs" in i.description for i in issues)


def test_frozen_output(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "dense_0")["activation_variance_across_samples"] = 1e-15
    _final(epochs, "predictions")["activation_variance_across_samples"] = 0.0  # inherits
    [issue] = s.check_frozen_output(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.CRITICAL
    assert (issue.layer_id, issue.epoch_index, issue.metric_value) == ("dense_0", 7, 1e-15)
    assert issue.metric_key == "layer_health.layers.dense_0.activation_variance_across_samples"


def test_frozen_output_near_miss_and_wholly_dead_layer(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "conv_1")["activation_variance_across_samples"] = 1e-11
    _final(epochs, "dense_0").update(
        activation_variance_across_samples=0.0, dead_unit_fraction=1.0
    )  # dead_neurons reports it
    assert s.check_frozen_output(DiagnosticInput(epochs=epochs), T) == []
    assert [i.layer_id for i in s.check_dead_neurons(DiagnosticInput(epochs=epochs), T)] == [
        "dense_0"
    ]


def test_activation_collapse(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "dense_0")["activation_variance_across_samples"] = 1e-6
    _final(epochs, "predictions")["activation_variance_across_samples"] = 1e-7  # inherits
    [issue] = s.check_activation_collapse(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert (issue.layer_id, issue.epoch_index) == ("dense_0", 7)
    assert issue.metric_value == pytest.approx(1e-6 / 0.52)


def test_activation_collapse_near_miss_and_frozen(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _final(epochs, "conv_1")["activation_variance_across_samples"] = 2e-4 * 0.52
    _final(epochs, "dense_0")["activation_variance_across_samples"] = 1e-13  # frozen instead
    assert s.check_activation_collapse(DiagnosticInput(epochs=epochs), T) == []
    t = DiagnosticThresholds(activation_collapse_ratio=3e-4)
    assert [i.layer_id for i in s.check_activation_collapse(DiagnosticInput(epochs=epochs), t)] == [
        "conv_1"
    ]


def test_redundant_layers(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for k, epoch in enumerate(epochs):
        epoch["layer_health"]["layers"]["dense_0"]["correlation_with_previous"] = (
            0.99 if k == 5 else 0.97
        )
    [issue] = s.check_redundant_layers(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.INFO
    assert (issue.layer_id, issue.epoch_index) == ("dense_0", 5)
    assert issue.metric_value == pytest.approx((7 * 0.97 + 0.99) / 8)
    assert "'conv_1' and 'dense_0'" in issue.description


def test_redundant_layers_skips_normalization_and_near_miss(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["layer_health"]["layers"]["dense_0"]["correlation_with_previous"] = 0.95
        _insert_layer(
            epoch,
            "conv_1",
            "conv_1_bn",
            {
                "type": "BatchNormalization",
                "num_parameters": 128,
                "correlation_with_previous": 0.99,
            },
        )
    assert s.check_redundant_layers(DiagnosticInput(epochs=epochs), T) == []
    t = DiagnosticThresholds(redundant_correlation=0.9)
    [issue] = s.check_redundant_layers(DiagnosticInput(epochs=epochs), t)
    assert "'conv_1_bn' and 'dense_0'" in issue.description  # the previous weighted layer


# -- carbon -------------------------------------------------------------------------------------


def test_high_carbon_intensity_reports_as_info(healthy_epochs):
    [issue] = s.check_high_carbon_intensity(DiagnosticInput(epochs=healthy_epochs), T)
    assert issue.severity is Severity.INFO
    assert issue.metric_key == "carbon_emissions.epoch_co2_kg"
    assert issue.metric_value == pytest.approx(8 * 1.3e-5)
    assert "0.104 g CO2 over 8 epochs" in issue.description
    assert "0.224 Wh" in issue.description and "10 W" in issue.description
    assert "estimate: process CPU seconds x 10 W per busy core" in issue.description


def test_high_carbon_intensity_warns_above_limit(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["carbon_emissions"]["epoch_co2_kg"] = 0.002
    [issue] = s.check_high_carbon_intensity(DiagnosticInput(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert issue.metric_value == pytest.approx(0.016)
    lenient = DiagnosticThresholds(high_carbon_kg=0.02)
    assert (
        s.check_high_carbon_intensity(DiagnosticInput(epochs=epochs), lenient)[0].severity
        is Severity.INFO
    )


def test_high_carbon_intensity_needs_records(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["carbon_emissions"] = None
    assert s.check_high_carbon_intensity(DiagnosticInput(epochs=epochs), T) == []


# -- summary ------------------------------------------------------------------------------------


def test_summary_of_healthy_run(healthy_epochs):
    summary = s.sustainability_summary(DiagnosticInput(epochs=healthy_epochs), T)
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
    summary = s.sustainability_summary(DiagnosticInput(), T)
    assert set(summary) == SUMMARY_KEYS
    lists = {
        "dead_layers",
        "vanishing_gradient_layers",
        "frozen_output_layers",
        "redundant_layer_pairs",
    }
    assert all(summary[k] == [] for k in lists)
    assert all(summary[k] is None for k in SUMMARY_KEYS - lists)


def test_summary_survives_partial_records():
    summary = s.sustainability_summary(DiagnosticInput(epochs=MESSY), T)
    assert summary["total_co2_kg"] is None and summary["energy_method"] is None
    assert summary["optimal_stop_epoch"] is None and summary["wasted_epochs"] is None


def test_summary_agrees_with_the_checks(healthy_epochs, clone):
    epochs = _val(clone(healthy_epochs), PLATEAU)
    _final(epochs, "dense_0")["dead_unit_fraction"] = 1.0
    _final(epochs, "predictions")["dead_unit_fraction"] = 1.0  # inherits: wasted, not listed
    for epoch in epochs:
        epoch["layer_health"]["layers"]["conv_0"]["gradient_norm"] = 0.0
        epoch["layer_health"]["layers"]["conv_1"]["correlation_with_previous"] = 0.99
    data = DiagnosticInput(epochs=epochs)
    summary = s.sustainability_summary(data, T)
    assert summary["optimal_stop_epoch"] == 3
    assert summary["optimal_stop_epoch"] == s.check_early_stop_opportunity(data, T)[0].epoch_index
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
    healthy = PARAMS["conv_1"]  # conv_0 gets no gradient, dense_0 and predictions are dead
    assert summary["parameter_efficiency_score"] == round(100 * healthy / TOTAL_PARAMS, 1)


def test_parameter_efficiency_charges_a_dead_activation_to_its_layer(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    _insert_layer(
        epochs[-1],
        "conv_1",
        "conv_1_act",
        {"type": "Activation", "num_parameters": 0, "dead_unit_fraction": 0.9},
    )
    summary = s.sustainability_summary(DiagnosticInput(epochs=epochs), T)
    assert summary["dead_layers"] == ["conv_1_act"]
    expected = 100 * (TOTAL_PARAMS - PARAMS["conv_1"]) / TOTAL_PARAMS
    assert summary["parameter_efficiency_score"] == round(expected, 1)


def test_summary_without_durations_uses_epoch_share(healthy_epochs, clone):
    epochs = _val(clone(healthy_epochs), PLATEAU)
    epochs[0]["duration_seconds"] = None
    summary = s.sustainability_summary(DiagnosticInput(epochs=epochs), T)
    assert summary["wasted_compute_pct"] == 50.0  # 4 of 8 epochs
    assert summary["total_training_duration_seconds"] == pytest.approx(80.7 - 10.0)
