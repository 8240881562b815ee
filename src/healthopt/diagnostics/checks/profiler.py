"""Profiler checks (seed 004 section 5, category 3): where a training step's time goes.

They read the epochs that have a `profiler` record and report each finding once for the whole
run, with the mean figure, the worst one and the epoch where it was worst. A finding counts
only when it holds in most profiled epochs (more than half of those that measured the figure):
one timing is a few milliseconds on a probe batch, so a single noisy epoch says nothing about
what training costs.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord
from healthopt.records.epoch import ProfilerBlock


@dataclass(frozen=True)
class _Persistent:
    """A figure measured in `measured` profiled epochs that tripped its limit in `tripped`."""

    tripped: int
    measured: int
    mean: float
    worst: float
    worst_position: int


def _profiled(epochs: list[EpochRecord]) -> list[tuple[int, ProfilerBlock]]:
    """(position, profiler record) of every epoch whose record gave a profiler figure."""
    return [(i, e.profiler) for i, e in enumerate(epochs) if e.profiler.model_fields_set]


def _persistent(
    values: list[tuple[int, float]],
    trips: Callable[[float], bool],
    worse: Callable[[float, float], bool],
) -> _Persistent | None:
    """The summary of `values` when `trips` holds for more than half of them, else None."""
    tripped = [v for _, v in values if trips(v)]
    if not values or 2 * len(tripped) <= len(values):
        return None
    worst_position, worst = values[0]
    for position, value in values[1:]:
        if worse(value, worst):
            worst_position, worst = position, value
    return _Persistent(
        len(tripped), len(values), statistics.fmean(v for _, v in values), worst, worst_position
    )


@dataclass(frozen=True)
class LayerTiming:
    """One layer's `profiler.per_layer` entry in one epoch (`position` in the history)."""

    position: int
    pct_total: float
    forward_ms: float | None
    kind: str | None


def layer_timings(epochs: list[EpochRecord]) -> dict[str, list[LayerTiming]]:
    """Per layer name, its timing in each epoch whose profiler record gives it a `pct_total`.

    Shared with the sustainability checks, which set a layer's compute share against its
    parameter share.
    """
    timings: dict[str, list[LayerTiming]] = {}
    for position, prof in _profiled(epochs):
        seen: dict[str, LayerTiming] = {}
        for entry in prof.per_layer:
            name, pct = entry.name, entry.pct_total
            if name is None or pct is None:
                continue
            row = LayerTiming(position, pct, entry.forward_ms, entry.type)
            # A name listed twice in one epoch (shared layer) counts once, at its larger share.
            if name not in seen or pct > seen[name].pct_total:
                seen[name] = row
        for name, row in seen.items():
            timings.setdefault(name, []).append(row)
    return timings


def _hotspot_suggestion(kind: str | None) -> str:
    kind = (kind or "").lower()
    if "conv" in kind:
        return (
            "Use fewer filters or a smaller kernel_size, downsample earlier (strides=2 or "
            "MaxPooling2D before it), or try SeparableConv2D."
        )
    if "dense" in kind:
        return (
            "Give it fewer units, or shrink its input: GlobalAveragePooling2D instead of "
            "Flatten before it cuts the inputs of a dense head by the feature map's area."
        )
    if "lstm" in kind or "gru" in kind or "rnn" in kind or "bidirectional" in kind:
        return (
            "Use fewer units, a GRU instead of an LSTM, or shorter sequences "
            "(truncate/pad to a smaller sequence_length)."
        )
    return "Make that layer smaller or replace it with a cheaper operation."


def check_profiler_hotspot(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's `profiler.per_layer[].pct_total` is at least `profiler_hotspot_pct` in most
    profiled epochs (info, once per layer, with its mean share).

    A small model always has some layer doing most of the work, so this is a pointer to where
    time goes, not a fault: the description says what the layer costs per probe batch.
    """
    epochs = data.epochs
    issues = []
    for name, rows in layer_timings(epochs).items():
        found = _persistent(
            [(row.position, row.pct_total) for row in rows],
            lambda v: v >= t.profiler_hotspot_pct,
            lambda a, b: a > b,
        )
        if found is None:
            continue
        kind = next((row.kind for row in rows if row.kind), None)
        epoch = epoch_index(epochs, found.worst_position)
        times = [row.forward_ms for row in rows if row.forward_ms is not None]
        cost = (
            f" It costs about {statistics.fmean(times):.3g} ms of forward time per probe batch."
            if times
            else ""
        )
        issues.append(
            Issue(
                check="profiler_hotspot",
                severity=Severity.INFO,
                category=Category.PROFILER,
                title="Profiler hotspot",
                description=(
                    f"Layer '{name}'{f' ({kind})' if kind else ''} took {found.mean:.1f}% of the "
                    f"per-layer forward time on average, at least {t.profiler_hotspot_pct:g}% in "
                    f"{found.tripped} of {found.measured} profiled epochs (worst "
                    f"{found.worst:.1f}% in epoch {epoch}).{cost}"
                ),
                suggestion=_hotspot_suggestion(kind),
                epoch_index=epoch_index(epochs, found.worst_position),
                layer_id=name,
                metric_key="profiler.per_layer.pct_total",
                metric_value=round(found.mean, 4),
            )
        )
    return issues


def check_backward_dominance(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """`profiler.operation_categories.backward_pass.pct_cpu` is above `backward_dominance_pct`
    in most profiled epochs (info, once, with the mean share).

    Info, not warning: a backward pass costs about twice the forward one, so it taking the
    larger part of a step is expected; crossing the limit is a hint where to save time.
    """
    epochs = data.epochs
    values = [(p, _pct_cpu(prof, "backward_pass")) for p, prof in _profiled(epochs)]
    measured = [(p, v) for p, v in values if v is not None]
    found = _persistent(measured, lambda v: v > t.backward_dominance_pct, lambda a, b: a > b)
    if found is None:
        return []
    found_forward = [_pct_cpu(prof, "forward_pass") for _, prof in _profiled(epochs)]
    forward = [v for v in found_forward if v is not None]
    forward_text = f"; the forward pass took {statistics.fmean(forward):.1f}%" if forward else ""
    epoch = epoch_index(epochs, found.worst_position)
    return [
        Issue(
            check="backward_dominance",
            severity=Severity.INFO,
            category=Category.PROFILER,
            title="Backward pass dominates the step",
            description=(
                f"The backward pass took {found.mean:.1f}% of the training step on average, above "
                f"{t.backward_dominance_pct:g}% in {found.tripped} of {found.measured} profiled "
                f"epochs (worst {found.worst:.1f}% in epoch {epoch}){forward_text}."
            ),
            suggestion=(
                "Freeze layers that need not train (layer.trainable = False), shrink the layers "
                "with the most parameters, and on a GPU use mixed precision "
                "(keras.mixed_precision.set_global_policy('mixed_float16'))."
            ),
            epoch_index=epoch,
            metric_key="profiler.operation_categories.backward_pass.pct_cpu",
            metric_value=round(found.mean, 4),
        )
    ]


def _pct_cpu(prof: ProfilerBlock, operation: str) -> float | None:
    """The share of CPU time `operation` ("forward_pass", "backward_pass") took."""
    share = prof.operation_categories.get(operation)
    return share.pct_cpu if share is not None else None


def _fwd_bwd_ratio(prof: ProfilerBlock) -> float | None:
    """The recorded ratio, else forward_ms / backward_ms; None when either is not positive."""
    ratio = prof.fwd_bwd_ratio
    if ratio is None:
        forward, backward = prof.forward_ms, prof.backward_ms
        if forward is not None and backward is not None and backward > 0:
            ratio = forward / backward
    # A zero ratio means the forward pass was not timed, not that it took no time.
    return ratio if ratio is not None and ratio > 0 else None


def check_fwd_bwd_ratio(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """`profiler.fwd_bwd_ratio` (forward / backward time) is below `fwd_bwd_ratio_min` in most
    profiled epochs (warning, once, with the mean ratio).

    Backpropagation costs about twice the forward pass; below 0.15 the backward pass is more
    than 6.7x the forward one, which the arithmetic of gradients does not explain, so some
    layer's gradient is unusually expensive or something is recomputed.
    """
    epochs = data.epochs
    values = [(p, _fwd_bwd_ratio(prof)) for p, prof in _profiled(epochs)]
    measured = [(p, v) for p, v in values if v is not None]
    found = _persistent(measured, lambda v: v < t.fwd_bwd_ratio_min, lambda a, b: a < b)
    if found is None:
        return []
    epoch = epoch_index(epochs, found.worst_position)
    return [
        Issue(
            check="fwd_bwd_ratio",
            severity=Severity.WARNING,
            category=Category.PROFILER,
            title="Backward pass far heavier than forward",
            description=(
                f"Forward/backward time ratio averaged {found.mean:.3g} (backward "
                f"{1 / found.mean:.1f}x the forward pass), below {t.fwd_bwd_ratio_min:g} in "
                f"{found.tripped} of {found.measured} profiled epochs (worst {found.worst:.3g} in "
                f"epoch {epoch})."
            ),
            suggestion=(
                "Look for layers whose gradients are expensive: a large Embedding (its gradient "
                "touches the whole table), recurrent layers over long sequences (use the cuDNN "
                "defaults for LSTM/GRU), or custom layers without a compiled gradient; freeze "
                "layers that need not train (layer.trainable = False)."
            ),
            epoch_index=epoch,
            metric_key="profiler.fwd_bwd_ratio",
            metric_value=round(found.mean, 6),
        )
    ]


CHECKS = [check_profiler_hotspot, check_backward_dominance, check_fwd_bwd_ratio]
