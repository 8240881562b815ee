"""Runs side by side: best metrics, health, params, settings and learning curves, and for each
metric whether the runs differ by more than run-to-run noise.

A best trial is one draw: two runs' best accuracies can differ by luck alone. So each metric
is also tested on the runs' complete trials, every trial one observation of what the run's
settings give: Welch's t-test (unequal variances, as two runs' spreads seldom match) with a
95% interval of the difference for two runs, Kruskal-Wallis for more (a rank test: it asks
no normality of a dozen accuracies). Below `MIN_COMPLETE_TRIALS` a run is not tested, and the
comparison says which run is short, rather than calling noise a difference.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

from healthopt.health.scoring import composite_health
from healthopt.optimize.assembly import trial_dir
from healthopt.optimize.resume import CONFIG_FILE
from healthopt.plots.trial.sources import MissingInput, TrialData
from healthopt.records import HEALTH_COMPONENTS, RunResults, TrialRecord, finite_or_none
from healthopt.records.compare import ComparedRun, MetricComparison, RunComparison
from healthopt.runs.index import RunFolder

# Fewer complete trials than this and a run's spread is a guess: no test is run.
MIN_COMPLETE_TRIALS = 3
ALPHA = 0.05
CONFIDENCE = 0.95
WELCH = "welch_t"
KRUSKAL = "kruskal_wallis"
# config.json keys that name where a run is stored, not how it ran: they differ between any
# two runs (run_name always), so listing them would only hide the differences that matter.
IDENTITY_SETTINGS = ("run_name", "output_dir")
# The data fingerprint is compared by its digest: its per-array hashes differ exactly when the
# digest does, and would fill the table with one row per array.
FINGERPRINT = "data_fingerprint"

MetricReader = Callable[[TrialRecord], float | None]


def _component(name: str) -> MetricReader:
    return lambda record: record.health.by_name()[name]


# Metric name -> how a trial record gives it, in the order a comparison lists them.
METRICS: dict[str, MetricReader] = {
    "val_accuracy": lambda record: record.metrics.val_accuracy,
    "test_accuracy": lambda record: record.metrics.test_accuracy,
    "health_score": composite_health,
    "total_score": lambda record: record.total_score,
    **{name: _component(name) for name in HEALTH_COMPONENTS},
}


class ComparisonError(ValueError):
    """The runs cannot be compared as given (fewer than two, or two of one name)."""


@dataclass(frozen=True)
class DifferenceTest:
    """Whether samples of one metric from several runs differ by more than noise."""

    test: str | None
    statistic: float | None
    p_value: float | None
    significant: bool | None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str | None = None


def _trials(count: int) -> str:
    return f"{count} complete trial{'' if count == 1 else 's'}"


def difference_test(
    samples: Mapping[str, Sequence[float]],
    metric: str = "the metric",
    complete: Mapping[str, int] | None = None,
) -> DifferenceTest:
    """Test whether the runs' samples (run name -> values) differ: Welch's t-test and the 95%
    interval of mean(first) - mean(second) for two runs, Kruskal-Wallis for more.

    `complete` (run -> its complete trials) lets a shortfall say whether the run has too few
    trials or too few that measured `metric`. Fewer than two runs is a ComparisonError."""
    if len(samples) < 2:
        raise ComparisonError(f"a test needs at least two runs, got {len(samples)}")
    if complete is not None and not any(samples.values()) and any(complete.values()):
        return DifferenceTest(None, None, None, None, reason=f"no complete trial measured {metric}")
    short = []
    for name, values in samples.items():
        if len(values) >= MIN_COMPLETE_TRIALS:
            continue
        total = len(values) if complete is None else complete.get(name, len(values))
        if total == len(values):
            short.append(f"run {name} has {_trials(total)}; need {MIN_COMPLETE_TRIALS}")
        else:
            short.append(
                f"run {name}: {len(values)} of its {_trials(total)} measured {metric}; "
                f"need {MIN_COMPLETE_TRIALS}"
            )
    if short:
        return DifferenceTest(None, None, None, None, reason="; ".join(short))
    if len({value for values in samples.values() for value in values}) == 1:
        return DifferenceTest(
            None, None, None, False, reason=f"every complete trial has the same {metric}"
        )
    groups = [list(values) for values in samples.values()]
    # Near-identical values make scipy warn of lost precision; its answer is still reported,
    # and one it cannot give (NaN) becomes None with a reason below.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if len(groups) == 2:
            result = stats.ttest_ind(groups[0], groups[1], equal_var=False)
            interval = result.confidence_interval(CONFIDENCE)
            name, low, high = WELCH, interval.low, interval.high
        else:
            result = stats.kruskal(*groups)
            name, low, high = KRUSKAL, None, None
    p_value = finite_or_none(result.pvalue)
    if p_value is None:
        return DifferenceTest(
            name, None, None, None, reason=f"{name} is undefined for these values of {metric}"
        )
    return DifferenceTest(
        name,
        finite_or_none(result.statistic),
        p_value,
        p_value < ALPHA,
        finite_or_none(low),
        finite_or_none(high),
    )


def _learning_curves(
    run: RunFolder, best: TrialRecord
) -> tuple[dict[str, list[float | None]], str]:
    """The best trial's history.json, or no curves and why."""
    try:
        return TrialData(trial_dir(run.path, best.number)).history(), ""
    except MissingInput as exc:
        return {}, f"run {run.name}: no learning curves for its best trial {best.number}: {exc}"


def compared_run(run: RunFolder, results: RunResults) -> tuple[ComparedRun, list[str]]:
    """One run's side of a comparison, and notes on what of it is missing."""
    notes: list[str] = []
    complete = [record for record in results.trials if record.complete]
    best = results.best()
    curves: dict[str, list[float | None]] = {}
    if best is None:
        notes.append(f"run {run.name} has no best trial yet: its best metrics are empty")
    else:
        curves, missing = _learning_curves(run, best)
        if missing:
            notes.append(missing)
    return (
        ComparedRun(
            name=run.name,
            dataset=results.dataset,
            mode=str(results.mode),
            trials_complete=len(complete),
            trials_finished=len(results.trials),
            best_trial=results.best_trial,
            best_val_accuracy=best.metrics.val_accuracy if best else None,
            best_test_accuracy=best.metrics.test_accuracy if best else None,
            best_health_score=composite_health(best) if best else None,
            best_total_score=best.total_score if best else None,
            best_health_components=best.health.by_name() if best else {},
            best_params=dict(best.params) if best else {},
            learning_curves=curves,
        ),
        notes,
    )


def metric_comparison(
    metric: str, read: MetricReader, runs: Sequence[tuple[str, RunResults]]
) -> MetricComparison:
    """`metric` across the runs: each best trial's value, and the test of their complete trials."""
    samples: dict[str, list[float]] = {}
    complete: dict[str, int] = {}
    values: dict[str, float | None] = {}
    for name, results in runs:
        trials = [record for record in results.trials if record.complete]
        measured = [read(record) for record in trials]
        samples[name] = [value for value in measured if value is not None]
        complete[name] = len(trials)
        best = results.best()
        values[name] = read(best) if best is not None else None
    tested = difference_test(samples, metric, complete)
    return MetricComparison(
        metric=metric,
        values=values,
        test=tested.test,
        statistic=tested.statistic,
        p_value=tested.p_value,
        significant=tested.significant,
        ci_low=tested.ci_low,
        ci_high=tested.ci_high,
        reason=tested.reason,
        means={name: sum(v) / len(v) if v else None for name, v in samples.items()},
        n={name: len(v) for name, v in samples.items()},
    )


def _differing(table: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Of `run -> key -> value`, the keys whose values are not all equal: key -> run -> value
    (None where a run lacks the key)."""
    keys = sorted({key for values in table.values() for key in values})
    found: dict[str, dict[str, Any]] = {}
    for key in keys:
        row = {run: values.get(key) for run, values in table.items()}
        if len({json.dumps(value, sort_keys=True, default=str) for value in row.values()}) > 1:
            found[key] = row
    return found


def flat_settings(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """config.json with nested objects as dotted keys (`scoring_weights.health_weight`), the
    data fingerprint as its digest, and the identity keys left out."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if not prefix and key in IDENTITY_SETTINGS:
            continue
        if not prefix and key == FINGERPRINT and isinstance(value, Mapping):
            flat[key] = value.get("digest")
        elif isinstance(value, Mapping) and value:
            flat.update(flat_settings(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def read_settings(run: RunFolder) -> dict[str, Any]:
    """The run's config.json as stored; ValueError naming the file when it is missing or bad."""
    path = run.path / CONFIG_FILE
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"{run.name}/{CONFIG_FILE}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{run.name}/{CONFIG_FILE} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{run.name}/{CONFIG_FILE} is not a JSON object")
    return data


def _setting_differences(runs: Iterable[RunFolder]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    table: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    identity: set[str] = set()
    for run in runs:
        try:
            config = read_settings(run)
        except ValueError as exc:
            notes.append(f"{exc}; its settings are left out of the comparison")
            continue
        identity.update(key for key in IDENTITY_SETTINGS if key in config)
        table[run.name] = flat_settings(config)
    if len(table) < 2:
        notes.append("settings are not compared: fewer than two runs have a readable config.json")
        return {}, notes
    if identity:
        keys = " and ".join(key for key in IDENTITY_SETTINGS if key in identity)
        notes.append(f"{keys} are left out of the settings: they say where a run is stored")
    return _differing(table), notes


def _run_notes(runs: Sequence[tuple[RunFolder, RunResults]]) -> list[str]:
    notes = []
    datasets = {results.dataset for _, results in runs}
    if len(datasets) > 1:
        which = ", ".join(f"{run.name}: {results.dataset}" for run, results in runs)
        notes.append(
            f"the runs used different datasets ({which}): accuracies are compared across "
            "datasets, not on the same data"
        )
    weights = {results.scoring_weights.model_dump_json() for _, results in runs}
    if len(weights) > 1:
        notes.append(
            "the runs scored with different weights: total_score and health_score are each "
            "on their own run's scale"
        )
    return notes


def compare_runs(runs: list[tuple[RunFolder, RunResults]]) -> RunComparison:
    """Compare two or more runs (each folder with its read results.json).

    ComparisonError for fewer than two runs or two runs of one name (the name keys every
    table)."""
    if len(runs) < 2:
        raise ComparisonError(f"compare needs at least two runs, got {len(runs)}")
    names = [run.name for run, _ in runs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ComparisonError(f"each run must be given once; named more than once: {twice}")
    notes = _run_notes(runs)
    compared = []
    for run, results in runs:
        side, missing = compared_run(run, results)
        compared.append(side)
        notes.extend(missing)
    named = [(run.name, results) for run, results in runs]
    metrics = [metric_comparison(metric, read, named) for metric, read in METRICS.items()]
    tested = sum(metric.p_value is not None for metric in metrics)
    if tested > 1:
        notes.append(
            f"each metric is tested on its own at alpha {ALPHA}: of {tested} tests, about "
            f"{tested * ALPHA:.1f} would come out significant by chance if nothing differed"
        )
    settings, setting_notes = _setting_differences(run for run, _ in runs)
    notes.extend(setting_notes)
    with_best = {side.name: side.best_params for side in compared if side.best_trial is not None}
    return RunComparison(
        runs=compared,
        metrics=metrics,
        param_differences=_differing(with_best) if len(with_best) > 1 else {},
        setting_differences=settings,
        alpha=ALPHA,
        min_trials=MIN_COMPLETE_TRIALS,
        notes=notes,
    )
