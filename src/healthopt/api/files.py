"""RunFiles: the files of one job's run folder, and nothing outside the results folder.

Every path the API serves is built here from a job's run folder and names checked against
strict patterns, then resolved (following symlinks) and required to stay inside the results
folder. Anything else is "not found": a crafted id, name or link gets a 404, never a file.

Every JSON file is validated with the record the API serves it as, and a model with the digest
its trial recorded: a file that is there but wrong (truncated, hand-edited, from a foreign ZIP)
is `FileCorrupt`, a 409 naming the file relative to the results folder and the field.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from healthopt.artifacts.integrity import ModelCorrupt, verify_model
from healthopt.jsonio import JSONFileError, read_json
from healthopt.monitoring.folder import (
    OBSERVER_FILE,
    MonitoringInputError,
    NoEpochRecords,
    epoch_records,
)
from healthopt.optimize.assembly import OPTIMIZED_DIR, plots_dir, trial_dir
from healthopt.records import (
    ArchitectureSummary,
    ComputeSummary,
    EpochRecord,
    Record,
    RunResults,
    SchemaError,
    TrialRecord,
)

PLOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.png$")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
TRIAL_MODEL = "model.keras"  # what trial.py saves in each trial's folder
R = TypeVar("R", bound=Record)


class FileMissing(LookupError):
    """The file is not there (yet), or is not one the API serves."""


class FileCorrupt(ValueError):
    """The file is there but is not what its record says; the message names it (relative to
    the results folder) and what was wrong."""


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


def zip_folder(folder: Path, target: Path, top: str, within: Path) -> int:
    """Every file under `folder` into the ZIP `target` as `top/<path relative to folder>`;
    returns how many went in. Only regular files that resolve inside `within` go in: a link
    out of the results folder is left out, as the API serves nothing outside it."""
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            try:
                resolved = confine(within, path)
            except FileMissing:
                continue  # a folder, or a file the API does not serve
            archive.write(resolved, f"{top}/{path.relative_to(folder).as_posix()}")
            count += 1
    return count


@functools.lru_cache(maxsize=8)
def _results_version(path: Path, inode: int, mtime_ns: int, size: int) -> RunResults:
    """One version of a results.json, parsed once (the version is its inode, mtime and size:
    the optimizer replaces the file atomically on every write). The status is polled and the
    trial gallery reads a page at a time; a 1,000-trial file took 130 ms to parse on every
    request. Records are frozen, so every request can share the parsed one."""
    return RunResults.from_json(path.read_bytes())


class RunFiles:
    def __init__(self, results_dir: Path, run_dir: Path) -> None:
        self.results_dir = results_dir.resolve()
        self.run_dir = run_dir

    def _file(self, *parts: str) -> Path:
        return confine(self.results_dir, self.run_dir.joinpath(*parts))

    def relative(self, path: Path) -> str:
        """How error messages name a file: relative to the results folder, never absolute."""
        try:
            return path.relative_to(self.results_dir).as_posix()
        except ValueError:
            return path.name

    def read(self, record: type[R], path: Path) -> R | None:
        """The file at `path` validated as `record`; None when it is not there, FileCorrupt
        when it is there but unreadable or of the wrong shape."""
        try:
            resolved = confine(self.results_dir, path)
        except FileMissing:
            return None
        try:
            return record.from_json(resolved.read_bytes())
        except (OSError, SchemaError) as exc:
            raise FileCorrupt(f"{self.relative(resolved)} is not readable: {exc}") from None

    def results(self) -> RunResults | None:
        """results.json, or None before the first trial finished; FileCorrupt when it is there
        but unreadable (a truncated write, a wrong shape). Parsed once per version."""
        try:
            path = self._file("results.json")
            stat = path.stat()
        except (FileMissing, OSError):
            return None
        try:
            return _results_version(path, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except (OSError, SchemaError) as exc:
            raise FileCorrupt(f"{self.relative(path)} is not readable: {exc}") from None

    def compute(self) -> ComputeSummary | None:
        """results.json's compute summary (epochs run, budgeted and saved), or None before the
        first trial finished or while the file is unreadable."""
        try:
            results = self.results()
        except FileCorrupt:
            return None
        return results.compute if results is not None else None

    def best_record(self, results: RunResults | None = None) -> TrialRecord | None:
        """The best trial's record, from `results` when the caller has already read them."""
        results = results if results is not None else self.results()
        return results.best() if results is not None else None

    def trial_file(self, trial: int, name: str, record: type[R]) -> R | None:
        """One of a trial folder's JSON files (architecture, diagnostics, analysis) validated
        as `record`; None when the trial has none, FileCorrupt when it is unreadable."""
        return self.read(record, trial_dir(self.run_dir, trial) / f"{name}.json")

    def architecture(self, trial: int) -> ArchitectureSummary | None:
        return self.trial_file(trial, "architecture", ArchitectureSummary)

    def epochs(self, trial: int) -> list[EpochRecord] | None:
        """A trial's epoch records (its observer.json); None when it has none, [] when it
        holds no epoch yet, FileCorrupt when it is not epoch records
        (`monitoring.folder.epoch_records`)."""
        try:
            path = confine(self.results_dir, trial_dir(self.run_dir, trial) / OBSERVER_FILE)
        except FileMissing:
            return None
        name = self.relative(path)
        try:
            return epoch_records(read_json(path), name)
        except NoEpochRecords:
            return []
        except (JSONFileError, MonitoringInputError) as exc:
            raise FileCorrupt(str(exc).replace(str(path), name)) from None

    def trial_model(self, trial: int) -> Path:
        """A trial's own saved model (`trials/trial_N/model.keras`); FileMissing when the trial
        kept none (pruned, failed, unknown) or its files were not fetched from the store."""
        if trial < 0:
            raise FileMissing(f"trial {trial}")
        return confine(self.results_dir, trial_dir(self.run_dir, trial) / TRIAL_MODEL)

    def optimized_model(self, results: RunResults | None = None) -> Path:
        """The assembled best model; FileMissing until the run has finished assembling."""
        results = results if results is not None else self.results()
        relative = results.optimized_model_path if results is not None else None
        if not relative or not relative.startswith(OPTIMIZED_DIR + "/"):
            raise FileMissing("optimized model")
        return self._file(*Path(relative).parts)

    def optimized_folder(self, results: RunResults | None = None) -> Path:
        """optimized_model/, resolved; FileMissing until the run has assembled its model."""
        self.optimized_model(results)
        folder = (self.run_dir / OPTIMIZED_DIR).resolve()
        if not folder.is_dir() or not folder.is_relative_to(self.results_dir):
            raise FileMissing(OPTIMIZED_DIR)
        return folder

    def verified(self, model: Path, expected_sha256: str | None) -> Path:
        """`model`, once it hashes to the digest recorded when it was saved (None: saved before
        digests were recorded, nothing to compare); FileCorrupt with the reason otherwise."""
        try:
            verify_model(model, expected_sha256)
        except ModelCorrupt as exc:
            name = self.relative(model)
            reason = str(exc).replace(str(model), name)
            raise FileCorrupt(f"{name} cannot be served: {reason}") from None
        return model

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
