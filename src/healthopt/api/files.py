"""RunFiles: the files of one job's run folder, and nothing outside the results folder.

Every path the API serves is built here from a job's run folder and names checked against
strict patterns, then resolved (following symlinks) and required to stay inside the results
folder. Anything else is "not found": a crafted id, name or link gets a 404, never a file.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthopt.optimize.assembly import OPTIMIZED_DIR, plots_dir, trial_dir

PLOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.png$")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class FileMissing(LookupError):
    """The file is not there (yet), or is not one the API serves."""


@dataclass(frozen=True)
class PlotEntry:
    trial: int
    name: str
    path: Path
    size_bytes: int


def confine(root: Path, candidate: Path) -> Path:
    """`candidate` resolved, if it is a regular file inside `root`; else FileMissing."""
    root = root.resolve()
    try:
        resolved = candidate.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        raise FileMissing(str(candidate.name)) from None
    if not resolved.is_relative_to(root) or not resolved.is_file():
        raise FileMissing(str(candidate.name))
    return resolved


class RunFiles:
    def __init__(self, results_dir: Path, run_dir: Path) -> None:
        self.results_dir = results_dir.resolve()
        self.run_dir = run_dir

    def _file(self, *parts: str) -> Path:
        return confine(self.results_dir, self.run_dir.joinpath(*parts))

    def results(self) -> dict[str, Any] | None:
        """results.json, or None before the first trial finished."""
        try:
            return json.loads(self._file("results.json").read_text())
        except (FileMissing, json.JSONDecodeError):
            return None

    def best_record(self, results: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The best trial's record, from `results` when the caller has already read them."""
        results = results if results is not None else self.results()
        if not results or results.get("best_trial") is None:
            return None
        best = results["best_trial"]
        return next((t for t in results["trials"] if t["number"] == best), None)

    def trial_json(self, trial: int, name: str) -> dict[str, Any] | None:
        """One of a trial folder's JSON files (architecture, diagnostics, analysis), or None."""
        try:
            path = confine(self.results_dir, trial_dir(self.run_dir, trial) / f"{name}.json")
            return json.loads(path.read_text())
        except (FileMissing, json.JSONDecodeError):
            return None

    def architecture(self, trial: int) -> dict[str, Any] | None:
        return self.trial_json(trial, "architecture")

    def optimized_model(self, results: dict[str, Any] | None = None) -> Path:
        """The assembled best model; FileMissing until the run has finished assembling."""
        results = results if results is not None else self.results()
        relative = results.get("optimized_model_path") if results else None
        if not relative or not relative.startswith(OPTIMIZED_DIR + "/"):
            raise FileMissing("optimized model")
        return self._file(*Path(relative).parts)

    def plots(self) -> list[PlotEntry]:
        """Every trial plot drawn so far, by trial number then name."""
        root = self.run_dir / "plots"
        entries: list[PlotEntry] = []
        if not root.is_dir():
            return entries
        for folder in root.iterdir():
            match = re.fullmatch(r"trial_(\d+)", folder.name)
            if not match or not folder.is_dir():
                continue
            for path in folder.iterdir():
                if not PLOT_NAME.match(path.name):
                    continue
                try:
                    resolved = confine(self.results_dir, path)
                except FileMissing:
                    continue
                entries.append(
                    PlotEntry(int(match.group(1)), path.name, resolved, resolved.stat().st_size)
                )
        return sorted(entries, key=lambda e: (e.trial, e.name))

    def plot(self, trial: int, name: str) -> Path:
        if trial < 0 or not PLOT_NAME.match(name):
            raise FileMissing(name)
        return confine(self.results_dir, plots_dir(self.run_dir, trial) / name)

    def write_plots_zip(self, target: Path) -> int:
        """Zip every plot as trial_N/NAME.png into `target`; returns how many went in."""
        entries = self.plots()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for entry in entries:
                archive.write(entry.path, f"trial_{entry.trial}/{entry.name}")
        return len(entries)
