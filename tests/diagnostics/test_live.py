"""Health pruning: `health_alarm` on live epoch records, crafted and from real training."""

from __future__ import annotations

import math
import time

import pytest

from healthopt.config import ModelConfig
from healthopt.data import load_dataset
from healthopt.diagnostics.live import health_alarm
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.models.builder import InputSpec, ModelBuilder
from healthopt.records import EpochRecord, HealthAlarm
from healthopt.training import trainer

from ..builders import LAYERS, healthy_epoch

CHANCE = 0.1  # ten balanced classes
K = 3  # chance patience


def records(epochs) -> list[EpochRecord]:
    return [EpochRecord.from_json(e) for e in epochs]


def alarm(epochs, chance: float | None = CHANCE, k: int = K, **thresholds) -> HealthAlarm | None:
    t = DiagnosticThresholds(**thresholds) if thresholds else None
    return health_alarm(records(epochs), chance, k, t)


def set_loss(record, value):
    record["loss"].update(train_mean=value, train_epoch=value)


def layers(record):
    return record["layer_health"]["layers"]


def test_healthy_history_never_alarms(healthy_epochs):
    for n in range(1, len(healthy_epochs) + 1):
        assert alarm(healthy_epochs[:n]) is None, n
    assert health_alarm([], CHANCE, K) is None


# -- 1. nan_in_loss ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, math.nan, math.inf])
def test_non_finite_loss_alarms_at_its_epoch(healthy_epochs, value):
    healthy_epochs[2]["loss"]["train_mean"] = value
    found = alarm(healthy_epochs[:3])
    assert found == HealthAlarm(
        check="nan_in_loss", message="loss.train_mean is NaN or infinite at epoch 3", epoch=3
    )
    # Later epochs do not move it: the first non-finite epoch raised it.
    assert alarm(healthy_epochs).epoch == 3


def test_loss_left_out_or_no_validation_is_not_nan(healthy_epochs):
    del healthy_epochs[1]["loss"]["train_mean"]  # not recorded: not a finding
    for record in healthy_epochs:
        record["loss"]["val"]["val_loss"] = None  # a run without validation data
    assert alarm(healthy_epochs) is None


def test_epoch_is_the_records_place_not_their_own_numbering(healthy_epochs):
    """An alarm names a record of `records`, 1-based, whatever `epoch` the records carry."""
    for record in healthy_epochs:
        record["epoch"] += 10
    healthy_epochs[1]["loss"]["val"]["val_loss"] = None  # others have one: a finding
    found = alarm(healthy_epochs[:2])
    assert (found.check, found.epoch) == ("nan_in_loss", 2)
    assert found.message == "loss.val.val_loss is NaN or infinite at epoch 2"


# -- 2. loss_explosion ---------------------------------------------------------------------


def test_loss_explosion_alarms_at_the_jump(healthy_epochs):
    set_loss(healthy_epochs[3], 3 * healthy_epochs[2]["loss"]["train_mean"])
    found = alarm(healthy_epochs[:4])
    assert (found.check, found.epoch) == ("loss_explosion", 4)
    assert found.message.startswith("train loss exploded 3.0x, from ")
    assert found.message.endswith("at epoch 4")
    assert alarm(healthy_epochs[:3]) is None  # not before it happened


def test_loss_rise_under_the_ratio_or_once_converged_does_not_alarm(healthy_epochs):
    set_loss(healthy_epochs[3], 1.9 * healthy_epochs[2]["loss"]["train_mean"])
    assert alarm(healthy_epochs[:4]) is None
    assert alarm(healthy_epochs[:4], loss_explosion_ratio=1.5).check == "loss_explosion"
    # A jump that leaves the model fitting its training data is a blip (the check's rule).
    healthy_epochs[3]["accuracy"]["train"] = 0.99
    set_loss(healthy_epochs[3], 3 * healthy_epochs[2]["loss"]["train_mean"])
    assert alarm(healthy_epochs[:4]) is None


# -- 3. dead_neurons, a whole layer ----------------------------------------------------------


def test_wholly_dead_layer_alarms_and_names_the_first(healthy_epochs):
    layers(healthy_epochs[1])["dense_0"]["dead_unit_fraction"] = 1.0
    layers(healthy_epochs[1])["predictions"]["dead_unit_fraction"] = 1.0  # only inherits
    assert alarm(healthy_epochs[:2]) == HealthAlarm(
        check="dead_neurons", message="layer 'dense_0' has every unit dead at epoch 2", epoch=2
    )


def test_partly_dead_layer_does_not_alarm(healthy_epochs):
    layers(healthy_epochs[1])["dense_0"]["dead_unit_fraction"] = 0.9  # a warning, not critical
    layers(healthy_epochs[1])["conv_1"]["weight_sparsity"] = 1.0  # sparse weights, units alive
    assert alarm(healthy_epochs[:2]) is None


def test_dead_layer_that_recovered_does_not_alarm(healthy_epochs):
    layers(healthy_epochs[1])["dense_0"]["dead_unit_fraction"] = 1.0
    assert alarm(healthy_epochs[:3]) is None  # the latest epoch is what counts


# -- 4. vanishing_gradients in every layer with weights -------------------------------------


def vanish(epochs, names, norm=1e-9):
    for record in epochs:
        for name in names:
            layers(record)[name]["gradient_norm"] = norm


def test_vanishing_in_every_weighted_layer_alarms(healthy_epochs):
    vanish(healthy_epochs, LAYERS)
    for record in healthy_epochs:  # a layer without weights measures no gradient
        layers(record)["flatten"] = {"type": "Flatten", "num_parameters": 0}
    assert alarm(healthy_epochs[:2]) == HealthAlarm(
        check="vanishing_gradients",
        message="gradients vanished in all 4 layers with weights (norm below 1e-07) by epoch 2",
        epoch=2,
    )


def test_recorders_own_vanishing_verdict_counts(healthy_epochs):
    for record in healthy_epochs:
        for name in LAYERS:
            layers(record)[name].update(gradient_norm=1e-4, has_vanishing_gradients=True)
    assert alarm(healthy_epochs[:1]).check == "vanishing_gradients"


def test_vanishing_in_some_layers_does_not_alarm(healthy_epochs):
    vanish(healthy_epochs, LAYERS[:-1])  # the output layer still learns
    assert alarm(healthy_epochs) is None


def test_vanishing_in_fewer_than_half_the_epochs_does_not_alarm(healthy_epochs):
    vanish(healthy_epochs[5:], LAYERS)  # 3 of 8 epochs: converging, not stuck
    assert alarm(healthy_epochs) is None
    assert alarm(healthy_epochs[:6]) is None  # 1 of 6
    vanish(healthy_epochs[4:5], LAYERS)
    assert alarm(healthy_epochs).epoch == 8  # 4 of 8: the check's own rule says vanished


# -- 5. stuck_at_chance ----------------------------------------------------------------------


def set_val_acc(epochs, values):
    for record, value in zip(epochs, values, strict=True):
        record["loss"]["val"]["val_acc"] = value


def test_at_chance_for_k_epochs_alarms(healthy_epochs):
    set_val_acc(healthy_epochs[:3], [0.09, 0.1, 0.1])
    assert alarm(healthy_epochs[:3]) == HealthAlarm(
        check="stuck_at_chance",
        message="val accuracy 0.100 still at chance (0.100) after 3 epochs, at epoch 3",
        epoch=3,
    )


def test_at_chance_for_k_minus_one_epochs_does_not_alarm(healthy_epochs):
    set_val_acc(healthy_epochs[:3], [0.1, 0.1, 0.1])
    assert alarm(healthy_epochs[:2]) is None
    set_val_acc(healthy_epochs[:3], [0.6, 0.1, 0.1])  # only the last k count
    assert alarm(healthy_epochs[:3]) is None
    set_val_acc(healthy_epochs[:4], [0.6, 0.1, 0.1, 0.1])
    assert alarm(healthy_epochs[:4]).epoch == 4


def test_chance_margin_is_a_share_of_the_skill_range(healthy_epochs):
    at_limit = CHANCE + 0.02 * (1 - CHANCE)  # 0.118
    set_val_acc(healthy_epochs[:3], [0.1, 0.1, at_limit])
    assert alarm(healthy_epochs[:3]).check == "stuck_at_chance"
    set_val_acc(healthy_epochs[:3], [0.1, 0.1, 0.119])  # learning has begun
    assert alarm(healthy_epochs[:3]) is None
    assert alarm(healthy_epochs[:3], chance_margin=0.05).check == "stuck_at_chance"
    set_val_acc(healthy_epochs[:3], [0.5, 0.5, 0.505])  # two classes: limit 0.51
    assert alarm(healthy_epochs[:3], chance=0.5).check == "stuck_at_chance"
    set_val_acc(healthy_epochs[:3], [0.5, 0.5, 0.515])
    assert alarm(healthy_epochs[:3], chance=0.5) is None


def test_no_chance_or_no_val_accuracy_does_not_alarm(healthy_epochs):
    set_val_acc(healthy_epochs[:3], [0.1, 0.1, 0.1])
    assert alarm(healthy_epochs[:3], chance=None) is None
    set_val_acc(healthy_epochs[:3], [0.1, None, 0.1])  # a gap breaks the run
    assert alarm(healthy_epochs[:3]) is None


# -- order and cost --------------------------------------------------------------------------


def test_first_alarm_in_the_stated_order(healthy_epochs):
    set_val_acc(healthy_epochs[:3], [0.1, 0.1, 0.1])
    vanish(healthy_epochs[:3], LAYERS)
    assert alarm(healthy_epochs[:3]).check == "vanishing_gradients"
    layers(healthy_epochs[2])["conv_1"]["dead_unit_fraction"] = 1.0
    assert alarm(healthy_epochs[:3]).check == "dead_neurons"
    set_loss(healthy_epochs[2], 10.0)
    assert alarm(healthy_epochs[:3]).check == "loss_explosion"
    healthy_epochs[2]["loss"]["val"]["val_loss"] = math.nan
    assert alarm(healthy_epochs[:3]).check == "nan_in_loss"


def test_ten_epochs_of_a_three_layer_model_are_cheap():
    """It runs after every epoch of every trial: about 0.2 ms here; the bound is generous
    for a shared CI machine."""
    epochs = [healthy_epoch(k) for k in range(10)]
    for record in epochs:
        del layers(record)["conv_0"]
    history = records(epochs)
    calls = 200
    start = time.perf_counter()
    for _ in range(calls):
        assert health_alarm(history, CHANCE, K) is None
    assert (time.perf_counter() - start) / calls < 5e-3


# -- real training ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


def train(digits, config: ModelConfig, epochs: int) -> list[EpochRecord]:
    trainer.set_seed(1)
    model = ModelBuilder(config, InputSpec(digits.input_shape, 10, "image")).build()
    return trainer.fit(model, digits, epochs=epochs, batch_size=32).records


def test_diverging_model_alarms_nan_at_epoch_one(digits):
    history = train(digits, ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu"), 3)
    found = health_alarm(history, digits.val.majority_fraction(), K)
    assert (found.check, found.epoch) == ("nan_in_loss", 1)


def test_learning_model_does_not_alarm(digits):
    history = train(digits, ModelConfig(num_layers_conv=1, filters_per_conv_layer=8), 2)
    assert health_alarm(history, digits.val.majority_fraction(), 1) is None
