"""Narrowing the built-in search space: the narrowed trial asks Optuna for the narrowed
distributions, the probe finds every parameter (conditional ones too), and a narrowing that
does not fit the space is refused with the field."""

from __future__ import annotations

import optuna
import pytest

from healthopt.models.search_space import HyperparameterSelector
from healthopt.presets import NarrowedTrial, SpaceNarrowing, probe_space
from healthopt.presets.space import narrowing_from_table


def _spaces():
    return {m: probe_space(HyperparameterSelector(m).suggest) for m in ("image", "tabular")}


def test_the_probe_finds_every_optimizers_learning_rate():
    space = probe_space(HyperparameterSelector("tabular").suggest)
    for name in ("adam_learning_rate", "rmsprop_learning_rate", "sgd_learning_rate"):
        assert space[name].kind == "float"
    assert (space["sgd_learning_rate"].low, space["sgd_learning_rate"].high) == (0.01, 0.2)
    assert space["batch_size"].choices == (32, 64)
    assert "conv_dropout" not in space


def test_optuna_records_the_narrowed_distributions():
    narrowing = narrowing_from_table(
        {
            "fixed": {"optimizer": "sgd", "num_layers_hidden": 2},
            "ranges": {"hidden_dropout": [0.3, 0.4], "sgd_learning_rate": [0.05, 0.1]},
            "choices": {"lr_schedule": ["cosine", "step"]},
        }
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    selector = HyperparameterSelector("tabular")
    for _ in range(15):
        trial = study.ask()
        config = selector.suggest(NarrowedTrial(trial, narrowing))
        assert config.optimizer == "sgd" and config.num_layers_hidden == 2
        assert 0.3 <= config.hidden_dropout <= 0.4 and 0.05 <= config.learning_rate <= 0.1
        assert config.lr_schedule in ("cosine", "step")
        study.tell(trial, 0.5)
    distribution = study.trials[0].distributions["hidden_dropout"]
    assert (distribution.low, distribution.high) == (0.3, 0.4)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"fixed": {"dropuot": 0.1}}, "no built-in search space has dropuot"),
        ({"ranges": {"hidden_dropout": [0.2, 0.9]}}, "space.ranges.hidden_dropout: [0.2, 0.9] is outside"),  # noqa: E501
        ({"fixed": {"num_layers_hidden": 1.5}}, "space.fixed.num_layers_hidden must be whole numbers"),  # noqa: E501
        ({"choices": {"optimizer": ["adam", "lion"]}}, "space.choices.optimizer: ['lion'] not among"),  # noqa: E501
        ({"fixed": {"batch_size": 48}}, "space.fixed.batch_size: [48] not among"),
        ({"ranges": {"optimizer": [1, 2]}}, "optimizer is categorical"),
        ({"choices": {"hidden_dropout": [0.1]}}, "use space.ranges or space.fixed"),
    ],
)  # fmt: skip
def test_a_narrowing_that_does_not_fit_is_refused_with_its_field(table, message):
    with pytest.raises(ValueError) as error:
        narrowing_from_table(table).check(_spaces(), "image")
    assert message in str(error.value)


def test_a_parameter_only_other_data_has_is_noted_not_refused():
    narrowing = SpaceNarrowing(ranges={"conv_dropout": (0.1, 0.2), "hidden_dropout": (0.0, 0.1)})
    assert narrowing.check(_spaces(), "image") == []
    assert narrowing.check(_spaces(), "tabular") == [
        "preset narrows conv_dropout, which the tabular search space does not have: ignored"
    ]
