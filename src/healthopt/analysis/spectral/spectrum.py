"""One row per weight matrix: the HTSR metrics of its eigenvalue spectrum.

Seed 000's spectral metrics, computed from a layer's eigenvalues (`eigen.esd`):
  alpha, xmin, ks_distance  the power-law tail fit (`powerlaw.fit_power_law`)
  stable_rank               sum(lambda) / max(lambda) = ||W||_F^2 / ||W||_2^2
  entropy                   WeightWatcher's matrix entropy: Shannon entropy of
                            p_i = lambda_i / sum(lambda) (+1e-10), divided by log(rank);
                            1 = evenly spread, 0 for a rank-1 matrix
  gini                      inequality of the eigenvalues, 0 (all equal) .. (n-1)/n (one)
  dominance_ratio           max(lambda) / (sum(lambda) - max(lambda)); inf for rank 1
  participation_ratio       (sum lambda)^2 / (n * sum lambda^2): the fraction of
                            eigenvalues that effectively carry the matrix, 1/n .. 1
  concentration_score       (gini + max(lambda) / sum(lambda) + (1 - participation_ratio)) / 3:
                            three views of "few directions hold the weight", each 0..1,
                            averaged; ~0 for an isotropic matrix, ~1 for a rank-1 one
Beyond WeightWatcher, which skips recurrent layers, LSTM and GRU kernels and recurrent
kernels are analysed as plain matrices, one row each (named by `WeightRecord.name`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from healthopt.analysis.files import CONCENTRATION_FIELDS, SpectrumEntry, entry_from
from healthopt.analysis.records import WeightRecord
from healthopt.analysis.spectral.eigen import esd, matrix_dims, num_evals
from healthopt.analysis.spectral.powerlaw import fit_power_law

UNDER_TRAINED_ALPHA = 6.0  # WeightWatcher's UNDER_TRAINED_THRESH
OVER_TRAINED_ALPHA = 2.0  # WeightWatcher's OVER_TRAINED_THRESH
_ENTROPY_EPSILON = 1e-10  # WeightWatcher's EPSILON in matrix_entropy


@dataclass(frozen=True, eq=False)
class LayerSpectrum:
    """The spectrum of one weight tensor (a layer's kernel, or an RNN's recurrent kernel).

    `alpha`, `xmin`, `ks_distance` are None, with `reason`, when no power law fits (see
    `PowerLawFit`). `evals` (sorted ascending) goes into `to_json()` only on request.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    num_evals: int
    alpha: float | None
    xmin: float | None
    ks_distance: float | None
    stable_rank: float | None
    entropy: float | None
    gini: float | None
    dominance_ratio: float | None
    participation_ratio: float | None
    concentration_score: float | None
    layer_index: int
    num_tail: int
    lambda_max: float
    role: str = "kernel"
    reason: str | None = None
    evals: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def training_status(self) -> str | None:
        """'over-trained' (alpha < 2), 'under-trained' (alpha > 6), 'ok', or None."""
        if self.alpha is None:
            return None
        if self.alpha < OVER_TRAINED_ALPHA:
            return "over-trained"
        if self.alpha > UNDER_TRAINED_ALPHA:
            return "under-trained"
        return "ok"

    def to_json(self, include_evals: bool = False, concentration: bool = True) -> SpectrumEntry:
        """`concentration` False leaves the concentration metrics out."""
        omit = () if concentration else CONCENTRATION_FIELDS
        if not include_evals:
            return entry_from(self, SpectrumEntry, omit=(*omit, "evals"))
        return entry_from(self, SpectrumEntry, omit=omit, evals=self.evals.tolist())


@dataclass(frozen=True)
class SpectrumShape:
    """The distribution metrics of one spectrum (everything but the power-law fit)."""

    stable_rank: float | None
    entropy: float | None
    gini: float | None
    dominance_ratio: float | None
    participation_ratio: float | None
    concentration_score: float | None


def spectrum_shape(evals: np.ndarray, n_dim: int) -> SpectrumShape:
    """Metrics of eigenvalues sorted ascending; `n_dim` is the matrix's larger side (N).

    All None for an all-zero spectrum, where no ratio is defined.
    """
    n = evals.size
    total = float(evals.sum())
    top = float(evals[-1]) if n else 0.0
    if n == 0 or total <= 0.0 or top <= 0.0:
        return SpectrumShape(None, None, None, None, None, None)
    share = top / total
    others = total - top
    dominance = top / others if others > 0.0 else math.inf
    weights = np.arange(1, n + 1, dtype=np.float64)
    gini = 2.0 * float(weights @ evals) / (n * total) - (n + 1.0) / n
    participation = total * total / (n * float(evals @ evals))
    concentration = (gini + share + (1.0 - participation)) / 3.0
    return SpectrumShape(
        stable_rank=total / top,
        entropy=matrix_entropy(evals, total, n_dim),
        gini=gini,
        dominance_ratio=dominance,
        participation_ratio=participation,
        concentration_score=concentration,
    )


def matrix_entropy(evals: np.ndarray, total: float, n_dim: int) -> float:
    """WeightWatcher's `matrix_entropy`, from eigenvalues rather than singular values.

    Its rank counts singular values above max * N * eps; eigenvalues from the Gram matrix
    resolve only down to ~(N + M) * eps of the largest, so that is the rank threshold here
    (the same rank for any matrix that is not numerically rank deficient). A rank-1 matrix
    has entropy 0, where WeightWatcher's formula divides by log(1 + 1e-10).
    """
    tol = float(evals[-1]) * (n_dim + evals.size) * np.finfo(np.float64).eps
    rank = int(np.count_nonzero(evals > tol))
    if rank <= 1:
        return 0.0
    p = evals / total + _ENTROPY_EPSILON
    return float(-(p @ np.log(p)) / math.log(rank + _ENTROPY_EPSILON))


def layer_spectrum(record: WeightRecord, evals: np.ndarray | None = None) -> LayerSpectrum:
    """The spectrum row of one record (its eigenvalues computed unless given)."""
    if evals is None:
        evals = esd(record)
    fit = fit_power_law(evals)
    shape = spectrum_shape(evals, matrix_dims(record)[0])
    return LayerSpectrum(
        name=record.name,
        kind=record.kind,
        shape=tuple(int(d) for d in record.weights.shape),
        num_evals=int(evals.size),
        alpha=fit.alpha,
        xmin=fit.xmin,
        ks_distance=fit.ks_distance,
        stable_rank=shape.stable_rank,
        entropy=shape.entropy,
        gini=shape.gini,
        dominance_ratio=shape.dominance_ratio,
        participation_ratio=shape.participation_ratio,
        concentration_score=shape.concentration_score,
        layer_index=record.layer_index,
        num_tail=fit.num_tail,
        lambda_max=float(evals[-1]) if evals.size else 0.0,
        role=record.role,
        reason=fit.reason,
        evals=evals,
    )


def analyze_records(
    records: Iterable[WeightRecord], min_evals: int = 10, max_evals: int | None = None
) -> list[LayerSpectrum]:
    """One `LayerSpectrum` per record with min_evals <= eigenvalues (<= max_evals if set).

    WeightWatcher's own defaults are min_evals=8 and max_evals=15000, and it skips matrices
    with a side over 50000; seed 000 uses min_evals=10, and by default we analyse layers of
    any size (the Gram route keeps big ones affordable).
    """
    if min_evals < 1:
        raise ValueError(f"min_evals must be >= 1, got {min_evals}")
    out = []
    for record in records:
        count = num_evals(record)
        if count < min_evals or (max_evals is not None and count > max_evals):
            continue
        out.append(layer_spectrum(record))
    return out


def analyze(model: Any, min_evals: int = 10, max_evals: int | None = None) -> list[LayerSpectrum]:
    """Spectral analysis of every supported weight matrix of a Keras model."""
    from healthopt.analysis.layers import weight_records  # the TensorFlow side, loaded lazily

    return analyze_records(weight_records(model), min_evals=min_evals, max_evals=max_evals)
