"""Module 6: ablation, which health component is worth optimizing for?

Before this module runs, the study optimized once per health component with the whole health
weight on that component (accuracy weight unchanged). Here each of those models is measured
on the holdout next to the two modes' runs. One run per component allows a ranking, not a
significance test; the summary says so.
"""

from __future__ import annotations

import numpy as np

from healthopt.records import Finite, Mode, Record
from healthopt.records.study import ArmMode, ModuleData, ModuleOutcome, ResultFigure, ResultTable
from healthopt.study.context import AnalysisContext, ModelUnderTest
from healthopt.study.figures import mode_color, mode_label, save
from healthopt.study.modules.across_runs import pct

NAME = "ablation"
TITLE = "Ablation: one health component at a time"


class ComponentRun(Record):
    """The single-component optimization's selected model on the holdout."""

    component: str | None
    selected_trial: int | None
    val_accuracy: Finite
    holdout_accuracy: Finite
    gap: Finite
    health_score: Finite
    num_parameters: int | None


class ModeMeans(Record):
    """A mode's runs averaged, the reference the components are read against."""

    val_accuracy: Finite
    holdout_accuracy: Finite
    gap: Finite
    health_score: Finite


class AblationData(ModuleData):
    components: list[ComponentRun]  # smallest gap first
    ranking_by_gap: list[str | None]
    references: dict[ArmMode, ModeMeans]
    trials_per_component: int


def run(context: AnalysisContext) -> ModuleOutcome:
    if not context.ablation:
        planned = [r for r in context.metadata.ablation_runs()]
        reason = (
            "no ablation run completed: "
            + "; ".join(f"{r.component}: {r.error or r.status}" for r in planned)
            if planned
            else "no ablation runs were made"
        )
        return ModuleOutcome.unavailable(NAME, TITLE, reason)
    components = sorted((_row(context, m) for m in context.ablation), key=_gap_key)
    references = {
        mode: _mean_row(context, context.models[mode])
        for mode in context.modes
        if context.models[mode]
    }
    figure = _figure(context, components, references)
    best = components[0]
    lines = [
        f"Each of {len(components)} health components was optimized alone "
        f"(accuracy weight {context.config.health_weights.accuracy_weight:.2f}, all of the "
        f"health weight on the component, {context.config.ablation_trial_count} trials).",
        f"Smallest generalization gap: {best.component} ({pct(best.gap)}, holdout "
        f"{pct(best.holdout_accuracy)}); largest: {components[-1].component} "
        f"({pct(components[-1].gap)}).",
    ]
    for mode, ref in references.items():
        lines.append(
            f"For reference, {mode_label(mode).lower()} runs average a gap of {pct(ref.gap)} "
            f"and holdout accuracy {pct(ref.holdout_accuracy)}."
        )
    selected = {m.record.best_trial for m in context.ablation}
    if len(selected) == 1 and len(context.ablation) > 1:
        lines.append(
            f"Every component selected the same trial (trial {selected.pop()}) of the same "
            "candidates (all ablation runs share one seed), so at this budget the components "
            "do not differ at all; more trials let the objectives pick differently."
        )
    lines.append(
        "One optimization per component gives a ranking only; no significance test is possible, "
        "and with small budgets the ranking mostly reflects search noise."
    )
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=lines,
        data=AblationData(
            components=components,
            ranking_by_gap=[c.component for c in components],
            references=references,
            trials_per_component=context.config.ablation_trial_count,
        ),
        tables=[
            ResultTable(
                title="Single-component optimizations, smallest gap first",
                columns=["Component", "Validation", "Holdout", "Gap", "Health", "Parameters"],
                rows=[
                    [
                        c.component,
                        c.val_accuracy,
                        c.holdout_accuracy,
                        c.gap,
                        c.health_score,
                        c.num_parameters,
                    ]
                    for c in components
                ]
                + [
                    [
                        f"({mode_label(mode)} mean)",
                        r.val_accuracy,
                        r.holdout_accuracy,
                        r.gap,
                        r.health_score,
                        None,
                    ]
                    for mode, r in references.items()
                ],
            )
        ],
        figures=[figure],
    )


def _gap_key(row: ComponentRun) -> float:
    return row.gap if row.gap is not None else float("inf")


def _row(context: AnalysisContext, mut: ModelUnderTest) -> ComponentRun:
    holdout = context.holdout_accuracy(mut)
    val = mut.val_accuracy
    return ComponentRun(
        component=mut.record.component,
        selected_trial=mut.record.best_trial,
        val_accuracy=val,
        holdout_accuracy=holdout,
        gap=None if val is None else val - holdout,
        health_score=mut.health_score,
        num_parameters=mut.record.num_parameters,
    )


def _mean_row(context: AnalysisContext, models: list[ModelUnderTest]) -> ModeMeans:
    rows = [_row(context, m) for m in models]

    def mean(key: str) -> float | None:
        values = [v for v in (getattr(r, key) for r in rows) if v is not None]
        return float(np.mean(values)) if values else None

    return ModeMeans(
        val_accuracy=mean("val_accuracy"),
        holdout_accuracy=mean("holdout_accuracy"),
        gap=mean("gap"),
        health_score=mean("health_score"),
    )


def _figure(
    context: AnalysisContext,
    components: list[ComponentRun],
    references: dict[Mode, ModeMeans],
) -> ResultFigure:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    names = [str(c.component).replace("_", "\n") for c in components]
    gaps = [c.gap or 0.0 for c in components]
    ax.bar(names, gaps, color="#7570b3", alpha=0.8, label="single-component run")
    for mode, ref in references.items():
        if ref.gap is not None:
            ax.axhline(
                ref.gap,
                color=mode_color(mode),
                linestyle="--",
                label=f"{mode_label(mode)} mean gap",
            )
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_ylabel("validation - holdout accuracy")
    ax.set_title("Generalization gap when one health component carries the health weight")
    ax.legend(fontsize=9)
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="y", alpha=0.3)
    path = save(fig, context.figure_path("ablation_gaps.png"))
    return ResultFigure(
        path=context.relative(path),
        caption="Generalization gap of each single-component optimization (smaller is better); "
        "dashed lines: the two modes' mean gaps.",
    )
