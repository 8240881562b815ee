"""When training could have stopped: `optimal_stop_epoch` and the checks that agree with it.

`diminishing_returns`, `early_stop_opportunity` and `wasted_carbon` all report the epoch
`optimal_stop_epoch` finds, and the summary's wasted epochs, compute and CO2 are the cost of
the epochs after it (`waste_after`).
"""

from __future__ import annotations

from dataclasses import dataclass

from healthopt.diagnostics.checks.loss import train_loss, val_loss
from healthopt.diagnostics.checks.sustainability._common import grams, issue, total, watt_hours
from healthopt.diagnostics.checks.sustainability.carbon import co2_kg, energy_kwh
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index, series
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord

VAL_LOSS = "loss.val.val_loss"
TRAIN_LOSS = "loss.train_mean"


def _monitored_loss(epochs: list[EpochRecord]) -> tuple[str, list[float]] | None:
    """Validation loss when every epoch has one, else train loss (train_mean, or train_epoch
    where the mean is missing); None when neither covers every epoch."""
    val = series(epochs, val_loss)
    if val and all(v is not None for v in val):
        return VAL_LOSS, [v for v in val if v is not None]
    train = series(epochs, train_loss)
    if train and all(v is not None for v in train):
        return TRAIN_LOSS, [v for v in train if v is not None]
    return None


@dataclass(frozen=True)
class Stop:
    """Where the monitored loss stopped paying off; `position` is None when it never did."""

    key: str
    losses: list[float]
    position: int | None
    ratio: float | None  # marginal / cumulative improvement in the first wasted epoch


def stop_analysis(epochs: list[EpochRecord], t: DiagnosticThresholds) -> Stop | None:
    """The stop analysis, or None when there is nothing to analyse (< 3 epochs, no loss).

    Epoch k gives diminishing returns when its improvement on the best loss so far is below
    `diminishing_returns_pct` of the improvement the run had made before it (a loss that went
    up improved by a negative amount). The stop position is the last epoch before the run of
    such epochs that lasts to the end: a later epoch that improves meaningfully ends the run.
    """
    monitored = _monitored_loss(epochs)
    if monitored is None or len(epochs) < 3:
        return None
    key, losses = monitored
    ratios: list[float | None] = [None]
    best = losses[0]
    for loss in losses[1:]:
        cumulative = losses[0] - best
        ratios.append((best - loss) / cumulative if cumulative > 0 else None)
        best = min(best, loss)
    start = len(losses)
    while start > 1 and (r := ratios[start - 1]) is not None and r < t.diminishing_returns_pct:
        start -= 1
    if start == len(losses):
        return Stop(key, losses, None, None)
    return Stop(key, losses, start - 1, ratios[start])


def optimal_stop_epoch(epochs: list[EpochRecord], t: DiagnosticThresholds) -> int | None:
    """The epoch (the record's own epoch number) after which training gave diminishing returns.

    Every later epoch improved the monitored loss (validation loss when every epoch has one,
    else train loss) on its best so far by less than `diminishing_returns_pct` of the
    improvement made before that epoch, so stopping here would have lost next to nothing.
    None with fewer than 3 epochs, without a loss in every epoch, or when the last epoch still
    improved meaningfully. `diminishing_returns`, `early_stop_opportunity` and `wasted_carbon`
    report exactly this epoch.
    """
    found = stop_analysis(epochs, t)
    if found is None or found.position is None:
        return None
    return epoch_index(epochs, found.position)


@dataclass(frozen=True)
class Waste:
    """What the epochs after the stop position cost, for the checks and the summary."""

    epochs: int
    duration_seconds: float | None
    compute_pct: float
    co2_kg: float | None
    energy_kwh: float | None


def duration(record: EpochRecord) -> float | None:
    return record.duration_seconds


def waste_after(epochs: list[EpochRecord], position: int | None) -> Waste:
    """Cost of the epochs after `position` (none when it is None).

    The compute share is the share of training time when every epoch has a duration, else the
    share of epochs, which is what each epoch costs on average.
    """
    after = epochs[position + 1 :] if position is not None else []
    durations = series(epochs, duration)
    total_time = sum(d for d in durations if d is not None)
    wasted_time = total(series(after, duration))
    if all(d is not None for d in durations) and total_time > 0:
        pct = 100.0 * (wasted_time or 0.0) / total_time
    else:
        pct = 100.0 * len(after) / len(epochs) if epochs else 0.0
    has_co2 = any(v is not None for v in series(epochs, co2_kg))
    has_kwh = any(v is not None for v in series(epochs, energy_kwh))
    co2 = total(series(after, co2_kg))
    kwh = total(series(after, energy_kwh))
    return Waste(
        epochs=len(after),
        duration_seconds=(
            wasted_time if wasted_time is not None else 0.0 if total_time and not after else None
        ),
        compute_pct=pct,
        co2_kg=co2 if co2 is not None else (0.0 if has_co2 and not after else None),
        energy_kwh=kwh if kwh is not None else (0.0 if has_kwh and not after else None),
    )


def _loss_name(key: str) -> str:
    return "validation loss" if key == VAL_LOSS else "train loss"


def check_diminishing_returns(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """From some epoch to the end, every epoch improved the monitored loss by less than
    `diminishing_returns_pct` of the improvement made so far (info, at the first such epoch).

    Same rule as `optimal_stop_epoch`; info because the model is not hurt, only the compute.
    """
    found = stop_analysis(data.epochs, t)
    if found is None or found.position is None or found.ratio is None:
        return []
    first = found.position + 1
    epoch = epoch_index(data.epochs, first)
    losses = found.losses
    return [
        issue(
            "diminishing_returns",
            Severity.INFO,
            "Diminishing returns",
            (
                f"From epoch {epoch} on, each epoch improved the {_loss_name(found.key)} by "
                f"less than {100 * t.diminishing_returns_pct:g}% of the improvement made so far "
                f"(epoch {epoch}: {100 * found.ratio:.1f}%); the loss went from "
                f"{losses[found.position]:.4g} to {losses[-1]:.4g} over the last "
                f"{len(losses) - first} epochs."
            ),
            (
                "Stop when progress stalls: keras.callbacks.EarlyStopping(monitor='val_loss', "
                "patience=2, min_delta=1e-3, restore_best_weights=True), or lower the epochs."
            ),
            epoch_index=epoch,
            metric_key="marginal_improvement_ratio",
            metric_value=round(found.ratio, 6),
        )
    ]


def check_early_stop_opportunity(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Training ran on after `optimal_stop_epoch` (info, at that epoch, with the epochs, time
    and compute share the extra epochs cost)."""
    epochs = data.epochs
    found = stop_analysis(epochs, t)
    if found is None or found.position is None:
        return []
    waste = waste_after(epochs, found.position)
    epoch = epoch_index(epochs, found.position)
    time_text = f", {waste.duration_seconds:.1f} s" if waste.duration_seconds is not None else ""
    return [
        issue(
            "early_stop_opportunity",
            Severity.INFO,
            "Early stop opportunity",
            (
                f"Training could have stopped after epoch {epoch}: the {waste.epochs} epochs "
                f"after it ({waste.compute_pct:.1f}% of the compute{time_text}) changed the "
                f"{_loss_name(found.key)} from {found.losses[found.position]:.4g} to "
                f"{found.losses[-1]:.4g}."
            ),
            (
                "Add keras.callbacks.EarlyStopping(monitor='val_loss', patience=2, "
                f"restore_best_weights=True), or train for {found.position + 1} epochs."
            ),
            epoch_index=epoch,
            metric_key="wasted_epochs",
            metric_value=waste.epochs,
        )
    ]


def check_wasted_carbon(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """CO2 (and energy) the epochs after `optimal_stop_epoch` emitted (info, at the first of
    them); nothing when those epochs have no carbon records."""
    epochs = data.epochs
    found = stop_analysis(epochs, t)
    if found is None or found.position is None:
        return []
    waste = waste_after(epochs, found.position)
    if waste.co2_kg is None:
        return []
    energy = f" and {watt_hours(waste.energy_kwh)}" if waste.energy_kwh is not None else ""
    return [
        issue(
            "wasted_carbon",
            Severity.INFO,
            "Wasted carbon",
            (
                f"Training could have stopped after epoch {epoch_index(epochs, found.position)}; "
                f"the remaining {waste.epochs} epochs emitted {grams(waste.co2_kg)}{energy} with "
                "diminishing returns."
            ),
            (
                "Stop at the plateau with keras.callbacks.EarlyStopping(restore_best_weights=True) "
                "and the CO2 of those epochs is saved."
            ),
            epoch_index=epoch_index(epochs, found.position + 1),
            metric_key="carbon_emissions.epoch_co2_kg",
            metric_value=waste.co2_kg,
        )
    ]
