"""Module 1: generalization on the holdout, the split no optimization ever read.

Every run's selected model is measured on the holdout; the generalization gap is validation
accuracy (what the optimizer maximised) minus holdout accuracy. The modes are compared over
runs (paired by seed when both modes completed the same runs), and the two selected models
per sample with McNemar's exact test.
"""

from __future__ import annotations

import numpy as np

from healthopt.records import Finite, Mode, Record
from healthopt.records.study import (
    ArmMode,
    HypothesisTest,
    ModeComparison,
    ModuleData,
    ModuleOutcome,
    ResultFigure,
    ResultTable,
)
from healthopt.study import stats
from healthopt.study.context import AnalysisContext, ModelUnderTest
from healthopt.study.figures import mode_color, mode_label, save
from healthopt.study.modules.across_runs import pct

NAME = "generalization"
TITLE = "Generalization on the holdout"
# (key in a run's row, label) of the metrics compared between modes.
METRICS = (
    ("val_accuracy", "Validation accuracy"),
    ("test_accuracy", "Test accuracy"),
    ("holdout_accuracy", "Holdout accuracy"),
    ("gap", "Generalization gap (val - holdout)"),
)


class RunRow(Record):
    """One run's selected model on the holdout."""

    label: str
    index: int
    val_accuracy: Finite
    test_accuracy: Finite
    holdout_accuracy: Finite
    gap: Finite
    health_score: Finite

    def metric(self, key: str) -> float | None:
        value: float | None = getattr(self, key)
        return value


class GeneralizationData(ModuleData):
    holdout_size: int
    paired: bool
    runs: dict[ArmMode, list[RunRow]]
    comparisons: dict[str, ModeComparison]  # keyed by METRICS' keys
    best_models: dict[ArmMode, RunRow]
    best_models_mcnemar: HypothesisTest
    identical_selections: int | None


def run(context: AnalysisContext) -> ModuleOutcome:
    if not context.comparable:
        return ModuleOutcome.unavailable(NAME, TITLE, "a mode has no completed run to measure")
    rows = {mode: [_row(context, m) for m in context.models[mode]] for mode in context.modes}
    a, b = rows[Mode.SIMPLE], rows[Mode.HEALTH_AWARE]
    comparisons = {
        key: stats.compare(label, _values(a, key), _values(b, key), paired=context.paired)
        for key, label in METRICS
    }
    best = {mode: context.best[mode] for mode in context.modes}
    mcnemar = stats.mcnemar_exact(
        _correct(context, best[Mode.SIMPLE]), _correct(context, best[Mode.HEALTH_AWARE])
    )
    best_rows = {mode: _row(context, m) for mode, m in best.items() if m is not None}
    figure = _figure(context, rows)
    holdout = comparisons["holdout_accuracy"]
    gap = comparisons["gap"]
    same = identical_selections(context)
    summary = _summary(holdout, gap, mcnemar, best_rows, context)
    if same is not None:
        summary.insert(
            2,
            f"In {same} of {len(context.models[Mode.SIMPLE])} seed-paired runs both modes "
            "selected the same trial, i.e. the very same model; only the other runs can differ.",
        )
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=summary,
        data=GeneralizationData(
            holdout_size=len(context.dataset.holdout),
            paired=context.paired,
            runs={mode: rows[mode] for mode in context.modes},
            comparisons={key: c.record() for key, c in comparisons.items()},
            best_models=best_rows,
            best_models_mcnemar=mcnemar.record(),
            identical_selections=same,
        ),
        tables=[_means_table(comparisons), _runs_table(rows)],
        figures=[figure],
        tests=[*(c.record() for c in comparisons.values()), mcnemar.record()],
    )


def identical_selections(context: AnalysisContext) -> int | None:
    """How many seed-paired runs selected the same model in both modes: the same trial with
    the same parameters (the same seed trains the same model, so those pairs cannot differ;
    past the sampler's random start-up the two modes' trial N are different models). None
    when the runs do not pair."""
    if not context.paired:
        return None
    chosen = {
        mode: {m.index: (m.record.best_trial, m.record.params) for m in context.models[mode]}
        for mode in context.modes
    }
    a, b = chosen[Mode.SIMPLE], chosen[Mode.HEALTH_AWARE]
    return sum(1 for index, pick in a.items() if pick[0] is not None and b.get(index) == pick)


def _row(context: AnalysisContext, mut: ModelUnderTest) -> RunRow:
    holdout = context.holdout_accuracy(mut)
    val = mut.val_accuracy
    return RunRow(
        label=mut.label,
        index=mut.index,
        val_accuracy=val,
        test_accuracy=mut.test_accuracy,
        holdout_accuracy=holdout,
        gap=None if val is None else val - holdout,
        health_score=mut.health_score,
    )


def _values(rows: list[RunRow], key: str) -> list[float]:
    ordered = (r.metric(key) for r in sorted(rows, key=lambda r: r.index))
    return [float(v) for v in ordered if v is not None]


def _correct(context: AnalysisContext, mut: ModelUnderTest | None) -> np.ndarray:
    assert mut is not None  # comparable: both modes have a selected model
    predicted = context.holdout_probabilities(mut).argmax(axis=1)
    return predicted == context.dataset.holdout.y


def _p(test: stats.TestResult) -> str:
    return "undefined" if test.p_value is None else f"p = {test.p_value:.3g}"


def _summary(
    holdout: stats.Comparison,
    gap: stats.Comparison,
    mcnemar: stats.TestResult,
    best: dict[Mode, RunRow],
    context: AnalysisContext,
) -> list[str]:
    design = (
        f"{holdout.a.n} seed-paired runs per mode"
        if holdout.paired
        else f"{holdout.a.n} and {holdout.b.n} runs (unpaired)"
    )
    lines = [
        f"Mean holdout accuracy: accuracy-only {pct(holdout.a.mean)}, health-aware "
        f"{pct(holdout.b.mean)} ({design}, {len(context.dataset.holdout)} holdout samples).",
        f"Mean generalization gap (validation - holdout): accuracy-only {pct(gap.a.mean)}, "
        f"health-aware {pct(gap.b.mean)}.",
    ]
    for label, comparison in (("holdout accuracy", holdout), ("gap", gap)):
        if comparison.significant:
            better = "health-aware" if (comparison.difference or 0) > 0 else "accuracy-only"
            if label == "gap":
                better = "accuracy-only" if (comparison.difference or 0) > 0 else "health-aware"
            lines.append(
                f"The {label} difference is significant ({comparison.primary.name}, "
                f"{_p(comparison.primary)}): {better} is better."
            )
        else:
            note = f"; {comparison.primary.note}" if comparison.primary.note else ""
            lines.append(
                f"No significant difference in {label} ({comparison.primary.name}, "
                f"{_p(comparison.primary)}{note})."
            )
    a, b = best[Mode.SIMPLE], best[Mode.HEALTH_AWARE]  # run() checked both exist
    lines.append(
        f"Selected models: {a.label} {pct(a.holdout_accuracy)} vs "
        f"{b.label} {pct(b.holdout_accuracy)} on the holdout; McNemar exact "
        f"test on per-sample correctness {_p(mcnemar)}."
    )
    return lines


def _means_table(comparisons: dict[str, stats.Comparison]) -> ResultTable:
    rows = []
    for key, label in METRICS:
        c = comparisons[key]
        rows.append([label, c.a.mean, c.a.std, c.b.mean, c.b.std, c.difference, c.primary.p_value])
    return ResultTable(
        title="Per-mode means over runs",
        columns=["Metric", "Accuracy-only", "SD", "Health-aware", "SD", "Difference (B - A)", "p"],
        rows=rows,
        note="p from the primary test (paired t-test when runs pair by seed, else Welch).",
    )


def _runs_table(rows: dict[Mode, list[RunRow]]) -> ResultTable:
    return ResultTable(
        title="Every run's selected model",
        columns=["Run", "Validation", "Test", "Holdout", "Gap", "Health"],
        rows=[
            [r.label, r.val_accuracy, r.test_accuracy, r.holdout_accuracy, r.gap, r.health_score]
            for mode_rows in rows.values()
            for r in mode_rows
        ],
    )


def _figure(context: AnalysisContext, rows: dict[Mode, list[RunRow]]) -> ResultFigure:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (key, label) in zip(axes, (METRICS[2], METRICS[3]), strict=True):
        data = [_values(rows[mode], key) for mode in context.modes]
        box = ax.boxplot(data, patch_artist=True, widths=0.5)
        ax.set_xticks([1, 2], [mode_label(m) for m in context.modes])
        for patch, mode in zip(box["boxes"], context.modes, strict=True):
            patch.set_facecolor(mode_color(mode))
            patch.set_alpha(0.35)
        for position, (mode, values) in enumerate(zip(context.modes, data, strict=True), 1):
            jitter = np.linspace(-0.08, 0.08, len(values)) if len(values) > 1 else [0.0]
            ax.scatter(position + np.asarray(jitter), values, color=mode_color(mode), zorder=3)
        if context.paired:
            for a, b in zip(data[0], data[1], strict=True):
                ax.plot([1, 2], [a, b], color="grey", alpha=0.4, linewidth=1)
        ax.set_title(label, fontsize=11)
        ax.set_ylabel("accuracy" if key != "gap" else "validation - holdout")
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Holdout accuracy and generalization gap per run", fontsize=12)
    path = save(fig, context.figure_path("generalization_holdout.png"))
    caption = "Each dot is one run's selected model on the holdout" + (
        "; grey lines join the runs that share a seed." if context.paired else "."
    )
    return ResultFigure(path=context.relative(path), caption=caption)
