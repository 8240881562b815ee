"""The training settings a hypermodel's build leaves open: searched like the built-in space's,
or fixed and re-ranged by the build itself."""

from __future__ import annotations

import optuna
import pytest

from healthopt.hypermodel import DataShape, HypermodelError, HyperParameters
from healthopt.models.hypermodel_training import draw_training
from healthopt.models.search_space import LEARNING_RATES

DATA = DataShape(input_shape=(4,), num_classes=2, modality="tabular")


def hp_for(seed: int = 0) -> tuple[HyperParameters, optuna.Trial]:
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed)).ask()
    return HyperParameters.sampling(trial, DATA), trial


def test_an_uncompiled_model_searches_batch_size_optimizer_rate_and_schedule():
    for seed in range(6):
        hp, trial = hp_for(seed)
        settings = draw_training(hp, compiled=False, max_epochs=7)
        config = settings.config
        rates = LEARNING_RATES[config.optimizer]
        assert rates.low <= config.learning_rate <= rates.high
        assert trial.params[f"{config.optimizer}_learning_rate"] == config.learning_rate
        assert config.batch_size in (32, 64) and settings.epochs == 7
        assert config.momentum == (0.9 if config.optimizer == "sgd" else 0.0)
        assert {"batch_size", "optimizer", "lr_schedule"} <= set(trial.params)


def test_a_compiled_model_searches_no_optimizer():
    hp, trial = hp_for()
    draw_training(hp, compiled=True, max_epochs=3)
    assert set(trial.params) == {"batch_size"}


def test_the_build_fixes_or_reranges_reserved_names():
    hp, trial = hp_for()
    hp.Fixed("optimizer", "sgd")
    hp.Float("learning_rate", 0.5, 0.5)
    hp.Int("epochs", 2, 2)
    hp.Fixed("batch_size", 100)
    settings = draw_training(hp, compiled=False, max_epochs=5)
    assert (settings.config.optimizer, settings.config.learning_rate) == ("sgd", 0.5)
    assert (settings.config.batch_size, settings.epochs) == (100, 2)
    assert "sgd_learning_rate" not in trial.params


@pytest.mark.parametrize(
    ("fix", "message"),
    [
        (lambda hp: hp.Fixed("epochs", 9), r"'epochs' must be a whole number in \[1, 5\]"),
        (lambda hp: hp.Fixed("batch_size", 0), "batch_size must be an integer"),
        (lambda hp: hp.Fixed("optimizer", "lbfgs"), "optimizer must be one of"),
    ],
)
def test_a_reserved_value_out_of_range_fails_with_the_reason(fix, message):
    hp, _ = hp_for()
    fix(hp)
    with pytest.raises(HypermodelError, match=message):
        draw_training(hp, compiled=False, max_epochs=5)
