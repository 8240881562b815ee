"""The runs in a results folder: every run folder, whoever made it (the CLI, a server's job).

A run folder is a direct child of the results folder holding the optimizer's `config.json`
or `results.json`. Its name is the run's name, and the one key every reader of runs uses
(`healthopt report RUN`, `GET /runs/{run}`), so a name is checked like any outside input
before it becomes a path (`safe_names`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from healthopt.optimize.resume import CONFIG_FILE
from healthopt.records import RunResults, SchemaError
from healthopt.safe_names import UnsafeName, safe_name

RESULTS_FILE = "results.json"


class RunNotFound(LookupError):
    """No run folder of that name (or the name is not a run name); the message says which."""


class RunUnreadable(ValueError):
    """The run folder is there but its results.json is not ours or is damaged; the message
    names the file and what was wrong."""


@dataclass(frozen=True)
class RunFolder:
    """One run folder: its name and path. Reading it is separate (`read_results`), so listing
    a folder of many runs never parses a file it does not need."""

    name: str
    path: Path

    @property
    def results_file(self) -> Path:
        return self.path / RESULTS_FILE

    @property
    def modified(self) -> float:
        """When the run last wrote results (or its config, before the first trial finished)."""
        for candidate in (self.results_file, self.path / CONFIG_FILE):
            try:
                return candidate.stat().st_mtime
            except OSError:
                continue
        return 0.0


def is_run_folder(path: Path) -> bool:
    return path.is_dir() and ((path / RESULTS_FILE).is_file() or (path / CONFIG_FILE).is_file())


def run_folders(results_dir: Path) -> list[RunFolder]:
    """Every run folder directly under `results_dir`, newest first (a missing folder: none).

    Links are followed only when they stay inside `results_dir`: a link out of it is not one
    of its runs."""
    root = results_dir.resolve()
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        try:
            name = safe_name(child.name, "run name")
        except UnsafeName:
            continue
        if not child.resolve().is_relative_to(root) or not is_run_folder(child):
            continue
        found.append(RunFolder(name, child))
    return sorted(found, key=lambda run: (-run.modified, run.name))


def find_run(results_dir: Path, name: str) -> RunFolder:
    """The run folder called `name` under `results_dir`; RunNotFound otherwise (also for a
    name that could not be a run's, such as `..`)."""
    try:
        safe_name(name, "run name")
    except UnsafeName as exc:
        raise RunNotFound(str(exc)) from None
    root = results_dir.resolve()
    path = root / name
    if not path.resolve().is_relative_to(root) or not is_run_folder(path):
        raise RunNotFound(f"no run {name!r} in {results_dir}")
    return RunFolder(name, path)


def read_results(run: RunFolder) -> RunResults | None:
    """The run's results.json; None before its first trial finished. RunUnreadable when the
    file is there but unreadable or not of our shape: never an empty run in its place."""
    try:
        data = run.results_file.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RunUnreadable(f"{run.name}/{RESULTS_FILE}: {exc.strerror or exc}") from None
    try:
        return RunResults.from_json(data)
    except SchemaError as exc:
        raise RunUnreadable(f"{run.name}/{RESULTS_FILE} is not readable: {exc}") from None
