"""Terminal progress for an optimization: a live status line and a final table of trials."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.status import Status
from rich.table import Table

from healthopt.console import output_console
from healthopt.records import (
    COMPLETE,
    EpochEndEvent,
    NoticeEvent,
    RunEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialRecord,
    TrialStartedEvent,
)


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


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
        else:
            outcome = f"[red]FAIL[/] {event.error}"
        self.console.print(
            f"trial {event.trial_number} ({self._done}/{self._total}) "
            f"{outcome} · {self._best_text()}",
            markup=True,
        )
        self._set_status(f"{self._done}/{self._total} done · {self._best_text()}")


def trials_table(trials: list[TrialRecord], best_trial: int | None) -> Table:
    """The final summary: one row per finished trial, the best one marked."""
    table = Table(
        title="Trials (score: what the run ranks by; health: weighted health used in "
        "it; diag: diagnostics score /100)"
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
        note = trial.error or ""
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
