"""results.json: every finished trial of a run, rebuilt from the Optuna study after each trial.

The study's storage is the single source of truth (each trial's TrialResult lives in its user
attributes), so a resumed run, or another process reading the same storage, writes the same
file. Its shape is `records.RunResults`: each trial's `total_score` can be recomputed from its
`health`, `metrics.val_accuracy` and the run's `scoring_weights`
(`healthopt.health.scoring.total_score`; `score` says how missing components were handled).
"""

from __future__ import annotations

import logging

import optuna
from optuna.trial import FrozenTrial, TrialState

from healthopt.config import ScoringWeights
from healthopt.records import (
    FAIL,
    Mode,
    RunResults,
    SchemaError,
    ScoreParts,
    TrialRecord,
    TrialResult,
)

RESULT_ATTR = "result"
SCORE_ATTR = "score"
INTERRUPTED_ATTR = "interrupted"
OVER_BUDGET_ATTR = "over_budget"  # asked by a process that lost the race for the last slot
FINISHED_STATES = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
log = logging.getLogger(__name__)


def stored_result(trial: FrozenTrial) -> TrialResult | None:
    """The TrialResult kept in the trial's user attributes, None when it has none (a trial
    failed by another process); SchemaError when it cannot be read."""
    data = trial.user_attrs.get(RESULT_ATTR)
    if data is None:
        return None
    return TrialResult.from_json(data)


def stored_score(trial: FrozenTrial) -> ScoreParts | None:
    """How the trial's total was made. Scores stored before records were typed also hold
    the total and the accuracy, which results.json shows elsewhere: those are left out."""
    data = trial.user_attrs.get(SCORE_ATTR)
    if not isinstance(data, dict) or not data:
        return None
    return ScoreParts.from_json({k: v for k, v in data.items() if k in ScoreParts.model_fields})


def trial_record(trial: FrozenTrial, retried_as: int | None = None) -> TrialRecord:
    """One trial as results.json shows it; `retried_as` names the trial that re-ran it after
    it went stale in a shared study. An unreadable stored result costs that trial its
    figures (its error says why), never the file."""
    complete = trial.state == TrialState.COMPLETE
    try:
        result, score = stored_result(trial), stored_score(trial)
        error = None if result is None else result.error
    except SchemaError as exc:
        log.warning("trial %s: %s", trial.number, exc)
        result, score, error = None, None, f"its stored result is unreadable: {exc}"
    if trial.state == TrialState.FAIL and RESULT_ATTR not in trial.user_attrs:
        # Failed by another process: the one running it stopped sending heartbeats.
        again = f"retried as trial {retried_as}" if retried_as is not None else "not retried"
        error = f"stale: the process running it stopped sending heartbeats; {again}"
    # Nothing stored (or unreadable): the record shows the result's defaults, all unmeasured.
    known = result or TrialResult.create(trial_number=trial.number, state=FAIL)
    value = trial.value if complete else None
    return TrialRecord(
        number=trial.number,
        state=trial.state.name,
        value=value,
        params=dict(trial.params),
        metrics=known.metrics,
        timings=known.timings,
        epochs_run=known.epochs_run,
        num_parameters=known.num_parameters,
        health=known.health,
        health_reasons=known.health_reasons,
        total_score=value,
        diagnostics=known.diagnostics,
        analysis=known.analysis,
        artifact=known.artifact,
        score=score,
        error=None if complete else error,
        interrupted=bool(trial.user_attrs.get(INTERRUPTED_ATTR)),
    )


def finished_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Finished trials, without those asked beyond the budget (never run)."""
    return [
        t
        for t in study.get_trials(deepcopy=False)
        if t.state in FINISHED_STATES and not t.user_attrs.get(OVER_BUDGET_ATTR)
    ]


def retried_by(trials: list[FrozenTrial]) -> dict[int, int]:
    """Stale trial number -> the number of the trial that re-ran it (shared studies)."""
    mapping: dict[int, int] = {}
    for trial in trials:
        history = trial.system_attrs.get("retry_history", [])
        if history:
            mapping[history[-1]] = trial.number
    return mapping


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    return max(complete, key=lambda t: (t.value, -t.number)) if complete else None


def build_results(
    study: optuna.Study,
    run_name: str,
    dataset: str,
    mode: Mode | str,
    trials_requested: int,
    optimized_model_path: str | None,
    scoring_weights: ScoringWeights,
) -> RunResults:
    best = best_trial(study)
    retries = retried_by(study.get_trials(deepcopy=False))
    return RunResults.create(
        run_name=run_name,
        dataset=dataset,
        mode=mode,
        trials_requested=trials_requested,
        scoring_weights=scoring_weights.to_dict(),
        best_trial=best.number if best else None,
        best_value=best.value if best else None,
        optimized_model_path=optimized_model_path,
        trials=[trial_record(t, retries.get(t.number)) for t in finished_trials(study)],
    )
