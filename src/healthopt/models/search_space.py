"""HyperparameterSelector: turns an Optuna trial into a ModelConfig for the data's modality.

Only the hyperparameters that matter for the modality are suggested; everything else keeps
its `ModelConfig` default or follows from a searched value (SGD's fixed momentum follows from
`optimizer`), so the recorded Optuna params reproduce the config exactly.
The learning rate's range depends on the optimizer, and each optimizer's rate has its own
parameter name (`adam_learning_rate`, ...), so the space is conditional: a multivariate TPE
with `group=True` models each optimizer's rates apart instead of mixing scales. The README's
"Why the search space is what it is" gives the measurements behind each range.
This module never imports TensorFlow: it runs in the orchestrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from healthopt.config import LR_SCHEDULES, ModelConfig
from healthopt.data import IMAGE, TABULAR, TEXT


@dataclass(frozen=True)
class LearningRateRange:
    """The log-uniform range searched for one optimizer's learning rate."""

    low: float
    high: float

    @staticmethod
    def param_name(optimizer: str) -> str:
        return f"{optimizer}_learning_rate"


# Measured on digits (default architecture, batch 32, constant rate; best val accuracy after
# 3 / 10 epochs, mean of 2 seeds); the README's "Why the search space is what it is" has them.
LEARNING_RATES = {
    # Adam: 1e-4 reaches 0.26 in 3 epochs, 3e-4 0.65 / 0.90 (kept: longer budgets and larger
    # data favour lower rates); 3e-3 and 1e-2 are best (0.95-0.96 / 0.98); 3e-2 starts to
    # diverge on some seeds (0.85 / 0.94).
    "adam": LearningRateRange(3e-4, 1e-2),
    # RMSprop tracks Adam at every rate measured: 3e-4 0.61 / 0.88, 1e-2 0.95 / 0.99, then
    # worse and noisier above (2e-2 0.92 / 0.97, 3e-2 0.74 / 0.95).
    "rmsprop": LearningRateRange(3e-4, 1e-2),
    # SGD with momentum 0.9 steps about lr / (1 - 0.9) = 10 lr, hence a higher range:
    # 3e-3 is slow (0.34 in 3 epochs), 1e-2 to 0.1 good (0.68-0.94 / 0.95-0.98), 0.2 unstable
    # at a constant rate (0.80) but 0.99 with exponential decay, 0.3 diverges (0.31).
    "sgd": LearningRateRange(1e-2, 0.2),
}
# AdamW is left out (not measured): it is Adam plus decoupled weight decay, a regularizer that
# matters little over a few epochs on small data where dropout is already searched, while one
# more optimizer choice costs a small budget trials. `ModelConfig(optimizer="adamw")` still builds.
SEARCHED_OPTIMIZERS = tuple(LEARNING_RATES)
BATCH_SIZES = (32, 64)
# SGD's momentum is fixed, not searched: lr and momentum trade off (the step is about
# lr / (1 - momentum)), and at lr 3e-2 momentum 0.8, 0.9 and 0.95 all reach 0.97-0.98 in 10
# epochs (0.99: 0.88), so a searched momentum spends trials on a flat ridge. 0.9 is the usual
# value; without momentum, SGD at 1e-2 reaches 0.17 in 3 epochs instead of 0.68.
SGD_MOMENTUM = 0.9


class SuggestsParameters(Protocol):
    """The part of `optuna.trial.Trial` the selector uses (a FixedTrial satisfies it too)."""

    def suggest_int(self, name: str, low: int, high: int) -> int: ...
    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float: ...
    def suggest_categorical(self, name: str, choices: list): ...


# The MLP's activations: the CNN's smooth and rectified ones; leaky_relu adds little to elu.
MLP_ACTIVATIONS = ["relu", "elu", "gelu", "swish"]


class HyperparameterSelector:
    """The search space of seed 002: a CNN space for images, an LSTM space for text, and
    an MLP space for tabular features."""

    def __init__(self, modality: str) -> None:
        if modality not in (IMAGE, TEXT, TABULAR):
            raise ValueError(
                f"modality must be {IMAGE!r} or {TEXT!r} or {TABULAR!r} (got {modality!r})"
            )
        self.modality = modality

    def suggest(self, trial: SuggestsParameters) -> ModelConfig:
        if self.modality == TABULAR:
            return ModelConfig(**self._suggest_mlp(trial))
        params = self._suggest_cnn(trial) if self.modality == IMAGE else self._suggest_lstm(trial)
        params.update(self._suggest_head_and_training(trial))
        return ModelConfig(**params)

    @staticmethod
    def _suggest_mlp(trial: SuggestsParameters) -> dict:
        """The MLP is all hidden layers: at least one, so it is more than logistic regression."""
        return {
            "num_layers_hidden": trial.suggest_int("num_layers_hidden", 1, 3),
            "first_hidden_layer_nodes": trial.suggest_categorical(
                "first_hidden_layer_nodes", [32, 64, 128, 256]
            ),
            "activation": trial.suggest_categorical("activation", MLP_ACTIVATIONS),
            "hidden_dropout": trial.suggest_float("hidden_dropout", 0.0, 0.5),
            "batch_normalization": trial.suggest_categorical("batch_normalization", [False, True]),
            **HyperparameterSelector._suggest_training(trial),
        }

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
            **HyperparameterSelector._suggest_training(trial),
        }

    @staticmethod
    def _suggest_training(trial: SuggestsParameters) -> dict:
        """Optimizer, learning rate, schedule and batch size: the same for every modality."""
        return {
            **HyperparameterSelector._suggest_optimizer(trial),
            # Decays span the trial's own steps (`models.builder.make_learning_rate`).
            "lr_schedule": trial.suggest_categorical("lr_schedule", list(LR_SCHEDULES)),
            "batch_size": trial.suggest_categorical("batch_size", list(BATCH_SIZES)),
        }

    @staticmethod
    def _suggest_optimizer(trial: SuggestsParameters) -> dict:
        """The optimizer, then a learning rate under that optimizer's own name and range."""
        optimizer = trial.suggest_categorical("optimizer", list(SEARCHED_OPTIMIZERS))
        rates = LEARNING_RATES[optimizer]
        learning_rate = trial.suggest_float(
            LearningRateRange.param_name(optimizer), rates.low, rates.high, log=True
        )
        momentum = SGD_MOMENTUM if optimizer == "sgd" else 0.0
        return {"optimizer": optimizer, "learning_rate": learning_rate, "momentum": momentum}
