"""The needs table: every check has one, and a need is met by any one of its alternatives."""

from __future__ import annotations

from dataclasses import replace

from healthopt.diagnostics.engine import all_checks
from healthopt.diagnostics.needs import NEEDS, epoch, layer, missing_inputs, need
from healthopt.diagnostics.records import given

from ..builders import diagnostic_input


def test_every_check_states_its_needs_and_no_entry_is_stale():
    names = {check.__name__.removeprefix("check_") for check in all_checks()}
    assert set(NEEDS) == names


def test_a_group_is_met_by_any_alternative_and_a_null_counts_as_present():
    rule = need(
        (
            epoch("loss.train_mean", lambda e: given(e.loss, "train_mean")),
            epoch("loss.train_epoch", lambda e: given(e.loss, "train_epoch")),
        ),
        epoch("loss.val.val_loss", lambda e: given(e.loss.val, "val_loss")),
    )
    with_epoch_loss = diagnostic_input([{"loss": {"train_epoch": 1.0, "val": {"val_loss": None}}}])
    assert rule.missing(with_epoch_loss) == []
    without_val = diagnostic_input([{"loss": {"train_mean": 1.0}}])
    assert rule.missing(without_val) == ["epochs[].loss.val.val_loss"]


def test_layer_fields_are_found_under_the_seed_spelling():
    data = diagnostic_input([{"layer_health": {"layers": {"c": {"gradient_norm_mean": 1e-3}}}}])
    assert layer("gradient_norm").present(data)
    assert missing_inputs("vanishing_gradients", data) == []
    assert missing_inputs("redundant_layers", data) == [
        "layer_health.layers.*.correlation_with_previous"
    ]


def test_a_check_missing_from_the_table_always_runs():
    assert missing_inputs("no_such_check", diagnostic_input()) == []


def test_our_own_records_meet_every_need_but_the_other_families(healthy_epochs, cnn_architecture):
    logs = [{"ts": "t", "level": "INFO", "msg": "m", "kind": "console"}]
    # what trial.py hands the engine: the records and the validation split's chance level
    data = replace(diagnostic_input(healthy_epochs, logs, cnn_architecture), chance_accuracy=0.1)
    unmet = {name for name in NEEDS if missing_inputs(name, data)}
    labels = {
        name: [f.label for group in rule.groups for f in group] for name, rule in NEEDS.items()
    }
    rnn_and_transformer = {
        name
        for name, found in labels.items()
        if any(
            label.startswith(("architecture family rnn", "architecture family transformer"))
            for label in found
        )
    }
    assert unmet == rnn_and_transformer
