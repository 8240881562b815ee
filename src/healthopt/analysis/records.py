"""Neutral records of a model's layers: what every analysis reads instead of a Keras model.

`analysis.layers` (the only analysis module that imports TensorFlow) turns a model into these;
every other analysis works on them, so it imports fast and is tested on crafted arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


def finite_or_none(value: Any) -> float | None:
    """A plain float, or None for a value that is missing or not finite (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# Layer kinds the analyses know. Bidirectional wrappers are unwrapped into their two layers.
KINDS = ("dense", "conv1d", "conv2d", "embedding", "lstm", "gru")


@dataclass(frozen=True, eq=False)
class WeightRecord:
    """One weight tensor of one layer, as Keras stores it.

    Shapes: Dense (in, out); Conv1D (k, in, out); Conv2D (kh, kw, in, out); Embedding
    (vocab, dim); LSTM kernel (in, 4u) and recurrent kernel (u, 4u); GRU (in, 3u) and (u, 3u).
    `layer` is the Keras layer name; the two halves of a Bidirectional layer are named
    "bidirectional/forward_lstm" and "bidirectional/backward_lstm".
    """

    layer: str
    layer_index: int
    kind: str
    role: str  # "kernel" | "recurrent_kernel" | "embeddings"
    weights: np.ndarray
    bias: np.ndarray | None = None

    @property
    def name(self) -> str:
        """Unique per model: the layer name, plus the role for a recurrent kernel."""
        return self.layer if self.role != "recurrent_kernel" else f"{self.layer}/{self.role}"

    @property
    def num_parameters(self) -> int:
        return int(self.weights.size + (self.bias.size if self.bias is not None else 0))

    def matrices(self) -> list[np.ndarray]:
        """The 2-D matrices spectral analysis sees, as WeightWatcher slices them by default.

        A Conv2D kernel (kh, kw, in, out) gives kh*kw matrices of (in, out); a Conv1D kernel
        (k, in, out) gives k; every other tensor is one matrix.
        """
        w = self.weights
        if w.ndim == 2:
            return [w]
        if w.ndim == 3:
            return [w[i] for i in range(w.shape[0])]
        if w.ndim == 4:
            return [w[i, j] for i in range(w.shape[0]) for j in range(w.shape[1])]
        raise ValueError(f"{self.name}: cannot slice a {w.ndim}-D weight tensor into matrices")


@dataclass(frozen=True, eq=False)
class LayerOutput:
    """One layer's output on a batch of samples: `values` has shape (samples, ...)."""

    name: str
    kind: str  # the Keras class name, lower case: "conv2d", "dense", "lstm", "dropout", ...
    layer_index: int
    values: np.ndarray
