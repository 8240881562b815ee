"""HyperparameterSelector: turns an Optuna trial into a ModelConfig for the data's modality.

Only the hyperparameters that matter for the modality are suggested; everything else keeps
its `ModelConfig` default, so the recorded Optuna params are exactly what was searched.
This module never imports TensorFlow: it runs in the orchestrator.
"""

from __future__ import annotations

from typing import Protocol

from healthopt.config import ModelConfig
from healthopt.data import IMAGE, TEXT


class SuggestsParameters(Protocol):
    """The part of `optuna.trial.Trial` the selector uses (a FixedTrial satisfies it too)."""

    def suggest_int(self, name: str, low: int, high: int) -> int: ...
    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float: ...
    def suggest_categorical(self, name: str, choices: list): ...


class HyperparameterSelector:
    """The search space of seed 002: a CNN space for images, an LSTM space for text."""

    def __init__(self, modality: str) -> None:
        if modality not in (IMAGE, TEXT):
            raise ValueError(f"modality must be {IMAGE!r} or {TEXT!r} (got {modality!r})")
        self.modality = modality

    def suggest(self, trial: SuggestsParameters) -> ModelConfig:
        params = self._suggest_cnn(trial) if self.modality == IMAGE else self._suggest_lstm(trial)
        params.update(self._suggest_head_and_training(trial))
        return ModelConfig(**params)

    @staticmethod
    def _suggest_cnn(trial: SuggestsParameters) -> dict:
        return {
            "num_layers_conv": trial.suggest_int("num_layers_conv", 1, 3),
            "filters_per_conv_layer": trial.suggest_categorical(
                "filters_per_conv_layer", [16, 32, 64]
            ),
            "kernel_size": trial.suggest_categorical("kernel_size", [3, 5]),
            "activation": trial.suggest_categorical(
                "activation", ["relu", "elu", "gelu", "swish", "leaky_relu"]
            ),
            "use_global_pooling": trial.suggest_categorical("use_global_pooling", [False, True]),
            "batch_normalization": trial.suggest_categorical("batch_normalization", [False, True]),
            "conv_dropout": trial.suggest_float("conv_dropout", 0.0, 0.4),
        }

    @staticmethod
    def _suggest_lstm(trial: SuggestsParameters) -> dict:
        return {
            "embedding_dim": trial.suggest_categorical("embedding_dim", [32, 64, 128]),
            "lstm_units": trial.suggest_categorical("lstm_units", [16, 32, 64]),
            "use_bidirectional": trial.suggest_categorical("use_bidirectional", [False, True]),
            "activation": trial.suggest_categorical("activation", ["relu", "tanh", "gelu"]),
        }

    @staticmethod
    def _suggest_head_and_training(trial: SuggestsParameters) -> dict:
        return {
            "num_layers_hidden": trial.suggest_int("num_layers_hidden", 0, 2),
            "first_hidden_layer_nodes": trial.suggest_categorical(
                "first_hidden_layer_nodes", [32, 64, 128, 256]
            ),
            "hidden_dropout": trial.suggest_float("hidden_dropout", 0.0, 0.5),
            "optimizer": trial.suggest_categorical("optimizer", ["adam", "rmsprop", "sgd"]),
            "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-2, log=True),
            "batch_size": trial.suggest_categorical("batch_size", [32, 64]),
        }
