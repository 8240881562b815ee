"""What every sustainability module shares: the issue constructor, units, and record lookups."""

from __future__ import annotations

import statistics
from typing import Any

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index
from healthopt.records import EpochRecord, LayerHealth, LayerSummary


def issue(
    check: str, severity: Severity, title: str, description: str, suggestion: str, **where: Any
) -> Issue:
    return Issue(
        check=check,
        severity=severity,
        category=Category.SUSTAINABILITY,
        title=title,
        description=description,
        suggestion=suggestion,
        **where,
    )


def grams(kg: float) -> str:
    return f"{1000 * kg:.3g} g CO2"


def watt_hours(kwh: float) -> str:
    return f"{1000 * kwh:.3g} Wh"


def total(values: list[float | None]) -> float | None:
    """Sum of the recorded values; None when none was recorded."""
    found = [v for v in values if v is not None]
    return float(sum(found)) if found else None


def mean(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.fmean(found) if found else None


def arch_layers(data: DiagnosticInput) -> dict[str, LayerSummary]:
    return data.architecture.layers if data.architecture is not None else {}


def final_position(epochs: list[EpochRecord]) -> int | None:
    """Position of the last epoch that has layer-health records."""
    return next((i for i in range(len(epochs) - 1, -1, -1) if epochs[i].layers), None)


def final_layers(epochs: list[EpochRecord]) -> tuple[int | None, list[tuple[str, LayerHealth]]]:
    """The epoch number of the last epoch with layer records, and its (name, entry) pairs."""
    position = final_position(epochs)
    if position is None:
        return None, []
    return epoch_index(epochs, position), list(epochs[position].layers.items())
