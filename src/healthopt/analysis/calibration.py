"""Calibration of predicted probabilities: ECE, Brier score, confidence, entropy, reliability bins.

Inputs are plain arrays: `probs` (samples, classes) whose rows sum to 1, and labels as integers
(samples,) or one-hot rows (samples, classes). Bins are `n_bins` equal-width intervals of
[0, 1], closed on the right: (lower, upper], the first one also holding 0 (Guo et al. 2017).
The predicted class is the argmax (the first one on ties), the confidence its probability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from healthopt.analysis.files import CalibrationEntry, ReliabilityBinEntry, entry_from

# Rows of `probs` must sum to 1 within this (float32 softmax is good to about 1e-6).
_SUM_TOLERANCE = 1e-3
_RANGE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ReliabilityBin:
    """One confidence bin of a reliability diagram; an empty bin has None for both means."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None

    def to_json(self) -> ReliabilityBinEntry:
        return entry_from(self, ReliabilityBinEntry)

    @classmethod
    def from_json(cls, entry: ReliabilityBinEntry) -> ReliabilityBin:
        """The bin as analysis.json wrote it (plots and the study read it back)."""
        return cls(
            lower=entry.lower,
            upper=entry.upper,
            count=entry.count,
            mean_confidence=entry.mean_confidence,
            accuracy=entry.accuracy,
        )


@dataclass(frozen=True)
class CalibrationReport:
    """Everything the calibration analysis measures on one model's predictions.

    `mce` is the largest |accuracy - confidence| over non-empty bins (maximum calibration
    error). `confidences` and `entropies` hold one value per sample and are written by
    `to_json` only with `include_per_sample=True`.
    """

    ece: float
    brier: float
    mean_confidence: float
    mean_entropy: float
    accuracy: float
    num_samples: int
    bins: list[ReliabilityBin]
    per_class_ece: list[float | None]
    confidences: np.ndarray = field(repr=False)
    entropies: np.ndarray = field(repr=False)
    num_classes: int = 0
    n_bins: int = 0
    mce: float = math.nan

    def to_json(self, include_per_sample: bool = False) -> CalibrationEntry:
        bins = [b.to_json() for b in self.bins]
        if not include_per_sample:
            return entry_from(self, CalibrationEntry, ("confidences", "entropies"), bins=bins)
        return entry_from(
            self,
            CalibrationEntry,
            bins=bins,
            confidences=self.confidences.tolist(),
            entropies=self.entropies.tolist(),
        )


def validate(probs: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Checked float64 probabilities (n, C) and int labels (n,); ValueError says what is wrong."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] < 2:
        raise ValueError(f"probs must have shape (samples > 0, classes >= 2), got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError("probs contain NaN or inf")
    if p.min() < -_RANGE_TOLERANCE or p.max() > 1 + _RANGE_TOLERANCE:
        raise ValueError(f"probs must lie in [0, 1], found [{p.min():.4g}, {p.max():.4g}]")
    sums = p.sum(axis=1)
    worst = int(np.argmax(np.abs(sums - 1.0)))
    if abs(sums[worst] - 1.0) > _SUM_TOLERANCE:
        raise ValueError(f"each row of probs must sum to 1; row {worst} sums to {sums[worst]:.6g}")
    n, classes = p.shape
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        if y.shape != p.shape:
            raise ValueError(f"one-hot labels {y.shape} do not match probs {p.shape}")
        yf = y.astype(np.float64)
        if not np.all(np.isfinite(yf)):
            raise ValueError("labels contain NaN or inf")
        if not (np.all((yf == 0) | (yf == 1)) and np.all(yf.sum(axis=1) == 1)):
            raise ValueError("2-D labels must be one-hot: one 1 per row, 0 elsewhere")
        return p, np.argmax(yf, axis=1)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},) or ({n}, {classes}), got {y.shape}")
    yf = y.astype(np.float64)
    if not np.all(np.isfinite(yf)):
        raise ValueError("labels contain NaN or inf")
    if not np.all(yf == np.round(yf)):
        raise ValueError("integer labels must be whole numbers")
    if yf.min() < 0 or yf.max() >= classes:
        found = f"[{yf.min():g}, {yf.max():g}]"
        raise ValueError(f"labels must lie in [0, {classes - 1}], found {found}")
    return p, yf.astype(np.int64)


def _bin_index(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin of each value in [0, 1]: bin b is (b/n, (b+1)/n], bin 0 also holds 0."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1 (got {n_bins})")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.clip(np.searchsorted(edges, values, side="left") - 1, 0, n_bins - 1)


def _binned_gap(conf: np.ndarray, outcome: np.ndarray, n_bins: int) -> float:
    """sum over bins of |bin|/n * |mean(outcome) - mean(conf)| (the ECE sum)."""
    idx = _bin_index(conf, n_bins)
    conf_sum = np.bincount(idx, weights=conf, minlength=n_bins)
    outcome_sum = np.bincount(idx, weights=outcome, minlength=n_bins)
    # |bin|/n * |acc - conf| = |sum(outcome) - sum(conf)| / n over each bin.
    return float(np.abs(outcome_sum - conf_sum).sum() / conf.size)


def _confidence_and_correct(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred = np.argmax(p, axis=1)
    return p[np.arange(p.shape[0]), pred], (pred == y).astype(np.float64)


def expected_calibration_error(probs: Any, labels: Any, n_bins: int = 15) -> float:
    """ECE = sum over confidence bins of |bin|/n * |accuracy(bin) - mean confidence(bin)|."""
    p, y = validate(probs, labels)
    conf, correct = _confidence_and_correct(p, y)
    return _binned_gap(conf, correct, n_bins)


def brier_score(probs: Any, labels: Any) -> float:
    """Mean over samples of sum over classes of (p - one_hot)^2: 0 is perfect, 2 the worst."""
    return _brier(*validate(probs, labels))


def _brier(p: np.ndarray, y: np.ndarray) -> float:
    target = np.zeros_like(p)
    target[np.arange(p.shape[0]), y] = 1.0
    return float(np.mean(np.sum((p - target) ** 2, axis=1)))


def reliability_bins(probs: Any, labels: Any, n_bins: int = 15) -> list[ReliabilityBin]:
    """All `n_bins` bins of the reliability diagram, empty ones included."""
    return _reliability(*validate(probs, labels), n_bins)


def _reliability(p: np.ndarray, y: np.ndarray, n_bins: int) -> list[ReliabilityBin]:
    conf, correct = _confidence_and_correct(p, y)
    idx = _bin_index(conf, n_bins)
    counts = np.bincount(idx, minlength=n_bins)
    conf_sum = np.bincount(idx, weights=conf, minlength=n_bins)
    correct_sum = np.bincount(idx, weights=correct, minlength=n_bins)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return [
        ReliabilityBin(
            lower=float(edges[b]),
            upper=float(edges[b + 1]),
            count=int(counts[b]),
            mean_confidence=float(conf_sum[b] / counts[b]) if counts[b] else None,
            accuracy=float(correct_sum[b] / counts[b]) if counts[b] else None,
        )
        for b in range(n_bins)
    ]


def per_class_ece(probs: Any, labels: Any, n_bins: int = 15) -> list[float | None]:
    """Class-wise ECE (Kull et al. 2019), one value per class.

    For class k: bin every sample by its predicted probability of k, p[:, k], and sum
    |bin|/n * |fraction of the bin whose label is k - mean p[:, k] in the bin|. It uses every
    sample, so it is defined for a class absent from the labels too (it then measures the
    probability wasted on that class) and is never None; the element type allows None so
    callers can mark classes they leave out.
    """
    return _per_class(*validate(probs, labels), n_bins)


def _per_class(p: np.ndarray, y: np.ndarray, n_bins: int) -> list[float | None]:
    return [_binned_gap(p[:, k], (y == k).astype(np.float64), n_bins) for k in range(p.shape[1])]


def entropies(probs: np.ndarray) -> np.ndarray:
    """Shannon entropy (natural log) of each row, with 0 * log 0 = 0."""
    p = np.clip(probs, 0.0, 1.0)
    logs = np.log(np.where(p > 0, p, 1.0))
    return -np.sum(p * logs, axis=1)


def analyze_calibration(probs: Any, labels: Any, n_bins: int = 15) -> CalibrationReport:
    """ECE, MCE, Brier, confidence, entropy, accuracy and the reliability bins in one pass."""
    p, y = validate(probs, labels)
    conf, correct = _confidence_and_correct(p, y)
    bins = _reliability(p, y, n_bins)
    gaps = [
        abs(b.accuracy - b.mean_confidence)
        for b in bins
        if b.accuracy is not None and b.mean_confidence is not None
    ]
    ent = entropies(p)
    return CalibrationReport(
        ece=_binned_gap(conf, correct, n_bins),
        brier=_brier(p, y),
        mean_confidence=float(conf.mean()),
        mean_entropy=float(ent.mean()),
        accuracy=float(correct.mean()),
        num_samples=int(p.shape[0]),
        bins=bins,
        per_class_ece=_per_class(p, y, n_bins),
        confidences=conf,
        entropies=ent,
        num_classes=int(p.shape[1]),
        n_bins=n_bins,
        mce=max(gaps),
    )
