"""Crafted layer histories for the monitoring tests: observer figures chosen so that seed
001's metrics land exactly where a test wants them (`healthopt.monitoring.metrics` defines
them; `health` inverts those definitions)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from healthopt.monitoring import classes
from healthopt.records import EpochRecord, LayerHealth
from healthopt.records.epoch import LayerHealthBlock, LossBlock
from healthopt.records.monitoring import LayerEpoch, LayerMetrics, LayerReport

# Balanced figures that no rule but Wanderer's takes, each well away from every threshold.
BALANCED = {
    "luminosity": 0.5,
    "fracture_density": 0.5,
    "entropy": 0.5,
    "resilience": 0.7,
    "variance": 0.5,
}


def health(
    luminosity: float = 0.5,
    fracture_density: float = 0.5,
    entropy: float = 0.5,
    resilience: float = 0.7,
    variance: float = 0.5,
    sparsity: float = 0.0,
    dead: float = 0.0,
    parameters: int = 100,
) -> LayerHealth:
    """A layer's observer figures whose metrics are the given ones: RMS = atanh(luminosity),
    std = fracture_density * RMS, variance across samples = variance * RMS^2, weight change
    = 1 / resilience - 1."""
    rms = math.atanh(luminosity)
    return LayerHealth(
        type="Dense",
        num_parameters=parameters,
        activation_mean_square=rms * rms,
        activation_std=fracture_density * rms,
        activation_variance_across_samples=variance * rms * rms,
        activation_entropy=entropy,
        weight_change=1.0 / resilience - 1.0,
        activation_zero_fraction=sparsity,
        dead_unit_fraction=dead,
    )


def record(epoch: int, layers: Mapping[str, LayerHealth], loss: float | None = None) -> EpochRecord:
    """One epoch's record; `loss` (Keras's epoch loss) falls steadily unless given."""
    train = 2.0 * 0.8**epoch if loss is None else loss
    return EpochRecord(
        epoch=epoch,
        loss=LossBlock(train_epoch=train),
        layer_health=LayerHealthBlock(layers=dict(layers)),
    )


def history(per_epoch: Sequence[Mapping[str, float]], name: str = "dense") -> list[EpochRecord]:
    """One layer `name` over len(per_epoch) epochs, each epoch's metrics given (missing ones
    balanced), with a falling loss."""
    return [
        record(k, {name: health(**{**BALANCED, **figures})}) for k, figures in enumerate(per_epoch)
    ]


def report(
    series: Sequence[Mapping[str, float]], name: str = "dense", step: int = 1
) -> LayerReport:
    """A layer's report straight from metric values, classed by the seed's rules, at epochs
    0, step, 2 * step, ...: the input the anomaly rules read."""
    epochs = []
    for k, figures in enumerate(series):
        metrics = LayerMetrics(**{**BALANCED, "sparsity": 0.0, **figures})
        layer_class, rule = classes.classify(metrics)
        epochs.append(
            LayerEpoch(epoch=k * step, metrics=metrics, layer_class=layer_class, rule=rule)
        )
    sequence = [entry.layer_class for entry in epochs]
    return LayerReport(name=name, epochs=epochs, class_changes=classes.changes(sequence))


def smooth(start: float, end: float, epochs: int, rate: float = 0.6) -> list[float]:
    """A metric converging from `start` to `end`: large early moves that shrink by `rate`
    each epoch, as a healthy layer's do."""
    return [end + (start - end) * rate**k for k in range(epochs)]
