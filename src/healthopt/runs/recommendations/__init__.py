"""Recommendations for a run's next search, each backed by a test from `scipy.stats` (seed 003 §4).

`recommend(run, results, past)` reads the run's trials (results.json) and the chosen trial's
files (history.json, observer.json) and judges five topics. A topic whose data is too thin, or
whose test finds no significant signal (p >= 0.05), gives an `InsufficientData` entry with
the reason, never a recommendation: a run without signal gets none.

- learning_rate: Spearman's rank correlation of log10 learning rate with val accuracy over
  the complete trials (at least `MIN_TRIALS`). Each optimizer has its own rate parameter
  (`adam_learning_rate`, `sgd_learning_rate`, ...): they are pooled, and the rationale says
  so, because a trial has exactly one. Suggests the rates of the top quarter by val accuracy.
- overfitting: a one-sample t-test (one-sided, "greater") of the chosen trial's per-epoch
  train-minus-validation accuracy gap (val-minus-train loss when accuracy was not recorded),
  its 95 % interval and Cohen's d. A recommendation needs p < 0.05 and a mean gap of at
  least `MIN_ACCURACY_GAP` (`MIN_LOSS_GAP` for loss): a significant but tiny gap is not worth
  more regularization. Suggests higher dropout.
- batch_size: Spearman of batch size with seconds per epoch (fit_seconds / epochs_run) over
  the complete trials; the peak process memory (observer.json `memory.process_rss_mb`) where
  recorded. Suggests the fastest batch size.
- convergence: `linregress` over the last half of the chosen trial's val accuracy curve
  (at least `MIN_CURVE_POINTS` points); a slope > 0 (one-sided p < 0.05) means it was still
  learning: train longer, with the gain over as many more epochs as the window spans,
  capped at accuracy 1.0.
- historical: past runs on the same dataset (`runs.history`): a setting over-represented
  among their best trials (Benjamini-Hochberg adjusted p < 0.05).

Confidence comes from the p-value the topic rests on: high below 0.01, medium below 0.05
(the adjusted one for historical patterns). No topic gives "low": a weaker finding is no
finding.

Priority comes from the expected gain or risk, in accuracy (0.05 is 5 points):
- high: expected gain (or, for overfitting, the mean gap) of at least `HIGH_GAIN`;
- medium: at least `MEDIUM_GAIN`;
- low: less, or not an accuracy matter at all. The expected gain is, for learning_rate, the
  median val accuracy of the trials whose rate lies in the suggested range minus the others';
  for historical, the same for the trials with the suggested value; for convergence, the
  extrapolated gain; for overfitting, the mean gap (loss gaps: `HIGH_LOSS_GAP`, else medium).
  batch_size saves time, not accuracy: medium when the suggested size is at least
  `MEDIUM_TIME_SAVING` faster per epoch than the current, else low.
"""

from __future__ import annotations

from collections.abc import Sequence

from healthopt.records import RunResults, TrialRecord
from healthopt.records.recommendations import (
    TOPICS,
    InsufficientData,
    Recommendation,
    RecommendationReport,
)
from healthopt.runs.history import PastRuns, past_runs
from healthopt.runs.index import RunFolder
from healthopt.runs.recommendations.common import (
    ACCURACY,
    ALPHA,
    HIGH_CONFIDENCE_P,
    HIGH_GAIN,
    MEDIUM_GAIN,
    Finding,
    confidence,
    gain_priority,
)
from healthopt.runs.recommendations.curves import (
    DROPOUT_STEP,
    HIGH_LOSS_GAP,
    HISTORY_FILE,
    MAX_DROPOUT,
    MIN_ACCURACY_GAP,
    MIN_CURVE_POINTS,
    MIN_EPOCHS,
    MIN_LOSS_GAP,
    convergence,
    overfitting,
    read_history,
)
from healthopt.runs.recommendations.historical import historical
from healthopt.runs.recommendations.trials import (
    LEARNING_RATE_SUFFIX,
    MEDIUM_TIME_SAVING,
    MIN_TRIALS,
    OBSERVER_FILE,
    batch_size,
    learning_rate,
)

__all__ = [
    "ACCURACY",
    "ALPHA",
    "DROPOUT_STEP",
    "HIGH_CONFIDENCE_P",
    "HIGH_GAIN",
    "HIGH_LOSS_GAP",
    "HISTORY_FILE",
    "LEARNING_RATE_SUFFIX",
    "MAX_DROPOUT",
    "MEDIUM_GAIN",
    "MEDIUM_TIME_SAVING",
    "MIN_ACCURACY_GAP",
    "MIN_CURVE_POINTS",
    "MIN_EPOCHS",
    "MIN_LOSS_GAP",
    "MIN_TRIALS",
    "OBSERVER_FILE",
    "Finding",
    "batch_size",
    "confidence",
    "convergence",
    "gain_priority",
    "historical",
    "learning_rate",
    "no_results_report",
    "overfitting",
    "recommend",
    "recommend_run",
]


def recommend(
    run: RunFolder,
    results: RunResults,
    past: list[RunResults],
    *,
    past_names: Sequence[str] = (),
    skipped: Sequence[str] = (),
) -> RecommendationReport:
    """Every topic for the run `results` came from; `past` are earlier runs on its dataset
    (`past_names` names them, `skipped` says which folders could not be read)."""
    chosen = _chosen(results)
    curves, curve_problem = read_history(run, chosen)
    findings: list[Finding] = [
        learning_rate(results, chosen),
        overfitting(chosen, curves, curve_problem),
        batch_size(run, results, chosen),
        convergence(chosen, curves, curve_problem),
        historical(past, chosen, skipped),
    ]
    notes = [f"skipped past run {reason}" for reason in skipped]
    return RecommendationReport(
        run=run.name,
        recommendations=[f for f in findings if isinstance(f, Recommendation)],
        insufficient=[f for f in findings if isinstance(f, InsufficientData)],
        past_runs=list(past_names),
        notes=notes,
    )


def recommend_run(run: RunFolder, results: RunResults) -> RecommendationReport:
    """`recommend` with the past runs read from the run's own results folder."""
    past: PastRuns = past_runs(run, results.dataset)
    return recommend(run, results, list(past.runs), past_names=past.names, skipped=past.skipped)


def no_results_report(run: RunFolder) -> RecommendationReport:
    """The report of a run that has not finished a trial yet: every topic insufficient."""
    reason = "the run has no results.json yet: no trial has finished"
    return RecommendationReport(
        run=run.name,
        insufficient=[InsufficientData(topic=topic, reason=reason) for topic in TOPICS],
    )


def _chosen(results: RunResults) -> TrialRecord | None:
    number = results.best_trial
    if number is None and results.selection is not None:
        number = results.selection.trial
    if number is None:
        return None
    return next((t for t in results.trials if t.number == number), None)
