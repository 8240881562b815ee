from __future__ import annotations

import optuna
import pytest

from healthopt.config import ModelConfig
from healthopt.models.search_space import HyperparameterSelector

CNN_ONLY = {
    "num_layers_conv",
    "filters_per_conv_layer",
    "kernel_size",
    "use_global_pooling",
    "batch_normalization",
    "conv_dropout",
}
LSTM_ONLY = {"embedding_dim", "lstm_units", "use_bidirectional"}


def _suggest(modality: str, seed: int = 0):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    trial = study.ask()
    return HyperparameterSelector(modality).suggest(trial), trial.params


def test_image_space_suggests_cnn_fields_only():
    config, params = _suggest("image")
    assert isinstance(config, ModelConfig)
    assert CNN_ONLY <= set(params) and not (LSTM_ONLY & set(params))
    assert all(getattr(config, name) == value for name, value in params.items())
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
