"""Per-class performance: does a mode buy its accuracy on some classes at the others' cost?

Overall accuracy can hide a model that fails a class or two. Every completed run's model gets
its per-class accuracy (recall) on the holdout, their spread (balance, the standard deviation
over classes) and their minimum (worst-class accuracy); the two modes are compared across runs
on both, and the two selected models' confusion matrices are drawn with their difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from healthopt.records import Finite, Mode, Record
from healthopt.records.study import ArmMode, ModuleData, ModuleOutcome, ResultFigure, ResultTable
from healthopt.study import stats
from healthopt.study.config import STUDY_MODES
from healthopt.study.context import AnalysisContext, ModelUnderTest
from healthopt.study.figures import mode_color, mode_label, save
from healthopt.study.modules.across_runs import (
    COMPARISON_TEST_COLUMNS,
    comparison_rows,
    describe,
    metric_values,
)

NAME = "per_class"
TITLE = "Per-class performance"
A, B = STUDY_MODES  # accuracy-only, health-aware
# metric -> (title, which direction is better)
METRICS = {
    "balance": ("Per-class accuracy spread (std)", "lower"),
    "worst_class_accuracy": ("Worst-class accuracy", "higher"),
}
ANNOTATE_MAX_CLASSES = 12
TABLE_MAX_CLASSES = 20


def confusion_matrix(y: np.ndarray, pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (true class, predicted class): rows are true labels."""
    flat = np.asarray(y, dtype=np.int64) * num_classes + np.asarray(pred, dtype=np.int64)
    return np.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def per_class_accuracy(confusion: np.ndarray) -> list[float | None]:
    """Recall of each class (diagonal over row sum); None for a class absent from the labels."""
    totals = confusion.sum(axis=1)
    return [
        float(confusion[k, k] / totals[k]) if totals[k] else None for k in range(len(confusion))
    ]


def defined(values: list[float | None]) -> np.ndarray:
    return np.array([v for v in values if v is not None], dtype=np.float64)


def balance(accuracies: list[float | None]) -> float | None:
    """Population std (ddof=0) of the per-class accuracies: the classes are all there is,
    not a sample of them. 0 is perfectly even; None without any class."""
    values = defined(accuracies)
    return float(values.std()) if values.size else None


def weak_classes(accuracies: list[float | None]) -> list[int]:
    """Classes whose accuracy lies below the mean per-class accuracy (macro recall)."""
    values = defined(accuracies)
    if not values.size:
        return []
    mean = values.mean()
    return [k for k, v in enumerate(accuracies) if v is not None and v < mean]


class ClassReport(Record):
    """One model's per-class holdout performance."""

    label: str
    mode: ArmMode
    index: int
    accuracy: float
    per_class_accuracy: list[Finite]  # None for a class absent from the holdout
    macro_recall: Finite
    balance: Finite
    worst_class_accuracy: Finite
    worst_class: int | None
    weak_classes: list[int]


class PerClassData(ModuleData):
    num_classes: int
    holdout_size: int
    class_counts: list[int]
    paired: bool
    models: dict[ArmMode, list[ClassReport]]
    selected: dict[ArmMode, ClassReport]
    confusion: dict[ArmMode, list[list[int]]]  # the selected models' (true, predicted) counts
    confusion_difference: list[list[int]]  # health-aware minus accuracy-only
    per_class_difference: list[Finite]


def measure(mut: ModelUnderTest, confusion: np.ndarray) -> ClassReport:
    accs = per_class_accuracy(confusion)
    values = defined(accs)
    present = [k for k, v in enumerate(accs) if v is not None]
    worst = min(present, key=lambda k: accs[k] or 0.0) if present else None
    return ClassReport(
        label=mut.label,
        mode=mut.mode,
        index=mut.index,
        accuracy=float(np.trace(confusion) / max(confusion.sum(), 1)),
        per_class_accuracy=accs,
        macro_recall=float(values.mean()) if values.size else None,
        balance=balance(accs),
        worst_class_accuracy=accs[worst] if worst is not None else None,
        worst_class=worst,
        weak_classes=weak_classes(accs),
    )


def run(context: AnalysisContext) -> ModuleOutcome:
    if not context.comparable:
        return ModuleOutcome.unavailable(
            NAME, TITLE, "per-class performance needs a completed model in both modes"
        )
    y = np.asarray(context.dataset.holdout.y, dtype=np.int64)
    classes = context.dataset.num_classes
    confusions: dict[Mode, dict[int, np.ndarray]] = {
        mode: {
            m.index: confusion_matrix(y, context.holdout_probabilities(m).argmax(axis=1), classes)
            for m in context.models[mode]
        }
        for mode in context.modes
    }
    per_mode = {
        mode: [measure(m, confusions[mode][m.index]) for m in context.models[mode]]
        for mode in context.modes
    }
    comparisons = {
        metric: stats.compare(
            metric, *metric_values(per_mode, metric, context.paired)[:2], paired=context.paired
        )
        for metric in METRICS
    }
    selected = {mode: context.best[mode] for mode in context.modes}
    best = {
        mode: next(r for r in per_mode[mode] if r.index == mut.index)
        for mode, mut in selected.items()
        if mut is not None
    }
    best_confusion = {mode: confusions[mode][best[mode].index] for mode in context.modes}
    difference = best_confusion[B] - best_confusion[A]
    differences = [
        None if a is None or b is None else b - a
        for a, b in zip(best[A].per_class_accuracy, best[B].per_class_accuracy, strict=True)
    ]
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=_summary(best, comparisons, differences),
        data=PerClassData(
            num_classes=classes,
            holdout_size=int(len(y)),
            class_counts=np.bincount(y, minlength=classes).tolist(),
            paired=context.paired,
            models=per_mode,
            selected={mode: best[mode] for mode in context.modes},
            confusion={mode: best_confusion[mode].tolist() for mode in context.modes},
            confusion_difference=difference.tolist(),
            per_class_difference=differences,
        ),
        tables=[_comparison_table(comparisons), _per_class_table(best, differences)],
        figures=[
            _confusion_figure(context, best, best_confusion),
            _difference_figure(context, difference),
            _per_class_figure(context, best),
        ],
        tests=[c.record() for c in comparisons.values()],
    )


def _summary(
    best: dict[Mode, ClassReport],
    comparisons: dict[str, stats.Comparison],
    differences: list[float | None],
) -> list[str]:
    parts = []
    for mode, r in best.items():
        weak = ", ".join(map(str, r.weak_classes)) or "none"
        parts.append(
            f"the {mode_label(mode).lower()} model's worst class is {r.worst_class} "
            f"({r.worst_class_accuracy:.3f}), spread {r.balance:.4f}, weak classes {weak}"
        )
    lines = [
        "On the holdout " + "; ".join(parts) + " (weak: accuracy below the model's mean "
        "per-class accuracy)."
    ]
    lines += [describe(comparisons[m], title, better) for m, (title, better) in METRICS.items()]
    known = [(k, d) for k, d in enumerate(differences) if d is not None]
    if known:
        k, d = max(known, key=lambda kd: abs(kd[1]))
        lines.append(
            f"The selected models differ most on class {k}: health-aware minus accuracy-only "
            f"accuracy {d:+.3f}."
        )
    return lines


def _comparison_table(comparisons: dict[str, stats.Comparison]) -> ResultTable:
    return ResultTable(
        title="Per-class balance across runs (holdout)",
        columns=COMPARISON_TEST_COLUMNS,
        rows=comparison_rows(comparisons, METRICS),
        note="Spread: standard deviation of a model's per-class accuracies (lower is more "
        "even). Worst-class accuracy: its lowest per-class accuracy.",
    )


def _per_class_table(best: dict[Mode, ClassReport], differences: list[float | None]) -> ResultTable:
    classes = list(range(len(differences)))
    note = "Per-class accuracy is the recall of the class on the holdout."
    if len(classes) > TABLE_MAX_CLASSES:
        classes = sorted(classes, key=lambda k: -abs(differences[k] or 0.0))[:TABLE_MAX_CLASSES]
        classes.sort()
        note += f" The {TABLE_MAX_CLASSES} classes with the largest differences are shown."
    return ResultTable(
        title="Per-class accuracy of the selected models (holdout)",
        columns=["Class", "Accuracy-only", "Health-aware", "Difference"],
        rows=[
            [k, best[A].per_class_accuracy[k], best[B].per_class_accuracy[k], differences[k]]
            for k in classes
        ],
        note=note,
    )


def _heatmap(ax: Any, matrix: np.ndarray, cmap: str, vmin: float, vmax: float) -> Any:
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax)
    n = len(matrix)
    if n <= ANNOTATE_MAX_CLASSES:
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        span = max(abs(vmin), abs(vmax), 1)
        for (i, j), value in np.ndenumerate(matrix):
            strong = abs(value) > 0.6 * span if vmin < 0 else value > 0.6 * vmax
            ax.text(
                j,
                i,
                str(int(value)),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if strong else "black",
            )
    ax.set(xlabel="Predicted class", ylabel="True class")
    return image


def _confusion_figure(
    context: AnalysisContext, best: dict[Mode, ClassReport], confusion: dict[Mode, np.ndarray]
) -> ResultFigure:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
    top = max(int(c.max()) for c in confusion.values())
    for ax, mode in zip(axes, context.modes, strict=True):
        image = _heatmap(ax, confusion[mode], "Blues", 0, top)
        ax.set_title(f"{mode_label(mode)}, run {best[mode].index}", fontsize=10)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="Holdout samples")
    path = save(fig, context.figure_path("per_class_confusion.png"))
    return ResultFigure(
        path=context.relative(path),
        caption="Confusion matrices (counts) of the two selected models on the holdout; rows are "
        "true classes, columns predicted classes, the same colour scale in both.",
    )


def _difference_figure(context: AnalysisContext, difference: np.ndarray) -> ResultFigure:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5.5))
    span = max(int(np.abs(difference).max()), 1)
    image = _heatmap(ax, difference, "RdBu", -span, span)
    ax.set_title("Health-aware minus accuracy-only (counts)", fontsize=10)
    fig.colorbar(image, ax=ax, label="Difference in samples")
    path = save(fig, context.figure_path("per_class_confusion_difference.png"))
    return ResultFigure(
        path=context.relative(path),
        caption="Difference of the selected models' confusion matrices (health-aware minus "
        "accuracy-only): a positive diagonal cell means health-aware gets more of that class "
        "right, a positive off-diagonal cell that it makes that confusion more often.",
    )


def _per_class_figure(context: AnalysisContext, best: dict[Mode, ClassReport]) -> ResultFigure:
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(10, 4))
    classes = np.arange(len(best[A].per_class_accuracy))
    width = 0.4
    for shift, mode in zip((-width / 2, width / 2), context.modes, strict=True):
        r = best[mode]
        values = [v if v is not None else 0.0 for v in r.per_class_accuracy]
        label = f"{mode_label(mode)}, run {r.index}"
        bars = ax.bar(classes + shift, values, width, color=mode_color(mode), label=label)
        for k in r.weak_classes:
            bars[k].set_hatch("//")
        if r.macro_recall is not None:
            ax.axhline(r.macro_recall, color=mode_color(mode), linestyle="--", linewidth=1)
    ax.set(xlabel="Class", ylabel="Accuracy (recall)", ylim=(0, 1.05))
    if len(classes) <= 2 * ANNOTATE_MAX_CLASSES:
        ax.set_xticks(classes)
    ax.set_title("Per-class holdout accuracy of the selected models", fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="gray", linestyle="--", label="model's mean per-class accuracy"),
        Patch(facecolor="white", edgecolor="black", hatch="//", label="weak class"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, fontsize=9)
    path = save(fig, context.figure_path("per_class_accuracy.png"))
    return ResultFigure(
        path=context.relative(path),
        caption="Per-class accuracy of the two selected models; dashed lines are each model's mean "
        "per-class accuracy and hatched bars its weak classes (below that mean).",
    )
