"""Parameters against compute: a layer whose share of the parameters is out of proportion to
its share of the compute, either way, measured against the model's median layer.

Compute shares come from the profiler's per-layer timings, parameter shares from the
architecture (or, without one, the final layer-health record). Layers below `min_share_pct`
of the quantity a check is about are too small to be worth a report.
"""

from __future__ import annotations

import statistics

from healthopt.diagnostics.checks.profiler import layer_timings
from healthopt.diagnostics.checks.sustainability._common import (
    arch_layers,
    final_position,
    issue,
    total,
)
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord

# With fewer comparable layers the median layer is no yardstick: of two layers, neither can
# be more than twice the median of the pair.
MIN_LAYERS_FOR_SHARES = 3


def _compute_shares(epochs: list[EpochRecord]) -> dict[str, tuple[float, str | None]]:
    """Per layer: mean `profiler.per_layer[].pct_total` over the epochs that timed it, type."""
    return {
        name: (
            statistics.fmean(row.pct_total for row in rows),
            next((row.kind for row in rows if row.kind), None),
        )
        for name, rows in layer_timings(epochs).items()
    }


def _param_shares(data: DiagnosticInput, names: set[str]) -> dict[str, float]:
    """Per layer: % of the model's parameters, from the architecture when it names any of
    `names`, else from the final layer-health record's `num_parameters`."""
    arch = arch_layers(data)
    if names & set(arch):
        declared = data.architecture.total_parameters if data.architecture else None
        whole = declared or total([_float(v.parameters) for v in arch.values()])
        shares = {}
        for name, info in arch.items():
            pct = info.pct_of_total
            if pct is None and info.parameters is not None and whole:
                pct = 100.0 * info.parameters / whole
            if pct is not None:
                shares[name] = pct
        return shares
    position = final_position(data.epochs)
    if position is None:
        return {}
    counts = {n: _float(e.num_parameters) for n, e in data.epochs[position].layers.items()}
    whole = total(list(counts.values()))
    return {n: 100.0 * c / whole for n, c in counts.items() if c is not None and whole}


def _float(count: int | None) -> float | None:
    return None if count is None else float(count)


def _is_embedding(kind: str | None) -> bool:
    return kind is not None and "embedding" in kind.lower()


def _shares(data: DiagnosticInput) -> list[tuple[str, str | None, float, float]]:
    """(layer, type, param %, compute %) for layers with both, embeddings left out: a lookup
    table's compute does not grow with its size, so it says nothing about either ratio."""
    compute = _compute_shares(data.epochs)
    params = _param_shares(data, set(compute))
    arch = arch_layers(data)
    rows = []
    for name, (compute_pct, kind) in compute.items():
        if kind is None and name in arch:
            kind = arch[name].type
        if params.get(name, 0.0) > 0 and compute_pct > 0 and not _is_embedding(kind):
            rows.append((name, kind, params[name], compute_pct))
    return rows if len(rows) >= MIN_LAYERS_FOR_SHARES else []


def check_over_parameterized_layer(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's parameters per unit of compute (param share / compute share) is more than
    `over_parameterized_ratio` times the model's median layer (info, once per layer).

    Compared with the median layer rather than with 1: convolutions reuse each weight at every
    position, so against the model average any dense head looks heavy. Layers under
    `min_share_pct` of the parameters, embeddings, and models with fewer than 3 comparable
    layers are skipped.
    """
    rows = _shares(data)
    if not rows:
        return []
    median = statistics.median(p / c for _, _, p, c in rows)
    issues = []
    for name, _kind, param_pct, compute_pct in rows:
        ratio = param_pct / compute_pct / median
        if param_pct < t.min_share_pct or ratio <= t.over_parameterized_ratio:
            continue
        issues.append(
            issue(
                "over_parameterized_layer",
                Severity.INFO,
                "Over-parameterized layer",
                (
                    f"Layer '{name}' holds {param_pct:.1f}% of the parameters but does "
                    f"{compute_pct:.1f}% of the compute: {ratio:.1f}x the parameters per unit of "
                    f"compute of the model's median layer (limit {t.over_parameterized_ratio:g}x)."
                ),
                (
                    "Give it fewer units, or shrink its input (GlobalAveragePooling2D instead "
                    "of Flatten before a dense head); its parameters cost memory and invite "
                    "overfitting more than they compute."
                ),
                layer_id=name,
                metric_key="param_to_compute_ratio",
                metric_value=round(ratio, 4),
            )
        )
    return issues


def check_compute_inefficient_layer(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's compute per parameter (compute share / param share) is more than
    `compute_inefficient_ratio` times the model's median layer (info, once per layer).

    Parameter-free layers, layers under `min_share_pct` of the compute, embeddings, and models
    with fewer than 3 comparable layers are skipped; see `check_over_parameterized_layer` for
    why the median layer is the yardstick.
    """
    rows = _shares(data)
    if not rows:
        return []
    median = statistics.median(c / p for _, _, p, c in rows)
    issues = []
    for name, kind, param_pct, compute_pct in rows:
        ratio = compute_pct / param_pct / median
        if compute_pct < t.min_share_pct or ratio <= t.compute_inefficient_ratio:
            continue
        conv = kind is not None and "conv" in kind.lower()
        issues.append(
            issue(
                "compute_inefficient_layer",
                Severity.INFO,
                "Compute-inefficient layer",
                (
                    f"Layer '{name}' does {compute_pct:.1f}% of the compute with "
                    f"{param_pct:.2f}% of the parameters: {ratio:.1f}x the compute per parameter "
                    f"of the model's median layer (limit {t.compute_inefficient_ratio:g}x)."
                ),
                (
                    "Use SeparableConv2D, fewer filters, or downsample before it (strides=2 or "
                    "MaxPooling2D)."
                    if conv
                    else "Shrink the tensor it works on (pool or downsample before it) or "
                    "replace it with a cheaper operation."
                ),
                layer_id=name,
                metric_key="compute_to_param_ratio",
                metric_value=round(ratio, 4),
            )
        )
    return issues
