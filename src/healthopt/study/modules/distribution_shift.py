"""Distribution shift: how much holdout accuracy each mode's models lose when the inputs move
away from the training distribution (rotation, brightness, contrast; word order, truncation).

Unlike corruptions, shifts go both ways from the identity (darker and brighter), so each
model's loss is summarised as its mean accuracy drop from clean over the shifted levels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from healthopt.data.corruptions import shifts_for
from healthopt.study.context import AnalysisContext
from healthopt.study.modules.across_runs import describe
from healthopt.study.modules.curves import (
    COMPARISON_COLUMNS,
    LevelCurve,
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
from healthopt.study.results import Figure, ModuleResult, Table

NAME = "distribution_shift"
TITLE = "Distribution shift"


def mean_drop(curve: LevelCurve, accuracy: tuple[float, ...]) -> float:
    """Clean accuracy minus the mean accuracy over the shifted (non-identity) levels."""
    clean = accuracy[curve.identity_index]
    shifted = [a for i, a in enumerate(accuracy) if i != curve.identity_index]
    # Per-level differences first: an unchanged level then contributes exactly 0.0.
    return float(np.mean(clean - np.asarray(shifted))) if shifted else 0.0


def run(context: AnalysisContext) -> ModuleResult:
    if not context.comparable:
        return ModuleResult.unavailable(
            NAME,
            TITLE,
            "Distribution shift needs a completed model in both modes; a mode has none.",
        )
    curves = [evaluate_levels(context, s) for s in shifts_for(context.dataset.modality).values()]
    models = _per_model(context, curves)
    overall_drop = {key: m["mean_drop_overall"] for key, m in models.items()}
    overall = compare_modes(context, "distribution shift mean accuracy drop", overall_drop)
    per_shift = {
        c.corruption.name: compare_modes(
            context,
            f"mean accuracy drop {c.corruption.name}",
            {key: m["mean_drop"][c.corruption.name] for key, m in models.items()},
        )
        for c in curves
    }
    rows = [comparison_row(t, cmp) for t, cmp in by_title(curves, per_shift).items()]
    rows.append(comparison_row("Mean over shifts", overall))
    tables = [
        Table(
            "Mean accuracy drop from clean under each shift (mean over runs)",
            COMPARISON_COLUMNS,
            rows,
            note="Drop = clean holdout accuracy minus the mean accuracy over the shifted "
            "levels; lower is better. Difference = health-aware minus accuracy-only.",
        ),
        _selected_table(context, curves, models),
    ]
    figures = [
        Figure(
            curves_figure(
                context,
                curves,
                "distribution_shift_curves.png",
                "Accuracy under distribution shift",
                mark_identity=True,
            ),
            "Holdout accuracy over each shift's parameter (dotted line: unshifted): mean over "
            "each mode's runs, band from the lowest to the highest run.",
        ),
        Figure(
            bars_figure(
                context,
                [(overall_drop, "Mean accuracy drop", "Mean drop over all shifts")],
                "distribution_shift_drops.png",
                "Accuracy lost under distribution shift, per model",
            ),
            "Mean accuracy drop over all shifts of every model (lower is better); dashed lines "
            "are mode means, hatched bars the selected models.",
        ),
    ]
    data = {
        "holdout_samples": int(len(context.dataset.holdout.y)),
        "seed": int(context.seed),
        "paired": context.paired,
        "selected": selected_models(context),
        "shifts": {c.corruption.name: c.to_dict() for c in curves},
        "models": models,
    }
    comparisons = [overall, *per_shift.values()]
    summary = [
        measured_sentence(context, curves),
        describe(overall, "Mean accuracy drop over all shifts"),
        significance_sentence(by_title(curves, per_shift), "per-shift drop"),
        _worst_sentence(curves, models),
    ]
    return ModuleResult(
        name=NAME,
        title=TITLE,
        summary=summary,
        data=data,
        tables=tables,
        figures=figures,
        tests=[c.to_dict() for c in comparisons if c is not None],
    )


def _per_model(context: AnalysisContext, curves: list[LevelCurve]) -> dict[str, dict[str, Any]]:
    models = {}
    for mut in all_models(context):
        drops = {c.corruption.name: mean_drop(c, c.of(mut)) for c in curves}
        models[mut.key] = {
            "label": mut.label,
            "mode": mut.mode,
            "index": mut.index,
            "clean_accuracy": curves[0].of(mut)[curves[0].identity_index],
            "accuracy": {c.corruption.name: list(c.of(mut)) for c in curves},
            "mean_drop": drops,
            "mean_drop_overall": float(np.mean(list(drops.values()))),
        }
    return models


def _selected_table(
    context: AnalysisContext, curves: list[LevelCurve], models: dict[str, dict[str, Any]]
) -> Table:
    rows: list[list[Any]] = []
    for best in context.best.values():
        if best is not None:
            m = models[best.key]
            drops = [m["mean_drop"][c.corruption.name] for c in curves]
            rows.append([best.label, m["clean_accuracy"], *drops, m["mean_drop_overall"]])
    columns = ["Model", "Clean accuracy", *(f"Drop: {c.corruption.title}" for c in curves)]
    return Table("Selected models: mean accuracy drop", [*columns, "Mean drop"], rows)


def _worst_sentence(curves: list[LevelCurve], models: dict[str, dict[str, Any]]) -> str:
    """The shift and level that cost the models most, averaged over all models."""
    worst: tuple[float, str, float] | None = None
    for curve in curves:
        mean_acc = np.mean([models[k]["accuracy"][curve.corruption.name] for k in models], axis=0)
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
