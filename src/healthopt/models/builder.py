"""ModelBuilder: builds and compiles the Keras model a ModelConfig describes."""

from __future__ import annotations

from dataclasses import dataclass

import keras

from healthopt.config import ModelConfig
from healthopt.data import IMAGE, TEXT

# Pool only while the feature map stays at least this wide, so 8x8 digits survive 3 blocks.
_MIN_POOLED_SIZE = 4
_MIN_HIDDEN_NODES = 8


@dataclass(frozen=True)
class InputSpec:
    """What the builder must know about the data: shape, classes, modality, vocabulary."""

    shape: tuple[int, ...]
    num_classes: int
    modality: str
    vocabulary_size: int = 0


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    classes = {
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }
    return classes[name](learning_rate=learning_rate)


class ModelBuilder:
    """CNN for images, (Bi)LSTM for token sequences, both with the same dense head."""

    def __init__(self, config: ModelConfig, inputs: InputSpec) -> None:
        if inputs.modality not in (IMAGE, TEXT):
            raise ValueError(f"unknown modality {inputs.modality!r}")
        if inputs.modality == TEXT and inputs.vocabulary_size < 2:
            raise ValueError("text inputs need a vocabulary_size of at least 2")
        self.config = config
        self.inputs = inputs

    def build(self) -> keras.Model:
        inputs = keras.Input(shape=self.inputs.shape, name="inputs")
        features = self._cnn(inputs) if self.inputs.modality == IMAGE else self._lstm(inputs)
        outputs = keras.layers.Dense(
            self.inputs.num_classes, activation="softmax", name="predictions"
        )(self._head(features))
        model = keras.Model(inputs, outputs, name=f"healthopt_{self.inputs.modality}")
        model.compile(
            optimizer=make_optimizer(self.config.optimizer, self.config.learning_rate),
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

    def _head(self, x):
        cfg = self.config
        nodes = cfg.first_hidden_layer_nodes
        for i in range(cfg.num_layers_hidden):
            x = keras.layers.Dense(nodes, activation=cfg.activation, name=f"dense_{i}")(x)
            if cfg.hidden_dropout > 0:
                x = keras.layers.Dropout(cfg.hidden_dropout, name=f"dense_{i}_dropout")(x)
            nodes = max(_MIN_HIDDEN_NODES, nodes // 2)
        return x
