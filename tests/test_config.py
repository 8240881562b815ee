from __future__ import annotations

import pytest

from healthopt.config import (
    HEALTH_COMPONENTS,
    ConfigError,
    ModelConfig,
    OptimizationConfig,
    ScoringWeights,
)


def test_defaults_are_valid_and_split_seed_follows_seed():
    config = OptimizationConfig(seed=7)
    assert config.dataset_name == "digits"
    assert config.split_seed == 7
    assert OptimizationConfig(seed=7, split_seed=3).split_seed == 3


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"trials": -1}, "trials must be an integer in [1, 100000]"),
        ({"trials": 0}, "trials"),
        ({"trials": 2.5}, "trials"),
        ({"max_epochs_per_trial": 0}, "max_epochs_per_trial"),
        ({"mode": "fast"}, "mode must be one of simple, health-aware"),
        ({"concurrent_workers": 0}, "concurrent_workers"),
        ({"plot_generation": "some"}, "plot_generation must be one of all, best, none"),
        ({"seed": -3}, "seed"),
        ({"run_name": "../escape"}, "run_name"),
        ({"run_name": "has space"}, "run_name"),
        ({"timeout_seconds": -1.0}, "timeout_seconds"),
        ({"dataset_name": "no_such_set"}, "unknown dataset 'no_such_set'"),
        ({"dataset_name": "npz:/does/not/exist.npz"}, "dataset file not found"),
        ({"sampler": "bayes"}, "sampler must be one of tpe, random, gp, cmaes"),
        ({"pruner": "asha"}, "pruner must be one of auto, none, median"),
        ({"health_pruning": "yes"}, "health_pruning must be a boolean"),
        ({"chance_patience_epochs": 0}, "chance_patience_epochs must be an integer in [1, 10000]"),
    ],
)
def test_invalid_run_settings_name_the_field(kwargs, names):
    with pytest.raises(ConfigError) as info:
        OptimizationConfig(**kwargs)
    assert names in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"num_layers_conv": 0}, "num_layers_conv must be an integer in [1, 6]"),
        ({"activation": "sigmoidish"}, "activation must be one of"),
        ({"optimizer": "adagrad"}, "optimizer must be one of"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"hidden_dropout": 0.95}, "hidden_dropout must be a number in [0.0, 0.9]"),
        ({"use_bidirectional": "yes"}, "use_bidirectional must be a boolean"),
        ({"optimizer": "sgd", "momentum": 1.0}, "momentum must be a number in [0.0, 0.999]"),
        ({"optimizer": "adam", "momentum": 0.9}, "momentum must be 0 unless optimizer is 'sgd'"),
        (
            {"lr_schedule": "linear"},
            "lr_schedule must be one of constant, cosine, step, exponential",
        ),
    ],
)
def test_invalid_model_settings_name_the_field(kwargs, names):
    with pytest.raises(ConfigError) as info:
        ModelConfig(**kwargs)
    assert names in str(info.value)


def test_model_config_round_trips_and_rejects_unknown_keys():
    config = ModelConfig(num_layers_conv=3, learning_rate=0.01)
    assert ModelConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown ModelConfig fields: colour"):
        ModelConfig.from_dict({"colour": "red"})
    sgd = ModelConfig(optimizer="sgd", learning_rate=0.05, momentum=0.9, lr_schedule="cosine")
    assert ModelConfig.from_dict(sgd.to_dict()) == sgd
    before = {k: v for k, v in sgd.to_dict().items() if k not in ("momentum", "lr_schedule")}
    old = ModelConfig.from_dict(before)  # written before momentum and schedules existed
    assert (old.momentum, old.lr_schedule) == (0.0, "constant")


def test_scoring_weights_must_sum_to_one():
    with pytest.raises(ConfigError, match="accuracy_weight \\+ health_weight must be 1"):
        ScoringWeights(accuracy_weight=0.7, health_weight=0.4)
    with pytest.raises(ConfigError, match="accuracy_weight must be a number in"):
        ScoringWeights(accuracy_weight=1.2, health_weight=-0.2)
    uneven = {name: 0.1 for name in HEALTH_COMPONENTS}
    with pytest.raises(ConfigError, match="sum of health_components must be 1"):
        ScoringWeights(accuracy_weight=0.7, health_weight=0.3, health_components=uneven)
    with pytest.raises(ConfigError, match="health_components must be keys from"):
        ScoringWeights(health_components={"beauty": 1.0})
    ScoringWeights(accuracy_weight=0.7, health_weight=0.3)


def test_simple_mode_scores_accuracy_only():
    weights = ScoringWeights(accuracy_weight=0.7, health_weight=0.3)
    with pytest.raises(ConfigError, match="1.0 in simple mode"):
        OptimizationConfig(mode="simple", scoring_weights=weights)
    assert OptimizationConfig(mode="health-aware", scoring_weights=weights)


def test_optimization_config_round_trips_through_dict():
    config = OptimizationConfig(
        trials=3, run_name="abc", scoring_weights=ScoringWeights(0.7, 0.3), mode="health-aware"
    )
    assert OptimizationConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown OptimizationConfig fields: speed"):
        OptimizationConfig.from_dict({"speed": 1})
