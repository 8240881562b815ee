"""HyperParameters: define-by-run over an Optuna trial, and the worker's exact replay."""

from __future__ import annotations

import optuna
import pytest

from healthopt.hypermodel import DataShape, HypermodelError, HyperParameters, ReplayError

DATA = DataShape(input_shape=(8, 8, 1), num_classes=10, modality="image")


def space(hp: HyperParameters) -> dict:
    """A build's draws without the Keras model: a conditional branch and every method."""
    kind = hp.Choice("kind", ["dense", "residual"])
    drawn = {
        "kind": kind,
        "units": hp.Int("units", 8, 64, step=8),
        "rate": hp.Float("rate", 1e-4, 1e-1, sampling="log"),
        "dropout": hp.Float("dropout", 0.0, 0.5),
        "norm": hp.Boolean("norm"),
        "fixed": hp.Fixed("seed_units", 7),
    }
    with hp.conditional_scope("kind", ["residual"]):
        drawn["blocks"] = hp.Int("residual_blocks", 1, 3, default=1)
    return drawn


def test_sampling_draws_from_the_trial_and_records_what_optuna_searched():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen_kinds = set()
    for _ in range(12):
        trial = study.ask()
        hp = HyperParameters.sampling(trial, DATA)
        drawn = space(hp)
        seen_kinds.add(drawn["kind"])
        assert drawn["units"] % 8 == 0 and 8 <= drawn["units"] <= 64
        assert 1e-4 <= drawn["rate"] <= 1e-1
        assert hp.params == trial.params  # what Optuna searched, and nothing else
        assert "seed_units" not in trial.params and hp.values["seed_units"] == 7
        # The scope's parameter exists only where its parent switches it on.
        assert ("residual_blocks" in trial.params) == (drawn["kind"] == "residual")
        if drawn["kind"] == "dense":
            assert drawn["blocks"] == 1  # the default, not searched
        study.tell(trial, 0.5)
    assert seen_kinds == {"dense", "residual"}
    distributions = study.trials[-1].distributions
    assert distributions["rate"].log is True and distributions["units"].step == 8


def test_replay_returns_the_drawn_values_and_never_samples():
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3)).ask()
    first = space(HyperParameters.sampling(trial, DATA))
    replayed = space(HyperParameters.replaying(dict(trial.params), DATA))
    assert replayed == first


def test_a_replay_asked_for_a_value_it_was_not_given_says_so():
    hp = HyperParameters.replaying({"kind": "dense"}, DATA)
    hp.Choice("kind", ["dense", "residual"])
    with pytest.raises(ReplayError, match="'units'.*did not make"):
        hp.Int("units", 8, 64)


def test_a_name_drawn_twice_returns_its_first_value():
    trial = optuna.create_study().ask()
    hp = HyperParameters.sampling(trial, DATA)
    first = hp.Int("batch_size", 16, 16)
    assert hp.Choice("batch_size", [32, 64]) == first == 16


def test_the_data_shape_is_loaded_once_on_first_use():
    calls = []

    def load() -> DataShape:
        calls.append(1)
        return DATA

    hp = HyperParameters.sampling(optuna.create_study().ask(), load)
    assert calls == []
    assert hp.input_shape == (8, 8, 1) and hp.num_classes == 10
    assert hp.data is DATA and calls == [1]


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        (lambda hp: hp.Int("n", 5, 1), "min_value 5 > max_value 1"),
        (lambda hp: hp.Int("n", 1.5, 3), "finite integers"),
        (lambda hp: hp.Float("x", 0.0, 1.0, sampling="log"), "min_value > 0"),
        (lambda hp: hp.Float("x", 0.0, float("inf")), "finite numbers"),
        (lambda hp: hp.Int("n", 1, 3, sampling="cubic"), "'linear' or 'log'"),
        (lambda hp: hp.Choice("c", []), "values is empty"),
        (lambda hp: hp.Choice("c", [[1], [2]]), "numbers, strings or booleans"),
        (lambda hp: hp.Choice("c", [1, 2], default=3), "default 3 is not a value"),
        (lambda hp: hp.Int("", 1, 2), "non-empty string"),
    ],
)
def test_bad_ranges_are_refused_with_the_reason(draw, message):
    hp = HyperParameters.sampling(optuna.create_study().ask(), DATA)
    with pytest.raises(HypermodelError, match=message):
        draw(hp)


def test_a_scope_needs_its_parent_drawn_first():
    hp = HyperParameters.sampling(optuna.create_study().ask(), DATA)
    with pytest.raises(HypermodelError, match="draw 'kind' before its scope"):
        with hp.conditional_scope("kind", ["a"]):
            pass
