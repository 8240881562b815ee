"""Robustness to corruptions: how much holdout accuracy each mode's models keep as noise,
blur, compression (images) or token loss (text) grows.

Each corruption's curve of accuracy over its levels is summarised by its normalised area
(AUC in [0, 1]); the overall robustness score weights those areas (seed 002's image weights,
an equal mean for text), and relative robustness divides it by the clean accuracy, so a model
is not called robust merely for being accurate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from healthopt.data import IMAGE
from healthopt.data.corruptions import NoCorruptions, corruptions_for
from healthopt.records import Finite, Record
from healthopt.records.study import (
    ArmMode,
    Cell,
    ModuleData,
    ModuleOutcome,
    ResultFigure,
    ResultTable,
)
from healthopt.study import stats
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
    measured_sentence,
    selected_models,
    significance_sentence,
)

NAME = "robustness"
TITLE = "Robustness to corruptions"
# Seed 002's overall image score: noise and blur matter most in practice.
IMAGE_WEIGHTS = {"gaussian_noise": 0.4, "gaussian_blur": 0.3, "jpeg": 0.2, "salt_pepper": 0.1}


class ModelRobustness(Record):
    """One model's accuracy under every corruption level and its robustness scores."""

    label: str
    mode: ArmMode
    index: int
    clean_accuracy: float
    accuracy: dict[str, list[float]]  # corruption -> accuracy at each level
    auc: dict[str, float]  # corruption -> normalised area under that curve
    overall: float
    relative: Finite  # overall / clean accuracy; None when clean accuracy is 0


class RobustnessData(ModuleData):
    holdout_samples: int
    seed: int
    weights: dict[str, float]
    paired: bool
    selected: dict[ArmMode, str | None]  # each mode's selected model key
    corruptions: dict[str, LevelCurveRecord]
    models: dict[str, ModelRobustness]  # keyed by model key


def normalized_auc(values: Sequence[float], accuracy: Sequence[float]) -> float:
    """Trapezoid area under accuracy over the levels rescaled to [0, 1].

    The levels start at 0 (the identity), so the rescaling is value / max value; a constant
    curve's area is that constant, and a single level's area is its accuracy."""
    x = np.asarray(values, dtype=float)
    y = np.asarray(accuracy, dtype=float)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    span = float(x[-1] - x[0])
    if span == 0.0:
        return float(np.mean(y))
    t = (x - x[0]) / span
    return float(np.sum(np.diff(t) * (y[1:] + y[:-1]) / 2.0))


def overall_weights(modality: str, names: Sequence[str]) -> dict[str, float]:
    """Weight of each corruption's AUC in the overall score (they sum to 1)."""
    if modality == IMAGE and set(names) == set(IMAGE_WEIGHTS):
        return {name: IMAGE_WEIGHTS[name] for name in names}
    return {name: 1.0 / len(names) for name in names}


def run(context: AnalysisContext) -> ModuleOutcome:
    if not context.comparable:
        return ModuleOutcome.unavailable(
            NAME, TITLE, "Robustness needs a completed model in both modes; a mode has none."
        )
    modality = context.dataset.modality
    try:
        corruptions = corruptions_for(modality)
    except NoCorruptions as exc:
        return ModuleOutcome.unavailable(NAME, TITLE, f"Robustness does not apply: {exc}")
    curves = [evaluate_levels(context, c) for c in corruptions.values()]
    weights = overall_weights(modality, [c.corruption.name for c in curves])
    models = _per_model(context, curves, weights)

    overall_values: dict[str, float | None] = {k: m.overall for k, m in models.items()}
    relative_values = {k: m.relative for k, m in models.items()}
    overall = compare_modes(context, "robustness overall AUC", overall_values)
    relative = compare_modes(context, "relative robustness", relative_values)
    per_corruption = {
        c.corruption.name: compare_modes(
            context,
            f"robustness AUC {c.corruption.name}",
            {k: m.auc[c.corruption.name] for k, m in models.items()},
        )
        for c in curves
    }
    comparisons = [overall, relative, *per_corruption.values()]

    titles = {c.corruption.name: c.corruption.title for c in curves}
    rows = [comparison_row(t, cmp) for t, cmp in by_title(curves, per_corruption).items()]
    rows.append(comparison_row("Overall (weighted)", overall))
    rows.append(comparison_row("Relative (overall / clean)", relative))
    weight_text = ", ".join(f"{titles[n]} {w:.2g}" for n, w in weights.items())
    tables = [
        ResultTable(
            title="Robustness AUC by corruption (mean over runs)",
            columns=COMPARISON_COLUMNS,
            rows=rows,
            note=f"AUC of accuracy over normalised levels, in [0, 1]; overall weights: "
            f"{weight_text}. Difference = health-aware minus accuracy-only.",
        ),
        _selected_table(context, models),
    ]
    figures = [
        ResultFigure(
            path=curves_figure(
                context, curves, "robustness_curves.png", "Accuracy under corruption"
            ),
            caption="Holdout accuracy at each corruption level: mean over each mode's runs, band "
            "from the lowest to the highest run.",
        ),
        ResultFigure(
            path=bars_figure(
                context,
                [
                    (overall_values, "Overall robustness (AUC)", "Overall robustness score"),
                    (relative_values, "Overall AUC / clean accuracy", "Relative robustness"),
                ],
                "robustness_scores.png",
                "Robustness per model",
            ),
            caption="Overall robustness score and relative robustness of every model; dashed lines "
            "are mode means, hatched bars the selected models.",
        ),
    ]
    data = RobustnessData(
        holdout_samples=int(len(context.dataset.holdout.y)),
        seed=int(context.seed),
        weights=weights,
        paired=context.paired,
        selected=selected_models(context),
        corruptions={c.corruption.name: c.record() for c in curves},
        models=models,
    )
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=_summary(context, curves, models, overall, relative, per_corruption),
        data=data,
        tables=tables,
        figures=figures,
        tests=[c.record() for c in comparisons if c is not None],
    )


def _per_model(
    context: AnalysisContext, curves: list[LevelCurve], weights: dict[str, float]
) -> dict[str, ModelRobustness]:
    models = {}
    for mut in all_models(context):
        clean = curves[0].of(mut)[curves[0].identity_index]
        auc = {c.corruption.name: normalized_auc(c.values, c.of(mut)) for c in curves}
        overall = float(sum(weights[name] * value for name, value in auc.items()))
        models[mut.key] = ModelRobustness(
            label=mut.label,
            mode=mut.mode,
            index=mut.index,
            clean_accuracy=clean,
            accuracy={c.corruption.name: list(c.of(mut)) for c in curves},
            auc=auc,
            overall=overall,
            relative=overall / clean if clean > 0 else None,
        )
    return models


def _selected_table(context: AnalysisContext, models: dict[str, ModelRobustness]) -> ResultTable:
    rows: list[list[Cell]] = []
    for mode in context.modes:
        best = context.best[mode]
        if best is not None:
            m = models[best.key]
            rows.append([best.label, m.clean_accuracy, m.overall, m.relative])
    return ResultTable(
        title="Selected models",
        columns=["Model", "Clean accuracy", "Overall robustness", "Relative robustness"],
        rows=rows,
    )


def _summary(
    context: AnalysisContext,
    curves: list[LevelCurve],
    models: dict[str, ModelRobustness],
    overall: stats.Comparison | None,
    relative: stats.Comparison | None,
    per_corruption: dict[str, stats.Comparison | None],
) -> list[str]:
    lines = [
        measured_sentence(context, curves),
        describe(overall, "Overall robustness score"),
        describe(relative, "Relative robustness (overall score / clean accuracy)"),
    ]
    lines.append(significance_sentence(by_title(curves, per_corruption), "per-corruption AUC"))
    chosen = [
        f"{m.label} {models[m.key].overall:.3f}" for m in context.best.values() if m is not None
    ]
    lines.append("Overall robustness of the selected models: " + "; ".join(chosen) + ".")
    return lines
