"""The six health components of a trained model, each a number in [0, 1] or None with a reason.

They read the observer's epoch records (`records.EpochRecord`) and the validation predictions,
never the model itself, so they run anywhere. A component that cannot be computed is None and
says why; there are no fallback constants (seed 002 records a bug where metrics silently showed
0.5, which ranked broken trials as average).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from healthopt.records import HEALTH_COMPONENTS, EpochRecord, HealthValues, LayerHealth

# Gradient norms outside this band count as vanished or exploded (seed 004 section 11.11).
VANISHING_GRADIENT = 1e-7
EXPLODING_GRADIENT = 1e3
BOOTSTRAP_RESAMPLES = 200
MIN_VALIDATION_SAMPLES = 10
_ACTIVATION_TYPES = {"Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"}
_PASS_THROUGH_TYPES = {
    "BatchNormalization",
    "LayerNormalization",
    "Dropout",
    "Embedding",
    "SpatialDropout1D",
    "SpatialDropout2D",
}


@dataclass(frozen=True)
class HealthInputs:
    """What the health components read: records, validation outcome and model size.

    `val_correct` holds one bool per validation sample (was the prediction right);
    `chance_accuracy` is the accuracy of always predicting the majority class;
    `reference_parameters` is the size of a linear classifier on the same inputs, the
    smallest model that could reasonably solve the task.
    """

    epochs: list[EpochRecord]
    val_correct: np.ndarray
    val_accuracy: float | None
    chance_accuracy: float
    num_parameters: int
    reference_parameters: int
    num_classes: int
    seed: int = 0


@dataclass(frozen=True)
class Component:
    value: float | None
    reason: str | None = None  # why the value is None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    components: dict[str, Component]

    def values(self) -> HealthValues:
        return HealthValues.model_validate({name: c.value for name, c in self.components.items()})

    def reasons(self) -> dict[str, str]:
        return {name: c.reason for name, c in self.components.items() if c.reason}

    def to_dict(self) -> dict[str, Any]:
        return {
            "components": self.values().to_json(),
            "reasons": self.reasons(),
            "details": {name: c.details for name, c in self.components.items()},
        }


def _clip(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def neuron_utilization(inputs: HealthInputs) -> Component:
    """Share of hidden units that respond to the input at all, in the final epoch.

    A unit is dead when its output is the same for every probe sample and position (a ReLU
    stuck at zero, a saturated tanh); the observer records each layer's dead-unit fraction.
    Counted are the layers whose output is a nonlinearity: activation layers and weighted
    layers not followed by one, except the output layer. The value is 1 minus the
    unit-weighted dead fraction, so 1 means every unit is alive. Dead units are capacity
    that was paid for and does no work, and a wholly dead layer blocks all signal behind it.
    """
    if not inputs.epochs:
        return Component(None, "no epoch records")
    entries = list(inputs.epochs[-1].layers.items())
    counted: list[tuple[str, float, int]] = []
    for i, (name, entry) in enumerate(entries[:-1]):
        dead, units = entry.dead_unit_fraction, entry.units
        if dead is None or units is None or units <= 0:
            continue
        following = next(
            (e.type for _, e in entries[i + 1 :] if e.type not in _PASS_THROUGH_TYPES), None
        )
        if entry.type in _ACTIVATION_TYPES or (
            (entry.num_parameters or 0) > 0
            and entry.type not in _PASS_THROUGH_TYPES
            and following not in _ACTIVATION_TYPES
        ):
            counted.append((name, dead, units))
    if not counted:
        return Component(None, "no hidden layer with per-unit activation records")
    total_units = sum(units for _, _, units in counted)
    dead_units = sum(dead * units for _, dead, units in counted)
    return Component(
        _clip(1.0 - dead_units / total_units),
        details={
            "dead_units": round(dead_units),
            "units": total_units,
            "layers": {name: round(1.0 - dead, 4) for name, dead, _ in counted},
        },
    )


def parameter_efficiency(inputs: HealthInputs) -> Component:
    """Skill above chance, discounted by how far the model outgrows a linear classifier.

    skill = (val_accuracy - chance) / (1 - chance), clipped to [0, 1], so a model no better
    than guessing the majority class scores 0 however small it is. size_factor =
    1 / (1 + log10(max(1, parameters / reference))), where reference is the parameter count
    of a linear classifier on the same inputs: each tenfold growth past it costs less than
    the last, and a model at or below it loses nothing. The product stays in [0, 1]; it
    rewards accuracy bought with few parameters, never size alone (seed 002 records a bug
    where small models got negative efficiency).
    """
    if inputs.val_accuracy is None:
        return Component(None, "no validation accuracy")
    if inputs.num_parameters <= 0 or inputs.reference_parameters <= 0:
        return Component(None, "parameter count unknown")
    chance = min(max(inputs.chance_accuracy, 0.0), 1.0 - 1e-9)
    skill = _clip((inputs.val_accuracy - chance) / (1.0 - chance))
    ratio = inputs.num_parameters / inputs.reference_parameters
    size_factor = 1.0 / (1.0 + math.log10(max(1.0, ratio)))
    return Component(
        _clip(skill * size_factor),
        details={
            "skill": round(skill, 4),
            "size_factor": round(size_factor, 4),
            "parameters": inputs.num_parameters,
            "reference_parameters": inputs.reference_parameters,
        },
    )


def training_stability(inputs: HealthInputs) -> Component:
    """How steadily the training loss fell: direction (epoch to epoch) and noise (in epochs).

    monotony = 1 - (sum of epoch-to-epoch rises) / (sum of all epoch-to-epoch moves): 1 for a
    loss that only falls, near 0.5 for one that oscillates. noise = median over epochs after
    the first of the batch-loss standard deviation, relative to the first epoch's mean loss
    (relative to the starting scale, so a converged model with tiny but proportionally noisy
    losses is not punished). The value is monotony / (1 + noise). Erratic training makes the
    final weights an accident of where the run stopped.
    """
    losses = [e.loss.train_mean for e in inputs.epochs if e.loss.train_mean is not None]
    if len(losses) < 2:
        return Component(None, "needs the training loss of at least 2 epochs")
    moves = np.diff(losses)
    total_move = float(np.abs(moves).sum())
    rises = float(moves[moves > 0].sum())
    monotony = 1.0 - rises / total_move if total_move > 0 else 1.0
    scale = abs(losses[0]) or 1.0
    stds = [e.loss.train_std for e in inputs.epochs[1:] if e.loss.train_std is not None]
    noise = float(np.median(stds)) / scale if stds else 0.0
    return Component(
        _clip(monotony / (1.0 + noise)),
        details={"monotony": round(monotony, 4), "relative_batch_noise": round(noise, 4)},
    )


def gradient_health(inputs: HealthInputs) -> Component:
    """Whether gradients reach every weighted layer, in a usable and balanced range.

    Per epoch: flowing = share of weighted layers whose probe gradient norm is finite and
    within [1e-7, 1e3]; balance = 1 / (1 + max(0, spread - 1)) where spread is the log10
    ratio between the largest and smallest per-parameter (RMS) gradient of the flowing
    layers, so up to a tenfold spread costs nothing and each further decade costs more.
    The value is the mean over epochs of flowing x balance. Vanishing gradients freeze early
    layers; exploding or lopsided ones make a few layers do all the learning.
    """
    scores: list[float] = []
    vanishing: set[str] = set()
    for record in inputs.epochs:
        weighted = _weighted_with_gradients(record)
        if not weighted:
            continue
        rms = []
        for name, entry, parameters in weighted:
            norm = entry.gradient_norm
            if norm is None or entry.gradient_finite is False:
                continue
            if VANISHING_GRADIENT <= norm <= EXPLODING_GRADIENT:
                rms.append(norm / math.sqrt(parameters))
            elif norm < VANISHING_GRADIENT:
                vanishing.add(name)
        flowing = len(rms) / len(weighted)
        spread = math.log10(max(rms) / min(rms)) if rms else 0.0
        scores.append(flowing / (1.0 + max(0.0, spread - 1.0)))
    if not scores:
        return Component(None, "no per-layer gradient records")
    return Component(
        _clip(float(np.mean(scores))),
        details={"epochs": len(scores), "vanishing_layers": sorted(vanishing)},
    )


def _weighted_with_gradients(record: EpochRecord) -> list[tuple[str, LayerHealth, int]]:
    """The layers with weights whose gradient was recorded (a non-finite one counts), with
    their parameter counts."""
    found = []
    for name, entry in record.layers.items():
        recorded = entry.gradient_norm is not None or entry.gradient_finite is not None
        if entry.num_parameters and entry.num_parameters > 0 and recorded:
            found.append((name, entry, entry.num_parameters))
    return found


def convergence_quality(inputs: HealthInputs) -> Component:
    """How far validation loss got below chance level, and whether it stayed at its best.

    progress = 1 - best_val_loss / ln(num_classes), clipped to [0, 1]: ln(C) is the loss of a
    uniform guess, so progress measures how much was learnt. settle = best / final val loss:
    1 when the run ended at its best, lower as it drifted back up (overfitting or
    instability after the best epoch). The value is progress x settle.
    """
    val = [e.loss.val.val_loss for e in inputs.epochs if e.loss.val.val_loss is not None]
    if not val:
        return Component(None, "no finite validation loss recorded")
    if inputs.num_classes < 2:
        return Component(None, "needs at least 2 classes")
    best, final = min(val), val[-1]
    progress = _clip(1.0 - best / math.log(inputs.num_classes))
    settle = best / final if final > 0 else 1.0
    return Component(
        _clip(progress * settle),
        details={
            "best_val_loss": best,
            "final_val_loss": final,
            "progress": round(progress, 4),
            "settle": round(settle, 4),
        },
    )


def accuracy_consistency(inputs: HealthInputs) -> Component:
    """How much the validation accuracy would move on another sample of the same size.

    200 bootstrap resamples (seeded) of the validation predictions give an accuracy
    distribution; the value is 1 - (p95 - p5) / mean accuracy, clipped to [0, 1]. A model
    whose accuracy rests on a few lucky samples, or that is barely above zero, scores low;
    a single accuracy figure cannot show that.
    """
    correct = np.asarray(inputs.val_correct, dtype=bool)
    if correct.size < MIN_VALIDATION_SAMPLES:
        return Component(
            None,
            f"needs at least {MIN_VALIDATION_SAMPLES} validation predictions (got {correct.size})",
        )
    rng = np.random.default_rng(inputs.seed)
    picks = rng.integers(0, correct.size, size=(BOOTSTRAP_RESAMPLES, correct.size))
    accuracies = correct[picks].mean(axis=1)
    mean = float(accuracies.mean())
    low, high = np.percentile(accuracies, [5, 95])
    value = 0.0 if mean == 0 else _clip(1.0 - (high - low) / mean)
    return Component(
        value,
        details={
            "bootstrap_mean": round(mean, 4),
            "p5": round(float(low), 4),
            "p95": round(float(high), 4),
            "resamples": BOOTSTRAP_RESAMPLES,
        },
    )


COMPONENTS: dict[str, Callable[[HealthInputs], Component]] = {
    "neuron_utilization": neuron_utilization,
    "parameter_efficiency": parameter_efficiency,
    "training_stability": training_stability,
    "gradient_health": gradient_health,
    "convergence_quality": convergence_quality,
    "accuracy_consistency": accuracy_consistency,
}
assert tuple(COMPONENTS) == HEALTH_COMPONENTS


def compute_health(inputs: HealthInputs) -> HealthReport:
    """All six components; each is computed independently so one gap never hides the rest."""
    return HealthReport({name: fn(inputs) for name, fn in COMPONENTS.items()})
