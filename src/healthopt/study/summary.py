"""The study's headline: executive summary, hypothesis, design and conclusions.

These are computed from the module results, never written in advance: the verdict names a
winner only when the holdout difference is significant, and the conclusions count how many
of all the tests came out significant against how many chance alone would give.
"""

from __future__ import annotations

from healthopt.records import Mode
from healthopt.records.study import (
    ExecutiveRow,
    ExecutiveSummary,
    HypothesisTest,
    ModeComparison,
    ModuleOutcome,
    SelectedModel,
    StudyDesign,
)
from healthopt.records.trial_level import TrialLevelData
from healthopt.study import stats
from healthopt.study.config import MODE_LABELS
from healthopt.study.context import AnalysisContext
from healthopt.study.modules.generalization import GeneralizationData

HYPOTHESIS = (
    "Models chosen by health-aware optimization (validation accuracy mixed with training "
    "health) generalize better than models chosen for validation accuracy alone: on data no "
    "optimization has seen (the holdout) they keep more of their validation accuracy, and "
    "they are more robust to corruptions and distribution shift and better calibrated. The "
    "null hypothesis is no difference between the modes; it is rejected at alpha = 0.05."
)
# optuna.samplers.TPESampler's default n_startup_trials: random sampling until then.
TPE_STARTUP_TRIALS = 10
_EXECUTIVE_METRICS = (
    ("val_accuracy", "Validation accuracy"),
    ("test_accuracy", "Test accuracy"),
    ("holdout_accuracy", "Holdout accuracy"),
    ("gap", "Generalization gap (val - holdout)"),
)


def design(context: AnalysisContext) -> StudyDesign:
    config = context.config
    tests = (
        "Runs of the two modes share seeds, so modes are compared with paired t-tests "
        "(Wilcoxon signed-rank as a check) and Cohen's d_z"
        if context.paired
        else "Runs are compared unpaired with Welch's t-test (Mann-Whitney U as a check) and "
        "Cohen's d"
    )
    search = (
        f"With {config.trials_per_run} trials per run, Optuna's TPE sampler is still in its "
        f"{TPE_STARTUP_TRIALS} random start-up trials: run i of both modes trains the same "
        "configurations with the same seeds, so the modes differ only in which trial each "
        "selects (a controlled comparison of the selection criterion)."
        if config.trials_per_run <= TPE_STARTUP_TRIALS
        else "Beyond TPE's start-up trials each mode's search follows its own objective."
    )
    return StudyDesign(
        paired=context.paired,
        search=search,
        runs_per_mode=config.runs_per_mode,
        completed_runs={mode: len(context.models[mode]) for mode in context.modes},
        split_sizes={name: len(split) for name, split in context.dataset.splits.items()},
        selection=(
            "Each run keeps its best trial. Across runs, the accuracy-only model with the "
            "highest validation accuracy and the health-aware model with the highest total "
            "(accuracy + health) score are the two selected models."
        ),
        tests=tests + "; 95% t-intervals; the two selected models are compared per holdout "
        "sample with McNemar's exact test.",
    )


def _generalization(modules: dict[str, ModuleOutcome]) -> GeneralizationData | None:
    """The generalization module's data, when it ran and measured the holdout."""
    found = modules.get("generalization")
    if found is None or not found.available or not isinstance(found.data, GeneralizationData):
        return None
    return found.data


def best_models(
    context: AnalysisContext, modules: dict[str, ModuleOutcome]
) -> dict[Mode, SelectedModel]:
    generalization = _generalization(modules)
    measured = generalization.best_models if generalization is not None else {}
    out = {}
    for mode in context.modes:
        mut = context.best[mode]
        if mut is None:
            continue
        holdout = measured.get(mode)
        out[mode] = SelectedModel(
            label=mut.label,
            val_accuracy=mut.val_accuracy,
            test_accuracy=mut.test_accuracy,
            holdout_accuracy=holdout.holdout_accuracy if holdout is not None else None,
            health_score=mut.health_score,
            total_score=mut.record.total_score,
            num_parameters=mut.record.num_parameters,
            params=mut.record.params,
        )
    return out


def executive_summary(
    context: AnalysisContext, modules: dict[str, ModuleOutcome]
) -> ExecutiveSummary:
    generalization = _generalization(modules)
    comparisons: dict[str, ModeComparison] = {}
    if generalization is not None:
        comparisons = generalization.comparisons
    else:  # without the holdout, validation and test still compare
        for key, label in _EXECUTIVE_METRICS[:2]:
            a = [getattr(m, key) for m in context.models[Mode.SIMPLE]]
            b = [getattr(m, key) for m in context.models[Mode.HEALTH_AWARE]]
            if all(v is not None for v in a + b) and a and b:
                comparisons[key] = stats.compare(label, a, b, context.paired).record()
    rows = []
    for key, label in _EXECUTIVE_METRICS:
        c = comparisons.get(key)
        rows.append(
            ExecutiveRow(
                metric=label,
                accuracy_only=c.a.mean if c else None,
                health_aware=c.b.mean if c else None,
                difference=c.difference if c else None,
                p_value=c.primary.p_value if c else None,
                significant=bool(c and c.significant),
            )
        )
    holdout = comparisons.get("holdout_accuracy")
    return ExecutiveSummary(rows=rows, winner=_winner(holdout), verdict=_verdict(holdout, context))


def _winner(holdout: ModeComparison | None) -> Mode | None:
    if not holdout or not holdout.significant or not holdout.difference:
        return None
    return Mode.HEALTH_AWARE if holdout.difference > 0 else Mode.SIMPLE


def _verdict(holdout: ModeComparison | None, context: AnalysisContext) -> str:
    if holdout is None:
        return (
            "Holdout accuracy was not measured (the generalization module did not run), so "
            "the study draws no conclusion about generalization."
        )
    p = holdout.primary.p_value
    p_text = "undefined" if p is None else f"p = {p:.3g}"
    n = f"{holdout.a.n} vs {holdout.b.n} runs"
    winner = _winner(holdout)
    if winner is None or holdout.difference is None:
        return (
            f"No significant difference in holdout accuracy between the modes "
            f"({holdout.primary.name}, {p_text}, {n}); the study does not support "
            f"the hypothesis at this budget, nor refute it."
        )
    diff = abs(holdout.difference) * 100
    return (
        f"{MODE_LABELS[winner]} optimization generalizes better: {diff:.2f} points higher "
        f"mean holdout accuracy ({holdout.primary.name}, {p_text}, {n})."
    )


def _test_label(test: ModeComparison | HypothesisTest) -> str:
    return (test.metric if isinstance(test, ModeComparison) else test.name) or "?"


def conclusions(
    executive: ExecutiveSummary, modules: dict[str, ModuleOutcome], context: AnalysisContext
) -> list[str]:
    lines = [executive.verdict]
    total = significant = 0
    for result in modules.values():
        if not result.available:
            lines.append(f"{result.title}: not measured ({result.reason}).")
            continue
        found = [t for t in result.tests if t.significant]
        total += len(result.tests)
        significant += len(found)
        if isinstance(result.data, TrialLevelData):  # its own Holm-corrected sentence
            lines.append(result.data.conclusion)
        elif found:
            names = ", ".join(_test_label(t) for t in found[:4])
            lines.append(f"{result.title}: significant differences in {names}.")
        elif result.tests:
            tests = f"{len(result.tests)} test{'' if len(result.tests) == 1 else 's'}"
            lines.append(f"{result.title}: no significant difference ({tests}).")
    if total:
        lines.append(
            f"Across modules {significant} of {total} tests were significant at alpha 0.05; "
            f"about {0.05 * total:.1f} would be expected by chance alone, so isolated "
            "significant results should be read with care (no multiple-comparison correction)."
        )
    runs = min(len(context.models[m]) for m in context.modes)
    if runs < 5:
        lines.append(
            f"With {runs} run(s) per mode the tests have little power: a real but small "
            "difference would often go undetected. More runs per mode and larger trial budgets "
            "give a firmer answer."
        )
    return lines
