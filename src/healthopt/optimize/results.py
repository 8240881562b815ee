"""results.json: every finished trial of a run, rebuilt from the Optuna study as trials finish.

The study's storage is the single source of truth (each trial's TrialResult lives in its
system attributes; studies written before issue 18 kept it among the user attributes, and
still load), so a resumed run, or another process reading the same storage, writes the same
file. The user attributes hold only flat figures, for optuna-dashboard and
`trials_dataframe()`. Its shape is `records.RunResults`: each trial's `total_score`
recomputes exactly from its `health`, `metrics.val_accuracy`, `metrics.chance_accuracy` and the
run's `scoring_weights` (`healthopt.health.scoring.total_score`; `score` says which rule
applied). `selection` and `ranking` say which trial the run chose and why
(`optimize.selection`); a pareto run adds its front. At assembly, a chosen trial whose saved
model fails its integrity check is failed here and the choice made again
(`without_unsound_models`), so results.json never names a model that was not shipped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import optuna
from optuna.trial import FrozenTrial, TrialState

from healthopt.config import OptimizationConfig
from healthopt.optimize.selection import select
from healthopt.records import (
    FAIL,
    HEALTH_COMPONENTS,
    PRUNED,
    ComputeSummary,
    RunBaselines,
    RunResults,
    SchemaError,
    ScoreParts,
    Selection,
    TrialRecord,
    TrialResult,
)

RESULT_ATTR = "healthopt:result"  # system attribute
SCORE_ATTR = "healthopt:score"  # system attribute
LEGACY_RESULT_ATTR = "result"  # user attribute, before issue 18
LEGACY_SCORE_ATTR = "score"
INTERRUPTED_ATTR = "interrupted"
OVER_BUDGET_ATTR = "over_budget"  # asked by a process that lost the race for the last slot
FINISHED_STATES = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
log = logging.getLogger(__name__)


def stored_result(trial: FrozenTrial) -> TrialResult | None:
    """The TrialResult kept in the trial's system attributes (user attributes, for studies
    written before issue 18), None when it has none (a trial failed by another process);
    SchemaError when it cannot be read."""
    data = trial.system_attrs.get(RESULT_ATTR, trial.user_attrs.get(LEGACY_RESULT_ATTR))
    if data is None:
        return None
    return TrialResult.from_json(data)


def has_result(trial: FrozenTrial) -> bool:
    return RESULT_ATTR in trial.system_attrs or LEGACY_RESULT_ATTR in trial.user_attrs


def stored_score(trial: FrozenTrial) -> ScoreParts | None:
    """How the trial's total was made. Scores stored before records were typed also hold
    the total and the accuracy, which results.json shows elsewhere: those are left out."""
    data = trial.system_attrs.get(SCORE_ATTR, trial.user_attrs.get(LEGACY_SCORE_ATTR))
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
    if trial.state == TrialState.FAIL and not has_result(trial):
        # Failed by another process: the one running it stopped sending heartbeats.
        again = f"retried as trial {retried_as}" if retried_as is not None else "not retried"
        error = f"stale: the process running it stopped sending heartbeats; {again}"
    # Nothing stored (or unreadable): the record shows the result's defaults, all unmeasured.
    known = result or TrialResult.create(trial_number=trial.number, state=FAIL)
    values = list(trial.values) if complete and trial.values and len(trial.values) > 1 else None
    value = trial.value if complete and values is None else None
    # Pareto trials keep their weighted total beside the two objective values.
    total = score.total if values is not None and score is not None else value
    return TrialRecord(
        number=trial.number,
        state=trial.state.name,
        value=value,
        values=values,
        params=dict(trial.params),
        metrics=known.metrics,
        timings=known.timings,
        epochs_run=known.epochs_run,
        num_parameters=known.num_parameters,
        health=known.health,
        health_reasons=known.health_reasons,
        total_score=total,
        diagnostics=known.diagnostics,
        analysis=known.analysis,
        artifact=known.artifact,
        score=score,
        error=None if complete else error,
        interrupted=bool(trial.user_attrs.get(INTERRUPTED_ATTR)),
        pruned=known.pruned,
        energy_kwh=known.energy_kwh,
        model_sha256=known.model_sha256,
        started=_utc(trial.datetime_start),
        finished=_utc(trial.datetime_complete),
    )


def _utc(moment: datetime | None) -> str | None:
    """An Optuna timestamp as ISO 8601 in UTC. Optuna records naive local time
    (`datetime.now()`), which `astimezone` reads as this machine's local time."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


# optuna-dashboard shows a user attribute of up to 1,024 characters; longer text is cut here.
ATTR_TEXT_LIMIT = 1000


def flat_attrs(result: TrialResult, health: float | None) -> dict[str, float | int | str]:
    """The trial's figures as flat user attributes, each sortable in optuna-dashboard and a
    column of `trials_dataframe()`; figures a trial did not measure are left out."""
    values: dict[str, float | int | str | None] = {
        "val_accuracy": result.metrics.val_accuracy,
        "test_accuracy": result.metrics.test_accuracy,
        **{name: getattr(result.health, name) for name in HEALTH_COMPONENTS},
        "health": health,
        "diagnostics_score": result.diagnostics.health_score,
        "parameters": result.num_parameters or None,
        "fit_seconds": result.timings.get("fit_seconds"),
        "epochs_run": result.epochs_run,
        "fail_reason": result.error if result.state == FAIL else None,
    }
    if result.pruned is not None:
        values.update(
            pruned_by=result.pruned.pruned_by,
            prune_check=result.pruned.check or result.pruned.pruner,
            prune_epoch=result.pruned.epoch,
            prune_reason=result.pruned.reason,
        )
    return {
        key: value[:ATTR_TEXT_LIMIT] if isinstance(value, str) else value
        for key, value in values.items()
        if value is not None
    }


def compute_summary(trials: list[TrialRecord], epochs_per_trial: int) -> ComputeSummary:
    """Epochs run against epochs budgeted, and the epochs (and energy) pruning saved.

    Interrupted trials are left out: they do not count toward the budget and are re-run."""
    counted = [t for t in trials if not t.interrupted]
    saved_by: dict[str, int] = {}
    for trial in counted:
        if trial.state == PRUNED and trial.pruned is not None:
            by_health = trial.pruned.pruned_by == "health"
            key = "health" if by_health else trial.pruned.pruner or "pruner"
            saved_by[key] = saved_by.get(key, 0) + max(0, epochs_per_trial - trial.epochs_run)
    measured = [t for t in counted if t.energy_kwh is not None and t.epochs_run > 0]
    per_epoch = (
        sum(t.energy_kwh or 0.0 for t in measured) / sum(t.epochs_run for t in measured)
        if measured
        else None
    )
    saved = sum(saved_by.values())
    return ComputeSummary(
        epochs_budgeted=len(counted) * epochs_per_trial,
        epochs_run=sum(t.epochs_run for t in counted),
        epochs_saved=saved,
        epochs_saved_by=saved_by,
        trials_pruned=sum(1 for t in counted if t.state == PRUNED),
        energy_kwh_per_epoch=per_epoch,
        energy_saved_kwh=per_epoch * saved if per_epoch is not None else None,
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


def pareto_front(study: optuna.Study) -> list[int] | None:
    """A two-objective study's Pareto front (Optuna's own), by trial number; None otherwise."""
    if len(study.directions) < 2:
        return None
    return sorted(t.number for t in study.best_trials)


class TrialRecords:
    """Each finished trial's TrialRecord, made once and kept for the rest of the run.

    Optuna does not change a finished trial, so its record only changes when a later trial
    names it as the one it re-ran (`retried_as`, shared studies); the record is made again
    then. Without this every trial boundary re-read every stored result, and a 1,000-trial
    run spent most of its bookkeeping validating the same records again (issue 25).
    """

    def __init__(self) -> None:
        self._made: dict[int, tuple[int | None, TrialRecord]] = {}

    def of(self, study: optuna.Study) -> list[TrialRecord]:
        """The records of the study's finished trials (`finished_trials`), in trial order;
        the storage is read once."""
        trials = study.get_trials(deepcopy=False)
        retries = retried_by(trials)
        records = []
        for trial in trials:
            if trial.state not in FINISHED_STATES or trial.user_attrs.get(OVER_BUDGET_ATTR):
                continue
            retried_as = retries.get(trial.number)
            made = self._made.get(trial.number)
            if made is None or made[0] != retried_as:
                made = (retried_as, trial_record(trial, retried_as))
                self._made[trial.number] = made
            records.append(made[1])
        return records


def build_results(
    study: optuna.Study,
    config: OptimizationConfig,
    optimized_model_path: str | None,
    baselines: RunBaselines | None = None,
    made: TrialRecords | None = None,
) -> RunResults:
    """results.json for the study as it stands, with the run's choice (`optimize.selection`)
    and its baselines once measured (`optimize.baselines`). A run passes the records it `made`,
    so each trial's record is made once; without them every record is made afresh."""
    assert config.run_name is not None and config.scoring_weights is not None
    records = (made or TrialRecords()).of(study)
    front = pareto_front(study)
    selection, ranking = select(records, config, front)
    return RunResults.create(
        run_name=config.run_name,
        dataset=config.dataset_name,
        mode=config.mode,
        trials_requested=config.trials,
        scoring_weights=config.scoring_weights.to_dict(),
        optimized_model_path=optimized_model_path,
        trials=records,
        compute=compute_summary(records, config.max_epochs_per_trial),
        selection=selection,
        ranking=ranking,
        pareto_front=front,
        baselines=baselines,
        **_best(records, selection),
    )


def without_unsound_models(
    results: RunResults, config: OptimizationConfig, unsound: Mapping[int, str]
) -> RunResults:
    """`results` with each trial in `unsound` (number -> why its saved model cannot be shipped)
    failed, and the choice made again by the same rule among the rest.

    The study still holds those trials as complete: a model damaged after training does not
    change what the trial measured, only whether it can be shipped, and each assembly checks
    again. `selection.fallback_from` lists them in the order they were passed over.
    """
    if not unsound:
        return results
    records = [
        _model_rejected(r, unsound[r.number]) if r.number in unsound else r for r in results.trials
    ]
    selection, ranking = select(records, config, results.pareto_front)
    passed_over = ", ".join(str(n) for n in unsound)
    selection = selection.model_copy(
        update={
            "fallback_from": list(unsound),
            "description": f"{selection.description}; passed over trial(s) {passed_over}, "
            "whose saved model failed its integrity check (see each one's error)",
        }
    )
    return results.model_copy(
        update={"trials": records, "selection": selection, "ranking": ranking}
        | _best(records, selection)
    )


def _model_rejected(record: TrialRecord, reason: str) -> TrialRecord:
    return record.model_copy(update={"state": FAIL, "error": f"model.keras is corrupt: {reason}"})


def _best(records: list[TrialRecord], selection: Selection) -> dict[str, int | float | None]:
    """results.json's `best_trial` and `best_value`: the chosen trial's number and total."""
    best = next((r for r in records if r.number == selection.trial), None)
    return {
        "best_trial": best.number if best else None,
        "best_value": best.total_score if best else None,
    }
