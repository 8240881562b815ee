"""Training dynamics from a Keras-style history: convergence, overfitting, val-loss spread, peak.

A history is a dict of metric name -> one value per epoch (Keras `History.history`; a History
object works too). Epochs are numbered from 0, as in `observer.json`, except
`epochs_to_convergence`, which is a count of epochs. A value that cannot be computed is None,
and `missing` names the metrics that were absent, `notes` any other reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from healthopt.analysis.files import DynamicsEntry, entry_from
from healthopt.analysis.records import finite_or_none
from healthopt.generalization_gap import GapLimits, generalization_gap

CONVERGENCE_FRACTION = 0.95

# Names a metric goes by, most specific first; the validation name is "val_" + one of these.
_ALIASES: dict[str, tuple[str, ...]] = {
    "loss": ("loss",),
    "accuracy": (
        "accuracy",
        "acc",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "binary_accuracy",
    ),
}
_PREFIXES: dict[str, tuple[str, ...]] = {
    "train": ("", "train_", "training_"),
    "val": ("val_", "validation_"),
}


def _as_dict(history: Any) -> Mapping[str, Any]:
    inner = getattr(history, "history", history)  # keras.callbacks.History
    if not isinstance(inner, Mapping):
        raise TypeError(f"history must be a dict of metric -> values, got {type(history)}")
    return inner


def _as_floats(values: Any) -> list[float]:
    """Per-epoch values as floats; None and non-numbers become NaN so epochs stay aligned."""
    out = []
    for v in values:
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            out.append(math.nan)
    return out


def find_metric(
    history: Any,
    metric: Literal["loss", "accuracy"],
    split: Literal["train", "val"],
) -> list[float] | None:
    """One metric's per-epoch values, whatever Keras named it; None when absent or empty.

    Names match case-insensitively: accuracy, acc, categorical_accuracy,
    sparse_categorical_accuracy, binary_accuracy, each bare (train) or with "val_" (also
    "train_"/"training_" and "validation_"). The first name found in that order wins.
    """
    if metric not in _ALIASES:
        raise ValueError(f"metric must be one of {sorted(_ALIASES)} (got {metric!r})")
    if split not in _PREFIXES:
        raise ValueError(f"split must be one of {sorted(_PREFIXES)} (got {split!r})")
    lowered = {str(k).lower(): v for k, v in _as_dict(history).items()}
    for name in _ALIASES[metric]:
        for prefix in _PREFIXES[split]:
            values = lowered.get(prefix + name)
            if values is not None and not isinstance(values, (str, bytes)):
                floats = _as_floats(np.ravel(np.asarray(values, dtype=object)))
                if floats:
                    return floats
    return None


@dataclass(frozen=True)
class TrainingDynamics:
    """Seed 000's training-dynamics metrics for one history; see `analyze_dynamics`."""

    epochs: int
    epochs_to_convergence: int | None
    overfitting_index: float | None
    val_loss_std: float | None
    peak_val_accuracy: float | None
    peak_epoch: int | None
    peak_val_loss: float | None
    final_gap: float | None
    final_train_loss: float | None
    final_val_loss: float | None
    missing: list[str] = field(default_factory=list)
    convergence_metric: str | None = None  # "val_accuracy" or "val_loss"
    peak_metric: str | None = None  # what peak_epoch refers to
    peak_val_loss_epoch: int | None = None
    accuracy_gap: float | None = None
    loss_ratio: float | None = None
    overfitting: bool | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> DynamicsEntry:
        return entry_from(self, DynamicsEntry)


def _first_reaching(values: np.ndarray, target: float, above: bool) -> int | None:
    hits = np.flatnonzero(values >= target if above else values <= target)
    return int(hits[0]) if hits.size else None


def _convergence(
    val_acc: np.ndarray | None, val_loss: np.ndarray | None
) -> tuple[int | None, str | None]:
    """Epoch count to reach 95% of peak val accuracy, or 95% of the val loss improvement.

    Without accuracy, the target is start - 0.95 * (start - min loss), start being the first
    finite val loss: the epoch by which 95% of the total drop in validation loss has happened
    (a count of 1 if the loss never drops). The peak accuracy target assumes accuracy >= 0.
    """
    if val_acc is not None and np.any(np.isfinite(val_acc)):
        target = CONVERGENCE_FRACTION * float(np.nanmax(val_acc))
        hit = _first_reaching(val_acc, target, above=True)
        return (None if hit is None else hit + 1), "val_accuracy"
    if val_loss is not None and np.any(np.isfinite(val_loss)):
        start = float(val_loss[np.isfinite(val_loss)][0])
        best = float(np.nanmin(val_loss))
        hit = _first_reaching(val_loss, start - CONVERGENCE_FRACTION * (start - best), above=False)
        return (None if hit is None else hit + 1), "val_loss"
    return None, None


def analyze_dynamics(
    history: Any, val_loss_std_window: int = 5, limits: GapLimits | None = None
) -> TrainingDynamics:
    """Seed 000's metrics from one history.

    - epochs_to_convergence: see `_convergence` (a count: the first epoch counts as 1).
    - overfitting_index, accuracy_gap, loss_ratio, overfitting: the generalization gap over
      the final third, the last ceil(epochs / 3) epochs, as `healthopt.generalization_gap`
      defines it for the diagnostics too: mean val_loss - train_loss (positive means the
      model fits training data better), mean train - val accuracy, mean val / train loss, and
      whether either gap passes `limits` (default: the diagnostics' default thresholds).
    - val_loss_std: population std of val loss over the last `val_loss_std_window` epochs
      (all epochs if fewer); None with fewer than 2 finite values. Lower is steadier.
    - peak: best val accuracy and its epoch; without accuracy peak_epoch is that of the
      lowest val loss (`peak_metric` says which). Ties go to the earliest epoch.
    - final_gap: val_loss - train_loss at the last epoch.
    NaN epochs (a diverged run) are skipped by every statistic.
    """
    if val_loss_std_window < 1:
        raise ValueError(f"val_loss_std_window must be >= 1 (got {val_loss_std_window})")
    limits = limits or GapLimits()
    found = {
        "loss": find_metric(history, "loss", "train"),
        "val_loss": find_metric(history, "loss", "val"),
        "accuracy": find_metric(history, "accuracy", "train"),
        "val_accuracy": find_metric(history, "accuracy", "val"),
    }
    missing = [name for name, values in found.items() if values is None]
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in found.items() if v is not None}
    loss, val_loss = arrays.get("loss"), arrays.get("val_loss")
    val_acc = arrays.get("val_accuracy")
    gap = generalization_gap(
        found["loss"], found["val_loss"], found["accuracy"], found["val_accuracy"]
    )
    epochs = max((a.size for a in arrays.values()), default=0)
    notes: dict[str, str] = {}

    converged, convergence_metric = _convergence(val_acc, val_loss)
    if converged is None:
        notes["epochs_to_convergence"] = "no finite validation accuracy or loss"

    final_gap = None
    if loss is not None and val_loss is not None:
        common = min(loss.size, val_loss.size)
        final_gap = finite_or_none(val_loss[common - 1] - loss[common - 1])
        if gap.loss is None:
            notes["overfitting_index"] = "no epoch with finite loss and val_loss"
    else:
        notes["overfitting_index"] = notes["final_gap"] = "needs both loss and val_loss"
    if gap.accuracy is None:
        notes["accuracy_gap"] = "needs finite accuracy and val_accuracy in the same epochs"

    val_loss_std = None
    if val_loss is not None:
        tail = val_loss[-val_loss_std_window:]
        tail = tail[np.isfinite(tail)]
        val_loss_std = float(np.std(tail)) if tail.size >= 2 else None
        if val_loss_std is None:
            notes["val_loss_std"] = "fewer than 2 finite val_loss values in the window"
    else:
        notes["val_loss_std"] = "needs val_loss"

    peak_acc = peak_epoch = peak_loss = peak_loss_epoch = peak_metric = None
    if val_loss is not None and np.any(np.isfinite(val_loss)):
        peak_loss_epoch = int(np.nanargmin(val_loss))
        peak_loss = float(val_loss[peak_loss_epoch])
        peak_epoch, peak_metric = peak_loss_epoch, "val_loss"
    if val_acc is not None and np.any(np.isfinite(val_acc)):
        peak_epoch = int(np.nanargmax(val_acc))
        peak_acc, peak_metric = float(val_acc[peak_epoch]), "val_accuracy"

    return TrainingDynamics(
        epochs=int(epochs),
        epochs_to_convergence=converged,
        overfitting_index=gap.loss_gap,
        val_loss_std=val_loss_std,
        peak_val_accuracy=peak_acc,
        peak_epoch=peak_epoch,
        peak_val_loss=peak_loss,
        final_gap=final_gap,
        final_train_loss=None if loss is None else finite_or_none(loss[-1]),
        final_val_loss=None if val_loss is None else finite_or_none(val_loss[-1]),
        missing=missing,
        convergence_metric=convergence_metric,
        peak_metric=peak_metric,
        peak_val_loss_epoch=peak_loss_epoch,
        accuracy_gap=gap.accuracy_gap,
        loss_ratio=gap.loss_ratio,
        overfitting=gap.overfitting(limits),
        notes=notes,
    )


def smooth_curve(values: Sequence[float] | np.ndarray, window: int) -> np.ndarray:
    """Centred moving average of the same length as `values`.

    Point i averages the values from i - (window-1)//2 to i + window//2; at the ends the
    window is cut to the values that exist (no padding, so the curve is not pulled toward
    zero or a repeated end value). NaN values are skipped; a window of only NaN gives NaN.
    `window` <= 1 returns a copy.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if window <= 1 or x.size == 0:
        return x.copy()
    finite = np.isfinite(x)
    sums = np.concatenate(([0.0], np.cumsum(np.where(finite, x, 0.0))))
    counts = np.concatenate(([0], np.cumsum(finite)))
    idx = np.arange(x.size)
    lo = np.clip(idx - (window - 1) // 2, 0, x.size)
    hi = np.clip(idx + window // 2 + 1, 0, x.size)
    n = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums[hi] - sums[lo]) / np.maximum(n, 1), np.nan)
