"""Progress for long commands, on rich.progress: a live bar on a terminal, and off one (a pipe,
a log file, CI) one plain line per finished step, so a log still says how far a command got.

`StepProgress` is for commands made of named steps (`report`, `export`, `analyze`, a study's
analysis modules). `OptimizationProgress` is the optimizer's own display, driven by its events:
trials done of N with an ETA, and an epoch bar per trial in flight.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from healthopt.console import output_console
from healthopt.records import (
    COMPLETE,
    PRUNED,
    EpochEndEvent,
    NoticeEvent,
    PruneInfo,
    RunEvent,
    RunFinishedEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialStartedEvent,
)


def bar_columns() -> tuple[ProgressColumn, ...]:
    """The columns every healthopt bar shows: what, how many of how many, elapsed, ETA."""
    return (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )


class StepProgress:
    """A command's named steps: `with StepProgress("report", 4) as p: with p.step("history"): ...`.

    On a terminal a bar counts the steps with elapsed time and an ETA; off one each finished
    step prints `title: step i/N name (1.2 s)`, and a failed one says that it failed."""

    def __init__(self, title: str, steps: int, console: Console | None = None) -> None:
        if steps < 1:
            raise ValueError(f"a progress needs at least one step (got {steps})")
        self.title = title
        self.total = steps
        self.console = console or output_console()
        self.done = 0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> StepProgress:
        if self.console.is_terminal:
            self._progress = Progress(*bar_columns(), console=self.console, transient=False)
            self._progress.start()
            self._task = self._progress.add_task(self.title, total=self.total)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """One step: counted when its block ends, reported as failed if it raises."""
        start = time.perf_counter()
        number = self.done + 1
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=f"{self.title}: {name}")
        try:
            yield
        except BaseException:
            self._line(f"{self.title}: step {number}/{self.total} {name} failed")
            raise
        self.done = number
        seconds = time.perf_counter() - start
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self.done)
        else:
            self._line(f"{self.title}: step {number}/{self.total} {name} ({seconds:.1f} s)")

    def _line(self, text: str) -> None:
        if self._progress is None:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)


def trials_eta(durations: list[float], remaining: int, parallel: int) -> float | None:
    """Seconds until `remaining` trials are done: the mean duration of the finished ones,
    `parallel` at a time. None before any trial finished (nothing to estimate from)."""
    if not durations or remaining <= 0:
        return None if not durations else 0.0
    mean = sum(durations) / len(durations)
    return mean * math.ceil(remaining / max(1, parallel))


class EtaColumn(ProgressColumn):
    """The ETA a task carries in its `eta` field (seconds from when it was set), counted down
    until the next update; `-:--:--` while there is none."""

    def render(self, task: Task) -> Text:
        eta = task.fields.get("eta")
        set_at = task.fields.get("eta_set_at")
        if eta is None or set_at is None:
            return Text("eta -:--:--", style="progress.remaining")
        left = max(0.0, eta - (time.monotonic() - set_at))
        return Text(f"eta {timedelta(seconds=int(left))}", style="progress.remaining")


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def pruned_where(prune: PruneInfo) -> str:
    """Who stopped a pruned trial and at which epoch, for a progress line or a table cell."""
    if prune.pruned_by == "health":
        return f"at epoch {prune.epoch} by health: {prune.check or prune.reason}"
    return f"at epoch {prune.epoch}: {prune.pruner or 'pruner'}"


class OptimizationProgress:
    """An optimization's progress, driven by its events (`records.RunEvent`).

    On a terminal: a "trials" bar (done of N, elapsed, an ETA from the finished trials'
    durations, the best so far) and one epoch bar per trial in flight, removed when the trial
    finishes. On a terminal and off one: one line when the run starts, each notice, and one
    line per finished trial. Events may come from worker threads: a lock keeps them in order.
    Use as `with OptimizationProgress() as progress: optimizer.on_event = progress`.
    """

    def __init__(
        self, console: Console | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.console = console or output_console()
        self._clock = clock
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._trials_task: TaskID | None = None
        self._epoch_tasks: dict[int, TaskID] = {}
        self._started_at: dict[int, float] = {}
        self._durations: list[float] = []
        self._parallel = 1
        self._total = 0
        self._done = 0
        self._best: tuple[int | None, float | None] = (None, None)

    def __enter__(self) -> OptimizationProgress:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Show the live bars (on a terminal; off one there is nothing to start)."""
        with self._lock:
            if self._progress is None and self.console.is_terminal:
                self._progress = Progress(
                    SpinnerColumn(),
                    TextColumn("[progress.description]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    EtaColumn(),
                    TextColumn("{task.fields[note]}"),
                    console=self.console,
                )
                self._progress.start()

    def stop(self) -> None:
        """Leave the last state of the trials bar on screen and stop refreshing it."""
        with self._lock:
            if self._progress is not None:
                for task in self._epoch_tasks.values():
                    self._progress.remove_task(task)
                self._epoch_tasks.clear()
                self._progress.stop()
                self._progress = None
                self._trials_task = None

    def __call__(self, event: RunEvent) -> None:
        with self._lock:
            match event:
                case RunStartedEvent():
                    self._on_run_started(event)
                case NoticeEvent():
                    self.console.print(f"[yellow]{event.message}[/]", soft_wrap=True)
                case TrialStartedEvent():
                    self._on_trial_started(event.trial_number)
                case EpochEndEvent():
                    self._on_epoch(event)
                case TrialFinishedEvent():
                    self._on_trial_finished(event)
                case RunFinishedEvent():
                    self._update_trials()

    # -- events -------------------------------------------------------------------------
    def _on_run_started(self, event: RunStartedEvent) -> None:
        self._total, self._done = event.trials_total, event.trials_done
        resumed = f", resuming after {self._done} finished" if self._done else ""
        self.console.print(
            f"run [bold]{event.run_name}[/] -> {event.run_dir} ({self._total} trials{resumed})",
            soft_wrap=True,
        )
        if self._progress is not None:
            if self._trials_task is not None:  # the same display shows a second run
                self._progress.remove_task(self._trials_task)
            self._trials_task = self._progress.add_task(
                "trials", total=self._total, completed=self._done, note=self._best_text()
            )
        self._durations.clear()

    def _on_trial_started(self, number: int) -> None:
        self._started_at[number] = self._clock()
        self._parallel = max(self._parallel, len(self._started_at))
        if self._progress is not None and number not in self._epoch_tasks:
            self._epoch_tasks[number] = self._progress.add_task(
                f"  trial {number} epochs", total=None, note=""
            )

    def _on_epoch(self, event: EpochEndEvent) -> None:
        if event.trial_number not in self._started_at:  # a resumed trial's first sign of life
            self._on_trial_started(event.trial_number)
        task = self._epoch_tasks.get(event.trial_number)
        if self._progress is not None and task is not None:
            self._progress.update(
                task,
                total=event.epochs,
                completed=event.epoch,
                note=f"val_acc {_fmt(event.val_accuracy)}",
            )

    def _on_trial_finished(self, event: TrialFinishedEvent) -> None:
        self._done = event.trials_done
        self._total = event.trials_total
        self._best = (event.best_trial, event.best_value)
        started = self._started_at.pop(event.trial_number, None)
        if started is not None:
            self._durations.append(self._clock() - started)
        task = self._epoch_tasks.pop(event.trial_number, None)
        if self._progress is not None and task is not None:
            self._progress.remove_task(task)
        self._update_trials()
        self.console.print(
            f"trial {event.trial_number} ({self._done}/{self._total}) "
            f"{_outcome(event)} · {self._best_text()}",
            markup=True,
        )

    def _update_trials(self) -> None:
        if self._progress is None or self._trials_task is None:
            return
        eta = trials_eta(self._durations, self._total - self._done, self._parallel)
        self._progress.update(
            self._trials_task,
            total=self._total,
            completed=self._done,
            note=self._best_text(),
            eta=eta,
            eta_set_at=time.monotonic(),
        )

    def _best_text(self) -> str:
        number, value = self._best
        return "best -" if number is None else f"best {_fmt(value)} (trial {number})"

    @property
    def eta_seconds(self) -> float | None:
        """The current estimate of the seconds left (None before a trial finished)."""
        with self._lock:
            return trials_eta(self._durations, self._total - self._done, self._parallel)


def _outcome(event: TrialFinishedEvent) -> str:
    if event.state == COMPLETE:
        return f"val_acc {_fmt(event.metrics.val_accuracy)} · score {_fmt(event.total_score)}"
    if event.state == PRUNED:
        where = f" {pruned_where(event.pruned)}" if event.pruned else ""
        return f"[yellow]PRUNED[/]{where} · val_acc {_fmt(event.metrics.val_accuracy)}"
    return f"[red]FAIL[/] {event.error}"
