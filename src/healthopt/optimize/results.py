"""results.json: every finished trial of a run, rebuilt from the Optuna study after each trial.

The study's storage is the single source of truth (each trial's TrialResult lives in its user
attributes), so a resumed run, or another process reading the same storage, writes the same
file. The layout is a contract that later tools and the API read: each trial's `total_score`
can be recomputed from its `health`, `metrics.val_accuracy` and the run's `scoring_weights`
(`healthopt.health.scoring.total_score`; `score` says how missing components were handled).
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from healthopt.config import ScoringWeights

RESULT_ATTR = "result"
SCORE_ATTR = "score"
INTERRUPTED_ATTR = "interrupted"
OVER_BUDGET_ATTR = "over_budget"  # asked by a process that lost the race for the last slot
FINISHED_STATES = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)


def trial_record(trial: FrozenTrial, retried_as: int | None = None) -> dict[str, Any]:
    """One trial as results.json shows it; `retried_as` names the trial that re-ran it after
    it went stale in a shared study."""
    result = trial.user_attrs.get(RESULT_ATTR, {})
    record: dict[str, Any] = {
        "number": trial.number,
        "state": trial.state.name,
        "value": trial.value if trial.state == TrialState.COMPLETE else None,
        "params": dict(trial.params),
        "metrics": result.get("metrics", {}),
        "timings": result.get("timings", {}),
        "epochs_run": result.get("epochs_run", 0),
        "num_parameters": result.get("num_parameters", 0),
        "health": result.get("health", {}),
        "total_score": trial.value if trial.state == TrialState.COMPLETE else None,
        "diagnostics": result.get("diagnostics", {}),
        "analysis": result.get("analysis", {}),
    }
    if result.get("health_reasons"):
        record["health_reasons"] = result["health_reasons"]
    if result.get("artifact"):
        # Where a remote worker stored the trial's ZIP (key, sha256, sizes).
        record["artifact"] = result["artifact"]
    score = trial.user_attrs.get(SCORE_ATTR)
    if score:
        # How the total was made: the health part used and any redistributed weight.
        record["score"] = {
            key: score[key] for key in ("health", "component_weights_used", "missing_components")
        }
    error = result.get("error")
    if trial.state == TrialState.FAIL and not result:
        # Failed by another process: the one running it stopped sending heartbeats.
        again = f"retried as trial {retried_as}" if retried_as is not None else "not retried"
        error = f"stale: the process running it stopped sending heartbeats; {again}"
    if trial.state != TrialState.COMPLETE and error:
        record["error"] = error
    if trial.user_attrs.get(INTERRUPTED_ATTR):
        record["interrupted"] = True
    return record


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
    mode: str,
    trials_requested: int,
    optimized_model_path: str | None,
    scoring_weights: ScoringWeights,
) -> dict[str, Any]:
    best = best_trial(study)
    retries = retried_by(study.get_trials(deepcopy=False))
    return {
        "run_name": run_name,
        "dataset": dataset,
        "mode": mode,
        "trials_requested": trials_requested,
        "scoring_weights": scoring_weights.to_dict(),
        "best_trial": best.number if best else None,
        "best_value": best.value if best else None,
        "optimized_model_path": optimized_model_path,
        "trials": [trial_record(t, retries.get(t.number)) for t in finished_trials(study)],
    }
