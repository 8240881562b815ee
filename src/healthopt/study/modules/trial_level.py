"""Module 9: the trial-level test, every trial that learned measured on the holdout.

The run-level modules compare one selected model per run. Here every completed trial of every
study run whose val accuracy is clearly above chance has its saved model
(`trials/trial_N/model.keras`) scored on the holdout, and `study.trial_level` asks whether
each pre-stated health signal predicts holdout accuracy beyond val accuracy, in discovery and
confirmation stages, and how the healthiest trial near the top fares against the most
accurate one.

Arms that share a seed train the same configurations first (TPE's random start-up trials),
so the same model appears once per arm: it is scored and counted once (`TrialPoint.source`),
or the same evidence would be counted two or three times.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.optimize.assembly import trial_dir
from healthopt.records import Mode, RunResults, TrialRecord
from healthopt.records.study import ModuleOutcome, ResultTable, RunRecord
from healthopt.records.trial_level import (
    SelectionSimulation,
    SignalTest,
    TrialLevelData,
    TrialLevelStage,
    TrialPoint,
)
from healthopt.study import stats
from healthopt.study.context import PREDICT_BATCH, AnalysisContext
from healthopt.study.trial_level import (
    HYPOTHESES,
    confirmed,
    learned,
    run_stages,
    signals_of,
    simulate_selection,
)

NAME = "trial_level"
TITLE = "Trial level: does health predict holdout accuracy beyond validation accuracy?"
RESULTS_FILE = "results.json"  # a run folder's results (`optimize.optimizer`)
MODEL_FILE = "model.keras"  # a trial's saved model (`trial.py`)
STAGE_TITLES = {
    "all": "All trials",
    "discovery": "Discovery",
    "confirmation": "Confirmation",
}
log = logging.getLogger(__name__)


@dataclass
class _Trials:
    """The study's trials that learned, read once."""

    points: list[TrialPoint] = field(default_factory=list)  # each model once, first seen
    pools: list[list[TrialPoint]] = field(default_factory=list)  # per run, its own values
    runs: int = 0
    complete: int = 0
    repeated: int = 0
    missing: int = 0


def run(context: AnalysisContext) -> ModuleOutcome:
    chance_margin = DiagnosticThresholds().chance_margin
    study_runs = [r for r in context.metadata.runs if r.kind == "study"]
    trials = _gather(context, study_runs, chance_margin)
    if trials.runs == 0:
        return ModuleOutcome.unavailable(NAME, TITLE, "no study run has trials to read")
    if len(trials.points) < 4:
        return ModuleOutcome.unavailable(
            NAME,
            TITLE,
            f"only {len(trials.points)} trial(s) learned (val accuracy clearly above chance) "
            "and had a saved model; a partial correlation needs at least 4",
        )
    margin = context.config.optimization_config(Mode.HEALTH_AWARE, 0).accuracy_margin
    stages = run_stages(trials.points, [r.seed for r in study_runs])
    selection = simulate_selection(trials.pools, margin)
    conclusion = _conclusion(stages, selection, len(trials.points))
    data = TrialLevelData(
        hypotheses=list(HYPOTHESES),
        alpha=stats.ALPHA,
        chance_margin=chance_margin,
        holdout_size=len(context.dataset.holdout),
        runs=trials.runs,
        trials_complete=trials.complete,
        trials_learned=len(trials.points),
        repeated_trials=trials.repeated,
        models_missing=trials.missing,
        stages=stages,
        selection=selection,
        conclusion=conclusion,
        trials=trials.points,
    )
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=_summary(data),
        data=data,
        tables=[*(_stage_table(s) for s in stages if s.tests), _selection_table(selection)],
        tests=[selection.test],
    )


def _gather(context: AnalysisContext, runs: list[RunRecord], chance_margin: float) -> _Trials:
    """Every run's completed trials that learned, each distinct model scored once."""
    fallback = context.dataset.val.majority_fraction()
    scored: dict[tuple[int, int, str], tuple[str, float | None]] = {}
    out = _Trials()
    for record in runs:
        run_dir = context.paths.root / record.run_dir
        path = run_dir / RESULTS_FILE
        if not path.is_file():
            continue
        out.runs += 1
        pool: list[TrialPoint] = []
        for trial in RunResults.from_json(path.read_bytes()).trials:
            val = trial.metrics.val_accuracy
            if not trial.complete or val is None:
                continue
            out.complete += 1
            chance = trial.metrics.chance_accuracy
            chance = fallback if chance is None else chance
            if not learned(val, chance, chance_margin):
                continue
            # The same seed, trial number and parameters train the same model.
            key = (record.seed, trial.number, json.dumps(trial.params, sort_keys=True))
            first = key not in scored
            if first:
                model = trial_dir(run_dir, trial.number) / MODEL_FILE
                scored[key] = (f"{record.label} trial {trial.number}", _holdout(context, model))
                out.missing += scored[key][1] is None
            else:
                out.repeated += 1
            source, holdout = scored[key]
            if holdout is None:
                continue
            point = _point(record, trial, source, holdout, chance)
            pool.append(point)
            if first:
                out.points.append(point)
        out.pools.append(pool)
    return out


def _holdout(context: AnalysisContext, path: Path) -> float | None:
    """Holdout accuracy of the model saved at `path`; None when it is missing or unreadable.
    Each model is loaded, scored and let go: a study holds hundreds of them."""
    from healthopt.analysis.layers import ModelLoadError, load_model

    if not path.is_file():
        return None
    try:
        model = load_model(path)
    except ModelLoadError as exc:
        log.warning("trial-level module: %s", exc)
        return None
    holdout = context.dataset.holdout
    probabilities = model.predict(holdout.x, batch_size=PREDICT_BATCH, verbose=0)
    del model
    return float(np.mean(np.asarray(probabilities).argmax(axis=1) == holdout.y))


def _point(
    record: RunRecord, trial: TrialRecord, source: str, holdout: float, chance: float
) -> TrialPoint:
    assert trial.metrics.val_accuracy is not None  # _gather kept only trials that have one
    return TrialPoint(
        source=source,
        run=record.label,
        mode=record.mode,
        seed=record.seed,
        number=trial.number,
        val_accuracy=trial.metrics.val_accuracy,
        holdout_accuracy=holdout,
        chance_accuracy=chance,
        signals=signals_of(trial),
    )


# -- words and tables ---------------------------------------------------------------------------
def _p(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3g}"


def _points(margin: float) -> str:
    """An accuracy margin in percentage points: '1 point', '0.5 points'."""
    value = margin * 100
    return f"{value:g} point{'' if value == 1 else 's'}"


def _found(tests: list[SignalTest]) -> str:
    if not tests:
        return "none"
    return "; ".join(f"{t.signal} (rho {t.rho:+.2f}, Holm p = {_p(t.holm_p)})" for t in tests)


def _seeds(stage: TrialLevelStage) -> str:
    return ", ".join(str(s) for s in stage.seeds) or "none"


def _stage_line(stage: TrialLevelStage) -> str:
    title = STAGE_TITLES[stage.name]
    if not stage.possible:
        return f"{title}: {stage.note}."
    if not stage.tests:
        return f"{title} (seeds {_seeds(stage)}): {stage.note}."
    return (
        f"{title} (seeds {_seeds(stage)}, {stage.trials} trials; Holm over "
        f"{len(stage.tests)} signal(s)): significant: {_found(stage.significant())}."
    )


def _selection_line(selection: SelectionSimulation) -> str:
    d = selection.difference
    if selection.runs == 0:
        return "Selection simulation: no run had a candidate with a measured health."
    interval = (
        f" [95% CI {d.ci_low * 100:+.2f}, {d.ci_high * 100:+.2f}]"
        if d.ci_low is not None and d.ci_high is not None
        else ""
    )
    mean = "n/a" if d.mean is None else f"{d.mean * 100:+.2f}"
    return (
        f"Selection simulation ({selection.runs} runs; trials within "
        f"{_points(selection.accuracy_margin)} of each run's best val accuracy): the "
        f"healthiest beat the most accurate on the holdout in {selection.wins}, tied in "
        f"{selection.ties + selection.same_trial} ({selection.same_trial} the same trial) and "
        f"lost in {selection.losses}; mean holdout difference {mean} points{interval}; "
        f"Wilcoxon signed-rank p = {_p(selection.test.p_value)}."
    )


def _summary(data: TrialLevelData) -> list[str]:
    lines = [
        f"{data.trials_learned} distinct models that learned (val accuracy more than "
        f"{data.chance_margin:.0%} of the way from chance to 1) of {data.trials_complete} "
        f"completed trials in {data.runs} runs, each scored on the {data.holdout_size} "
        f"holdout samples. Partial Spearman correlation with holdout accuracy given val "
        f"accuracy, two-sided, for {len(data.hypotheses)} signals stated in advance.",
    ]
    if data.repeated_trials:
        lines.append(
            f"{data.repeated_trials} trials repeated a model that a run of another arm with "
            "the same seed had trained; each model counts once."
        )
    if data.models_missing:
        lines.append(f"{data.models_missing} saved models were not found and are left out.")
    lines += [_stage_line(s) for s in data.stages]
    lines.append(_selection_line(data.selection))
    lines.append(data.conclusion)
    return lines


def _conclusion(stages: list[TrialLevelStage], selection: SelectionSimulation, trials: int) -> str:
    """One sentence for the study's conclusions (and the README)."""
    by_name = {s.name: s for s in stages}
    both = confirmed(stages)
    if not by_name["confirmation"].possible:
        finding = (
            "confirmation was not possible (one run per arm); across all trials, significant "
            f"after Holm: {_found(by_name['all'].significant())}"
        )
    elif both:
        names = "; ".join(
            f"{d.signal} (rho {d.rho:+.2f} then {c.rho:+.2f}, confirmation Holm p = {_p(c.holm_p)})"
            for d, c in both
        )
        finding = f"confirmed on fresh seeds: {names}"
    else:
        finding = "no signal was confirmed on fresh seeds"
    d = selection.difference
    if d.mean is None:
        choice = "no run could compare its healthiest and most accurate trials"
    else:
        choice = (
            f"choosing the healthiest trial within {_points(selection.accuracy_margin)} "
            f"of the best changed holdout accuracy by {d.mean * 100:+.2f} points on average "
            f"over {selection.runs} runs (Wilcoxon p = {_p(selection.test.p_value)})"
        )
    return (
        f"Trial level ({trials} models that learned): does a health signal predict holdout "
        f"accuracy beyond val accuracy? {finding[0].upper()}{finding[1:]}; {choice}."
    )


def _stage_table(stage: TrialLevelStage) -> ResultTable:
    return ResultTable(
        title=f"{STAGE_TITLES[stage.name]}: partial Spearman with holdout accuracy "
        f"given val accuracy (seeds {_seeds(stage)})",
        columns=["Signal", "n", "rho", "p", "Holm p", "Significant"],
        rows=[
            [t.signal, t.n, t.rho, t.p_value, t.holm_p, "yes" if t.significant else "no"]
            for t in stage.tests
        ],
        note=f"{stage.note}; p two-sided from t with n - 3 df; significant: Holm p < "
        f"{stats.ALPHA}.",
    )


def _selection_table(selection: SelectionSimulation) -> ResultTable:
    return ResultTable(
        title="Selection simulation: healthiest vs most accurate near the top of each run",
        columns=["Run", "Candidates", "Healthiest", "Most accurate", "Holdout", "Holdout", "Diff"],
        rows=[
            [
                r.run,
                r.candidates,
                r.healthiest,
                r.most_accurate,
                r.healthiest_holdout,
                r.most_accurate_holdout,
                r.difference,
            ]
            for r in selection.rows
        ],
        note="Holdout accuracy of the healthiest, then of the most accurate; Diff is their "
        "difference. Runs that compared the same two models as an earlier run are left out.",
    )
