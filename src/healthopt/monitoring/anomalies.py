"""Seed 001's anomaly detection, on the per-layer metric histories.

Three types, as the seed lists them:

- metric_spike: a change of a metric from one monitored epoch to the next that lies more
  than SPIKE_SIGMAS standard deviations away from the median of the layer's earlier changes
  of that metric (at least SPIKE_MIN_HISTORY of them). Judging each change against the ones
  before it, not against all of them, keeps the early epochs' large, steadily shrinking
  moves off their initialisation from reading as spikes in a healthy run (measured on a
  digits CNN: against all changes, epochs 2 and 3 of every layer were "spikes"). The
  standard deviation is estimated robustly (the median absolute deviation scaled to a
  normal's sigma, as `scipy.stats.median_abs_deviation(scale="normal")` gives it; see
  `earlier_changes_yardstick`), so one spike does not inflate the yardstick the next is
  measured by. A change under SPIKE_MIN_CHANGE on the metric's [0, 1] scale is never a spike.
- classification_instability: the layer's class changed in more than INSTABILITY_SHARE of
  its monitored epochs (the seed's 30 %).
- convergence_issue: the model's training loss went non-finite or ended no lower than it
  began, or a layer never learned: its output was constant over the probe batch (every unit
  dead) at every monitored epoch, or its weights never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from healthopt.records import EpochRecord
from healthopt.records.monitoring import METRIC_NAMES, Anomaly, LayerReport

SPIKE_SIGMAS = 3.0
SPIKE_MIN_CHANGE = 0.1
SPIKE_MIN_HISTORY = 3
SPIKE_SEVERITY_CAP = 10.0
INSTABILITY_SHARE = 0.3
# The loss must end at least this fraction below where it began to count as having fallen.
LOSS_DECREASE = 0.01
# A layer counts as dead at an epoch when this share of its units gave constant output.
DEAD_SHARE = 0.99

THRESHOLDS = {
    "spike_sigmas": SPIKE_SIGMAS,
    "spike_min_change": SPIKE_MIN_CHANGE,
    "spike_min_history": float(SPIKE_MIN_HISTORY),
    "instability_share": INSTABILITY_SHARE,
    "loss_decrease": LOSS_DECREASE,
    "dead_unit_share": DEAD_SHARE,
}


# scipy.stats.median_abs_deviation(scale="normal") divides the MAD by this, a normal's
# MAD per unit of sigma (0.6745); the standard library's NormalDist gives it without
# importing scipy.stats (0.7 s), which the diagnostics engine would otherwise pay.
_MAD_PER_SIGMA = NormalDist().inv_cdf(0.75)


def earlier_changes_yardstick(change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each change (last axis) from position SPIKE_MIN_HISTORY on, the median of the
    changes before it and their robust sigma, the normal-scaled median absolute deviation
    (`scipy.stats.median_abs_deviation(earlier, scale="normal")`); NaN before that position.

    All positions of all rows at once: scipy's function costs about 0.3 ms a call in
    argument handling, which over every metric, monitored epoch and layer of a long run
    (100 epochs, 12 layers: 7,000 calls) made monitoring take seconds; the tests hold these
    figures to scipy's.
    """
    count = change.shape[-1]
    centre = np.full(change.shape, np.nan)
    sigma = np.full(change.shape, np.nan)
    if count <= SPIKE_MIN_HISTORY:
        return centre, sigma
    before = np.tri(count, count, -1, dtype=bool)[SPIKE_MIN_HISTORY:]  # [position, j]: j < it
    earlier = np.where(before, change[..., None, :], np.nan)
    middle = np.nanmedian(earlier, axis=-1)
    centre[..., SPIKE_MIN_HISTORY:] = middle
    deviation = np.nanmedian(np.abs(earlier - middle[..., None]), axis=-1)
    sigma[..., SPIKE_MIN_HISTORY:] = deviation / _MAD_PER_SIGMA
    return centre, sigma


def metric_spikes(layer: LayerReport) -> list[Anomaly]:
    epochs = [entry.epoch for entry in layer.epochs]
    # A metric missing at some monitored epoch has no series of changes to judge.
    metrics = [
        metric
        for metric in METRIC_NAMES
        if all(entry.metrics.get(metric) is not None for entry in layer.epochs)
    ]
    if not metrics or len(epochs) <= SPIKE_MIN_HISTORY + 1:
        return []
    values = np.array(
        [[entry.metrics.get(metric) for entry in layer.epochs] for metric in metrics],
        dtype=np.float64,
    )
    anomalies = []
    for metric, row in zip(metrics, np.diff(values, axis=1), strict=True):
        # One metric at a time: the yardstick's work array is (changes x changes).
        centres, sigmas = earlier_changes_yardstick(row)
        for position in range(SPIKE_MIN_HISTORY, row.size):
            delta = float(row[position])
            centre, sigma = float(centres[position]), float(sigmas[position])
            distance = abs(delta - centre)
            if abs(delta) < SPIKE_MIN_CHANGE or distance <= SPIKE_SIGMAS * sigma:
                continue
            severity = (
                SPIKE_SEVERITY_CAP
                if sigma == 0
                else min(distance / (SPIKE_SIGMAS * sigma), SPIKE_SEVERITY_CAP)
            )
            epoch = epochs[position + 1]
            anomalies.append(
                Anomaly(
                    type="metric_spike",
                    layer=layer.name,
                    epoch=epoch,
                    severity=round(severity, 3),
                    metric=metric,
                    description=(
                        f"{metric} of {layer.name} changed by {delta:+.3f} into epoch {epoch}, "
                        f"where its earlier changes sit near {centre:+.3f} "
                        f"(robust sigma {sigma:.3f}; a spike is over {SPIKE_SIGMAS:g} sigma "
                        f"and at least {SPIKE_MIN_CHANGE})"
                    ),
                )
            )
    return anomalies


def classification_instability(layer: LayerReport) -> list[Anomaly]:
    monitored = len(layer.epochs)
    if monitored < 2 or layer.class_changes <= INSTABILITY_SHARE * monitored:
        return []
    share = layer.class_changes / monitored
    return [
        Anomaly(
            type="classification_instability",
            layer=layer.name,
            severity=round(share / INSTABILITY_SHARE, 3),
            description=(
                f"{layer.name} changed class {layer.class_changes} times in {monitored} "
                f"monitored epochs ({share:.0%}; over {INSTABILITY_SHARE:.0%} is unstable): "
                "its behaviour has not settled"
            ),
        )
    ]


def layer_not_learning(
    name: str, records: Sequence[EpochRecord], monitored: Sequence[int]
) -> list[Anomaly]:
    """A layer dead at every monitored epoch, or whose weights never moved."""
    entries = [records[i].layers.get(name) for i in monitored]
    present = [entry for entry in entries if entry is not None]
    if not present:
        return []
    dead = [entry.dead_unit_fraction for entry in present]
    if all(share is not None and share >= DEAD_SHARE for share in dead):
        return [
            Anomaly(
                type="convergence_issue",
                layer=name,
                epoch=None,
                severity=1.0,
                description=(
                    f"{name} never learned: at every monitored epoch "
                    f"{min(s for s in dead if s is not None):.0%} or more of its units gave the "
                    "same output for every probe sample (dead units), so no gradient reaches "
                    "its weights and the layers after it get a constant"
                ),
            )
        ]
    # Every epoch, not only the monitored ones: each record's weight_change covers just the
    # epoch before it, so weights that moved between monitored epochs did move.
    everywhere = [record.layers.get(name) for record in records]
    moved = [entry.weight_change for entry in everywhere if entry is not None]
    if all(change is not None and change == 0.0 for change in moved):
        return [
            Anomaly(
                type="convergence_issue",
                layer=name,
                severity=1.0,
                description=f"{name} never learned: its weights did not change in any epoch",
            )
        ]
    return []


def _train_loss(record: EpochRecord) -> tuple[float | None, bool]:
    """The epoch's training loss (Keras's epoch loss, else the mean batch loss) and whether
    the record gave it: the observer writes a non-finite loss as null, while a record
    without the figure at all says nothing about divergence."""
    loss = record.loss
    for key in ("train_epoch", "train_mean"):
        if key in loss.model_fields_set:
            value = getattr(loss, key)
            return (None if value is None else float(value)), True
    return None, False


def model_convergence(records: Sequence[EpochRecord]) -> list[Anomaly]:
    read = [_train_loss(record) for record in records]
    given = [(position, loss) for position, (loss, known) in enumerate(read) if known]
    if not given:
        return []
    broken = next((position for position, loss in given if loss is None), None)
    if broken is not None:
        return [
            Anomaly(
                type="convergence_issue",
                epoch=_epoch_of(records, broken),
                severity=1.0,
                description=(
                    f"the training loss was not finite at epoch {_epoch_of(records, broken)}: "
                    "training diverged"
                ),
            )
        ]
    first, last = float(given[0][1] or 0.0), float(given[-1][1] or 0.0)
    if len(given) >= 2 and last > first * (1.0 - LOSS_DECREASE):
        return [
            Anomaly(
                type="convergence_issue",
                epoch=_epoch_of(records, given[-1][0]),
                severity=1.0,
                description=(
                    f"the training loss ended at {last:.4g}, not {LOSS_DECREASE:.0%} below where "
                    f"it began ({first:.4g}): the model did not converge"
                ),
            )
        ]
    return []


def _epoch_of(records: Sequence[EpochRecord], position: int) -> int:
    """The record's own epoch number, else its position."""
    epoch = records[position].epoch
    return position if epoch is None else epoch
