"""results.json: every finished trial of a run, rebuilt from the Optuna study after each trial.

The study's storage is the single source of truth (each trial's TrialResult lives in its user
attributes), so a resumed run, or another process reading the same storage, writes the same
file. The layout is a contract that later tools and the API read.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

RESULT_ATTR = "result"
INTERRUPTED_ATTR = "interrupted"
FINISHED_STATES = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)


def trial_record(trial: FrozenTrial) -> dict[str, Any]:
    """One trial as results.json shows it."""
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
    }
    error = result.get("error")
    if trial.state != TrialState.COMPLETE and error:
        record["error"] = error
    if trial.user_attrs.get(INTERRUPTED_ATTR):
        record["interrupted"] = True
    return record


def finished_trials(study: optuna.Study) -> list[FrozenTrial]:
    return [t for t in study.get_trials(deepcopy=False) if t.state in FINISHED_STATES]


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    return max(complete, key=lambda t: (t.value, -t.number)) if complete else None


def build_results(study: optuna.Study, run_name: str, dataset: str, mode: str,
                  trials_requested: int, optimized_model_path: str | None) -> dict[str, Any]:
    best = best_trial(study)
    return {
        "run_name": run_name,
        "dataset": dataset,
        "mode": mode,
        "trials_requested": trials_requested,
        "best_trial": best.number if best else None,
        "best_value": best.value if best else None,
        "optimized_model_path": optimized_model_path,
        "trials": [trial_record(t) for t in finished_trials(study)],
    }
