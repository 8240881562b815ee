from __future__ import annotations

import optuna
import pytest

from healthopt.config import LR_SCHEDULES, ModelConfig
from healthopt.models.search_space import (
    LEARNING_RATES,
    SEARCHED_OPTIMIZERS,
    SGD_MOMENTUM,
    HyperparameterSelector,
    LearningRateRange,
)

CNN_ONLY = {
    "num_layers_conv",
    "filters_per_conv_layer",
    "kernel_size",
    "use_global_pooling",
    "batch_normalization",
    "conv_dropout",
}
LSTM_ONLY = {"embedding_dim", "lstm_units", "use_bidirectional"}
RATE_NAMES = {LearningRateRange.param_name(name) for name in SEARCHED_OPTIMIZERS}


def _as_config_fields(params: dict) -> dict:
    """The params under their ModelConfig names: `<optimizer>_learning_rate` is learning_rate."""
    fields = {name: value for name, value in params.items() if name not in RATE_NAMES}
    fields["learning_rate"] = params[LearningRateRange.param_name(params["optimizer"])]
    return fields


def _suggest(modality: str, seed: int = 0):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    trial = study.ask()
    return HyperparameterSelector(modality).suggest(trial), trial.params


def test_image_space_suggests_cnn_fields_only():
    config, params = _suggest("image")
    assert isinstance(config, ModelConfig)
    assert CNN_ONLY <= set(params) and not (LSTM_ONLY & set(params))
    assert all(getattr(config, name) == value for name, value in _as_config_fields(params).items())
    assert config.embedding_dim == ModelConfig().embedding_dim  # default kept


def test_text_space_suggests_lstm_fields_only():
    config, params = _suggest("text")
    assert LSTM_ONLY <= set(params) and not (CNN_ONLY & set(params))
    assert config.num_layers_conv == ModelConfig().num_layers_conv


def test_fixed_trial_reproduces_a_config():
    _, params = _suggest("image", seed=4)
    again = HyperparameterSelector("image").suggest(optuna.trial.FixedTrial(params))
    assert again == _suggest("image", seed=4)[0]


def test_unknown_modality_is_rejected():
    with pytest.raises(ValueError, match="modality must be 'image' or 'text'"):
        HyperparameterSelector("audio")


# -- the conditional learning rate -------------------------------------------------------
@pytest.mark.parametrize("optimizer", SEARCHED_OPTIMIZERS)
def test_fixed_trial_reads_only_its_optimizers_learning_rate(optimizer):
    """Offered every optimizer's rate, a trial reads just the one its optimizer names."""
    _, params = _suggest("image")
    offered = {name: 0.01 for name in RATE_NAMES} | {"optimizer": optimizer}  # in every range
    trial = optuna.trial.FixedTrial({**params, **offered})
    config = HyperparameterSelector("image").suggest(trial)
    assert RATE_NAMES & set(trial.params) == {f"{optimizer}_learning_rate"}
    assert config.optimizer == optimizer and config.learning_rate == 0.01
    assert config.momentum == (SGD_MOMENTUM if optimizer == "sgd" else 0.0)


def test_each_optimizer_checks_the_rate_against_its_own_range():
    """SGD's rate of 0.1 is in range; the same 0.1 as Adam's is out of Adam's (Optuna warns)."""
    _, params = _suggest("image")
    selector = HyperparameterSelector("image")
    sgd = optuna.trial.FixedTrial({**params, "optimizer": "sgd", "sgd_learning_rate": 0.1})
    assert selector.suggest(sgd).learning_rate == 0.1
    adam = optuna.trial.FixedTrial({**params, "optimizer": "adam", "adam_learning_rate": 0.1})
    with pytest.warns(UserWarning, match="adam_learning_rate.* out of the range"):
        selector.suggest(adam)


@pytest.mark.parametrize("modality", ["image", "text"])
def test_a_random_study_keeps_each_rate_to_its_optimizer_and_range(modality):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    selector = HyperparameterSelector(modality)
    seen_optimizers, seen_schedules = set(), set()
    for _ in range(30):
        trial = study.ask()
        config = selector.suggest(trial)
        study.tell(trial, config.learning_rate)
        name = LearningRateRange.param_name(config.optimizer)
        assert RATE_NAMES & set(trial.params) == {name}
        assert "learning_rate" not in trial.params
        assert config.learning_rate == trial.params[name]
        rates = LEARNING_RATES[config.optimizer]
        assert rates.low <= config.learning_rate <= rates.high
        assert config.momentum == (SGD_MOMENTUM if config.optimizer == "sgd" else 0.0)
        seen_optimizers.add(config.optimizer)
        seen_schedules.add(config.lr_schedule)
    assert seen_optimizers == set(SEARCHED_OPTIMIZERS)
    assert seen_schedules == set(LR_SCHEDULES)
    # What Optuna recorded has each rate under its own distribution, with its own range.
    for trial in study.trials:
        name = LearningRateRange.param_name(trial.params["optimizer"])
        distribution = trial.distributions[name]
        assert distribution.log
        assert (distribution.low, distribution.high) == (
            LEARNING_RATES[trial.params["optimizer"]].low,
            LEARNING_RATES[trial.params["optimizer"]].high,
        )


def test_grouped_multivariate_tpe_models_the_conditional_rates():
    """With group=True, TPE's joint search space holds each optimizer's rate (each branch is
    a group); without it the rates fall outside the joint space, which only keeps parameters
    every trial has, and are sampled one at a time."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    selector = HyperparameterSelector("image")
    for _ in range(15):
        trial = study.ask()
        study.tell(trial, selector.suggest(trial).learning_rate)

    def joint_space(group: bool) -> set[str]:
        sampler = optuna.samplers.TPESampler(multivariate=True, group=group, seed=0)
        return set(sampler.infer_relative_search_space(study, study.trials[-1]))

    with pytest.warns(optuna.exceptions.ExperimentalWarning, match="group"):
        grouped = joint_space(group=True)
    assert RATE_NAMES <= grouped and {"optimizer", "lr_schedule"} <= grouped
    ungrouped = joint_space(group=False)
    assert not (RATE_NAMES & ungrouped) and "optimizer" in ungrouped


# -- the tabular MLP space ------------------------------------------------------------------
MLP_PARAMS = {
    "num_layers_hidden",
    "first_hidden_layer_nodes",
    "activation",
    "hidden_dropout",
    "batch_normalization",
    "optimizer",
    "lr_schedule",
    "batch_size",
}


@pytest.mark.parametrize("seed", range(5))
def test_tabular_space_suggests_an_mlp_and_round_trips(seed):
    config, params = _suggest("tabular", seed=seed)
    assert set(params) - RATE_NAMES == MLP_PARAMS and len(RATE_NAMES & set(params)) == 1
    assert 1 <= config.num_layers_hidden <= 3
    assert config.first_hidden_layer_nodes in (32, 64, 128, 256)
    assert config.activation in ("relu", "elu", "gelu", "swish")
    assert 0.0 <= config.hidden_dropout <= 0.5
    assert all(getattr(config, name) == value for name, value in _as_config_fields(params).items())
    defaults = ModelConfig()
    assert (config.num_layers_conv, config.lstm_units) == (
        defaults.num_layers_conv,
        defaults.lstm_units,
    )
    again = HyperparameterSelector("tabular").suggest(optuna.trial.FixedTrial(params))
    assert again == config
