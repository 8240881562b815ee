"""Layer health: whether a layer is dead, frozen, collapsed, redundant or gets no gradient.

These checks read the final epoch that has layer records, because that is the model training
produced; vanishing gradients and redundancy look at every epoch. A layer whose input is
already constant gives a constant output too, so only the first layer of such a chain is
reported; the ones after it inherit the finding. The flags are shared with the summary, which
lists the flagged layers and charges their parameters as wasted.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from healthopt.diagnostics.checks.sustainability._common import (
    final_layers,
    final_position,
    issue,
)
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.layer_types import category_of
from healthopt.diagnostics.records import (
    VANISHING_FLAG,
    DiagnosticInput,
    epoch_index,
    given,
    layer_series,
)
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord, LayerHealth


@dataclass(frozen=True)
class LayerFlag:
    """A layer a layer-health rule flagged; `reported` is False when it only inherits the
    finding from the layer before it (constant input gives constant output)."""

    layer: str
    key: str  # the layer-health field that tripped
    value: float
    reported: bool
    whole: bool = False  # dead: every unit dead


def _has_params(entry: LayerHealth) -> bool:
    if entry.num_parameters is not None:
        return entry.num_parameters > 0
    return entry.weight_sparsity is not None


def dead_flags(epochs: list[EpochRecord], t: DiagnosticThresholds) -> list[LayerFlag]:
    """Layers whose `dead_unit_fraction` or `weight_sparsity` is above `dead_neuron_sparsity`
    in the final epoch. A parameter-free layer after a flagged one (pooling after a dead ReLU)
    passes the dead units on and only inherits; any layer after a wholly dead one does too."""
    flags, previous = [], None
    for name, entry in final_layers(epochs)[1]:
        flag = None
        for key, value in (
            ("dead_unit_fraction", entry.dead_unit_fraction),
            ("weight_sparsity", entry.weight_sparsity),
        ):
            if flag is None and value is not None and value > t.dead_neuron_sparsity:
                inherited = previous is not None and (not _has_params(entry) or previous.whole)
                whole = key == "dead_unit_fraction" and value >= 1.0
                flag = LayerFlag(name, key, value, not inherited, whole)
                flags.append(flag)
        previous = flag
    return flags


def check_dead_neurons(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """In the final epoch a layer's `dead_unit_fraction` or `weight_sparsity` is above
    `dead_neuron_sparsity` (critical when every unit is dead, else warning; once per layer)."""
    epoch, _ = final_layers(data.epochs)
    issues = []
    for flag in dead_flags(data.epochs, t):
        if not flag.reported:
            continue
        what = (
            "dead units (outputs that never vary)"
            if flag.key == "dead_unit_fraction"
            else "near-zero weights"
        )
        whole = " The whole layer is dead: everything after it sees a constant."
        issues.append(
            issue(
                "dead_neurons",
                Severity.CRITICAL if flag.whole else Severity.WARNING,
                "Dead layer" if flag.whole else "Dead neurons",
                (
                    f"In epoch {epoch}, layer '{flag.layer}' has {100 * flag.value:.0f}% "
                    f"{what} (limit {100 * t.dead_neuron_sparsity:g}%)."
                    + (whole if flag.whole else "")
                ),
                (
                    "Use LeakyReLU/ELU instead of ReLU, a lower learning rate, He initialisation "
                    "(kernel_initializer='he_normal') or BatchNormalization before the activation; "
                    "a layer that stays dead can be removed."
                ),
                epoch_index=epoch,
                layer_id=flag.layer,
                metric_key=f"layer_health.layers.{flag.layer}.{flag.key}",
                metric_value=flag.value,
            )
        )
    return issues


@dataclass(frozen=True)
class Vanishing:
    """A layer whose gradient vanished in at least half of the epochs that measured it.

    `first` is the position of the first such epoch; `mean_norm` the mean gradient norm over
    the vanished epochs that recorded one (None when only the recorder's flag said so);
    `key` the record key the finding rests on (the norm's spelling when a norm was below
    the threshold, else `has_vanishing_gradients`); `flagged` whether the recorder's own
    `has_vanishing_gradients` verdict counted in some epoch where the norm alone would not.
    """

    layer: str
    first: int
    epochs: int
    measured: int
    mean_norm: float | None
    key: str
    flagged: bool


def has_weights(entry: LayerHealth) -> bool:
    """Unlike `_has_params`, an entry that does not say is taken to have weights: only a
    layer with weights records a gradient norm or a vanishing verdict at all."""
    return entry.num_parameters is None or entry.num_parameters > 0


def vanishing_layers(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Vanishing]:
    """Layers with parameters whose gradient vanished in at least half of the epochs that
    measured it: once, near the end, is convergence.

    An epoch counts as vanished when the gradient norm (`gradient_norm`, or the seed's
    `gradient_norm_mean`) is below `vanishing_gradient_threshold`, or when the record's own
    `has_vanishing_gradients` is true; it counts as measured when it has either.
    """
    found = []
    for name, entries in layer_series(data.epochs):
        measured, low, flagged, key = 0, [], False, None
        for i, entry in enumerate(entries):
            if entry is None or not has_weights(entry):
                continue
            norm, flag = entry.gradient_norm, entry.has_vanishing_gradients
            if norm is None and flag is None:
                continue
            measured += 1
            below = norm is not None and norm < t.vanishing_gradient_threshold
            if below or flag is True:
                low.append((i, norm))
                flagged = flagged or not below
                key = key or (data.spelling(i, name, "gradient_norm") if below else None)
        if low and 2 * len(low) >= measured:
            norms = [n for _, n in low if n is not None]
            found.append(
                Vanishing(
                    name,
                    low[0][0],
                    len(low),
                    measured,
                    statistics.fmean(norms) if norms else None,
                    key or VANISHING_FLAG,
                    flagged,
                )
            )
    return found


def _vanishing_issue(row: Vanishing, epochs: list[EpochRecord], t: DiagnosticThresholds) -> Issue:
    first = epoch_index(epochs, row.first)
    # key is the flag only when no epoch had a norm below the threshold
    below = f"gradient norm below {t.vanishing_gradient_threshold:g}"
    reasons = [] if row.key == VANISHING_FLAG else [below]
    if row.flagged:
        reasons.append("flagged has_vanishing_gradients by the recorder")
    why = " or ".join(reasons)
    average = f"; average gradient norm {row.mean_norm:.3g}" if row.mean_norm is not None else ""
    return issue(
        "vanishing_gradients",
        Severity.WARNING,
        "Vanishing gradients",
        (
            f"Layer '{row.layer}' had near-zero gradient flow ({why}) in {row.epochs} of "
            f"{row.measured} epochs, first in epoch {first}{average}. It cannot learn."
        ),
        (
            "Add skip connections or BatchNormalization, use He initialisation "
            "(kernel_initializer='he_normal') with ReLU-family activations instead of "
            "sigmoid/tanh, or raise the learning rate for this depth."
        ),
        epoch_index=first,
        layer_id=row.layer,
        metric_key=f"layer_health.layers.{row.layer}.{row.key}",
        metric_value=True if row.key == VANISHING_FLAG else row.mean_norm,
    )


def check_vanishing_gradients(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer with parameters had a vanishing gradient (`vanishing_layers`) in at least half
    of the epochs that measured it (warning, once per layer, with the mean norm)."""
    return [_vanishing_issue(row, data.epochs, t) for row in vanishing_layers(data, t)]


def frozen_flags(data: DiagnosticInput, t: DiagnosticThresholds) -> list[LayerFlag]:
    """Layers whose `activation_variance_across_samples` is below `frozen_output_variance` in
    the final epoch. A wholly dead layer is `dead_neurons`' report, and a layer after a frozen
    or wholly dead one only inherits."""
    flags, constant_before = [], False
    position = final_position(data.epochs)
    for name, entry in final_layers(data.epochs)[1]:
        variance = entry.activation_variance_across_samples
        dead = entry.dead_unit_fraction
        wholly_dead = dead is not None and dead >= 1.0
        frozen = variance is not None and variance < t.frozen_output_variance
        if variance is not None and frozen and position is not None:
            key = data.spelling(position, name, "activation_variance_across_samples")
            flags.append(LayerFlag(name, key, variance, not (constant_before or wholly_dead)))
        constant_before = frozen or wholly_dead
    return flags


def check_frozen_output(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """In the final epoch a layer's output variance across samples is below
    `frozen_output_variance`: its output does not depend on the input (critical)."""
    epoch, _ = final_layers(data.epochs)
    return [
        issue(
            "frozen_output",
            Severity.CRITICAL,
            "Frozen layer output",
            (
                f"In epoch {epoch}, layer '{f.layer}' gave the same output for every probe "
                f"sample (variance across samples {f.value:.3g}, limit "
                f"{t.frozen_output_variance:g}); every layer after it learns nothing from the "
                "input."
            ),
            (
                "Check for saturated activations (sigmoid/tanh with large weights), a too-high "
                "learning rate, or a dead ReLU before it; reinitialise the layer, add "
                "BatchNormalization, or use LeakyReLU."
            ),
            epoch_index=epoch,
            layer_id=f.layer,
            metric_key=f"layer_health.layers.{f.layer}.{f.key}",
            metric_value=f.value,
        )
        for f in frozen_flags(data, t)
        if f.reported
    ]


def check_activation_collapse(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """In the final epoch a layer's across-sample variance is below `activation_collapse_ratio`
    of its mean square while still above `frozen_output_variance`: outputs nearly the same
    for every input (warning). Layers after a collapsed or frozen one only inherit."""
    epoch, entries = final_layers(data.epochs)
    issues, inherited = [], False
    for name, entry in entries:
        variance = entry.activation_variance_across_samples
        square = entry.activation_mean_square
        frozen = variance is not None and variance < t.frozen_output_variance
        if variance is None or square is None or square <= 0:
            inherited = frozen
            continue
        ratio = variance / square
        collapsed = not frozen and ratio < t.activation_collapse_ratio
        if collapsed and not inherited:
            issues.append(
                issue(
                    "activation_collapse",
                    Severity.WARNING,
                    "Activation collapse",
                    (
                        f"In epoch {epoch}, layer '{name}' outputs almost the same values for "
                        f"every input: variance across samples is {ratio:.3g} of the mean "
                        f"square (limit {t.activation_collapse_ratio:g}). It has lost the "
                        "ability to tell inputs apart."
                    ),
                    (
                        "Add BatchNormalization or LayerNormalization before it, lower the "
                        "learning rate, or check for saturating activations."
                    ),
                    epoch_index=epoch,
                    layer_id=name,
                    metric_key=f"layer_health.layers.{name}.activation_variance_across_samples",
                    metric_value=ratio,
                )
            )
        inherited = collapsed or frozen
    return issues


def redundant_pairs(
    epochs: list[EpochRecord], t: DiagnosticThresholds
) -> list[tuple[str, str, float, int]]:
    """(earlier layer, later layer, mean correlation, position of the highest) for layers
    whose `correlation_with_previous` averages above `redundant_correlation`.

    The observer correlates a layer with the previous layer that has weights, so that layer
    is the pair's other half. Normalization layers are skipped: they rescale their input by
    design, so a high correlation is their job, not redundancy.
    """
    pairs: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for i, record in enumerate(epochs):
        previous = None
        for name, entry in record.layers.items():
            value = entry.correlation_with_previous
            normalization = category_of(entry.type) == "normalization"
            if value is not None and previous is not None and not normalization:
                pairs.setdefault((previous, name), []).append((i, value))
            if given(entry, "correlation_with_previous") or _has_params(entry):
                previous = name
    found = []
    for (a, b), values in pairs.items():
        mean = statistics.fmean(v for _, v in values)
        if mean > t.redundant_correlation:
            found.append((a, b, mean, max(values, key=lambda row: row[1])[0]))
    return found


def check_redundant_layers(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's output correlates with the previous weighted layer's above
    `redundant_correlation` on average over the epochs (info, layer_id = the later layer)."""
    return [
        issue(
            "redundant_layers",
            Severity.INFO,
            "Redundant layers",
            (
                f"Layers '{a}' and '{b}' produce nearly identical outputs: average correlation "
                f"{mean:.3f} (limit {t.redundant_correlation:g}, highest in epoch "
                f"{epoch_index(data.epochs, at)}). One of them may be removable."
            ),
            f"Try the model without '{b}' (or merge the two); if accuracy holds, keep it removed.",
            epoch_index=epoch_index(data.epochs, at),
            layer_id=b,
            metric_key=f"layer_health.layers.{b}.correlation_with_previous",
            metric_value=mean,
        )
        for a, b, mean, at in redundant_pairs(data.epochs, t)
    ]
