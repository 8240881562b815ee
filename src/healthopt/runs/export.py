"""A run's trials as one flat table, one row per trial in every state, written as CSV, Parquet
or JSON that one pandas call reads back (`pd.read_csv`, `pd.read_parquet`, `pd.read_json`).

The columns are fixed and documented (`COLUMNS`, docs/export_columns.md), except two families
that depend on the run: `param_<name>` for each hyperparameter any trial sampled and
`time_<name>` for each timing any trial recorded. A value the trial did not have stays missing
(empty in CSV, null in Parquet and JSON, NaN in pandas): never 0, which would read as a
measurement.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from healthopt.health.scoring import composite_health
from healthopt.records import HEALTH_COMPONENTS, RunResults, TrialRecord
from healthopt.runs.index import RunFolder, read_results

if TYPE_CHECKING:
    import pandas as pd

EXPORT_FORMATS = ("csv", "parquet", "json")
ExportFormat = Literal["csv", "parquet", "json"]
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
}
PARAM_PREFIX = "param_"
TIME_PREFIX = "time_"
# `to_json` keeps 10 significant digits unless told otherwise; 15 is the most it writes.
_JSON_DIGITS = 15

ColumnKind = Literal["int", "float", "str", "bool", "param"]


class NothingToExport(LookupError):
    """The run has no results.json yet: no trial has finished, so there is no row to write."""


@dataclass(frozen=True)
class Column:
    """One documented column (or family of columns): its kind, what it holds, and whether a
    trial may lack it."""

    kind: ColumnKind
    description: str
    nullable: bool = True

    @property
    def dtype(self) -> str:
        """Its pandas dtype: nullable Int64 for counts that may be missing, so a missing
        count is <NA> rather than a float."""
        if self.kind == "int":
            return "Int64" if self.nullable else "int64"
        return {"float": "float64", "str": "str", "bool": "bool"}[self.kind]


_HEALTH_COLUMNS = {
    f"health_{name}": Column(
        "float",
        f"health component `{name}` in [0, 1]; missing where "
        "the trial could not measure it (health_reasons in results.json "
        "says why)",
    )
    for name in HEALTH_COMPONENTS
}

# In the table's column order; the two families expand in place, sorted by name.
COLUMN_SPECS: dict[str, Column] = {
    "run": Column("str", "the run's name (its folder under the results folder)", False),
    "trial": Column("int", "Optuna's trial number, from 0", False),
    "state": Column("str", "COMPLETE, PRUNED or FAIL", False),
    "is_best": Column(
        "bool", "the trial the run chose as its model (results.json best_trial)", False
    ),
    "rank": Column(
        "int", "1-based place in the run's ranking of complete trials; missing for the others"
    ),
    "started": Column("str", "when the trial started, ISO 8601 UTC (Optuna's datetime_start)"),
    "finished": Column("str", "when the trial finished, ISO 8601 UTC (Optuna's datetime_complete)"),
    "duration_seconds": Column("float", "finished - started, in seconds"),
    "objective_value": Column(
        "float",
        "Optuna's objective value (the total score); missing in pareto mode and for "
        "trials that did not complete",
    ),
    "objective_accuracy": Column(
        "float", "pareto mode: the first objective, val accuracy; missing in other modes"
    ),
    "objective_health": Column(
        "float", "pareto mode: the second objective, the health term; missing in other modes"
    ),
    "score": Column(
        "float", "the total score by the run's scoring weights (results.json total_score)"
    ),
    "health_score": Column(
        "float",
        "composite health in [0, 1]: the health term of the trial's score "
        "(healthopt.health.scoring.composite_health); missing where no health component "
        "was measured",
    ),
    "val_accuracy": Column("float", "accuracy on the validation split"),
    "val_loss": Column("float", "loss on the validation split"),
    "test_accuracy": Column("float", "accuracy on the test split"),
    "test_loss": Column("float", "loss on the test split"),
    "train_accuracy": Column("float", "accuracy on the training split, last epoch"),
    "train_loss": Column("float", "loss on the training split, last epoch"),
    "chance_accuracy": Column(
        "float",
        "the validation split's majority-class rate: what a model that learned nothing scores",
    ),
    **_HEALTH_COLUMNS,
    "diagnostics_score": Column(
        "int", "the diagnostics engine's health score, 0-100; missing where it did not run"
    ),
    "diagnostics_issues": Column(
        "int", "issues the diagnostics engine found; missing where it did not run"
    ),
    "pruned_by": Column("str", 'PRUNED trials: "pruner" (Optuna\'s pruner) or "health"'),
    "prune_check": Column(
        "str", "PRUNED trials: the health check that stopped the trial, or the pruner's name"
    ),
    "pruned_epoch": Column("int", "PRUNED trials: the 1-based epoch after which training stopped"),
    "prune_reason": Column("str", "PRUNED trials: why the trial was stopped, in words"),
    "error": Column("str", "FAIL trials: what went wrong"),
    "interrupted": Column(
        "bool", "the trial was cut short by a stopped run (it is re-run on resume)", False
    ),
    "epochs_run": Column("int", "epochs the trial trained", False),
    "num_parameters": Column(
        "int", "the model's parameter count; missing where the trial did not record it"
    ),
    "fit_seconds": Column("float", "seconds in Keras's fit (training alone)"),
    f"{TIME_PREFIX}<name>": Column(
        "float",
        "every other timing the trial recorded, in seconds (`timings` in "
        "results.json: total_seconds, diagnostics_seconds, monitoring_seconds, ...)",
    ),
    "energy_kwh": Column("float", "estimated energy of the epochs run, in kWh"),
    f"{PARAM_PREFIX}<name>": Column(
        "param",
        "each hyperparameter any trial sampled, as Optuna suggested it; missing "
        "where the trial did not sample it (a conditional parameter such as "
        "`adam_learning_rate` exists only for trials that chose adam)",
    ),
}
COLUMNS: dict[str, str] = {name: column.description for name, column in COLUMN_SPECS.items()}


def export_filename(run_name: str, fmt: str) -> str:
    """The file name an export of `run_name` gets: `{run}_trials.{fmt}`."""
    return f"{run_name}_trials.{check_format(fmt)}"


def check_format(fmt: str) -> ExportFormat:
    """`fmt` when it is one of EXPORT_FORMATS; ValueError naming them otherwise."""
    if fmt in EXPORT_FORMATS:
        return cast(ExportFormat, fmt)
    raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")


def trial_rows(results: RunResults, run_name: str) -> list[dict[str, Any]]:
    """One dict per trial, in trial order, each with every column of the table (missing
    values as None), the families expanded to the names this run's trials used."""
    trials = sorted(results.trials, key=lambda t: t.number)
    columns = column_names(trials)
    rows = []
    for record in trials:
        values = _row(record, results, run_name)
        rows.append({name: values.get(name) for name in columns})
    return rows


def column_names(trials: list[TrialRecord]) -> list[str]:
    """The table's columns for these trials: COLUMN_SPECS' order, families expanded."""
    params = sorted({name for t in trials for name in t.params})
    timings = sorted({name for t in trials for name in t.timings if name != "fit_seconds"})
    names: list[str] = []
    for name in COLUMN_SPECS:
        if name == f"{PARAM_PREFIX}<name>":
            names.extend(PARAM_PREFIX + p for p in params)
        elif name == f"{TIME_PREFIX}<name>":
            names.extend(TIME_PREFIX + t for t in timings)
        else:
            names.append(name)
    return names


def trial_table(results: RunResults, run_name: str) -> pd.DataFrame:
    """The trials as a DataFrame: `trial_rows` with each column's dtype fixed by its kind
    (nullable Int64 counts, float64 measurements, str text), so every run's table has the
    same columns in the same order and types."""
    import pandas as pd

    rows = trial_rows(results, run_name)
    columns = column_names(list(results.trials))
    # Object columns first, so each dtype is chosen from the values as the trials had them
    # (pandas would otherwise read a whole-number param with a gap as floats).
    raw = {name: pd.Series([row[name] for row in rows], dtype=object) for name in columns}
    return pd.DataFrame(
        {name: values.astype(_dtype(name, list(values))) for name, values in raw.items()},
        columns=columns,
    )


def read_table(run: RunFolder) -> pd.DataFrame:
    """The trial table of a run folder; NothingToExport before its first trial finished,
    RunUnreadable when its results.json is damaged."""
    results = read_results(run)
    if results is None:
        raise NothingToExport(f"run {run.name!r} has no results.json yet: no trial has finished")
    return trial_table(results, run.name)


def export_path(run_name: str, target: Path, fmt: str) -> Path:
    """Where an export goes: inside `target` as `export_filename` when it is a folder,
    `target` itself otherwise."""
    return target / export_filename(run_name, fmt) if target.is_dir() else target


def write_table(table: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write `table` to `path` in `fmt`, whole or not at all (a temporary file beside it is
    renamed into place), and return `path`."""
    fmt = check_format(fmt)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder {path.parent} does not exist")
    # A fresh name beside the target rather than mkstemp, whose file would keep mode 0600:
    # the export gets the permissions any file the user writes gets.
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    try:
        if fmt == "csv":
            table.to_csv(partial, index=False)
        elif fmt == "parquet":
            table.to_parquet(partial, index=False)
        else:
            # Records: a list of row objects, the shape pd.read_json reads without being told
            # an orient, one row per object and the keys, in order, as its columns.
            table.to_json(partial, orient="records", double_precision=_JSON_DIGITS, indent=1)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def write_export(run: RunFolder, target: Path, fmt: str) -> Path:
    """Export the run's trials to `target` (a file, or a folder to write
    `{run}_trials.{fmt}` into) as `fmt`; the path written."""
    fmt = check_format(fmt)
    path = export_path(run.name, target, fmt)
    return write_table(read_table(run), path, fmt)


def columns_markdown() -> str:
    """docs/export_columns.md: every column, its type and what it holds."""
    kinds = {
        "int": "integer",
        "float": "number",
        "str": "text",
        "bool": "true/false",
        "param": "as sampled: true/false, integer, number or text",
    }
    lines = [
        "# Trial export columns",
        "",
        "`healthopt export RUN --format csv|parquet|json` and `GET /runs/{run}/export` write "
        "one row per trial, every state (COMPLETE, PRUNED, FAIL), with these columns in this "
        "order. `pd.read_csv(f)`, `pd.read_parquet(f)` and `pd.read_json(f)` each read the "
        'file in one call. JSON is a list of row objects (`orient="records"`).',
        "",
        "A value a trial did not have is missing (empty in CSV, null in Parquet and JSON, "
        "NaN or `<NA>` in pandas), never 0. Timestamps are ISO 8601 text in UTC: "
        "`pd.to_datetime(frame.started)` parses them. In CSV, pandas reads the texts `NA`, "
        "`None`, `null` and `nan` as missing.",
        "",
        "Generated from `healthopt.runs.export.COLUMN_SPECS`; a test checks that it matches.",
        "",
        "| column | type | what it holds |",
        "| --- | --- | --- |",
    ]
    for name, column in COLUMN_SPECS.items():
        description = column.description.replace("|", "\\|")
        lines.append(f"| `{name}` | {kinds[column.kind]} | {description} |")
    return "\n".join(lines) + "\n"


# -- one row ---------------------------------------------------------------------------------
def _row(record: TrialRecord, results: RunResults, run_name: str) -> dict[str, Any]:
    # None for trials written before issue 22 recorded timestamps.
    started, finished = record.started, record.finished
    metrics = record.metrics
    pruned = record.pruned
    diagnostics = record.diagnostics
    ran_diagnostics = diagnostics.health_score is not None
    values = record.values or []
    row: dict[str, Any] = {
        "run": run_name,
        "trial": record.number,
        "state": record.state,
        "is_best": record.number == results.best_trial,
        "rank": _rank(record.number, results.ranking),
        "started": started,
        "finished": finished,
        "duration_seconds": _seconds_between(started, finished),
        "objective_value": record.value,
        "objective_accuracy": values[0] if len(values) > 0 else None,
        "objective_health": values[1] if len(values) > 1 else None,
        "score": record.total_score,
        # A composite of no measured component would be 0 by the scoring rule (a missing
        # component counts 0); here it is what it is, not measured.
        "health_score": composite_health(record) if record.health.measured() else None,
        **metrics.model_dump(include=set(type(metrics).model_fields)),
        **{f"health_{name}": value for name, value in record.health.by_name().items()},
        "diagnostics_score": diagnostics.health_score,
        # The count defaults to 0 when the engine never ran: that 0 is not a finding.
        "diagnostics_issues": diagnostics.issue_count if ran_diagnostics else None,
        "pruned_by": pruned.pruned_by if pruned else None,
        "prune_check": (pruned.check or pruned.pruner) if pruned else None,
        "pruned_epoch": pruned.epoch if pruned else None,
        "prune_reason": pruned.reason if pruned else None,
        "error": record.error,
        "interrupted": record.interrupted,
        "epochs_run": record.epochs_run,
        # A trial that did not record its parameter count leaves the default 0 (a model
        # has at least one parameter), as in optimize.results.flat_attrs.
        "num_parameters": record.num_parameters or None,
        "fit_seconds": record.timings.get("fit_seconds"),
        "energy_kwh": record.energy_kwh,
    }
    row.update(
        (TIME_PREFIX + name, seconds)
        for name, seconds in record.timings.items()
        if name != "fit_seconds"
    )
    row.update((PARAM_PREFIX + name, value) for name, value in record.params.items())
    return row


def _rank(number: int, ranking: list[int]) -> int | None:
    return ranking.index(number) + 1 if number in ranking else None


def _seconds_between(started: str | None, finished: str | None) -> float | None:
    if started is None or finished is None:
        return None
    try:
        return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    except (TypeError, ValueError):  # a malformed or naive/aware mix: not a duration
        return None


def _dtype(name: str, values: list[Any]) -> str:
    spec = COLUMN_SPECS.get(name)
    if spec is not None:
        return spec.dtype
    if name.startswith(TIME_PREFIX):
        return "float64"
    return _param_dtype(values)


def _param_dtype(values: list[Any]) -> str:
    """A hyperparameter's dtype from the values trials sampled: booleans, whole numbers,
    numbers, else text (Parquet needs one type per column, so a mix is written as text)."""
    present = [value for value in values if value is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Int64"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float64"
    return "str"
