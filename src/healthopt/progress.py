"""Progress for long commands, on rich.progress: a live bar on a terminal, and off one (a pipe,
a log file, CI) one plain line per finished step, so a log still says how far a command got.

`StepProgress` is for commands made of named steps (`report`, `export`, `analyze`, a study's
analysis modules). The optimizer's own display (trials and epochs) builds on the same columns.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from healthopt.console import output_console


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
