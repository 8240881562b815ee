"""Per-layer weight statistics and a 0..1 health score (seed 000 section 4, weight analysis).

Works on `WeightRecord`s, never on a Keras model, so it imports without TensorFlow. Every
tensor is seen as one 2-D matrix: Dense (in, out), Embedding (vocab, dim) and recurrent
kernels as stored; a convolution kernel (k..., in, out) is reshaped to
(prod(k...) * in, out), the matrix a convolution applies to each receptive field (im2col).
That matrix gives the spectral norm and the layer's typical gain.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from healthopt.analysis.files import WeightStatsEntry, WeightSummaryEntry, entry_from
from healthopt.analysis.records import WeightRecord

# Above this smaller dimension the spectral norm comes from Lanczos on the Gram operator
# instead of the top eigenvalue of the formed Gram matrix, whose cost grows with the cube.
_GRAM_LIMIT = 256
# Elements per chunk of the moment passes (8 MiB of float64 per temporary).
_CHUNK = 1 << 20
# Typical gains within one decade of 1 (0.1..10) count as fully healthy; see `health_parts`.
_GAIN_DECADES = 1.0
# Rules of thumb for substantial non-normality (West, Finch & Curran 1995): |skew| > 2,
# excess kurtosis > 7. At these values each term halves the distribution health.
_SKEW_SCALE = 2.0
_KURTOSIS_SCALE = 7.0


@dataclass(frozen=True)
class LayerWeightStats:
    """One weight tensor's norms, distribution, sparsity and health.

    `health_score` is the geometric mean of `norm_health`, `sparsity_health` and
    `distribution_health` (see `health_parts`). Statistics that cannot be computed (a
    tensor holding NaN or inf; skew and kurtosis of a constant tensor) are NaN here and None
    in `to_json()`, and `note` says why. `bias_mean`/`bias_std` are None unless biases are
    analysed and the layer has one.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    num_parameters: int
    l1_norm: float
    l2_norm: float
    spectral_norm: float
    mean: float
    std: float
    skew: float
    kurtosis: float
    sparsity: float
    health_score: float
    bias_mean: float | None
    bias_std: float | None
    layer_index: int
    role: str = "kernel"
    typical_gain: float = math.nan
    norm_health: float = math.nan
    sparsity_health: float = math.nan
    distribution_health: float = math.nan
    note: str | None = None

    def to_json(self) -> WeightStatsEntry:
        return entry_from(self, WeightStatsEntry)


@dataclass(frozen=True)
class WeightSummary:
    """Model-level view of the weight analysis: size, mean and worst layer health."""

    total_parameters: int
    mean_health: float | None
    min_health: float | None
    weakest_layer: str | None
    mean_l2: float | None
    mean_sparsity: float | None
    layers_analyzed: int = 0

    def to_json(self) -> WeightSummaryEntry:
        return entry_from(self, WeightSummaryEntry)


def as_matrix(weights: np.ndarray) -> np.ndarray:
    """The 2-D matrix a layer applies: conv kernels (k..., in, out) -> (prod(k...)*in, out)."""
    if weights.ndim == 2:
        return weights
    if weights.ndim < 2:
        return weights.reshape(-1, 1)
    return weights.reshape(-1, weights.shape[-1])


def spectral_norm(matrix: np.ndarray, gram_limit: int = _GRAM_LIMIT) -> float:
    """Largest singular value of a finite 2-D matrix.

    Small matrices: the top eigenvalue of the smaller Gram matrix (LAPACK computes just that
    one). Large ones: Lanczos (ARPACK eigsh) on that Gram matrix applied as two products, never
    formed, from a fixed start vector so runs repeat; relative accuracy about 1e-6 (should it
    not converge, the Gram matrix after all).
    """
    rows, cols = matrix.shape
    small = min(rows, cols)
    if small == 0:
        return 0.0
    if small <= max(gram_limit, 2):  # eigsh needs k=1 < dimension - 1
        return _gram_top(matrix)
    # float32 stays float32: no copy, about 3x faster, and accurate enough for a norm.
    dtype = np.float32 if matrix.dtype == np.float32 else np.float64
    m = np.asarray(matrix, dtype=dtype)
    if cols <= rows:
        op = scipy.sparse.linalg.LinearOperator(
            (cols, cols), matvec=lambda x: m.T @ (m @ x), dtype=dtype
        )
    else:
        op = scipy.sparse.linalg.LinearOperator(
            (rows, rows), matvec=lambda x: m @ (m.T @ x), dtype=dtype
        )
    v0 = np.full(small, 1.0 / math.sqrt(small), dtype=dtype)
    try:
        top = scipy.sparse.linalg.eigsh(
            op, k=1, which="LA", v0=v0, tol=1e-5, return_eigenvectors=False
        )
    except scipy.sparse.linalg.ArpackNoConvergence:
        return _gram_top(matrix)  # slower but exact
    return math.sqrt(max(float(top[0]), 0.0))


def _gram_top(matrix: np.ndarray) -> float:
    m = np.asarray(matrix, dtype=np.float64)
    rows, cols = m.shape
    small = min(rows, cols)
    gram = m.T @ m if cols <= rows else m @ m.T
    top = scipy.linalg.eigh(gram, eigvals_only=True, subset_by_index=[small - 1, small - 1])
    return math.sqrt(max(float(top[0]), 0.0))


def health_parts(
    typical_gain: float, sparsity: float, skew: float, kurtosis: float, std: float
) -> tuple[float, float, float]:
    """(norm, sparsity, distribution) health, each in [0, 1]; why each is measured:

    - norm: `typical_gain` is the RMS singular value ||W||_F / sqrt(min(rows, cols)), how much
      the layer scales a typical direction, independent of its size (Glorot/He init gives
      about 0.3..2). A gain far above 1 compounds into exploding signals and gradients, far
      below 1 into vanishing ones. Gains in [0.1, 10] score 1; outside, the score is
      exp(-d) with d the decades beyond that band; a zero gain transmits nothing and scores 0.
    - sparsity: 1 - sparsity. Each weight at zero is capacity the layer does not use.
    - distribution: 1 / (1 + (skew/2)^2 + (max(kurtosis, 0)/7)^2). A skewed distribution
      means the weights drift one way; a heavy tail (excess kurtosis) means a few weights
      dominate. The scales are the usual thresholds of substantial non-normality (each term
      alone halves the score there); light tails (negative kurtosis, e.g. uniform init) are
      not penalised. A constant tensor (std 0) has no spread, every unit computes the same
      thing, so it scores 0.
    """
    if typical_gain > 0:
        decades = max(0.0, abs(math.log10(typical_gain)) - _GAIN_DECADES)
        norm_health = math.exp(-decades)
    else:
        norm_health = 0.0
    sparsity_health = 1.0 - sparsity
    if std > 0 and math.isfinite(skew) and math.isfinite(kurtosis):
        penalty = (skew / _SKEW_SCALE) ** 2 + (max(kurtosis, 0.0) / _KURTOSIS_SCALE) ** 2
        distribution_health = 1.0 / (1.0 + penalty)
    else:
        distribution_health = 0.0
    return norm_health, sparsity_health, distribution_health


def _bias_stats(record: WeightRecord, include_biases: bool) -> tuple[float | None, float | None]:
    if not include_biases or record.bias is None or record.bias.size == 0:
        return None, None
    bias = np.asarray(record.bias, dtype=np.float64)
    return float(bias.mean()), float(bias.std())


@dataclass(frozen=True)
class _Moments:
    mean: float
    std: float
    skew: float
    kurtosis: float
    l1: float
    l2: float
    sparsity: float


def _moments(flat: np.ndarray, sparsity_threshold: float) -> _Moments | None:
    """Norms and moments in float64 over chunks, so a 25M-parameter tensor needs no full copy.

    Two passes (mean, then central moments) keep the moments accurate. skew = m3 / m2^1.5 and
    kurtosis = m4 / m2^2 - 3 with population moments, as scipy.stats.skew/kurtosis compute
    them. None when the tensor holds NaN or inf. A constant tensor (max == min) has std 0 and
    NaN skew and kurtosis, not rounding noise.
    """
    n = flat.size
    chunks = [flat[i : i + _CHUNK] for i in range(0, n, _CHUNK)]
    total = math.fsum(float(np.sum(c, dtype=np.float64)) for c in chunks)
    if not math.isfinite(total):
        return None
    mean = total / n
    l1 = sq = s2 = s3 = s4 = 0.0
    zeros = 0
    for chunk in chunks:
        x = chunk.astype(np.float64)
        a = np.abs(x)
        l1 += float(a.sum())
        zeros += int(np.count_nonzero(a < sparsity_threshold))
        sq += float(x @ x)
        d = x - mean
        d2 = d * d
        s2 += float(d2.sum())
        s3 += float((d2 * d).sum())
        s4 += float((d2 * d2).sum())
    m2, m3, m4 = s2 / n, s3 / n, s4 / n
    constant = bool(flat.max() == flat.min())
    return _Moments(
        mean=mean,
        std=0.0 if constant else math.sqrt(m2),
        skew=math.nan if constant else m3 / m2**1.5,
        kurtosis=math.nan if constant else m4 / m2**2 - 3.0,
        l1=l1,
        l2=math.sqrt(sq),
        sparsity=zeros / n,
    )


class _WeightIdentity(TypedDict):
    """The LayerWeightStats fields that say which tensor it is, whatever its values hold."""

    name: str
    kind: str
    role: str
    shape: tuple[int, ...]
    num_parameters: int
    layer_index: int
    bias_mean: float | None
    bias_std: float | None


def layer_stats(
    record: WeightRecord, *, sparsity_threshold: float = 1e-6, include_biases: bool = False
) -> LayerWeightStats:
    """Statistics of one record's weight tensor (its bias only when `include_biases`)."""
    weights = np.asarray(record.weights)
    bias_mean, bias_std = _bias_stats(record, include_biases)
    common: _WeightIdentity = {
        "name": record.name,
        "kind": record.kind,
        "role": record.role,
        "shape": tuple(int(d) for d in weights.shape),
        "num_parameters": record.num_parameters,
        "layer_index": record.layer_index,
        "bias_mean": bias_mean,
        "bias_std": bias_std,
    }
    moments = _moments(weights.ravel(), sparsity_threshold) if weights.size else None
    if moments is None:
        # A layer holding NaN/inf outputs NaN for every input: broken, so health 0, not unknown.
        nan = math.nan
        return LayerWeightStats(
            **common,
            l1_norm=nan,
            l2_norm=nan,
            spectral_norm=nan,
            mean=nan,
            std=nan,
            skew=nan,
            kurtosis=nan,
            sparsity=nan,
            health_score=0.0 if weights.size else nan,
            note="weights contain NaN or inf" if weights.size else "empty weight tensor",
        )
    matrix = as_matrix(weights)
    gain = moments.l2 / math.sqrt(min(matrix.shape))
    parts = health_parts(gain, moments.sparsity, moments.skew, moments.kurtosis, moments.std)
    return LayerWeightStats(
        **common,
        l1_norm=moments.l1,
        l2_norm=moments.l2,
        spectral_norm=spectral_norm(matrix),
        mean=moments.mean,
        std=moments.std,
        skew=moments.skew,
        kurtosis=moments.kurtosis,
        sparsity=moments.sparsity,
        health_score=float(np.prod(parts) ** (1.0 / 3.0)),
        typical_gain=gain,
        norm_health=parts[0],
        sparsity_health=parts[1],
        distribution_health=parts[2],
        note="constant weights: skew and kurtosis undefined" if moments.std == 0 else None,
    )


def analyze_weights(
    records: Iterable[WeightRecord],
    *,
    sparsity_threshold: float = 1e-6,
    include_biases: bool = False,
    layer_kinds: Sequence[str] | None = None,
) -> list[LayerWeightStats]:
    """Statistics for every record, in order; `layer_kinds` keeps only those kinds.

    Kinds match case-insensitively, so record kinds ("dense") and Keras class names
    ("Dense", "Conv2D") both work. `sparsity_threshold`: |w| below it counts as zero.
    """
    if sparsity_threshold < 0:
        raise ValueError(f"sparsity_threshold must be >= 0 (got {sparsity_threshold})")
    wanted = None if layer_kinds is None else {kind.lower() for kind in layer_kinds}
    return [
        layer_stats(r, sparsity_threshold=sparsity_threshold, include_biases=include_biases)
        for r in records
        if wanted is None or r.kind.lower() in wanted
    ]


def summarize_weights(stats: Sequence[LayerWeightStats]) -> WeightSummary:
    """Totals and means over layers; the weakest layer is the one with the lowest health.

    Layers whose value is NaN are left out of each mean; a mean over no layers is None.
    """

    def finite(values: Iterable[float]) -> list[float]:
        return [v for v in values if math.isfinite(v)]

    health = finite(s.health_score for s in stats)
    l2 = finite(s.l2_norm for s in stats)
    sparsity = finite(s.sparsity for s in stats)
    scored = [s for s in stats if math.isfinite(s.health_score)]
    weakest = min(scored, key=lambda s: s.health_score).name if scored else None
    return WeightSummary(
        total_parameters=int(sum(s.num_parameters for s in stats)),
        mean_health=float(np.mean(health)) if health else None,
        min_health=min(health) if health else None,
        weakest_layer=weakest,
        mean_l2=float(np.mean(l2)) if l2 else None,
        mean_sparsity=float(np.mean(sparsity)) if sparsity else None,
        layers_analyzed=len(stats),
    )
