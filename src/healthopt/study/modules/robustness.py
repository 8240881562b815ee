"""Robustness to corruptions: how much holdout accuracy each mode's models keep as noise,
blur, compression (images) or token loss (text) grows.

Each corruption's curve of accuracy over its levels is summarised by its normalised area
(AUC in [0, 1]); the overall robustness score weights those areas (seed 002's image weights,
an equal mean for text), and relative robustness divides it by the clean accuracy, so a model
is not called robust merely for being accurate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from healthopt.data import IMAGE
from healthopt.data.corruptions import corruptions_for
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
    measured_sentence,
    selected_models,
    significance_sentence,
)
from healthopt.study.results import Figure, ModuleResult, Table

NAME = "robustness"
TITLE = "Robustness to corruptions"
# Seed 002's overall image score: noise and blur matter most in practice.
IMAGE_WEIGHTS = {"gaussian_noise": 0.4, "gaussian_blur": 0.3, "jpeg": 0.2, "salt_pepper": 0.1}


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


def run(context: AnalysisContext) -> ModuleResult:
    if not context.comparable:
        return ModuleResult.unavailable(
            NAME, TITLE, "Robustness needs a completed model in both modes; a mode has none."
        )
    modality = context.dataset.modality
    curves = [evaluate_levels(context, c) for c in corruptions_for(modality).values()]
    weights = overall_weights(modality, [c.corruption.name for c in curves])
    models = _per_model(context, curves, weights)

    def values(metric: str, name: str | None = None) -> dict[str, float | None]:
        return {k: (m[metric][name] if name else m[metric]) for k, m in models.items()}

    overall = compare_modes(context, "robustness overall AUC", values("overall"))
    relative = compare_modes(context, "relative robustness", values("relative"))
    per_corruption = {
        c.corruption.name: compare_modes(
            context, f"robustness AUC {c.corruption.name}", values("auc", c.corruption.name)
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
        Table(
            "Robustness AUC by corruption (mean over runs)",
            COMPARISON_COLUMNS,
            rows,
            note=f"AUC of accuracy over normalised levels, in [0, 1]; overall weights: "
            f"{weight_text}. Difference = health-aware minus accuracy-only.",
        ),
        _selected_table(context, models),
    ]
    figures = [
        Figure(
            curves_figure(context, curves, "robustness_curves.png", "Accuracy under corruption"),
            "Holdout accuracy at each corruption level: mean over each mode's runs, band from "
            "the lowest to the highest run.",
        ),
        Figure(
            bars_figure(
                context,
                [
                    (values("overall"), "Overall robustness (AUC)", "Overall robustness score"),
                    (values("relative"), "Overall AUC / clean accuracy", "Relative robustness"),
                ],
                "robustness_scores.png",
                "Robustness per model",
            ),
            "Overall robustness score and relative robustness of every model; dashed lines are "
            "mode means, hatched bars the selected models.",
        ),
    ]
    data = {
        "holdout_samples": int(len(context.dataset.holdout.y)),
        "seed": int(context.seed),
        "weights": weights,
        "paired": context.paired,
        "selected": selected_models(context),
        "corruptions": {c.corruption.name: c.to_dict() for c in curves},
        "models": models,
    }
    return ModuleResult(
        name=NAME,
        title=TITLE,
        summary=_summary(context, curves, models, overall, relative, per_corruption),
        data=data,
        tables=tables,
        figures=figures,
        tests=[c.to_dict() for c in comparisons if c is not None],
    )


def _per_model(
    context: AnalysisContext, curves: list[LevelCurve], weights: dict[str, float]
) -> dict[str, dict[str, Any]]:
    models = {}
    for mut in all_models(context):
        clean = curves[0].of(mut)[curves[0].identity_index]
        auc = {c.corruption.name: normalized_auc(c.values, c.of(mut)) for c in curves}
        overall = float(sum(weights[name] * value for name, value in auc.items()))
        models[mut.key] = {
            "label": mut.label,
            "mode": mut.mode,
            "index": mut.index,
            "clean_accuracy": clean,
            "accuracy": {c.corruption.name: list(c.of(mut)) for c in curves},
            "auc": auc,
            "overall": overall,
            "relative": overall / clean if clean > 0 else None,
        }
    return models


def _selected_table(context: AnalysisContext, models: dict[str, dict[str, Any]]) -> Table:
    rows: list[list[Any]] = []
    for mode in context.modes:
        best = context.best[mode]
        if best is not None:
            m = models[best.key]
            rows.append([best.label, m["clean_accuracy"], m["overall"], m["relative"]])
    return Table(
        "Selected models",
        ["Model", "Clean accuracy", "Overall robustness", "Relative robustness"],
        rows,
    )


def _summary(
    context: AnalysisContext,
    curves: list[LevelCurve],
    models: dict[str, dict[str, Any]],
    overall: Any,
    relative: Any,
    per_corruption: dict[str, Any],
) -> list[str]:
    lines = [
        measured_sentence(context, curves),
        describe(overall, "Overall robustness score"),
        describe(relative, "Relative robustness (overall score / clean accuracy)"),
    ]
    lines.append(significance_sentence(by_title(curves, per_corruption), "per-corruption AUC"))
    chosen = [
        f"{m.label} {models[m.key]['overall']:.3f}" for m in context.best.values() if m is not None
    ]
    lines.append("Overall robustness of the selected models: " + "; ".join(chosen) + ".")
    return lines
