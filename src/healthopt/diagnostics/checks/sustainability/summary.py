"""The engine's sustainability insight: the stop, layer-health and carbon findings as figures.

It reuses the checks' own analyses, so the summary and the issues always agree.
"""

from __future__ import annotations

from typing import TypedDict

from healthopt.diagnostics.checks.sustainability._common import (
    arch_layers,
    final_layers,
    mean,
    total,
)
from healthopt.diagnostics.checks.sustainability.carbon import (
    co2_kg,
    energy_kwh,
    energy_method,
    power_watts,
)
from healthopt.diagnostics.checks.sustainability.layers import (
    dead_flags,
    frozen_flags,
    redundant_pairs,
    vanishing_layers,
)
from healthopt.diagnostics.checks.sustainability.stop import (
    duration,
    optimal_stop_epoch,
    stop_analysis,
    waste_after,
)
from healthopt.diagnostics.records import DiagnosticInput, series
from healthopt.diagnostics.thresholds import DiagnosticThresholds


class RedundantPair(TypedDict):
    layer_a: str
    layer_b: str
    correlation: float


class SustainabilityInsight(TypedDict, total=False):
    """diagnostics.json's `sustainability` (keys in `sustainability_summary`); empty when the
    summary itself failed, which the report's `check_errors` then says."""

    optimal_stop_epoch: int | None
    wasted_epochs: int | None
    wasted_compute_pct: float | None
    wasted_duration_seconds: float | None
    total_training_duration_seconds: float | None
    total_samples_processed: int | None
    dead_layers: list[str]
    vanishing_gradient_layers: list[str]
    frozen_output_layers: list[str]
    redundant_layer_pairs: list[RedundantPair]
    parameter_efficiency_score: float | None
    total_co2_kg: float | None
    total_energy_kwh: float | None
    co2_per_epoch_avg_kg: float | None
    co2_per_1k_samples_kg: float | None
    avg_power_draw_watts: float | None
    wasted_co2_kg: float | None
    energy_method: str | None


def _parameter_efficiency(data: DiagnosticInput, t: DiagnosticThresholds) -> float | None:
    """% of parameters in layers that are neither dead, frozen nor without gradient.

    A flagged parameter-free layer (a dead ReLU after a Conv2D) wastes the parameters of the
    weighted layer before it, and a layer that only inherits a constant input wastes its own.
    """
    _, entries = final_layers(data.epochs)
    arch = arch_layers(data)
    counts: dict[str, float] = {}
    for name, entry in entries:
        count = entry.num_parameters
        if count is None and name in arch:
            count = arch[name].parameters
        counts[name] = float(count or 0)
    whole = sum(counts.values())
    if whole <= 0:
        return None
    owner, owners = None, {}
    for name, _ in entries:
        owner = name if counts[name] > 0 else owner
        owners[name] = owner
    flagged = {f.layer for f in dead_flags(data.epochs, t) + frozen_flags(data, t)}
    flagged |= {row.layer for row in vanishing_layers(data, t)}
    wasted = {owners.get(name) or name for name in flagged}
    return round(100.0 * (whole - sum(counts.get(n, 0.0) for n in wasted)) / whole, 1)


def sustainability_summary(data: DiagnosticInput, t: DiagnosticThresholds) -> SustainabilityInsight:
    """The engine's sustainability insight (seed 004 section 9.3 `SustainabilityInsight`).

    Keys: optimal_stop_epoch, wasted_epochs, wasted_compute_pct, wasted_duration_seconds,
    total_training_duration_seconds, total_samples_processed, dead_layers,
    vanishing_gradient_layers, frozen_output_layers, redundant_layer_pairs
    ([{"layer_a", "layer_b", "correlation"}]), parameter_efficiency_score, total_co2_kg,
    total_energy_kwh, co2_per_epoch_avg_kg, co2_per_1k_samples_kg, avg_power_draw_watts,
    wasted_co2_kg and energy_method (the records' method string).

    The stop epoch and waste follow `optimal_stop_epoch`; when the loss could be analysed and
    nothing was wasted they are 0, when it could not they are None. Totals sum the epochs that
    recorded the figure; every figure nothing recorded is None (lists are []), never guessed.
    """
    epochs = data.epochs
    stop = stop_analysis(epochs, t)
    waste = waste_after(epochs, stop.position) if stop is not None else None
    co2 = series(epochs, co2_kg)
    samples = series(epochs, lambda e: e.throughput.samples_processed)
    total_co2 = total(co2)
    total_samples = total(samples)
    paired = [(c, s) for c, s in zip(co2, samples, strict=True) if c is not None and s is not None]
    paired_samples = sum(s for _, s in paired)
    return {
        "optimal_stop_epoch": optimal_stop_epoch(epochs, t),
        "wasted_epochs": waste.epochs if waste else None,
        "wasted_compute_pct": round(waste.compute_pct, 2) if waste else None,
        "wasted_duration_seconds": waste.duration_seconds if waste else None,
        "total_training_duration_seconds": total(series(epochs, duration)),
        "total_samples_processed": int(total_samples) if total_samples is not None else None,
        "dead_layers": [f.layer for f in dead_flags(epochs, t) if f.reported],
        "vanishing_gradient_layers": [row.layer for row in vanishing_layers(data, t)],
        "frozen_output_layers": [f.layer for f in frozen_flags(data, t) if f.reported],
        "redundant_layer_pairs": [
            RedundantPair(layer_a=a, layer_b=b, correlation=correlation)
            for a, b, correlation, _ in redundant_pairs(epochs, t)
        ],
        "parameter_efficiency_score": _parameter_efficiency(data, t),
        "total_co2_kg": total_co2,
        "total_energy_kwh": total(series(epochs, energy_kwh)),
        "co2_per_epoch_avg_kg": mean(co2),
        "co2_per_1k_samples_kg": (
            1000.0 * sum(c for c, _ in paired) / paired_samples if paired_samples > 0 else None
        ),
        "avg_power_draw_watts": mean(series(epochs, power_watts)),
        "wasted_co2_kg": waste.co2_kg if waste else None,
        "energy_method": energy_method(epochs),
    }
