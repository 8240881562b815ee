"""The trial export: one row per trial in every state, known values in the right columns,
missing values missing (never 0), and a round trip through one pandas call per format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from healthopt.config import ScoringWeights
from healthopt.records import (
    HEALTH_COMPONENTS,
    RunResults,
    TrialMetrics,
    TrialRecord,
)
from healthopt.runs.export import (
    COLUMN_SPECS,
    COLUMNS,
    EXPORT_FORMATS,
    PARAM_PREFIX,
    TIME_PREFIX,
    NothingToExport,
    columns_markdown,
    export_filename,
    trial_rows,
    trial_table,
    write_export,
    write_table,
)
from healthopt.runs.index import RunFolder, RunUnreadable, find_run, read_results

from ..optimize.scripted import Outcome, alarmed, fail, learning
from .made_runs import made_run

DOC = Path(__file__).parents[2] / "docs" / "export_columns.md"
HEALTH = dict(
    neuron_utilization=0.9,
    parameter_efficiency=0.8,
    training_stability=0.7,
    gradient_health=0.6,
    convergence_quality=0.5,
)  # accuracy_consistency not measured: it must stay missing, not become 0
FAILED, PRUNED_TRIAL = 1, 2
READERS = {"csv": pd.read_csv, "parquet": pd.read_parquet, "json": pd.read_json}


def script(spec: Any) -> Outcome:
    """Trial 1 fails, trial 2 raises a health alarm at epoch 1, the rest learn (trial 0 best)."""
    if spec.trial_number == FAILED:
        return fail("crafted failure: out of memory")
    if spec.trial_number == PRUNED_TRIAL:
        return alarmed(1, "nan_in_loss")
    top = 0.9 if spec.trial_number == 0 else 0.5 + 0.05 * spec.trial_number
    return learning([0.3, 0.4, top], **HEALTH)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    root = tmp_path_factory.mktemp("results")
    made_run(root, "mixed", script, trials=5, pruner="none")
    return find_run(root, "mixed")


@pytest.fixture(scope="module")
def table(run: RunFolder) -> pd.DataFrame:
    results = read_results(run)
    assert results is not None
    return trial_table(results, run.name)


def test_every_trial_is_a_row_whatever_its_state(run: RunFolder, table: pd.DataFrame):
    assert list(table["trial"]) == [0, 1, 2, 3, 4]
    assert list(table["state"]) == ["COMPLETE", "FAIL", "PRUNED", "COMPLETE", "COMPLETE"]
    assert set(table["run"]) == {"mixed"}
    assert list(table["is_best"]) == [True, False, False, False, False]
    assert table.loc[0, "rank"] == 1 and table["rank"].isna().tolist()[1:3] == [True, True]


def test_each_trial_has_its_timestamps_and_duration(run: RunFolder, table: pd.DataFrame):
    results = read_results(run)
    assert results is not None
    assert list(table["started"]) == [t.started for t in results.trials]
    assert list(table["finished"]) == [t.finished for t in results.trials]
    started = pd.to_datetime(table["started"], format="ISO8601", utc=True)
    finished = pd.to_datetime(table["finished"], format="ISO8601", utc=True)
    expected = (finished - started).dt.total_seconds()
    assert table["duration_seconds"].tolist() == pytest.approx(expected.tolist())
    assert (table["duration_seconds"] >= 0).all()


def test_failed_and_pruned_trials_say_why_and_keep_missing_values_missing(table: pd.DataFrame):
    failed = table.loc[FAILED]
    assert failed["error"] == "crafted failure: out of memory"
    for column in ("val_accuracy", "objective_value", "score", "health_score"):
        assert pd.isna(failed[column]), column
    assert all(pd.isna(failed[f"health_{name}"]) for name in HEALTH_COMPONENTS)

    pruned = table.loc[PRUNED_TRIAL]
    assert (pruned["pruned_by"], pruned["prune_check"], pruned["pruned_epoch"]) == (
        "health",
        "nan_in_loss",
        1,
    )
    assert pruned["prune_reason"] == "health: nan_in_loss at epoch 1"
    assert pruned["epochs_run"] == 1 and pd.isna(pruned["error"])
    # The pruned trial recorded no parameter count and no health component: missing, not 0.
    assert pd.isna(pruned["num_parameters"]) and pd.isna(pruned["health_score"])
    assert table["pruned_by"].isna().sum() == 4


def test_complete_trials_carry_their_metrics_health_and_score(table: pd.DataFrame):
    best = table.loc[0]
    assert best["val_accuracy"] == pytest.approx(0.9)
    assert best["objective_value"] == best["score"] == pytest.approx(0.9)  # simple mode
    assert best["chance_accuracy"] == pytest.approx(0.1)
    for name, value in HEALTH.items():
        assert best[f"health_{name}"] == pytest.approx(value)
    assert pd.isna(best["health_accuracy_consistency"])
    assert pd.isna(best["test_loss"]) and pd.isna(best["energy_kwh"])
    # The diagnostics engine did not run in scripted trials: no score and no issue count.
    assert pd.isna(best["diagnostics_score"]) and pd.isna(best["diagnostics_issues"])
    assert best["epochs_run"] == 3 and best["num_parameters"] > 0
    assert best["time_total_seconds"] >= 0
    assert pd.isna(best["objective_accuracy"]) and pd.isna(best["objective_health"])


def test_params_are_columns_missing_where_a_trial_did_not_sample_them(
    run: RunFolder, table: pd.DataFrame
):
    results = read_results(run)
    assert results is not None
    params = sorted({name for t in results.trials for name in t.params})
    param_columns = [c for c in table.columns if c.startswith(PARAM_PREFIX)]
    assert param_columns == [PARAM_PREFIX + name for name in params]
    for record in results.trials:
        row = table.loc[table["trial"] == record.number].iloc[0]
        for name in params:
            if name in record.params:
                assert row[PARAM_PREFIX + name] == record.params[name]
            else:
                assert pd.isna(row[PARAM_PREFIX + name])
    assert any(c.endswith("_learning_rate") for c in param_columns)


def test_column_order_is_stable_fixed_columns_first_families_in_place(table: pd.DataFrame):
    fixed = [name for name in COLUMN_SPECS if "<name>" not in name]
    assert [c for c in table.columns if c in COLUMN_SPECS] == fixed
    columns = list(table.columns)
    times = [c for c in columns if c.startswith(TIME_PREFIX)]
    assert times == ["time_total_seconds"]
    assert columns.index("fit_seconds") < columns.index(times[0]) < columns.index("energy_kwh")
    assert columns[-len([c for c in columns if c.startswith(PARAM_PREFIX)]) :] == sorted(
        c for c in columns if c.startswith(PARAM_PREFIX)
    )
    for name in columns:
        assert name in COLUMN_SPECS or name.startswith((PARAM_PREFIX, TIME_PREFIX)), name


def _same(expected: Any, actual: Any, column: str, fmt: str) -> None:
    where = f"{fmt} {column}"
    if pd.isna(expected):
        assert pd.isna(actual), where
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-12), where
    else:
        assert actual == expected, where


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_one_pandas_call_reads_the_export_back(
    run: RunFolder, table: pd.DataFrame, tmp_path: Path, fmt: str
):
    path = write_export(run, tmp_path, fmt)
    assert path == tmp_path / f"mixed_trials.{fmt}"
    back = READERS[fmt](path)
    assert list(back.columns) == list(table.columns)
    assert len(back) == len(table)
    for column in table.columns:
        numeric = pd.api.types.is_numeric_dtype(table[column])
        if numeric and table[column].notna().any():
            assert pd.api.types.is_numeric_dtype(back[column]), f"{fmt} {column}"
        for expected, actual in zip(table[column], back[column], strict=True):
            _same(expected, actual, column, fmt)
    assert list(back["state"]) == ["COMPLETE", "FAIL", "PRUNED", "COMPLETE", "COMPLETE"]
    assert back.loc[FAILED, "error"] == "crafted failure: out of memory"
    assert back.loc[PRUNED_TRIAL, "prune_reason"] == "health: nan_in_loss at epoch 1"


def test_parquet_keeps_every_dtype(run: RunFolder, table: pd.DataFrame, tmp_path: Path):
    back = pd.read_parquet(write_export(run, tmp_path / "t.parquet", "parquet"))
    assert dict(back.dtypes) == dict(table.dtypes)


def _record(number: int, **fields: Any) -> TrialRecord:
    return TrialRecord.model_validate({"number": number, "state": "COMPLETE", **fields})


def _results(trials: list[TrialRecord], **fields: Any) -> RunResults:
    return RunResults.create(
        run_name="crafted",
        dataset="digits",
        mode=fields.pop("mode", "simple"),
        trials_requested=len(trials),
        scoring_weights=ScoringWeights.for_mode("simple").to_dict(),
        trials=trials,
        **fields,
    )


def test_conditional_params_timestamps_and_pareto_objectives():
    adam = _record(
        0,
        values=[0.8, 0.4],
        params={"optimizer": "adam", "adam_learning_rate": 0.01, "batch_size": 32},
        started="2025-01-01T10:00:00+00:00",
        finished="2025-01-01T10:01:30.500000+00:00",
        timings={"fit_seconds": 80.0, "diagnostics_seconds": 2.5},
    )
    sgd = _record(1, params={"optimizer": "sgd", "sgd_learning_rate": 0.1, "batch_size": 64})
    rows = trial_rows(_results([adam, sgd], mode="pareto", ranking=[1, 0]), "crafted")
    first, second = rows
    assert first["param_adam_learning_rate"] == 0.01 and second["param_adam_learning_rate"] is None
    assert first["param_sgd_learning_rate"] is None and second["param_sgd_learning_rate"] == 0.1
    assert first["duration_seconds"] == pytest.approx(90.5)
    assert second["started"] is None and second["duration_seconds"] is None
    assert (first["objective_accuracy"], first["objective_health"]) == (0.8, 0.4)
    assert first["objective_value"] is None
    assert (first["fit_seconds"], first["time_diagnostics_seconds"]) == (80.0, 2.5)
    assert second["fit_seconds"] is None and second["time_diagnostics_seconds"] is None
    assert "time_fit_seconds" not in first
    assert (first["rank"], second["rank"]) == (2, 1)
    assert [list(r) for r in rows] == [list(rows[0])] * 2  # every row has every column


def test_param_dtypes_follow_the_sampled_values():
    trials = [
        _record(0, params={"flag": True, "units": 32, "rate": 1, "name": "a", "mixed": 3}),
        _record(1, params={"flag": None, "units": 64, "rate": 0.5, "name": "b", "mixed": "x"}),
        _record(2, params={}),
    ]
    table = trial_table(_results(trials), "crafted")
    dtypes = {c: str(table[c].dtype) for c in table.columns if c.startswith(PARAM_PREFIX)}
    assert dtypes == {
        "param_flag": "boolean",
        "param_mixed": "str",  # Parquet needs one type per column: a mix is written as text
        "param_name": "str",
        "param_rate": "float64",
        "param_units": "Int64",
    }
    assert table["param_flag"].isna().tolist() == [False, True, True]
    assert list(table["param_mixed"].iloc[:2]) == ["3", "x"]


def test_a_run_without_trials_is_a_table_with_its_columns_and_no_rows(tmp_path: Path):
    table = trial_table(_results([]), "crafted")
    assert table.empty and list(table.columns) == [n for n in COLUMNS if "<name>" not in n]
    path = write_table(table, tmp_path / "empty.csv", "csv")
    assert list(pd.read_csv(path).columns) == list(table.columns)


def test_every_trial_metric_is_a_column():
    assert set(TrialMetrics.model_fields) <= set(COLUMNS)


def test_the_columns_doc_is_generated_from_the_columns():
    text = DOC.read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in text for name in COLUMNS)
    assert text == columns_markdown(), (
        "docs/export_columns.md is stale: regenerate it with .venv/bin/python -c "
        "\"from healthopt.runs.export import columns_markdown; print(columns_markdown(), end='')\""
        " > docs/export_columns.md"
    )


def test_bad_runs_and_formats_are_refused_and_write_nothing(tmp_path: Path, run: RunFolder):
    with pytest.raises(ValueError, match="unknown export format 'xlsx': use one of csv"):
        write_export(run, tmp_path, "xlsx")
    with pytest.raises(ValueError, match="unknown export format"):
        export_filename("r", "xlsx")

    damaged = tmp_path / "results" / "damaged"
    damaged.mkdir(parents=True)
    (damaged / "results.json").write_text('{"trials": "not a list"')
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RunUnreadable, match="damaged/results.json is not readable"):
        write_export(RunFolder("damaged", damaged), out, "csv")

    waiting = tmp_path / "results" / "waiting"
    waiting.mkdir()
    (waiting / "config.json").write_text("{}")
    with pytest.raises(NothingToExport, match="'waiting' has no results.json yet"):
        write_export(find_run(tmp_path / "results", "waiting"), out, "json")

    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_export(run, tmp_path / "missing" / "t.csv", "csv")
    assert list(out.iterdir()) == []


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, table: pd.DataFrame):
    # A Parquet column of mixed objects cannot be written; nothing must be left behind.
    broken = table.astype({"run": object})
    broken.loc[0, "run"] = object()
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error type
        write_table(broken, tmp_path / "t.parquet", "parquet")
    assert list(tmp_path.iterdir()) == []
