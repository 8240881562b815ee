"""The views of a whole run, drawn by Optuna's own `optuna.visualization` from its trial records:
optimization history, parameter importance (fANOVA and PED-ANOVA, for accuracy and separately
for health), parallel coordinates, the Pareto front, and the impact heatmap (`runs.impact`).

Optuna draws from a study, so the run's TrialRecords are replayed into in-memory studies
(`optuna.trial.create_trial`), one per target, with the distributions the run searched
(`runs.view_space`): read from the run's study.db when it is there, inferred from the values
otherwise (a run whose study lived in PostgreSQL still gets its views). Each in-memory trial
keeps its run's trial number, so the history's x axis is the run's own.

The search space is conditional (`adam_learning_rate`, `sgd_learning_rate`, ...), and Optuna's
importance and parallel coordinates use only params present in every trial, so a derived
`learning_rate` (log scale) stands for whichever rate each trial had.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from healthopt.records import Mode, RunResults, TrialRecord
from healthopt.records.views import VIEW_NAMES, FigureSpec, RunViews
from healthopt.runs.impact import LEARNING_RATE, heatmap_figure, impact_heatmap
from healthopt.runs.index import RunFolder

# STUDY_FILE and infer_distribution are re-exported: callers knew them as `runs.views` names.
from healthopt.runs.view_space import STUDY_FILE as STUDY_FILE
from healthopt.runs.view_space import infer_distribution as infer_distribution
from healthopt.runs.view_space import (
    run_distributions,
    stored_distributions,
    with_learning_rate,
)

if TYPE_CHECKING:
    from optuna import Study
    from optuna.distributions import BaseDistribution

DEFAULT_SEED = 0  # fANOVA's forest is random; a fixed seed gives the same bars on every request
MIN_TRIALS = {
    "history": 1,
    "importance": 5,  # fANOVA's forest on fewer trials is noise
    "parallel_coordinates": 2,
    "pareto": 2,
    "impact_heatmap": 5,  # runs.impact.MIN_PAIRS
}
TITLES = {
    "history": "Optimization history: score, accuracy and health over trials",
    "importance_accuracy": "Parameter importance for validation accuracy",
    "importance_health": "Parameter importance for health",
    "parallel_coordinates": "Parallel coordinates (colour: score)",
    "impact_heatmap": "Hyperparameter impact on accuracy, health, fit time and size",
    "pareto": "Pareto front: validation accuracy against health",
}
HEALTH_MEANING = (
    "health is the run's weighted mix of the six health components (raw health, before the "
    "accuracy gate of the score), so its importance is not accuracy's again"
)
DERIVED_NOTE = (
    "learning_rate (log scale) is derived: each trial's <optimizer>_learning_rate under one "
    "name, because Optuna's importance and parallel coordinates use only params present in "
    "every trial and the rates are conditional on the optimizer"
)


@dataclass(frozen=True)
class ViewTarget:
    """What a view's values are: its name and how a complete trial's value is read."""

    name: str
    read: Callable[[TrialRecord], float | None]


def _raw_health(trial: TrialRecord) -> float | None:
    return trial.score.raw_health if trial.score is not None else None


SCORE = ViewTarget("score", lambda trial: trial.total_score)
ACCURACY = ViewTarget("val_accuracy", lambda trial: trial.metrics.val_accuracy)
HEALTH = ViewTarget("health", _raw_health)


@dataclass(frozen=True)
class ViewStudies:
    """The run replayed into Optuna: one single-objective study per target (a trial without
    that target's value is a FAIL there), the two-objective study of a pareto run, and the
    params present in every complete trial (what importance and parallel coordinates use)."""

    score: Study
    accuracy: Study
    health: Study
    pareto: Study | None
    complete: int
    common_params: tuple[str, ...]
    derived_learning_rate: bool
    notes: tuple[str, ...] = field(default=())

    def completed(self, study: Study) -> int:
        from optuna.trial import TrialState

        return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def view_studies(run: RunFolder, results: RunResults) -> ViewStudies:
    """The in-memory studies every view of the run is drawn from."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    stored, notes = stored_distributions(run, results)
    params = [with_learning_rate(trial.params) for trial in results.trials]
    derived = any(LEARNING_RATE in p for p in params) and not any(
        LEARNING_RATE in trial.params for trial in results.trials
    )
    distributions = run_distributions(results.trials, params, stored)
    complete = [p for trial, p in zip(results.trials, params, strict=True) if trial.complete]
    common = (
        tuple(name for name in complete[0] if all(name in p for p in complete[1:]))
        if complete
        else ()
    )

    def replay(target: ViewTarget) -> Study:
        return _study(target.name, results.trials, params, distributions, target.read)

    pareto = None
    if results.mode is Mode.PARETO:
        pareto = _study("pareto", results.trials, params, distributions, _objectives, 2)
    return ViewStudies(
        score=replay(SCORE),
        accuracy=replay(ACCURACY),
        health=replay(HEALTH),
        pareto=pareto,
        complete=len(complete),
        common_params=common,
        derived_learning_rate=derived,
        notes=tuple(notes),
    )


def _study(
    name: str,
    trials: Sequence[TrialRecord],
    params: Sequence[dict[str, Any]],
    distributions: dict[str, BaseDistribution],
    read: Callable[[TrialRecord], float | list[float] | None],
    objectives: int = 1,
) -> Study:
    """A study named `name` maximising `objectives` values, whose trials are the run's and
    numbered as in the run: a complete trial with a value for `read` is COMPLETE, everything
    else (and every gap in the numbering) is a FAIL placeholder that no view draws."""
    import optuna
    from optuna.trial import TrialState, create_trial

    by_number = dict(zip((t.number for t in trials), zip(trials, params, strict=True), strict=True))
    frozen = []
    for number in range(max(by_number, default=-1) + 1):
        trial, trial_params = by_number.get(number, (None, {}))
        value = read(trial) if trial is not None and trial.complete else None
        if trial is None or value is None:
            frozen.append(create_trial(state=TrialState.FAIL))
            continue
        frozen.append(_complete_trial(trial, trial_params, distributions, value))
    study = optuna.create_study(study_name=name, directions=["maximize"] * objectives)
    study.add_trials(frozen)
    return study


def _complete_trial(
    trial: TrialRecord,
    params: dict[str, Any],
    distributions: dict[str, BaseDistribution],
    value: float | Sequence[float],
) -> Any:
    from optuna.trial import TrialState, create_trial

    kept = {k: v for k, v in params.items() if v is not None and k in distributions}
    single = isinstance(value, (int, float))
    return create_trial(
        state=TrialState.COMPLETE,
        value=float(value) if single else None,  # type: ignore[arg-type]
        values=None if single else [float(v) for v in value],  # type: ignore[union-attr]
        params=kept,
        distributions={k: distributions[k] for k in kept},
        user_attrs={"trial": trial.number},
    )


def _objectives(trial: TrialRecord) -> list[float] | None:
    """A pareto trial's two objectives (val accuracy, health term) as Optuna maximised them."""
    if trial.values is not None and len(trial.values) == 2:
        return [float(v) for v in trial.values]
    accuracy = trial.metrics.val_accuracy
    health = trial.score.health if trial.score is not None else None
    if accuracy is None or health is None:
        return None
    return [accuracy, health]


def figure_json(figure: Any) -> dict[str, Any]:
    """A plotly figure as strict JSON (no NaN or infinity: those become null, as plotly.js
    reads a missing point)."""
    return _finite(json.loads(figure.to_json()))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _quietly(draw: Callable[[], Any]) -> Any:
    """Optuna's plots warn about experimental APIs and small samples; the notes say what
    matters, and a server's log should not fill with the rest."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return draw()


def _missing(name: str, reason: str) -> FigureSpec:
    return FigureSpec(name=name, title=TITLES[name], figure=None, note=reason)


def _too_few(name: str, have: int, need: int, what: str = "complete trials") -> FigureSpec:
    return _missing(name, f"needs at least {need} {what}; the run has {have}")


def history_view(studies: ViewStudies) -> FigureSpec:
    import optuna.visualization as ov

    if studies.complete < MIN_TRIALS["history"]:
        return _too_few("history", studies.complete, MIN_TRIALS["history"])
    drawn = [s for s in (studies.score, studies.accuracy, studies.health) if studies.completed(s)]
    figure = _quietly(lambda: ov.plot_optimization_history(drawn, target_name="value"))
    figure.update_layout(title=TITLES["history"])
    return FigureSpec(name="history", title=TITLES["history"], figure=figure_json(figure))


def importance_view(
    name: str, study: Study, studies: ViewStudies, seed: int
) -> tuple[FigureSpec, dict[str, float], dict[str, float]]:
    """fANOVA's and PED-ANOVA's importances for the study's target, as two bar traces of one
    figure, and each evaluator's numbers."""
    import optuna.visualization as ov
    from optuna.importance import (
        FanovaImportanceEvaluator,
        PedAnovaImportanceEvaluator,
        get_param_importances,
    )

    have = studies.completed(study)
    need = MIN_TRIALS["importance"]
    if have < need:
        what = "complete trials with a health value" if study is studies.health else None
        return _too_few(name, have, need, what or "complete trials"), {}, {}
    target = "health" if study is studies.health else "val_accuracy"
    if len({t.value for t in study.get_trials(deepcopy=False) if t.value is not None}) < 2:
        reason = f"{target} was the same in every complete trial: nothing for a param to explain"
        return _missing(name, reason), {}, {}
    try:
        fanova = _quietly(
            lambda: get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
        )
        ped_anova = _quietly(
            lambda: get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
        )
        figure = _quietly(
            lambda: ov.plot_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
        )
    except (RuntimeError, ValueError) as exc:  # e.g. fANOVA: "zero total variance in all trees"
        return _missing(name, f"Optuna could not evaluate the importances: {exc}"), {}, {}
    figure.data[0].name = "fANOVA"
    ped_figure = _quietly(
        lambda: ov.plot_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
    )
    for trace in ped_figure.data:
        trace.name = "PED-ANOVA"
        figure.add_trace(trace)
    figure.update_layout(
        title=TITLES[name], barmode="group", showlegend=True, legend={"traceorder": "normal"}
    )
    notes = [f"bars: fANOVA (seed {seed}) and PED-ANOVA, Optuna's evaluators, over {have} trials"]
    if study is studies.health:
        notes.append(HEALTH_MEANING)
    if studies.derived_learning_rate:
        notes.append(DERIVED_NOTE)
    spec = FigureSpec(
        name=name, title=TITLES[name], figure=figure_json(figure), note="; ".join(notes)
    )
    return spec, _floats(fanova), _floats(ped_anova)


def _floats(importances: dict[str, Any]) -> dict[str, float]:
    return {name: float(value) for name, value in importances.items() if math.isfinite(value)}


def parallel_view(studies: ViewStudies) -> FigureSpec:
    import optuna.visualization as ov

    name = "parallel_coordinates"
    have = studies.completed(studies.score)
    if have < MIN_TRIALS[name]:
        return _too_few(name, have, MIN_TRIALS[name])
    params = list(studies.common_params)
    if not params:
        return _missing(name, "no hyperparameter is present in every complete trial")
    figure = _quietly(
        lambda: ov.plot_parallel_coordinate(studies.score, params=params, target_name="score")
    )
    figure.update_layout(title=TITLES[name])
    note = "axes: the params present in every complete trial"
    if studies.derived_learning_rate:
        note += f"; {DERIVED_NOTE}"
    return FigureSpec(name=name, title=TITLES[name], figure=figure_json(figure), note=note)


def pareto_view(studies: ViewStudies) -> FigureSpec | None:
    """None outside pareto runs: the view does not exist there."""
    import optuna.visualization as ov

    if studies.pareto is None:
        return None
    have = studies.completed(studies.pareto)
    if have < MIN_TRIALS["pareto"]:
        return _too_few("pareto", have, MIN_TRIALS["pareto"])
    pareto = studies.pareto
    figure = _quietly(lambda: ov.plot_pareto_front(pareto, target_names=["val_accuracy", "health"]))
    figure.update_layout(title=TITLES["pareto"])
    note = "health here is the run's second objective: the health term, gated by accuracy"
    return FigureSpec(name="pareto", title=TITLES["pareto"], figure=figure_json(figure), note=note)


def run_views(run: RunFolder, results: RunResults | None, *, seed: int = DEFAULT_SEED) -> RunViews:
    """Every view of `run` from its `results` (None: no trial has finished yet)."""
    if results is None:
        reason = "the run has no results.json yet: no trial has finished"
        figures = {name: _missing(name, reason) for name in VIEW_NAMES if name != "pareto"}
        return RunViews(run=run.name, trials_used=0, figures=figures, notes=[reason])
    return views_of(run.name, results, view_studies(run, results), seed=seed)


def views_of(
    name: str, results: RunResults, studies: ViewStudies, *, seed: int = DEFAULT_SEED
) -> RunViews:
    """The views of run `name` from studies already replayed (the report draws its PNGs from
    the same studies)."""
    figures: dict[str, FigureSpec] = {"history": history_view(studies)}
    importance: dict[str, dict[str, float]] = {}
    ped_anova: dict[str, dict[str, float]] = {}
    for view, target, study in (
        ("importance_accuracy", ACCURACY, studies.accuracy),
        ("importance_health", HEALTH, studies.health),
    ):
        spec, by_fanova, by_ped_anova = importance_view(view, study, studies, seed)
        figures[view] = spec
        if by_fanova:
            importance[target.name] = by_fanova
        if by_ped_anova:
            ped_anova[target.name] = by_ped_anova
    figures["parallel_coordinates"] = parallel_view(studies)
    heatmap = impact_heatmap(results)
    if heatmap is None:
        figures["impact_heatmap"] = _too_few(
            "impact_heatmap", studies.complete, MIN_TRIALS["impact_heatmap"]
        )
    else:
        figures["impact_heatmap"] = FigureSpec(
            name="impact_heatmap",
            title=TITLES["impact_heatmap"],
            figure=figure_json(heatmap_figure(heatmap)),
            note="; ".join(heatmap.notes) or None,
        )
    pareto = pareto_view(studies)
    if pareto is not None:
        figures["pareto"] = pareto
    return RunViews(
        run=name,
        trials_used=studies.complete,
        figures=figures,
        heatmap=heatmap,
        importance=importance,
        importance_ped_anova=ped_anova,
        notes=list(studies.notes),
    )
