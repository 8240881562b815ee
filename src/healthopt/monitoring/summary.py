"""`monitor(records)`: layer monitoring's summary of one training run (seed 001).

Every `every`-th epoch (and the last) is monitored: each layer with trainable weights gets
seed 001's six metrics (`metrics`), a class by the seed's rules (`classes`), and a class
that sums it up over the run; then the anomalies (`anomalies`) are found, and each layer gets
a recommendation. Pure computation on the epoch records, so it runs in a worker, in the
diagnostics engine, or on any trial folder later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from healthopt.monitoring import anomalies, classes
from healthopt.monitoring.metrics import METRIC_DEFINITIONS, layer_metrics, learning_layers
from healthopt.records import EpochRecord
from healthopt.records.monitoring import Anomaly, LayerEpoch, LayerReport, MonitoringSummary

# Runs up to this many epochs are monitored every epoch; longer ones about this many times.
EVERY_EPOCH_UP_TO = 20


def default_every(epochs: int) -> int:
    """Every epoch for short runs (the seed's "metrics capture: 1"), else ~20 monitored."""
    return 1 if epochs <= EVERY_EPOCH_UP_TO else math.ceil(epochs / EVERY_EPOCH_UP_TO)


def monitored_positions(count: int, every: int) -> list[int]:
    """Positions of the monitored epochs: 0, every, 2*every, ... and always the last."""
    if count <= 0:
        return []
    positions = list(range(0, count, every))
    if positions[-1] != count - 1:
        positions.append(count - 1)
    return positions


def monitor(records: Sequence[EpochRecord], every: int | None = None) -> MonitoringSummary:
    if every is not None and every < 1:
        raise ValueError(f"the monitoring frequency must be at least 1 epoch, got {every}")
    every = every or default_every(len(records))
    positions = monitored_positions(len(records), every)
    layers = [
        _layer_report(name, kind, records, positions) for name, kind in learning_layers(records)
    ]
    found: list[Anomaly] = []
    for layer in layers:
        found += anomalies.metric_spikes(layer)
        found += anomalies.classification_instability(layer)
        found += anomalies.layer_not_learning(layer.name, records, positions)
    found += anomalies.model_convergence(records)
    layers = [_with_recommendation(layer, found) for layer in layers]
    return MonitoringSummary.create(
        monitor_every=every,
        epochs_recorded=len(records),
        monitored_epochs=[_epoch(records, i) for i in positions],
        layers=layers,
        anomalies=found,
        thresholds={**classes.THRESHOLDS, **anomalies.THRESHOLDS},
        rules=[f"{rule.layer_class}: {rule.text}" for rule in classes.RULES],
        metric_definitions=METRIC_DEFINITIONS,
        notes=_notes(records, layers),
    )


def _epoch(records: Sequence[EpochRecord], position: int) -> int:
    epoch = records[position].epoch
    return position if epoch is None else epoch


def _layer_report(
    name: str, kind: str | None, records: Sequence[EpochRecord], positions: Sequence[int]
) -> LayerReport:
    epochs = []
    previous = -1
    for position in positions:
        entry = records[position].layers.get(name)
        window = [records[i].layers.get(name) for i in range(previous + 1, position + 1)]
        previous = position
        if entry is None:
            continue
        changes = [item.weight_change if item is not None else None for item in window]
        metrics = layer_metrics(entry, changes)
        layer_class, rule = classes.classify(metrics)
        epochs.append(
            LayerEpoch(
                epoch=_epoch(records, position), metrics=metrics, layer_class=layer_class, rule=rule
            )
        )
    sequence = [entry.layer_class for entry in epochs]
    summary, share = classes.summary_class(sequence)
    return LayerReport(
        name=name,
        type=kind,
        epochs=epochs,
        summary_class=summary,
        summary_share=share,
        class_changes=classes.changes(sequence),
        priority=classes.PRIORITY.get(summary) if summary else None,
    )


def _with_recommendation(layer: LayerReport, found: Sequence[Anomaly]) -> LayerReport:
    own = [anomaly for anomaly in found if anomaly.layer == layer.name]
    return layer.model_copy(update={"recommendation": recommendation(layer, own)})


def recommendation(layer: LayerReport, own: Sequence[Anomaly]) -> str:
    """What to do about a layer, from its anomalies first and its class second."""
    kinds = {anomaly.type for anomaly in own}
    if "convergence_issue" in kinds:
        return (
            "This layer is not learning. Check its initialisation and bias (a large negative "
            "bias silences ReLU units), lower the learning rate, or use LeakyReLU/ELU or batch "
            "normalisation before it; its low entropy is silence, not stored patterns."
        )
    if "metric_spike" in kinds:
        metrics = sorted({a.metric for a in own if a.metric})
        return (
            f"Sudden jumps in {', '.join(metrics)}: lower the learning rate or add gradient "
            "clipping, and check the epochs named for a loss spike."
        )
    if "classification_instability" in kinds:
        return (
            "Its behaviour has not settled: train longer, lower the learning rate, or "
            "monitor less often if the changes are small."
        )
    if layer.summary_class is None:
        return "Not classed: the records lack a metric the rules read (see the notes)."
    advice = {
        "Oracle": "Watch the validation gap: a detector of novel patterns can overfit; "
        "dropout or weight decay after it help.",
        "Sentinel": "Stable and strong; nothing to change.",
        "Alchemist": "Watch for instability; batch normalisation steadies a transforming layer.",
        "Archivist": "Stable by design; if accuracy lags, it may be too narrow to carry more.",
        "Trickster": "Erratic: lower the learning rate or add normalisation before it.",
        "Luminary": "Watch for saturation; normalisation or a smaller learning rate keep "
        "activations in range.",
        "Wanderer": "Balanced; nothing to change.",
    }
    chosen = layer.summary_class
    return f"{chosen} ({classes.ROLE[chosen]}). {advice[chosen]}"


def _notes(records: Sequence[EpochRecord], layers: Sequence[LayerReport]) -> list[str]:
    notes = []
    if not records:
        notes.append("no epoch records: nothing to monitor")
    elif not layers:
        notes.append("no layer with trainable weights in the records: nothing to classify")
    unclassed = {
        entry.rule for layer in layers for entry in layer.epochs if entry.layer_class is None
    }
    for reason in sorted(unclassed):
        notes.append(
            f"some epochs were {reason} (records written before layer monitoring lack "
            "activation entropy and weight change)"
        )
    return notes
