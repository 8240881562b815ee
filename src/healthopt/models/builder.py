"""ModelBuilder: builds and compiles the Keras model a ModelConfig describes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

import keras
import numpy as np

from healthopt.config import ModelConfig
from healthopt.data import IMAGE, TABULAR, TEXT, Dataset

# Pool only while the feature map stays at least this wide, so 8x8 digits survive 3 blocks.
_MIN_POOLED_SIZE = 4
_MIN_HIDDEN_NODES = 8
# Every decaying schedule ends the trial at 1% of its initial rate, so the three differ only in
# the path they take (smooth cosine, two steps, geometric) and the last epochs still learn.
FINAL_LR_FRACTION = 0.01
# "step": the rate drops 10x at half and again at three quarters of the trial's steps
# (the ResNet-style two-drop schedule), ending at FINAL_LR_FRACTION.
STEP_BOUNDARIES = (0.5, 0.75)
STEP_FACTOR = 0.1


@dataclass(frozen=True)
class InputSpec:
    """What the builder must know about the data: shape, classes, modality, vocabulary, and
    for tabular data the train split's per-feature mean and variance (the MLP's Normalization
    layer holds them, so the saved model takes raw features)."""

    shape: tuple[int, ...]
    num_classes: int
    modality: str
    vocabulary_size: int = 0
    feature_mean: tuple[float, ...] | None = None
    feature_variance: tuple[float, ...] | None = None

    @classmethod
    def for_dataset(cls, dataset: Dataset) -> InputSpec:
        """The spec of `dataset`; tabular statistics come from its train split only, so
        nothing about the validation or test samples reaches the model."""
        if dataset.modality != TABULAR:
            vocabulary = dataset.vocabulary_size if dataset.modality == TEXT else 0
            return cls(dataset.input_shape, dataset.num_classes, dataset.modality, vocabulary)
        train = np.asarray(dataset.train.x, dtype=np.float64)
        variance = train.var(axis=0)
        # A feature constant over train (a category train never shows) would be divided by
        # Keras' epsilon and blow up where it varies; with variance 1 it is only centred.
        variance[variance == 0.0] = 1.0
        return cls(
            dataset.input_shape,
            dataset.num_classes,
            TABULAR,
            feature_mean=tuple(float(v) for v in train.mean(axis=0)),
            feature_variance=tuple(float(v) for v in variance),
        )


LearningRate: TypeAlias = float | keras.optimizers.schedules.LearningRateSchedule


def training_steps(epochs: int, samples: int, batch_size: int) -> int:
    """How many optimizer steps `model.fit` takes: one per batch, the last batch partial."""
    return epochs * math.ceil(samples / batch_size)


def make_learning_rate(config: ModelConfig, total_steps: int | None) -> LearningRate:
    """The config's learning rate as Keras takes it: a float for "constant", otherwise a
    schedule from `config.learning_rate` that decays over `total_steps` optimizer steps.

    With `total_steps` None the length of training is unknown, and a schedule fitted to a
    guessed length would either decay too early or never finish, so the rate stays constant.
    """
    if total_steps is not None and total_steps < 1:
        raise ValueError(f"total_steps must be at least 1 (got {total_steps})")
    initial = config.learning_rate
    if config.lr_schedule == "constant" or total_steps is None:
        return initial
    schedules = keras.optimizers.schedules
    if config.lr_schedule == "cosine":
        return schedules.CosineDecay(initial, total_steps, alpha=FINAL_LR_FRACTION)
    if config.lr_schedule == "exponential":
        return schedules.ExponentialDecay(initial, total_steps, decay_rate=FINAL_LR_FRACTION)
    if config.lr_schedule == "step":
        # Keras keeps values[i] up to and including boundaries[i], so a drop that takes effect
        # at step b (after b updates) needs the boundary b - 1.
        boundaries = [max(0, int(total_steps * share) - 1) for share in STEP_BOUNDARIES]
        values = [initial * STEP_FACTOR**i for i in range(len(boundaries) + 1)]
        return schedules.PiecewiseConstantDecay(boundaries, values)
    raise ValueError(f"unknown lr_schedule {config.lr_schedule!r}")


def make_optimizer(
    config: ModelConfig, total_steps: int | None = None
) -> keras.optimizers.Optimizer:
    """The Keras optimizer a config names, with its learning rate (or schedule) and, for SGD,
    its momentum."""
    learning_rate = make_learning_rate(config, total_steps)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=config.momentum)
    classes = {
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "rmsprop": keras.optimizers.RMSprop,
    }
    return classes[config.optimizer](learning_rate=learning_rate)


class ModelBuilder:
    """CNN for images and (Bi)LSTM for token sequences, both with the same dense head; for
    tabular features an MLP behind a Normalization layer fixed to the train split's statistics.

    `total_steps` is how many optimizer steps the model will train for (epochs x batches per
    epoch); a decaying `lr_schedule` spans exactly that. Left None, the learning rate is
    constant whatever the schedule, since a schedule cannot be fitted to an unknown length.
    """

    def __init__(
        self, config: ModelConfig, inputs: InputSpec, *, total_steps: int | None = None
    ) -> None:
        if inputs.modality not in (IMAGE, TEXT, TABULAR):
            raise ValueError(f"unknown modality {inputs.modality!r}")
        if inputs.modality == TEXT and inputs.vocabulary_size < 2:
            raise ValueError("text inputs need a vocabulary_size of at least 2")
        if inputs.modality == TABULAR:
            _check_statistics(inputs)
        self.config = config
        self.inputs = inputs
        self.total_steps = total_steps

    def build(self) -> keras.Model:
        inputs = keras.Input(shape=self.inputs.shape, name="inputs")
        if self.inputs.modality == TABULAR:
            hidden = self._mlp(inputs)
        elif self.inputs.modality == IMAGE:
            hidden = self._head(self._cnn(inputs))
        else:
            hidden = self._head(self._lstm(inputs))
        outputs = keras.layers.Dense(
            self.inputs.num_classes, activation="softmax", name="predictions"
        )(hidden)
        model = keras.Model(inputs, outputs, name=f"healthopt_{self.inputs.modality}")
        model.compile(
            optimizer=make_optimizer(self.config, self.total_steps),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def _cnn(self, x):
        cfg = self.config
        size = min(self.inputs.shape[:2])
        for i in range(cfg.num_layers_conv):
            x = keras.layers.Conv2D(
                cfg.filters_per_conv_layer,
                cfg.kernel_size,
                padding="same",
                use_bias=not cfg.batch_normalization,
                name=f"conv_{i}",
            )(x)
            if cfg.batch_normalization:
                x = keras.layers.BatchNormalization(name=f"conv_{i}_bn")(x)
            x = keras.layers.Activation(cfg.activation, name=f"conv_{i}_act")(x)
            if size >= _MIN_POOLED_SIZE:
                x = keras.layers.MaxPooling2D(2, name=f"conv_{i}_pool")(x)
                size //= 2
            if cfg.conv_dropout > 0:
                x = keras.layers.Dropout(cfg.conv_dropout, name=f"conv_{i}_dropout")(x)
        if cfg.use_global_pooling:
            return keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
        return keras.layers.Flatten(name="flatten")(x)

    def _lstm(self, x):
        cfg = self.config
        x = keras.layers.Embedding(
            self.inputs.vocabulary_size, cfg.embedding_dim, mask_zero=True, name="embedding"
        )(x)
        lstm = keras.layers.LSTM(cfg.lstm_units, name="lstm")
        if cfg.use_bidirectional:
            return keras.layers.Bidirectional(lstm, name="bidirectional_lstm")(x)
        return lstm(x)

    def _mlp(self, x):
        """Normalization with the train statistics, then Dense blocks halving in width."""
        cfg = self.config
        x = keras.layers.Normalization(
            mean=np.asarray(self.inputs.feature_mean, dtype=np.float32),
            variance=np.asarray(self.inputs.feature_variance, dtype=np.float32),
            name="normalization",
        )(x)
        nodes = cfg.first_hidden_layer_nodes
        for i in range(cfg.num_layers_hidden):
            x = keras.layers.Dense(nodes, use_bias=not cfg.batch_normalization, name=f"dense_{i}")(
                x
            )
            if cfg.batch_normalization:
                x = keras.layers.BatchNormalization(name=f"dense_{i}_bn")(x)
            x = keras.layers.Activation(cfg.activation, name=f"dense_{i}_act")(x)
            if cfg.hidden_dropout > 0:
                x = keras.layers.Dropout(cfg.hidden_dropout, name=f"dense_{i}_dropout")(x)
            nodes = max(_MIN_HIDDEN_NODES, nodes // 2)
        return x

    def _head(self, x):
        cfg = self.config
        nodes = cfg.first_hidden_layer_nodes
        for i in range(cfg.num_layers_hidden):
            x = keras.layers.Dense(nodes, activation=cfg.activation, name=f"dense_{i}")(x)
            if cfg.hidden_dropout > 0:
                x = keras.layers.Dropout(cfg.hidden_dropout, name=f"dense_{i}_dropout")(x)
            nodes = max(_MIN_HIDDEN_NODES, nodes // 2)
        return x


def _check_statistics(inputs: InputSpec) -> None:
    """Tabular inputs need one train mean and one positive variance per feature."""
    if inputs.feature_mean is None or inputs.feature_variance is None:
        raise ValueError(
            "tabular inputs need the train split's feature_mean and feature_variance: build "
            "the InputSpec with InputSpec.for_dataset(dataset)"
        )
    if len(inputs.shape) != 1:
        raise ValueError(f"tabular inputs must be shaped (features,), got {inputs.shape}")
    features = inputs.shape[0]
    if len(inputs.feature_mean) != features or len(inputs.feature_variance) != features:
        raise ValueError(
            f"tabular inputs have {features} features but {len(inputs.feature_mean)} means and "
            f"{len(inputs.feature_variance)} variances"
        )
    if min(inputs.feature_variance, default=1.0) <= 0.0:
        raise ValueError("tabular feature variances must be positive")
