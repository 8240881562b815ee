"""How activations carry information through the layers: statistics, dead units, effective rank.

Works on `LayerOutput`s (plain arrays). Each output (samples, ..., features) is read as a
matrix whose columns are the units, the last axis (Keras is channels-last), and whose rows are
the samples times every other position: a Conv2D map (n, h, w, c) gives (n*h*w, c), a
sequence (n, t, d) gives (n*t, d), a Dense output (n, d) stays (n, d).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from healthopt.analysis.files import FlowEntry, entry_from
from healthopt.analysis.records import LayerOutput

# |x| below this counts as zero: sparsity and dead units.
ZERO_TOLERANCE = 1e-6
# A non-dead unit whose std over rows is below this fraction of the layer's std is stuck.
SATURATION_RELATIVE_STD = 1e-3
# Rows used for the effective rank (a random, seeded subset above this): conv maps have
# samples*positions rows, and the rank of the columns is well estimated long before that.
MAX_RANK_ROWS = 4096


def effective_rank(matrix: Any, *, center: bool = False) -> float:
    """Roy & Vetterli (2007) effective rank: exp(H(p)), p = s / sum(s) of the singular values.

    It lies between 1 and the rank, and equals k for k orthogonal directions of equal energy.
    A zero matrix spans no direction and gets 0.0. `center` first subtracts each column's
    mean, so a shared offset does not count as a direction. Non-finite input is a ValueError.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"effective_rank needs a 2-D matrix, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError("effective_rank: matrix contains NaN or inf")
    if m.size == 0:
        return 0.0
    if center:
        m = m - m.mean(axis=0, keepdims=True)
    s = _singular_values(m)
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s[s > 0] / total
    return float(math.exp(-np.sum(p * np.log(p))))


def _singular_values(m: np.ndarray) -> np.ndarray:
    """Singular values from the smaller Gram matrix: cheaper than an SVD for tall matrices."""
    rows, cols = m.shape
    gram = m.T @ m if cols <= rows else m @ m.T
    evals = np.linalg.eigvalsh(gram)
    # Rounding leaves eigenvalues of a rank-deficient Gram matrix at about eps * largest.
    floor = evals.max() * max(gram.shape) * np.finfo(np.float64).eps
    return np.sqrt(np.where(evals > floor, evals, 0.0))


@dataclass(frozen=True)
class LayerFlow:
    """One layer's activation statistics (NaN here, None in `to_json`, when not computable).

    - shape: of the output values, samples first; num_units: size of the last axis.

    - sparsity: fraction of values with |x| < 1e-6; positive_ratio: fraction > 0.
    - dead_fraction: units with |x| < 1e-6 on every row: they never pass anything on.
    - saturated_fraction: units that are not dead but hardly vary, std over rows below 1e-3 of
      the layer's std (a sigmoid or tanh pinned at a bound, a ReLU unit driven by its bias
      alone): stuck at a constant, they carry no information about the input either.
    - effective_rank: of the column-centred matrix (`effective_rank(center=True)`): the number
      of directions the units' variation spans; max_rank = min(rows used, units).
    - specialization_score: mean of activation health (1 - dead - saturated), balance
      (1 - |2 * positive_ratio - 1|, 1 when half the values are positive) and
      effective_rank / max_rank. An arithmetic mean, since no part alone condemns a layer
      (a softmax output is all positive by design).
    """

    name: str
    kind: str
    layer_index: int
    shape: tuple[int, ...]
    mean: float
    std: float
    sparsity: float
    positive_ratio: float
    dead_fraction: float
    saturated_fraction: float
    effective_rank: float
    max_rank: int
    specialization_score: float
    num_units: int = 0
    rank_rows: int = 0
    note: str | None = None

    def to_json(self) -> FlowEntry:
        return entry_from(self, FlowEntry)


class _FlowIdentity(TypedDict):
    """The LayerFlow fields that say which layer it is, shared by every way `layer_flow` ends."""

    name: str
    kind: str
    layer_index: int
    shape: tuple[int, ...]
    num_units: int


def as_unit_matrix(values: np.ndarray) -> np.ndarray:
    """(samples, ..., units) -> (samples * positions, units); (samples,) -> (samples, 1)."""
    if values.ndim <= 1:
        return values.reshape(-1, 1)
    return values.reshape(-1, values.shape[-1])


def _rank_rows(matrix: np.ndarray, max_rows: int, seed: int) -> np.ndarray:
    if matrix.shape[0] <= max_rows:
        return matrix
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(matrix.shape[0], size=max_rows, replace=False))
    return matrix[keep]


def layer_flow(output: LayerOutput, *, max_rows: int = MAX_RANK_ROWS, seed: int = 0) -> LayerFlow:
    """Statistics of one layer's output; see `LayerFlow` for each definition."""
    values = np.asarray(output.values)
    matrix = as_unit_matrix(values)
    base: _FlowIdentity = {
        "name": output.name,
        "kind": output.kind,
        "layer_index": output.layer_index,
        "shape": tuple(int(d) for d in values.shape),
        "num_units": int(matrix.shape[1]),
    }
    if matrix.size == 0 or not np.all(np.isfinite(matrix)):
        nan = math.nan
        return LayerFlow(
            **base,
            mean=nan,
            std=nan,
            sparsity=nan,
            positive_ratio=nan,
            dead_fraction=nan,
            saturated_fraction=nan,
            effective_rank=nan,
            max_rank=0,
            specialization_score=nan,
            note="empty output" if matrix.size == 0 else "activations contain NaN or inf",
        )
    mean = float(np.mean(matrix, dtype=np.float64))
    std = float(np.std(matrix, dtype=np.float64))
    near_zero = np.abs(matrix) < ZERO_TOLERANCE
    sparsity = float(np.count_nonzero(near_zero) / matrix.size)
    positive = float(np.count_nonzero(matrix > 0) / matrix.size)
    dead = np.all(near_zero, axis=0)
    unit_std = np.std(matrix, axis=0, dtype=np.float64)
    stuck = ~dead & (unit_std <= SATURATION_RELATIVE_STD * std)
    units = matrix.shape[1]
    dead_fraction = float(np.count_nonzero(dead) / units)
    saturated_fraction = float(np.count_nonzero(stuck) / units)
    sample = _rank_rows(matrix, max_rows, seed)
    max_rank = int(min(sample.shape))
    erank = effective_rank(sample, center=True)
    parts = (
        1.0 - dead_fraction - saturated_fraction,
        1.0 - abs(2.0 * positive - 1.0),
        erank / max_rank,
    )
    return LayerFlow(
        **base,
        mean=mean,
        std=std,
        sparsity=sparsity,
        positive_ratio=positive,
        dead_fraction=dead_fraction,
        saturated_fraction=saturated_fraction,
        effective_rank=erank,
        max_rank=max_rank,
        specialization_score=float(np.mean(parts)),
        rank_rows=int(sample.shape[0]),
    )


def analyze_flow(
    outputs: Iterable[LayerOutput], *, max_rows: int = MAX_RANK_ROWS, seed: int = 0
) -> list[LayerFlow]:
    """`layer_flow` of every output, in order (conv maps: features = channels)."""
    return [layer_flow(o, max_rows=max_rows, seed=seed) for o in outputs]
