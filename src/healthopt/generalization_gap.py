"""The generalization gap: how much better a model does on its training data than on
held-out data, and when that gap is wide enough to call overfitting.

One definition, shared by the diagnostics (`diagnostics.checks.loss.check_overfitting`) and
the analyzer (`analysis.dynamics.analyze_dynamics`), so `healthopt diagnose` and the analyzer
cannot disagree about the same run. It reads plain per-epoch numbers only (no numpy, no
TensorFlow) so both can import it cheaply.

The gap is measured over the final third of training, the last ceil(n / 3) epochs of the
aligned train/validation series: late enough that early learning is over, long enough that
one noisy epoch does not decide. Epochs where either split is missing or not finite are left
out of the means. A wide gap is overfitting whatever the validation trend: a validation loss
that never rises but stays far above the train loss (or a validation accuracy stuck near
chance) is the same disease as one that turns upward.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

# Train accuracy more than 10 points above validation accuracy. Healthy runs end within a few
# points (digits CNN: 0.97 train / 0.95 val); sampling noise cannot explain 10: on the
# 360-sample digits validation split the standard error of an accuracy near 0.9 is
# sqrt(0.9 * 0.1 / 360) = 0.016, so 0.10 is over six standard errors.
ACCURACY_GAP_LIMIT = 0.10
# The loss rule needs both a relative and an absolute excess, because each alone misfires:
# - relative (val >= 2x train): loss scales differ across tasks (cross-entropy over 2 or 100
#   classes, MSE in the data's units), so no absolute number suits them all; but near
#   convergence the train loss tends to 0 and the ratio explodes for a model that generalises
#   well (train 0.01 / val 0.05 is 5x at 98% validation accuracy).
# - absolute (val - train >= 0.2): keeps those near-zero losses quiet. For cross-entropy,
#   exp(0.2) = 1.22: the model gives the true label about 20% less probability (geometric
#   mean) on validation samples than on the training samples it saw.
# A healthy run (train 0.10 / val 0.16: 1.6x, +0.06) passes both; 0.58 / 2.24 (3.9x, +1.66)
# fails both.
LOSS_RATIO_LIMIT = 2.0
LOSS_GAP_LIMIT = 0.2


@dataclass(frozen=True)
class GapLimits:
    """When a gap counts as overfitting; `DiagnosticThresholds` lets users override these."""

    accuracy_gap: float = ACCURACY_GAP_LIMIT  # train accuracy - val accuracy
    loss_ratio: float = LOSS_RATIO_LIMIT  # val loss / train loss
    loss_gap: float = LOSS_GAP_LIMIT  # val loss - train loss


@dataclass(frozen=True)
class SplitMeans:
    """Mean train and validation values over the final third, and how many epochs they span."""

    train: float
    val: float
    epochs: int


@dataclass(frozen=True)
class GeneralizationGap:
    """The final-third train/validation means of loss and accuracy (None where unmeasurable)."""

    loss: SplitMeans | None
    accuracy: SplitMeans | None

    @property
    def loss_gap(self) -> float | None:
        """Mean val loss - mean train loss: the analyzer's overfitting index."""
        return None if self.loss is None else self.loss.val - self.loss.train

    @property
    def loss_ratio(self) -> float | None:
        """Mean val loss / mean train loss; None unless the train loss is positive."""
        if self.loss is None or self.loss.train <= 0:
            return None
        return self.loss.val / self.loss.train

    @property
    def accuracy_gap(self) -> float | None:
        """Mean train accuracy - mean val accuracy (positive: better on training data)."""
        return None if self.accuracy is None else self.accuracy.train - self.accuracy.val

    def accuracy_too_wide(self, limits: GapLimits) -> bool:
        gap = self.accuracy_gap
        return gap is not None and gap >= limits.accuracy_gap

    def loss_too_wide(self, limits: GapLimits) -> bool:
        # val >= ratio * train rather than val / train >= ratio: also right for a train loss
        # of exactly 0, where the ratio is undefined but any real validation loss is a gap.
        if self.loss is None:
            return False
        return (
            self.loss.val - self.loss.train >= limits.loss_gap
            and self.loss.val >= limits.loss_ratio * self.loss.train
        )

    def overfitting(self, limits: GapLimits) -> bool | None:
        """Either gap too wide; None when neither loss nor accuracy could be measured."""
        if self.loss is None and self.accuracy is None:
            return None
        return self.accuracy_too_wide(limits) or self.loss_too_wide(limits)


def final_third_start(epochs: int) -> int:
    """Position of the first epoch of the final third: the last ceil(epochs / 3) epochs."""
    return epochs - math.ceil(epochs / 3)


def final_third_means(
    train: Sequence[float | None] | None, val: Sequence[float | None] | None
) -> SplitMeans | None:
    """Means of both series over the last ceil(n / 3) of their n common epochs.

    The series are aligned from the first epoch (a longer one is cut to the shorter); only
    epochs where both values are finite count. None when no such epoch is left.
    """
    if train is None or val is None:
        return None
    common = min(len(train), len(val))
    start = final_third_start(common)
    pairs = [
        (float(t), float(v))
        for t, v in zip(train[start:common], val[start:common], strict=True)
        if t is not None and v is not None and math.isfinite(t) and math.isfinite(v)
    ]
    if not pairs:
        return None
    return SplitMeans(
        train=fmean(t for t, _ in pairs), val=fmean(v for _, v in pairs), epochs=len(pairs)
    )


def generalization_gap(
    train_loss: Sequence[float | None] | None,
    val_loss: Sequence[float | None] | None,
    train_accuracy: Sequence[float | None] | None = None,
    val_accuracy: Sequence[float | None] | None = None,
) -> GeneralizationGap:
    """The gap of one run from its per-epoch series (None or NaN for a missing epoch)."""
    return GeneralizationGap(
        loss=final_third_means(train_loss, val_loss),
        accuracy=final_third_means(train_accuracy, val_accuracy),
    )
