"""Terminal output of an optimization: its live progress (`ProgressDisplay`), a final table of
trials and the epochs (and energy) that pruning saved."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table

from healthopt.progress import OptimizationProgress, pruned_where
from healthopt.records import ComputeSummary, PruneInfo, RunResults, TrialRecord


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def prune_label(prune: PruneInfo) -> str:
    """A pruned trial's short reason for a table cell: who stopped it, at which epoch (the
    full reason is in results.json)."""
    return f"pruned {pruned_where(prune)}"


def _energy(kwh: float) -> str:
    # two significant figures: the estimate is not more precise than that
    return f"{kwh:.2g} kWh" if kwh >= 1e-3 else f"{kwh * 1000:.2g} Wh"


def compute_line(compute: ComputeSummary) -> str:
    """Epochs run against epochs budgeted, what each pruner saved, and the energy saved
    (an estimate, said as such)."""
    if compute.epochs_saved:
        ranked = sorted(compute.epochs_saved_by.items(), key=lambda item: (-item[1], item[0]))
        by = ", ".join(f"{name} {epochs}" for name, epochs in ranked)
        saved = f"{compute.epochs_saved} saved: {by}"
    else:
        saved = "none saved"
    line = f"Epochs: {compute.epochs_run} of {compute.epochs_budgeted} run ({saved})"
    if compute.energy_saved_kwh is None:
        return f"{line}; energy saved: not measured"
    return (
        f"{line}; energy saved ≈ {_energy(compute.energy_saved_kwh)} "
        "(estimated from this run's measured energy per epoch)"
    )


# The optimizer's live display is `progress.OptimizationProgress` (the optimizer itself shows it
# with `progress=True`, and it sits on a layer the optimizer may import); the CLI keeps its name.
ProgressDisplay = OptimizationProgress


def trials_table(trials: list[TrialRecord], best_trial: int | None) -> Table:
    """The final summary: one row per finished trial, the chosen one marked."""
    table = Table(
        title="Trials (score: weighted total; health: the components' mix times skill above "
        "chance; diag: diagnostics score /100; * chosen)"
    )
    columns = (
        "#",
        "state",
        "score",
        "val_acc",
        "test_acc",
        "health",
        "diag",
        "params",
        "epochs",
        "fit s",
        "note",
    )
    for column in columns:
        table.add_column(
            column,
            justify="left" if column in ("state", "note") else "right",
            no_wrap=column != "note",
        )
    for trial in trials:
        marker = " *" if trial.number == best_trial else ""
        note = prune_label(trial.pruned) if trial.pruned else trial.error or ""
        diagnostic = trial.diagnostics.health_score  # an integer score, read back as a float
        table.add_row(
            f"{trial.number}{marker}",
            trial.state,
            _fmt(trial.total_score),
            _fmt(trial.metrics.val_accuracy),
            _fmt(trial.metrics.test_accuracy),
            _fmt(trial.score.health if trial.score else None, 3),
            "-" if diagnostic is None else f"{diagnostic:g}",
            f"{trial.num_parameters:,}",
            str(trial.epochs_run),
            _fmt(trial.timings.get("fit_seconds"), 1),
            note if len(note) <= 60 else note[:57] + "...",
        )
    return table


def pareto_table(results: RunResults) -> Table:
    """Pareto mode: the front's members, most accurate first, the chosen one marked."""
    table = Table(title="Pareto front (val accuracy against skill-gated health)")
    for column in ("#", "val_acc", "health", "test_acc", "score", "params"):
        table.add_column(column, justify="right", no_wrap=True)
    members = [t for t in results.trials if t.number in (results.pareto_front or [])]
    members.sort(key=lambda t: (-(t.metrics.val_accuracy or 0.0), t.number))
    for trial in members:
        marker = " *" if trial.number == results.best_trial else ""
        table.add_row(
            f"{trial.number}{marker}",
            _fmt(trial.metrics.val_accuracy),
            _fmt(trial.score.health if trial.score else None, 3),
            _fmt(trial.metrics.test_accuracy),
            _fmt(trial.total_score),
            f"{trial.num_parameters:,}",
        )
    return table


def selection_line(results: RunResults) -> str | None:
    """Which trial the run chose and by which rule (None for files from before the rule)."""
    selection = results.selection
    if selection is None or selection.trial is None:
        return None
    return f"chosen: trial {selection.trial}, {selection.description} ({selection.rule})"


def run_report(results: RunResults) -> Group:
    """The final output of a run, read from results.json: the trials table, the Pareto front
    in pareto mode, the rule that chose the model, and the compute line."""
    parts: list[Table | str] = [trials_table(results.trials, results.best_trial)]
    if results.pareto_front is not None:
        parts.append(pareto_table(results))
    line = selection_line(results)
    if line is not None:
        parts.append(line)
    if results.compute is not None:
        parts.append(compute_line(results.compute))
    line = baselines_line(results)
    if line is not None:
        parts.append(line)
    return Group(*parts)


def baselines_line(results: RunResults) -> str | None:
    """The chosen model's val accuracy against the run's baselines (`optimize.baselines`):
    the margin over each, or why a baseline has no score. None before they were measured."""
    if results.baselines is None:
        return None
    best = results.best()
    accuracy = best.metrics.val_accuracy if best is not None else None
    parts = []
    for score in results.baselines.scores:
        name = score.name.replace("_", " ")
        if score.val_accuracy is None:
            parts.append(f"{name}: {score.error or 'not measured'}")
        elif accuracy is None:
            parts.append(f"{name} {score.val_accuracy:.4f}")
        else:
            parts.append(
                f"{name} {score.val_accuracy:.4f} (margin {accuracy - score.val_accuracy:+.4f})"
            )
    return "Baselines (val accuracy, same splits): " + "; ".join(parts)
