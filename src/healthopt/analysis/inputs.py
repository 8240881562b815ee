"""What the model analyzer is given, checked, sampled and fingerprinted.

Inputs are checked before any model runs, with errors that name the model, key or array at
fault. The data analyses see at most `n_samples` samples, drawn with a seed and stratified by
class. Fingerprints (hashes of a model's variables and of a data sample) key the analyzer's
cache: equal fingerprints mean equal inputs, so cached results can be reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from healthopt.analysis.config import DataInput


class AnalyzerInputError(ValueError):
    """Models, histories or data the analyzer cannot use; the message says which and why."""


def length(x: Any) -> int:
    """Samples in x_data (the first array's length for a multi-input model)."""
    if isinstance(x, Mapping):
        return length(next(iter(x.values())))
    if isinstance(x, (list, tuple)):
        return length(x[0])
    return len(x)


def _take(x: Any, idx: np.ndarray) -> Any:
    if isinstance(x, Mapping):
        return {k: _take(v, idx) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_take(v, idx) for v in x]
    return np.asarray(x)[idx]


def _strata(y: np.ndarray) -> np.ndarray | None:
    """Class per sample for stratified sampling: integer labels or one-hot rows, else None."""
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    flat = y.reshape(len(y), -1)
    if flat.shape[1] == 1 and np.issubdtype(flat.dtype, np.number):
        values = flat[:, 0]
        if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            return values.astype(np.int64)
    return None


def _stratified(classes: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k indices with each class's share kept (largest remainder), drawn without replacement."""
    _, inverse, counts = np.unique(classes, return_inverse=True, return_counts=True)
    quota = counts * k / counts.sum()
    take = np.floor(quota).astype(int)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[: k - take.sum()]] += 1
    picked = [
        rng.choice(np.flatnonzero(inverse == i), size=n, replace=False)
        for i, n in enumerate(take)
        if n
    ]
    return np.concatenate(picked)


def sample_indices(data: DataInput, n_samples: int, seed: int = 0) -> np.ndarray | None:
    """The rows `sample_data` keeps, in ascending order; None when it keeps them all. Arrays
    that run parallel to the data (a model's predictions on it) are sampled with these."""
    n = length(data.x_data)
    if n <= n_samples:
        return None
    rng = np.random.default_rng(seed)
    classes = _strata(np.asarray(data.y_data))
    if classes is None:
        idx = rng.choice(n, size=n_samples, replace=False)
    else:
        idx = _stratified(classes, n_samples, rng)
    idx.sort()
    return idx


def sample_data(data: DataInput, n_samples: int, seed: int = 0) -> DataInput:
    """At most `n_samples` of the data (all of it, uncopied, when it is smaller), in the
    original order; stratified by class when the labels are integer or one-hot."""
    idx = sample_indices(data, n_samples, seed)
    if idx is None:
        return data
    return DataInput(_take(data.x_data, idx), np.asarray(data.y_data)[idx])


def arrays(x: Any) -> list[np.ndarray]:
    """Every array in x_data (one array, or a list/dict of them for a multi-input model)."""
    if isinstance(x, Mapping):
        return [a for v in x.values() for a in arrays(v)]
    if isinstance(x, (list, tuple)):
        return [a for v in x for a in arrays(v)]
    return [np.asarray(x)]


def digest(parts: list[np.ndarray]) -> str:
    """A hash of arrays' shapes, types and bytes: the data sample's cache key."""
    h = hashlib.blake2b(digest_size=16)
    for a in parts:
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(np.ascontiguousarray(a).data)
    return h.hexdigest()


def model_fingerprint(model: Any) -> str:
    """A hash of every variable (name, shape, values): equal only for identical weights.

    Non-trainable variables count too (batch-norm statistics change predictions).
    """
    h = hashlib.blake2b(type(model).__name__.encode(), digest_size=16)
    for variable in model.weights:
        values = np.asarray(variable)  # one variable at a time: no copy of the whole model
        h.update(f"{getattr(variable, 'path', variable.name)}{values.shape}".encode())
        h.update(np.ascontiguousarray(values).data)
    return h.hexdigest()


def check_models(models: Any) -> dict[str, Any]:
    if not isinstance(models, Mapping) or not models:
        raise AnalyzerInputError("models must be a non-empty dict of {name: keras.Model}")
    for name, model in models.items():
        if not isinstance(name, str) or not name:
            raise AnalyzerInputError(f"model names must be non-empty strings (got {name!r})")
        if not (hasattr(model, "layers") and hasattr(model, "predict")):
            raise AnalyzerInputError(f"models[{name!r}] is not a Keras model")
    return dict(models)


def check_histories(histories: Any, names: list[str]) -> dict[str, dict[str, list[float]]]:
    if histories is None:
        return {}
    if not isinstance(histories, Mapping):
        raise AnalyzerInputError("training_history must be a dict of {model name: history}")
    extra = sorted(set(histories) - set(names))
    if extra:
        raise AnalyzerInputError(
            f"training_history has no model named {', '.join(map(repr, extra))}; "
            f"its keys must match the model names ({', '.join(map(repr, names))})"
        )
    checked = {}
    for name, history in histories.items():
        history = getattr(history, "history", history)  # a keras History object works too
        if not isinstance(history, Mapping):
            raise AnalyzerInputError(f"training_history[{name!r}] must be a dict of metric lists")
        checked[name] = {str(k): [float(v) for v in values] for k, values in history.items()}
    return checked


def check_data(data: Any) -> DataInput:
    try:
        x, y = data
    except (TypeError, ValueError):
        raise AnalyzerInputError("data must be DataInput(x_data, y_data)") from None
    y = np.asarray(y)
    n = length(x)
    if n == 0:
        raise AnalyzerInputError("data is empty")
    if y.ndim not in (1, 2) or len(y) != n:
        raise AnalyzerInputError(
            f"x_data has {n} samples but y_data has shape {y.shape}; "
            "labels must be (samples,) integers or (samples, classes) one-hot"
        )
    lengths = {len(a) for a in arrays(x)}
    if len(lengths) > 1:
        raise AnalyzerInputError(f"the inputs in x_data differ in length: {sorted(lengths)}")
    return DataInput(x, y)


def check_fits(name: str, model: Any, x: Any) -> None:
    """A single-input model's declared input shape against the samples' shape."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1 or isinstance(x, (Mapping, list, tuple)):
        return
    expected = tuple(inputs[0].shape[1:])
    got = tuple(np.shape(x)[1:])
    if len(expected) != len(got) or any(
        e is not None and e != g for e, g in zip(expected, got, strict=True)
    ):
        raise AnalyzerInputError(
            f"model {name!r} expects samples of shape {expected}, the data has {got}"
        )
