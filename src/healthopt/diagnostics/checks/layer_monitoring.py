"""Layer monitoring's anomalies (seed 001, `healthopt.monitoring`) as diagnostics issues.

Each check runs `healthopt.monitoring.monitor(data.epochs, t.monitor_every_epochs)`, the
same summary a trial's `monitoring/training_summary.json` holds, and turns one anomaly type
into issues (Category.LAYERS), one check per type:

- `layer_metric_spike`: a layer's metric jumped by more than 3 robust sigma of its earlier
  changes (and by at least 0.1). One issue per layer, at its worst spike, the others counted
  in the text, so a layer that jumps in several metrics at once costs one issue. Warning when
  the worst spike's severity is at least 2 (twice the 3-sigma limit), else info: a jump just
  over the limit is worth a look, not a fault.
- `layer_class_instability`: a layer changed class in more than 30 % of its monitored
  epochs. Info: a layer still finding its role is a fact about training, not a fault.
- `layer_not_converging`: a layer whose weights never changed, or a model whose training
  loss ended no lower than it began. Warning: whatever that part of the model was meant to
  do, training did not do it.

Left out, because another check already reports the same condition (no finding is counted
twice in the score):

- a layer dead at every monitored epoch: `dead_neurons` flags it in the final epoch (and
  the layers after it inherit its flag there too); any layer `dead_neurons` flags is left
  out here, whatever monitoring's reason for it;
- a layer whose weights did not move because no gradient reached it: `vanishing_gradients`;
- a non-finite training loss: `nan_in_loss`;
- a loss that did not fall, when `loss_plateau`, `loss_divergence`, `loss_explosion` or
  `did_not_learn` already reports the run, or when the model had already fitted the training
  data at the end (the loss checks' `converged`: a model at 99 % train accuracy from its
  first epoch has nothing left to fall). What is left is the run those checks cannot see,
  such as a two-epoch run whose loss rose.
"""

from __future__ import annotations

from collections.abc import Sequence

from healthopt.diagnostics.checks.chance import check_did_not_learn
from healthopt.diagnostics.checks.loss import (
    check_loss_divergence,
    check_loss_explosion,
    check_loss_plateau,
    converged,
    start_loss,
    train_losses,
)
from healthopt.diagnostics.checks.sustainability.layers import dead_flags, vanishing_layers
from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.monitoring import monitor
from healthopt.records.monitoring import Anomaly, AnomalyType, MonitoringSummary

# A spike at least this many times its 3-sigma limit is a warning; below it, info.
SPIKE_WARNING_SEVERITY = 2.0


# The last summary made, by input: the engine hands the same DiagnosticInput to the three
# checks here, which would otherwise each compute it. Keyed by identity while holding the
# input, so a new input (even at a reused address) never gets another's summary.
_last: tuple[DiagnosticInput, int | None, MonitoringSummary] | None = None


def _summary(data: DiagnosticInput, t: DiagnosticThresholds) -> MonitoringSummary:
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if last is not None and last[0] is data and last[1] == t.monitor_every_epochs:
        return last[2]
    summary = monitor(data.epochs, t.monitor_every_epochs)
    _last = (data, t.monitor_every_epochs, summary)
    return summary


def _of_type(summary: MonitoringSummary, kind: AnomalyType) -> list[Anomaly]:
    return [anomaly for anomaly in summary.anomalies if anomaly.type == kind]


def _by_layer(anomalies: Sequence[Anomaly]) -> dict[str, list[Anomaly]]:
    grouped: dict[str, list[Anomaly]] = {}
    for anomaly in anomalies:
        if anomaly.layer is not None:
            grouped.setdefault(anomaly.layer, []).append(anomaly)
    return grouped


def _level(summary: MonitoringSummary, spike: Anomaly) -> float | None:
    """The spiking metric's value at the spike's epoch, as training_summary.json has it."""
    report = summary.layer(spike.layer or "")
    entry = next((e for e in report.epochs if e.epoch == spike.epoch), None) if report else None
    return entry.metrics.get(spike.metric) if entry is not None and spike.metric else None


def check_layer_metric_spike(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's monitoring metric (luminosity, fracture density, entropy, resilience,
    variance, sparsity) jumped by over 3 robust sigma of its earlier changes and at least 0.1
    (`healthopt.monitoring.anomalies`); one issue per layer at its worst spike, warning when
    that spike's severity is at least SPIKE_WARNING_SEVERITY, else info. `metric_value` is
    the metric's value after the jump."""
    summary = _summary(data, t)
    issues = []
    for layer, spikes in _by_layer(_of_type(summary, "metric_spike")).items():
        worst = max(spikes, key=lambda anomaly: anomaly.severity)
        others = len(spikes) - 1
        more = f" {others} more spike(s) in this layer." if others else ""
        issues.append(
            Issue(
                check="layer_metric_spike",
                severity=(
                    Severity.WARNING if worst.severity >= SPIKE_WARNING_SEVERITY else Severity.INFO
                ),
                category=Category.LAYERS,
                title="Layer metric spike",
                description=(
                    f"Layer '{layer}': {worst.description}; severity {worst.severity:g} "
                    f"(1 = at the limit).{more}"
                ),
                suggestion=(
                    "Lower the learning rate or clip gradients (clipnorm=1.0 on the "
                    "optimizer), and look at the loss around that epoch; the trial's "
                    "monitoring report (`healthopt monitor`) shows the metric's course."
                ),
                epoch_index=worst.epoch,
                layer_id=layer,
                metric_key=f"monitoring.{worst.metric}",
                metric_value=_level(summary, worst),
            )
        )
    return issues


def check_layer_class_instability(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's seed-001 behaviour class changed in more than 30 % of its monitored epochs
    (`healthopt.monitoring.anomalies`); info, one issue per layer."""
    summary = _summary(data, t)
    issues = []
    for layer, found in _by_layer(_of_type(summary, "classification_instability")).items():
        report = summary.layer(layer)
        changes = report.class_changes if report is not None else None
        issues.append(
            Issue(
                check="layer_class_instability",
                severity=Severity.INFO,
                category=Category.LAYERS,
                title="Layer behaviour not settled",
                description=f"Layer '{layer}': {found[0].description}.",
                suggestion=(
                    "Train longer or lower the learning rate; if the changes are between "
                    "neighbouring classes, monitor less often (monitor_every_epochs)."
                ),
                layer_id=layer,
                metric_key="monitoring.class_changes",
                metric_value=changes,
            )
        )
    return issues


def _loss_reported(data: DiagnosticInput, t: DiagnosticThresholds) -> bool:
    """Whether a loss check already says the loss did not fall, or the model had already
    fitted its training data at the end."""
    others = (check_loss_plateau, check_loss_divergence, check_loss_explosion, check_did_not_learn)
    if any(check(data, t) for check in others):
        return True
    epochs = data.epochs
    return bool(epochs) and converged(epochs[-1], start_loss(train_losses(epochs)), t)


def check_layer_not_converging(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Monitoring's convergence issues that no other check reports (module docstring): a
    layer that never learned though neither `dead_neurons` nor `vanishing_gradients` flags
    it (its weights never changed, say, with a learning rate of zero), or a training loss
    that ended no lower than it began (warning each)."""
    found = _of_type(_summary(data, t), "convergence_issue")
    if not found:
        return []
    reported = {flag.layer for flag in dead_flags(data.epochs, t)}
    reported |= {row.layer for row in vanishing_layers(data, t)}
    issues = []
    for anomaly in found:
        if anomaly.layer is None:
            if not (_loss_nonfinite(data) or _loss_reported(data, t)):
                issues.append(_loss_issue(anomaly, data))
        elif anomaly.layer not in reported:
            issues.append(_layer_issue(anomaly, data))
    return issues


def _loss_nonfinite(data: DiagnosticInput) -> bool:
    """A null train loss: `nan_in_loss` reports it."""
    return any(loss is None for loss in train_losses(data.epochs))


def _layer_figure(data: DiagnosticInput, layer: str) -> tuple[str, float | None]:
    """The record figure that shows the layer never learned: its weight change when that
    was zero throughout, else its dead-unit share in the final epoch."""
    entries = [e for e in (r.layers.get(layer) for r in data.epochs) if e is not None]
    if entries and all(entry.weight_change == 0.0 for entry in entries):
        return "weight_change", 0.0
    return "dead_unit_fraction", entries[-1].dead_unit_fraction if entries else None


def _layer_issue(anomaly: Anomaly, data: DiagnosticInput) -> Issue:
    layer = anomaly.layer or ""
    key, value = _layer_figure(data, layer)
    return Issue(
        check="layer_not_converging",
        severity=Severity.WARNING,
        category=Category.LAYERS,
        title="Layer did not learn",
        description=f"Layer '{layer}': {anomaly.description}.",
        suggestion=(
            "Check that the optimizer's learning rate is not zero (a schedule that decays to "
            "nothing or a weight constraint freezes a layer the same way); if its units are "
            "dead, use LeakyReLU/ELU, He initialisation or BatchNormalization before it."
        ),
        layer_id=layer,
        metric_key=f"layer_health.layers.{layer}.{key}",
        metric_value=value,
    )


def _loss_issue(anomaly: Anomaly, data: DiagnosticInput) -> Issue:
    # The figure monitoring read: Keras's epoch loss, else the mean batch loss.
    last = data.epochs[-1].loss
    key = "train_epoch" if last.train_epoch is not None else "train_mean"
    return Issue(
        check="layer_not_converging",
        severity=Severity.WARNING,
        category=Category.LAYERS,
        title="Training did not converge",
        description=f"The {anomaly.description}.",
        suggestion=(
            "Train for more epochs, or lower the learning rate if the loss rose; check that "
            "the labels match the inputs."
        ),
        epoch_index=anomaly.epoch,
        metric_key=f"loss.{key}",
        metric_value=getattr(last, key),
    )


CHECKS = [
    check_layer_metric_spike,
    check_layer_class_instability,
    check_layer_not_converging,
]
