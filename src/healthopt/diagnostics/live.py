"""Health pruning: whether a trial's epoch records so far show that more training is pointless.

`health_alarm` runs after every epoch of every trial, on the records the observer has made so
far. It asks the diagnostics engine's own checks (not a copy of their rules) only the
questions whose answer cannot improve with more epochs, in this order, and returns the first
that fires:

1. `nan_in_loss`: a loss went NaN or infinite; the weights are unusable from there on.
2. `loss_explosion`: the train loss grew more than `loss_explosion_ratio` in one epoch.
3. `dead_neurons`, critical form only: every unit of a layer is dead, so everything after it
   sees a constant. A partly dead layer can recover and does not alarm.
4. `vanishing_gradients` in every layer with weights that measured a gradient: nothing can
   learn. One vanishing layer among learning ones does not alarm.
5. `stuck_at_chance`: validation accuracy at chance in each of the last
   `chance_patience_epochs` epochs (margin: `DiagnosticThresholds.chance_margin`).

Events (1, 2) are dated at the first epoch they happened in; states (3-5) at the latest
epoch that shows them. Either way `HealthAlarm.epoch` is the 1-based place of a record in
`records`, never an epoch not yet run.

Cost: a few passes over the records, no report, no other check (`test_live` times it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from healthopt.diagnostics.checks.chance import chance_limit, chance_runs, val_accuracies
from healthopt.diagnostics.checks.loss import check_loss_explosion, train_loss
from healthopt.diagnostics.checks.sustainability._common import final_position
from healthopt.diagnostics.checks.sustainability.layers import (
    dead_flags,
    has_weights,
    vanishing_layers,
)
from healthopt.diagnostics.checks.training import check_nan_in_loss
from healthopt.diagnostics.records import DiagnosticInput, epoch_index, layer_series
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord, HealthAlarm, LayerHealth


def health_alarm(
    records: Sequence[EpochRecord],
    chance_accuracy: float | None,
    chance_patience_epochs: int,
    thresholds: DiagnosticThresholds | None = None,
) -> HealthAlarm | None:
    """The first reason (module docstring's order) to stop this trial now, None when training
    may still pay off. `chance_accuracy` is the validation split's majority-class fraction
    (None: no stuck_at_chance check); `chance_patience_epochs` is k, the epochs a model may
    stay at chance."""
    t = thresholds or DiagnosticThresholds()
    data = DiagnosticInput(epochs=list(records))
    for check in (_nan_in_loss, _loss_explosion, _dead_layer, _vanishing_everywhere):
        found = check(data, t)
        if found is not None:
            return found
    return _stuck_at_chance(data, chance_accuracy, chance_patience_epochs, t)


def _epoch(data: DiagnosticInput, index: int | None) -> tuple[int, int] | None:
    """(position in the records, 1-based epoch) of the record the engine numbers `index`;
    None when no record has that number, so an alarm never names an epoch not yet run."""
    epochs = data.epochs
    for position in range(len(epochs)):
        if epoch_index(epochs, position) == index:
            return position, position + 1
    return None


def _nan_in_loss(data: DiagnosticInput, t: DiagnosticThresholds) -> HealthAlarm | None:
    issues = check_nan_in_loss(data, t)
    where = _epoch(data, issues[0].epoch_index) if issues else None
    if where is None:
        return None
    found, epoch = issues[0], where[1]
    # In-process records hold a non-finite loss as None ("null"): they cannot say which.
    value = "NaN or infinite" if found.metric_value == "null" else found.metric_value
    return HealthAlarm(
        check=found.check, message=f"{found.metric_key} is {value} at epoch {epoch}", epoch=epoch
    )


def _loss_explosion(data: DiagnosticInput, t: DiagnosticThresholds) -> HealthAlarm | None:
    issues = check_loss_explosion(data, t)
    where = _epoch(data, issues[0].epoch_index) if issues else None
    if where is None:
        return None
    (position, epoch), after = where, float(issues[0].metric_value)
    before = train_loss(data.epochs[position - 1]) or math.nan  # the check needs it positive
    return HealthAlarm(
        check=issues[0].check,
        message=(
            f"train loss exploded {after / before:.1f}x, from {before:.4g} to {after:.4g}, "
            f"at epoch {epoch}"
        ),
        epoch=epoch,
    )


def _dead_layer(data: DiagnosticInput, t: DiagnosticThresholds) -> HealthAlarm | None:
    """The first wholly dead layer in the latest epoch with layer records: the cause, since
    the layers after it inherit its constant output."""
    whole = next((flag for flag in dead_flags(data.epochs, t) if flag.whole), None)
    position = final_position(data.epochs)
    if whole is None or position is None:
        return None
    return HealthAlarm(
        check="dead_neurons",
        message=f"layer '{whole.layer}' has every unit dead at epoch {position + 1}",
        epoch=position + 1,
    )


def _measured_gradient(entry: LayerHealth | None) -> bool:
    """A layer entry that `vanishing_layers` can judge: a layer with weights that recorded a
    gradient norm or a vanishing verdict."""
    return (
        entry is not None
        and has_weights(entry)
        and (entry.gradient_norm is not None or entry.has_vanishing_gradients is not None)
    )


def _vanishing_everywhere(data: DiagnosticInput, t: DiagnosticThresholds) -> HealthAlarm | None:
    measured = {
        name for name, entries in layer_series(data.epochs) if any(map(_measured_gradient, entries))
    }
    vanished = {row.layer for row in vanishing_layers(data, t)}
    if not measured or not measured <= vanished:
        return None
    epoch = len(data.epochs)
    return HealthAlarm(
        check="vanishing_gradients",
        message=(
            f"gradients vanished in all {len(measured)} layers with weights (norm below "
            f"{t.vanishing_gradient_threshold:g}) by epoch {epoch}"
        ),
        epoch=epoch,
    )


def _stuck_at_chance(
    data: DiagnosticInput,
    chance_accuracy: float | None,
    patience: int,
    t: DiagnosticThresholds,
) -> HealthAlarm | None:
    """Validation accuracy at chance (`checks.chance.chance_limit`, the rule `did_not_learn`
    uses after the run) in each of the last `patience` epochs; an epoch without a validation
    accuracy breaks the run."""
    accuracies = val_accuracies(data.epochs)
    if chance_accuracy is None or patience < 1 or not accuracies:
        return None
    if chance_runs(accuracies, chance_limit(chance_accuracy, t))[-1] < patience:
        return None
    last, epoch = accuracies[-1], len(accuracies)
    return HealthAlarm(
        check="stuck_at_chance",
        message=(
            f"val accuracy {last:.3f} still at chance ({chance_accuracy:.3f}) after "
            f"{patience} epoch{'s' if patience != 1 else ''}, at epoch {epoch}"
        ),
        epoch=epoch,
    )
