"""Build a user's hypermodel: call `build(hp)`, check the model fits the data, compile it.

The orchestrator calls `build_checked` once per trial to draw the trial's values (define-by-run
needs the build to run) and to fail a trial whose model cannot train before any worker gets it;
the worker calls `build_for_training` with a replaying `hp` and gets the model it trains.
"""

from __future__ import annotations

from typing import Any

import keras

from healthopt.config import ModelConfig
from healthopt.hypermodel.entry_points import Build
from healthopt.hypermodel.hyperparameters import DataShape, HypermodelError, HyperParameters
from healthopt.models.builder import make_optimizer

LOSS = "sparse_categorical_crossentropy"  # the integer labels every healthopt dataset has
# Layers whose output is a probability distribution over the classes.
_PROBABILITY_ACTIVATIONS = ("softmax",)


def build_checked(build: Build, hp: HyperParameters, data: DataShape) -> keras.Model:
    """`build(hp)`'s model, refused with the reason when it cannot train on `data`."""
    try:
        model = build(hp)
    except HypermodelError:
        raise
    except Exception as exc:
        raise HypermodelError(f"build(hp) raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(model, keras.Model):
        raise HypermodelError(f"build(hp) must return a keras.Model (got {type(model).__name__})")
    _check_inputs(model, data)
    _check_outputs(model, data)
    return model


def is_compiled(model: keras.Model) -> bool:
    return bool(getattr(model, "compiled", False)) and model.optimizer is not None


def build_for_training(
    build: Build,
    hp: HyperParameters,
    data: DataShape,
    training: ModelConfig,
    total_steps: int | None,
) -> keras.Model:
    """The model a worker trains: built, checked, and compiled with the drawn optimizer when
    the build left it uncompiled. A model the build compiled keeps its optimizer and loss; its
    metrics become accuracy alone, the one healthopt's records and evaluation read."""
    model = build_checked(build, hp, data)
    if is_compiled(model):
        model.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"])
    else:
        model.compile(
            optimizer=make_optimizer(training, total_steps), loss=LOSS, metrics=["accuracy"]
        )
    return model


def _check_inputs(model: keras.Model, data: DataShape) -> None:
    if len(model.inputs) != 1:
        raise HypermodelError(
            f"the model takes {len(model.inputs)} inputs; healthopt feeds one array of samples"
        )
    expected = _shape(model.inputs[0].shape)[1:]
    given = tuple(data.input_shape)
    fits = len(expected) == len(given) and all(
        e is None or e == g for e, g in zip(expected, given, strict=True)
    )
    if not fits:
        raise HypermodelError(
            f"the model's input shape is {_show(expected)} but the data's samples are "
            f"{_show(given)}: build keras.Input(shape=hp.input_shape)"
        )


def _check_outputs(model: keras.Model, data: DataShape) -> None:
    if len(model.outputs) != 1:
        raise HypermodelError(
            f"the model has {len(model.outputs)} outputs; healthopt needs one, the class "
            "probabilities"
        )
    shape = _shape(model.outputs[0].shape)
    if len(shape) != 2 or shape[-1] != data.num_classes:
        raise HypermodelError(
            f"the model's output shape is {_show(shape[1:])} but the labels have "
            f"{data.num_classes} classes: end with "
            "keras.layers.Dense(hp.num_classes, activation='softmax')"
        )
    activation = _final_activation(model)
    if activation is not None and activation not in _PROBABILITY_ACTIVATIONS:
        raise HypermodelError(
            f"the model's last layer has activation {activation!r}; healthopt reads the output "
            "as class probabilities (its loss, calibration and health need them): use "
            "activation='softmax'"
        )


def _final_activation(model: keras.Model) -> str | None:
    """The last layer's activation name; None when it has none to read (a Softmax layer,
    a nested model): those are trusted."""
    last: Any = model.layers[-1] if model.layers else None
    if last is None or type(last).__name__ == "Softmax":
        return None
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", None) if activation is not None else None


def _shape(shape: Any) -> tuple[int | None, ...]:
    return tuple(None if d is None else int(d) for d in shape)


def _show(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
