"""A user's own builds, as a user's package would hold them; tests import this by entry point
("user_hypermodels:build"), with this folder on sys.path (and PYTHONPATH for other processes).

Not a test module: pytest collects only test_*.py.
"""

from __future__ import annotations

from pathlib import Path

import keras

FOLDER = Path(__file__).resolve().parent


def build(hp) -> keras.Model:
    """A small residual network with a hyperparameter the built-in space lacks: the number of
    residual blocks. Left uncompiled: healthopt compiles it with the optimizer it searches."""
    width = hp.Choice("width", [16, 32])
    blocks = hp.Int("residual_blocks", 1, 3)
    inputs = keras.Input(shape=hp.input_shape)
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(width, activation="relu", name="stem")(x)
    for i in range(blocks):
        y = keras.layers.Dense(width, activation="relu", name=f"block_{i}_dense")(x)
        x = keras.layers.Add(name=f"block_{i}_add")([x, y])
    if hp.Boolean("dropout"):
        with hp.conditional_scope("dropout", [True]):
            x = keras.layers.Dropout(hp.Float("dropout_rate", 0.1, 0.4))(x)
    outputs = keras.layers.Dense(hp.num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="residual_mlp")


def build_compiled(hp) -> keras.Model:
    """A build that compiles its own model (SGD, an extra metric) and fixes its batch size."""
    hp.Fixed("batch_size", 48)
    inputs = keras.Input(shape=hp.input_shape)
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(hp.Int("units", 8, 16, step=8), activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(hp.num_classes, activation="softmax")(x))
    model.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", "mae"],
    )
    return model


def build_sometimes_broken(hp) -> keras.Model:
    """Raises for one value of its parameter: that trial fails, the others train."""
    if hp.Choice("shape", ["fine", "broken"]) == "broken":
        raise ValueError("this architecture does not exist")
    return build(hp)


def build_wrong_output(hp) -> keras.Model:
    inputs = keras.Input(shape=hp.input_shape)
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


def build_logits(hp) -> keras.Model:
    inputs = keras.Input(shape=hp.input_shape)
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(hp.num_classes)(x))


def build_wrong_input(hp) -> keras.Model:
    inputs = keras.Input(shape=(5,))
    return keras.Model(inputs, keras.layers.Dense(hp.num_classes, activation="softmax")(inputs))


def build_not_a_model(hp):
    return "a model"


def build_with_dead_layer(hp) -> keras.Model:
    """A digits CNN with one layer made dead on purpose: a bias of -50 keeps every ReLU unit
    of `dead` at zero for any input, so no gradient reaches it or the layers before it. A
    second branch (`side`) still learns, so the model trains. Layer monitoring's test."""
    hp.Fixed("batch_size", 64)
    hp.Fixed("optimizer", "adam")
    hp.Fixed("learning_rate", 0.003)
    hp.Fixed("lr_schedule", "constant")
    inputs = keras.Input(shape=hp.input_shape)
    x = keras.layers.Conv2D(hp.Int("filters", 8, 8), 3, activation="relu", name="conv")(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(32, activation="relu", name="hidden")(x)
    dead = keras.layers.Dense(
        16, activation="relu", name="dead", bias_initializer=keras.initializers.Constant(-50.0)
    )(x)
    side = keras.layers.Dense(16, activation="tanh", name="side")(keras.layers.Flatten()(inputs))
    x = keras.layers.Concatenate()([dead, side])
    outputs = keras.layers.Dense(hp.num_classes, activation="softmax", name="out")(x)
    return keras.Model(inputs, outputs, name="dead_layer_cnn")
