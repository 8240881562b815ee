"""Terminal progress for an optimization: a live status line, a final table of trials and
the epochs (and energy) that pruning saved."""

from __future__ import annotations

import threading

from rich.console import Console, Group
from rich.status import Status
from rich.table import Table

from healthopt.console import output_console
from healthopt.records import (
    COMPLETE,
    PRUNED,
    ComputeSummary,
    EpochEndEvent,
    NoticeEvent,
    PruneInfo,
    RunEvent,
    RunResults,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialRecord,
    TrialStartedEvent,
)


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pruned_where(prune: PruneInfo) -> str:
    if prune.pruned_by == "health":
        return f"at epoch {prune.epoch} by health: {prune.check or prune.reason}"
    return f"at epoch {prune.epoch}: {prune.pruner or 'pruner'}"


def prune_label(prune: PruneInfo) -> str:
    """A pruned trial's short reason for a table cell: who stopped it, at which epoch (the
    full reason is in results.json)."""
    return f"pruned {_pruned_where(prune)}"


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


class ProgressDisplay:
    """Turns optimizer events into output: one line per finished trial, and on a terminal
    a live status line (trial n of N, epoch, best so far)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or output_console()
        self._status: Status | None = None
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._best: tuple[int | None, float | None] = (None, None)

    def __enter__(self) -> ProgressDisplay:
        if self.console.is_terminal:
            self._status = self.console.status("starting workers...")
            self._status.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._status is not None:
            self._status.stop()

    def __call__(self, event: RunEvent) -> None:
        with self._lock:
            match event:
                case RunStartedEvent():
                    self._on_run_started(event)
                case NoticeEvent():
                    self.console.print(f"[yellow]{event.message}[/]", soft_wrap=True)
                case TrialStartedEvent():
                    self._set_status(
                        f"trial {event.trial_number} started · {self._done}/{self._total} "
                        f"done · {self._best_text()}"
                    )
                case EpochEndEvent():
                    self._set_status(
                        f"trial {event.trial_number} · epoch {event.epoch}/{event.epochs} · "
                        f"val_acc {_fmt(event.val_accuracy)} · {self._done}/{self._total} done"
                        f" · {self._best_text()}"
                    )
                case TrialFinishedEvent():
                    self._on_trial_finished(event)

    def _set_status(self, text: str) -> None:
        if self._status is not None:
            self._status.update(text)

    def _best_text(self) -> str:
        number, value = self._best
        return "best -" if number is None else f"best {_fmt(value)} (trial {number})"

    def _on_run_started(self, event: RunStartedEvent) -> None:
        self._total, self._done = event.trials_total, event.trials_done
        resumed = f", resuming after {self._done} finished" if self._done else ""
        self.console.print(
            f"run [bold]{event.run_name}[/] -> {event.run_dir} ({self._total} trials{resumed})",
            soft_wrap=True,
        )

    def _on_trial_finished(self, event: TrialFinishedEvent) -> None:
        self._done = event.trials_done
        self._best = (event.best_trial, event.best_value)
        if event.state == COMPLETE:
            outcome = (
                f"val_acc {_fmt(event.metrics.val_accuracy)} · score {_fmt(event.total_score)}"
            )
        elif event.state == PRUNED:
            where = f" {_pruned_where(event.pruned)}" if event.pruned else ""
            outcome = f"[yellow]PRUNED[/]{where} · val_acc {_fmt(event.metrics.val_accuracy)}"
        else:
            outcome = f"[red]FAIL[/] {event.error}"
        self.console.print(
            f"trial {event.trial_number} ({self._done}/{self._total}) "
            f"{outcome} · {self._best_text()}",
            markup=True,
        )
        self._set_status(f"{self._done}/{self._total} done · {self._best_text()}")


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
    return Group(*parts)
