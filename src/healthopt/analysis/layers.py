"""Keras models in, neutral records out: the only analysis module that imports TensorFlow.

Every other analysis reads `WeightRecord`s and `LayerOutput`s (numpy arrays), so it can be
tested on crafted arrays and imported without TensorFlow. This module also runs a model
where an analysis needs it to (probabilities, per-layer outputs) and writes modified weights
back into a clone (SVD smoothing).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from healthopt.analysis.records import LayerOutput, WeightRecord

# Layers that pass their input through unchanged at inference: their output says nothing new.
_PASSTHROUGH = (
    keras.layers.InputLayer,
    keras.layers.Dropout,
    keras.layers.SpatialDropout1D,
    keras.layers.SpatialDropout2D,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.Flatten,
    keras.layers.Reshape,
)


class ModelLoadError(ValueError):
    """A model file is missing, not a Keras model, or cannot be read."""


@dataclass(frozen=True)
class _Tensor:
    """Where one weight tensor lives, so records can be read and replaced the same way."""

    layer: str
    layer_index: int
    kind: str
    role: str
    variable: Any
    bias: Any


def _kind(layer: keras.layers.Layer) -> str | None:
    # Order matters only for subclasses; Conv1D and Conv2D share a base, not each other.
    if isinstance(layer, keras.layers.Dense):
        return "dense"
    if isinstance(layer, keras.layers.Conv2D):
        return "conv2d"
    if isinstance(layer, keras.layers.Conv1D):
        return "conv1d"
    if isinstance(layer, keras.layers.Embedding):
        return "embedding"
    if isinstance(layer, keras.layers.LSTM):
        return "lstm"
    if isinstance(layer, keras.layers.GRU):
        return "gru"
    return None


def _flat_layers(model: keras.Model) -> Iterator[tuple[str, keras.layers.Layer]]:
    """Every leaf layer in order, nested models flattened, Bidirectional split in two."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)
        elif isinstance(layer, keras.layers.Bidirectional):
            yield f"{layer.name}/{layer.forward_layer.name}", layer.forward_layer
            yield f"{layer.name}/{layer.backward_layer.name}", layer.backward_layer
        else:
            yield layer.name, layer


def _tensors(model: keras.Model) -> Iterator[_Tensor]:
    index = -1
    for name, layer in _flat_layers(model):
        index += 1
        kind = _kind(layer)
        if kind is None:
            continue
        if kind == "embedding":
            yield _Tensor(name, index, kind, "embeddings", layer.embeddings, None)
        elif kind in ("lstm", "gru"):
            cell = layer.cell
            bias = cell.bias if cell.use_bias else None
            yield _Tensor(name, index, kind, "kernel", cell.kernel, bias)
            yield _Tensor(name, index, kind, "recurrent_kernel", cell.recurrent_kernel, None)
        else:
            bias = layer.bias if layer.use_bias else None
            yield _Tensor(name, index, kind, "kernel", layer.kernel, bias)


def _numpy(variable: Any) -> np.ndarray:
    return np.asarray(variable.numpy(), dtype=np.float32)


def weight_records(model: keras.Model) -> list[WeightRecord]:
    """One record per weight tensor the analyses know (Dense, Conv1D/2D, Embedding, LSTM, GRU)."""
    return [
        WeightRecord(
            layer=t.layer,
            layer_index=t.layer_index,
            kind=t.kind,
            role=t.role,
            weights=_numpy(t.variable),
            bias=None if t.bias is None else _numpy(t.bias),
        )
        for t in _tensors(model)
    ]


def input_count(model: keras.Model) -> int:
    return len(model.inputs)


def _output_layers(model: keras.Model) -> list[tuple[int, keras.layers.Layer]]:
    return [
        (index, layer)
        for index, layer in enumerate(model.layers)
        if not isinstance(layer, _PASSTHROUGH)
    ]


def layer_outputs(
    model: keras.Model,
    x: np.ndarray,
    *,
    max_layers: int | None = None,
    batch_size: int = 256,
) -> list[LayerOutput]:
    """Each top-level layer's output on `x` (pass-through layers left out), float32.

    With `max_layers`, that many layers are kept, evenly spread from first to last, so a
    deep model's flow is still seen end to end without holding every activation in memory.
    """
    if input_count(model) != 1:
        raise ValueError("layer_outputs needs a single-input model")
    chosen = _output_layers(model)
    if max_layers is not None and len(chosen) > max_layers:
        picks = np.unique(np.linspace(0, len(chosen) - 1, max_layers).round().astype(int))
        chosen = [chosen[i] for i in picks]
    if not chosen:
        return []
    if len(x) == 0:
        # The arrays are shaped from the first batch's outputs, so there must be one.
        raise ValueError("layer_outputs needs at least one sample")
    probe = keras.Model(inputs=model.inputs, outputs=[layer.output for _, layer in chosen])
    # One preallocated array per layer: no second copy of every activation while joining.
    stores: list[np.ndarray] = []
    for start in range(0, len(x), batch_size):
        values = probe([x[start : start + batch_size]], training=False)
        if len(chosen) == 1:
            values = [values]
        for i, value in enumerate(values):
            batch = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float32)
            if start == 0:
                stores.append(np.empty((len(x), *batch.shape[1:]), dtype=np.float32))
            stores[i][start : start + len(batch)] = batch
    return [
        LayerOutput(
            name=layer.name,
            kind=type(layer).__name__.lower(),
            layer_index=index,
            values=store,
        )
        for (index, layer), store in zip(chosen, stores, strict=True)
    ]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def predict_proba(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities, rows summing to 1, whatever the output layer emits.

    A single sigmoid unit becomes two columns (1 - p, p); outputs that are not already a
    probability distribution (logits) go through a softmax.
    """
    return as_probabilities(model.predict(x, batch_size=batch_size, verbose=0))


def as_probabilities(outputs: Any) -> np.ndarray:
    """A model's outputs as class probabilities, as `predict_proba` returns them; for callers
    that already ran the model and must not run it again."""
    out = np.asarray(outputs, dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.shape[1] == 1:
        p = np.clip(out[:, 0], 0.0, 1.0)
        return np.stack([1.0 - p, p], axis=1)
    is_distribution = np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3)
    return out / out.sum(axis=1, keepdims=True) if is_distribution else _softmax(out)


def with_replaced_weights(
    model: keras.Model, replacements: dict[tuple[str, str], np.ndarray]
) -> keras.Model:
    """A clone of `model` whose (layer, role) tensors are replaced; the original is untouched."""
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    targets = {(t.layer, t.role): t.variable for t in _tensors(clone)}
    unknown = sorted(set(replacements) - set(targets))
    if unknown:
        raise KeyError(f"no such weight tensor(s) in the model: {unknown}")
    for key, value in replacements.items():
        variable = targets[key]
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(
                f"{key}: replacement shape {tuple(value.shape)} != {tuple(variable.shape)}"
            )
        variable.assign(np.asarray(value, dtype=variable.dtype))
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
    return clone


def load_model(path: str | Path) -> keras.Model:
    """Load a saved Keras model, with an error that says what is wrong with the file."""
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"no model file at {path}")
    if path.suffix not in (".keras", ".h5"):
        raise ModelLoadError(f"{path}: expected a .keras (or legacy .h5) model file")
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ModelLoadError(f"{path}: not a .keras archive (the file is not a zip; corrupt?)")
    try:
        return keras.models.load_model(path)
    except Exception as exc:  # keras raises many types for a bad file; the caller needs one
        raise ModelLoadError(f"{path}: cannot load as a Keras model ({exc})") from exc
