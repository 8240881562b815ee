"""SVD smoothing: keep each weight matrix's strongest directions, drop the rest (seed 000).

WeightWatcher's `SVDSmoothing` replaces every layer's matrices by low-rank truncations; the
methods differ in how many singular components a layer keeps, counted on the layer's pooled
eigenvalues (all kh*kw slices of a Conv2D kernel together):
  svd         int(0.8 * number of eigenvalues)  (`percent`)
  detX        the tail whose rescaled eigenvalues (mean 1) have a product just below 1:
              the "det X = 1" constraint of HTSR's effective-correlation-space
  lambda_min  the power-law tail: eigenvalues >= the fitted xmin (WeightWatcher 'alpha_min')
A layer of several matrices keeps ceil(count / matrices) components in each. A count of 0
leaves the layer as it is. Where WeightWatcher's choices are accidents we differ and say so:
its truncation is a randomized TruncatedSVD, ours is exact; its detX product overflows to
inf on large layers (and then keeps everything), ours sums logs; a failed power-law fit
makes it remove the top component, here it leaves the layer unchanged. Conv1D kernels are
smoothed per slice like Conv2D (WeightWatcher cannot), and LSTM/GRU kernels like Dense.

The matrix work is numpy only; `smooth_model` alone touches Keras, through `analysis.layers`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from healthopt.analysis.records import WeightRecord
from healthopt.analysis.spectral import CONV2D_EVAL_SCALE, esd, fit_power_law, num_evals

METHODS = ("svd", "detX", "lambda_min")
_ALIASES = {"alpha_min": "lambda_min"}  # WeightWatcher's own name for lambda_min
DEFAULT_PERCENT = 0.8


def _method(method: str) -> str:
    name = _ALIASES.get(method, method)
    if name not in METHODS:
        raise ValueError(f"unknown smoothing method {method!r}; expected one of {METHODS}")
    return name


def detx_count(evals: np.ndarray) -> int:
    """How many of the largest eigenvalues satisfy det X = 1 (WeightWatcher's detX_num).

    Eigenvalues are rescaled to mean 1; the count is the smallest m (below their number)
    whose top-m product drops under 1, or all of them if none does; 0 when they are all
    equal (nothing to choose).
    """
    evals = np.sort(np.asarray(evals, dtype=np.float64))
    if evals.size < 2 or not evals[0] < evals[-1]:
        return 0
    scaled = evals * (evals.size / evals.sum())
    with np.errstate(divide="ignore"):
        top_logs = np.cumsum(np.log(scaled[::-1]))[: evals.size - 1]
    below = np.flatnonzero(top_logs < 0.0)
    return int(below[0]) + 1 if below.size else int(evals.size)


def components_to_keep(evals: np.ndarray, method: str, *, percent: float = DEFAULT_PERCENT) -> int:
    """How many singular components a layer with these (pooled) eigenvalues keeps in all."""
    method = _method(method)
    if method == "svd":
        if not 0.0 < percent <= 1.0:
            raise ValueError(f"percent must be in (0, 1], got {percent}")
        return int(percent * evals.size)
    if method == "detX":
        return detx_count(evals)
    fit = fit_power_law(evals)
    return fit.num_tail if fit.alpha is not None else 0


def truncate(w: np.ndarray, k: int) -> np.ndarray:
    """The best rank-k approximation of a 2-D matrix, in its dtype (W itself if k >= rank).

    Projects W onto the top-k eigenvectors of its smaller Gram matrix, which equals the
    truncated SVD (W V_k V_k^T = U_k S_k V_k^T) at a fraction of a full SVD's cost.
    """
    rows, cols = w.shape
    if k <= 0 or k >= min(rows, cols):
        return w.copy()
    a = w.astype(np.float64)
    tall = rows >= cols
    _, vecs = np.linalg.eigh(a.T @ a if tall else a @ a.T)
    top = vecs[:, -k:]
    out = (a @ top) @ top.T if tall else top @ (top.T @ a)
    return out.astype(w.dtype)


def smooth_matrix(
    w: np.ndarray, method: str = "detX", *, percent: float = DEFAULT_PERCENT
) -> np.ndarray:
    """One 2-D matrix smoothed on its own spectrum (see `smooth_record` for layers)."""
    if w.ndim != 2:
        raise ValueError(f"smooth_matrix takes a 2-D matrix, got shape {w.shape}")
    a = w.astype(np.float64)
    evals = np.linalg.eigvalsh(a.T @ a if w.shape[0] >= w.shape[1] else a @ a.T)
    return truncate(w, components_to_keep(np.maximum(evals, 0.0), method, percent=percent))


def per_matrix_keep(record: WeightRecord, method: str, *, percent: float = DEFAULT_PERCENT) -> int:
    """Components each of the record's matrices keeps: ceil(layer count / matrices)."""
    evals = esd(record)
    if record.kind == "conv2d":
        evals = evals / CONV2D_EVAL_SCALE  # WeightWatcher smooths on unnormalised eigenvalues
    count = components_to_keep(evals, method, percent=percent)
    return math.ceil(count / len(record.matrices()))


def smooth_record(
    record: WeightRecord, method: str = "detX", *, percent: float = DEFAULT_PERCENT
) -> np.ndarray:
    """The record's weight tensor with every matrix truncated, same shape and dtype."""
    keep = per_matrix_keep(record, method, percent=percent)
    w = record.weights
    if w.ndim == 2:
        return truncate(w, keep)
    stack = w.reshape(-1, w.shape[-2], w.shape[-1])
    return np.stack([truncate(m, keep) for m in stack]).reshape(w.shape)


def smoothed_weights(
    records: Iterable[WeightRecord],
    method: str = "detX",
    min_evals: int = 10,
    *,
    percent: float = DEFAULT_PERCENT,
) -> dict[tuple[str, str], np.ndarray]:
    """Smoothed tensors of every record with at least `min_evals` eigenvalues.

    Keyed by (layer, role), as `analysis.layers.with_replaced_weights` takes them; smaller
    tensors (too few eigenvalues to judge) are left out, as WeightWatcher leaves them alone.
    """
    method = _method(method)
    return {
        (r.layer, r.role): smooth_record(r, method, percent=percent)
        for r in records
        if num_evals(r) >= min_evals
    }


def smooth_model(
    model: Any,
    method: str = "detX",
    *,
    min_evals: int = 10,
    percent: float = DEFAULT_PERCENT,
) -> Any:
    """A new Keras model with SVD-smoothed weights; the original is untouched."""
    from healthopt.analysis.layers import weight_records, with_replaced_weights

    replacements = smoothed_weights(weight_records(model), method, min_evals, percent=percent)
    return with_replaced_weights(model, replacements)
