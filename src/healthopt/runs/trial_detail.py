"""One trial of a run beyond its record: its learning curves, plots and model, and its place
in the run's ranking.

The record (results.json) says what a trial measured; its folder holds what it left behind,
which may be less: a pruned or failed trial saves no model, a run that drew plots for its best
trial only has none for the others. `trial_files` says what is missing and why (`notes`). A
file that is there but damaged is `TrialFileUnreadable`, naming it: a corrupt history.json
must not read as a trial that learned nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError

from healthopt.jsonio import JSONFileError, read_json
from healthopt.monitoring.folder import OBSERVER_FILE
from healthopt.optimize.assembly import plots_dir, trial_dir
from healthopt.records import FAIL, PRUNED, RunResults, TrialRecord, finite_or_none
from healthopt.records.browse import TrialFiles
from healthopt.runs.index import RunFolder, RunUnreadable

HISTORY_FILE = "history.json"  # Keras's History.history, as the trial's training left it
MODEL_FILE = "model.keras"


class TrialNotFound(LookupError):
    """The run has no finished trial of that number; the message says which."""


class TrialFileUnreadable(RunUnreadable):
    """A file of a trial folder is there but damaged; the message names it (relative to the
    results folder) and what was wrong."""


def _epoch_value(value: Any) -> float | None:
    """One epoch's figure: a number (None when it went NaN or infinite), or null. Anything
    else is a damaged file, not an unmeasured epoch."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"a number or null was expected, got {type(value).__name__}")
    return finite_or_none(value)


_CURVES = TypeAdapter(dict[str, list[Annotated[float | None, BeforeValidator(_epoch_value)]]])


def find_trial(results: RunResults | None, run: RunFolder, number: int) -> TrialRecord:
    """Trial `number`'s record; TrialNotFound when the run has no finished trial of it."""
    record = results.trial(number) if results is not None else None
    if record is None:
        raise TrialNotFound(f"run {run.name!r} has no finished trial {number}")
    return record


def trial_rank(results: RunResults, number: int) -> int | None:
    """Trial `number`'s 1-based place in the run's ranking (the chosen trial is 1); None for
    a trial the ranking leaves out (pruned, failed)."""
    try:
        return results.ranking.index(number) + 1
    except ValueError:
        return None


def learning_curves(run: RunFolder, number: int) -> dict[str, list[float | None]] | None:
    """The trial's history.json: metric -> one value per epoch; None when it has none,
    TrialFileUnreadable when it is there but damaged."""
    path = trial_dir(run.path, number) / HISTORY_FILE
    if not path.is_file():
        return None
    name = f"{run.name}/trials/trial_{number}/{HISTORY_FILE}"
    try:
        data = read_json(path)
    except JSONFileError as exc:
        raise TrialFileUnreadable(str(exc).replace(str(path), name)) from None
    try:
        return _CURVES.validate_python(data)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "(top level)"
        problem = exc.errors()[0]["msg"]
        raise TrialFileUnreadable(
            f"{name} is not readable: {where}: {problem} (metric -> one number per epoch)"
        ) from None


def trial_plots(run: RunFolder, number: int) -> list[str]:
    """The names of the trial's plot images (plots/trial_N/*.png), sorted."""
    folder = plots_dir(run.path, number)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".png" and p.is_file())


def trial_files(run: RunFolder, record: TrialRecord) -> TrialFiles:
    """What the trial's folders hold for `record`, and a note for each thing missing."""
    number = record.number
    folder = trial_dir(run.path, number)
    curves = learning_curves(run, number)
    plots = trial_plots(run, number)
    has_model = (folder / MODEL_FILE).is_file()
    notes = []
    if curves is None:
        notes.append(f"no learning curves: trials/trial_{number} has no {HISTORY_FILE}")
    if not plots:
        notes.append(
            f"no plots: plots/trial_{number} holds none (the run drew plots for its best "
            "trial only, or none)"
        )
    if not has_model:
        notes.append(f"no model: {_why_no_model(record)}")
    return TrialFiles(
        learning_curves=curves or {},
        plots=plots,
        has_model=has_model,
        has_monitoring=(folder / OBSERVER_FILE).is_file(),
        notes=notes,
    )


def _why_no_model(record: TrialRecord) -> str:
    if record.state == PRUNED:
        reason = record.pruned.reason if record.pruned is not None else "no reason recorded"
        return f"the trial was pruned ({reason}), and a pruned trial saves none"
    if record.state == FAIL:
        return f"the trial failed ({record.error or 'no error recorded'})"
    return (
        f"trials/trial_{record.number}/{MODEL_FILE} is not there (a remote trial whose files "
        "were not fetched, or a file removed since)"
    )
