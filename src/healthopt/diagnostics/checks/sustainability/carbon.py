"""Carbon: what training emitted and used, from the records' own figures and `method`.

Nothing is estimated here: the records carry the figures and, in `carbon_emissions.method`,
how they were obtained, which the report quotes.
"""

from __future__ import annotations

from healthopt.diagnostics.checks.sustainability._common import (
    grams,
    issue,
    mean,
    total,
    watt_hours,
)
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, series
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord


def energy_method(epochs: list[EpochRecord]) -> str | None:
    """The records' distinct `carbon_emissions.method` strings, joined; None without any."""
    methods = [m for e in epochs if (m := e.carbon_emissions.method)]
    return "; ".join(dict.fromkeys(methods)) or None


def gpu_power_note(epochs: list[EpochRecord]) -> str | None:
    """Why GPU power is or is not in the figures (e.g. "no GPU in use", "not measurable")."""
    notes = [n for e in epochs if (n := e.carbon_emissions.gpu_power_note) is not None]
    return "; ".join(dict.fromkeys(notes)) or None


def co2_kg(record: EpochRecord) -> float | None:
    return record.carbon_emissions.epoch_co2_kg


def energy_kwh(record: EpochRecord) -> float | None:
    return record.carbon_emissions.epoch_energy_kwh


def power_watts(record: EpochRecord) -> float | None:
    return record.carbon_emissions.power_draw_watts


def check_high_carbon_intensity(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Report of total CO2, energy and mean power with the records' `method` and what is known
    of GPU power (info whenever carbon records exist; warning when total CO2 is above
    `high_carbon_kg`)."""
    epochs = data.epochs
    co2 = series(epochs, co2_kg)
    kwh = total(series(epochs, energy_kwh))
    total_co2 = total(co2)
    if total_co2 is None and kwh is None:
        return []
    watts = mean(series(epochs, power_watts))
    method = energy_method(epochs)
    gpu_note = gpu_power_note(epochs)
    counted = sum(v is not None for v in co2)
    parts = [
        f"Training emitted {grams(total_co2)} over {counted} epochs"
        if total_co2 is not None
        else "No CO2 figure was recorded"
    ]
    if kwh is not None:
        parts.append(f"used {watt_hours(kwh)}")
    if watts is not None:
        parts.append(f"drew {watts:.3g} W on average")
    high = total_co2 is not None and total_co2 > t.high_carbon_kg
    return [
        issue(
            "high_carbon_intensity",
            Severity.WARNING if high else Severity.INFO,
            "High carbon footprint" if high else "Carbon footprint",
            (
                ", ".join(parts)
                + "."
                + (f" Method: {method}." if method else "")
                + (f" GPU power: {gpu_note}." if gpu_note else "")
                + (f" That is above {grams(t.high_carbon_kg)}." if high else "")
            ),
            (
                "Stop at the plateau (keras.callbacks.EarlyStopping), use smaller models or fewer "
                "trials, and set HEALTHOPT_CARBON_G_PER_KWH to your grid's intensity for exact "
                "figures."
            ),
            metric_key=(
                "carbon_emissions.epoch_co2_kg"
                if total_co2 is not None
                else "carbon_emissions.epoch_energy_kwh"
            ),
            metric_value=total_co2 if total_co2 is not None else kwh,
        )
    ]
