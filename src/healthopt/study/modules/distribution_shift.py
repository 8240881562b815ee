"""Distribution shift: how much holdout accuracy each mode's models lose when the inputs move
away from the training distribution (rotation, brightness, contrast; word order, truncation).

Unlike corruptions, shifts go both ways from the identity (darker and brighter), so each
model's loss is summarised as its mean accuracy drop from clean over the shifted levels.
"""

from __future__ import annotations

import numpy as np

from healthopt.data.corruptions import NoCorruptions, shifts_for
from healthopt.records import Record
from healthopt.records.study import (
    ArmMode,
    Cell,
    ModuleData,
    ModuleOutcome,
    ResultFigure,
    ResultTable,
)
from healthopt.study.context import AnalysisContext
from healthopt.study.modules.across_runs import describe
from healthopt.study.modules.curves import (
    COMPARISON_COLUMNS,
    LevelCurve,
    LevelCurveRecord,
    all_models,
    bars_figure,
    by_title,
    compare_modes,
    comparison_row,
    curves_figure,
    evaluate_levels,
    in_sentence,
    measured_sentence,
    selected_models,
    significance_sentence,
)

NAME = "distribution_shift"
TITLE = "Distribution shift"


class ModelShift(Record):
    """One model's accuracy at every shift level and its mean drop from clean."""

    label: str
    mode: ArmMode
    index: int
    clean_accuracy: float
    accuracy: dict[str, list[float]]  # shift -> accuracy at each level
    mean_drop: dict[str, float]  # shift -> clean minus mean shifted accuracy
    mean_drop_overall: float


class ShiftData(ModuleData):
    holdout_samples: int
    seed: int
    paired: bool
    selected: dict[ArmMode, str | None]  # each mode's selected model key
    shifts: dict[str, LevelCurveRecord]
    models: dict[str, ModelShift]  # keyed by model key


def mean_drop(curve: LevelCurve, accuracy: tuple[float, ...]) -> float:
    """Clean accuracy minus the mean accuracy over the shifted (non-identity) levels."""
    clean = accuracy[curve.identity_index]
    shifted = [a for i, a in enumerate(accuracy) if i != curve.identity_index]
    # Per-level differences first: an unchanged level then contributes exactly 0.0.
    return float(np.mean(clean - np.asarray(shifted))) if shifted else 0.0


def run(context: AnalysisContext) -> ModuleOutcome:
    if not context.comparable:
        return ModuleOutcome.unavailable(
            NAME,
            TITLE,
            "Distribution shift needs a completed model in both modes; a mode has none.",
        )
    try:
        shifts = shifts_for(context.dataset.modality)
    except NoCorruptions as exc:
        return ModuleOutcome.unavailable(NAME, TITLE, f"Distribution shift does not apply: {exc}")
    curves = [evaluate_levels(context, s) for s in shifts.values()]
    models = _per_model(context, curves)
    overall_drop: dict[str, float | None] = {k: m.mean_drop_overall for k, m in models.items()}
    overall = compare_modes(context, "distribution shift mean accuracy drop", overall_drop)
    per_shift = {
        c.corruption.name: compare_modes(
            context,
            f"mean accuracy drop {c.corruption.name}",
            {key: m.mean_drop[c.corruption.name] for key, m in models.items()},
        )
        for c in curves
    }
    rows = [comparison_row(t, cmp) for t, cmp in by_title(curves, per_shift).items()]
    rows.append(comparison_row("Mean over shifts", overall))
    tables = [
        ResultTable(
            title="Mean accuracy drop from clean under each shift (mean over runs)",
            columns=COMPARISON_COLUMNS,
            rows=rows,
            note="Drop = clean holdout accuracy minus the mean accuracy over the shifted "
            "levels; lower is better. Difference = health-aware minus accuracy-only.",
        ),
        _selected_table(context, curves, models),
    ]
    figures = [
        ResultFigure(
            path=curves_figure(
                context,
                curves,
                "distribution_shift_curves.png",
                "Accuracy under distribution shift",
                mark_identity=True,
            ),
            caption="Holdout accuracy over each shift's parameter (dotted line: unshifted): mean "
            "over each mode's runs, band from the lowest to the highest run.",
        ),
        ResultFigure(
            path=bars_figure(
                context,
                [(overall_drop, "Mean accuracy drop", "Mean drop over all shifts")],
                "distribution_shift_drops.png",
                "Accuracy lost under distribution shift, per model",
            ),
            caption="Mean accuracy drop over all shifts of every model (lower is better); dashed "
            "lines are mode means, hatched bars the selected models.",
        ),
    ]
    data = ShiftData(
        holdout_samples=int(len(context.dataset.holdout.y)),
        seed=int(context.seed),
        paired=context.paired,
        selected=selected_models(context),
        shifts={c.corruption.name: c.record() for c in curves},
        models=models,
    )
    comparisons = [overall, *per_shift.values()]
    summary = [
        measured_sentence(context, curves),
        describe(overall, "Mean accuracy drop over all shifts"),
        significance_sentence(by_title(curves, per_shift), "per-shift drop"),
        _worst_sentence(curves, models),
    ]
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=summary,
        data=data,
        tables=tables,
        figures=figures,
        tests=[c.record() for c in comparisons if c is not None],
    )


def _per_model(context: AnalysisContext, curves: list[LevelCurve]) -> dict[str, ModelShift]:
    models = {}
    for mut in all_models(context):
        drops = {c.corruption.name: mean_drop(c, c.of(mut)) for c in curves}
        models[mut.key] = ModelShift(
            label=mut.label,
            mode=mut.mode,
            index=mut.index,
            clean_accuracy=curves[0].of(mut)[curves[0].identity_index],
            accuracy={c.corruption.name: list(c.of(mut)) for c in curves},
            mean_drop=drops,
            mean_drop_overall=float(np.mean(list(drops.values()))),
        )
    return models


def _selected_table(
    context: AnalysisContext, curves: list[LevelCurve], models: dict[str, ModelShift]
) -> ResultTable:
    rows: list[list[Cell]] = []
    for best in context.best.values():
        if best is not None:
            m = models[best.key]
            drops = [m.mean_drop[c.corruption.name] for c in curves]
            rows.append([best.label, m.clean_accuracy, *drops, m.mean_drop_overall])
    columns = ["Model", "Clean accuracy", *(f"Drop: {c.corruption.title}" for c in curves)]
    return ResultTable(
        title="Selected models: mean accuracy drop", columns=[*columns, "Mean drop"], rows=rows
    )


def _worst_sentence(curves: list[LevelCurve], models: dict[str, ModelShift]) -> str:
    """The shift and level that cost the models most, averaged over all models."""
    worst: tuple[float, str, float] | None = None
    for curve in curves:
        mean_acc = np.mean([m.accuracy[curve.corruption.name] for m in models.values()], axis=0)
        clean = float(mean_acc[curve.identity_index])
        for value, acc in zip(curve.values, mean_acc, strict=True):
            drop = clean - float(acc)
            if worst is None or drop > worst[0]:
                name = in_sentence(curve.corruption.title)
                where = f"{name} ({curve.corruption.parameter} {value:g})"
                worst = (drop, where, float(acc))
    if worst is None or worst[0] <= 0:
        return "No shift level lowered the models' mean accuracy."
    drop, where, acc = worst
    return (
        f"The hardest shift was {where}: the models' mean accuracy fell by {drop:.3f} to {acc:.3f}."
    )
