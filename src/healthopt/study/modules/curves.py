"""Per-model measurements shared by the robustness, distribution-shift and transfer modules.

All three evaluate every completed model of both modes, compare the modes across runs and draw
the same two kinds of figure (accuracy over a corruption's levels; one bar per model), so they
measure, word and draw their findings here, one way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from healthopt.data.corruptions import Corruption
from healthopt.records import Mode, Record
from healthopt.records.study import Cell
from healthopt.study import stats
from healthopt.study.context import AnalysisContext, ModelUnderTest
from healthopt.study.figures import mode_color, mode_label, save

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Keyed by matplotlib's Literal of rc names so rc_context accepts it; matplotlib itself is
# imported only where a figure is drawn.
FONT: dict[RcKeyType, Any] = {"font.size": 10, "axes.titlesize": 11, "legend.fontsize": 9}


class LevelCurveRecord(Record):
    """A LevelCurve as a module's data writes it."""

    title: str
    parameter: str
    identity: float
    values: list[float]
    accuracy: dict[str, list[float]]  # model key -> accuracy at each value


@dataclass(frozen=True)
class LevelCurve:
    """Holdout accuracy of every model at each parameter value of one corruption or shift."""

    corruption: Corruption
    values: tuple[float, ...]  # ascending
    accuracy: dict[str, tuple[float, ...]]  # model key -> accuracy at each value

    @property
    def identity_index(self) -> int:
        return self.values.index(self.corruption.identity)

    def of(self, mut: ModelUnderTest) -> tuple[float, ...]:
        return self.accuracy[mut.key]

    def record(self) -> LevelCurveRecord:
        return LevelCurveRecord(
            title=self.corruption.title,
            parameter=self.corruption.parameter,
            identity=float(self.corruption.identity),
            values=[float(v) for v in self.values],
            accuracy={key: list(acc) for key, acc in self.accuracy.items()},
        )


def all_models(context: AnalysisContext) -> list[ModelUnderTest]:
    """Every completed run's model, accuracy-only first, each mode in run-index order."""
    return [m for mode in context.modes for m in context.models[mode]]


def evaluate_levels(context: AnalysisContext, corruption: Corruption) -> LevelCurve:
    """Accuracy of every model on the holdout at each level (one corrupted copy per level).

    The identity level reuses the clean holdout predictions, so level 0 is the clean accuracy
    exactly; every level uses the study's seed, so reruns corrupt the same pixels and tokens.
    """
    holdout = context.dataset.holdout
    models = all_models(context)
    values = tuple(sorted({float(v) for v in corruption.levels}))
    accuracy: dict[str, list[float]] = {m.key: [] for m in models}
    for value in values:
        if value == corruption.identity:
            x, key = holdout.x, "holdout"
        else:
            x = corruption.apply(holdout.x, value, seed=context.seed)
            key = f"holdout/{corruption.name}/{value:g}"
        for mut in models:
            accuracy[mut.key].append(context.accuracy(mut, x, holdout.y, key))
    return LevelCurve(corruption, values, {k: tuple(v) for k, v in accuracy.items()})


def in_sentence(title: str) -> str:
    """A title inside a sentence: lower-case, except acronyms and names ("JPEG", "Gaussian")."""
    first = title.split()[0]
    return title if first.isupper() or first == "Gaussian" else title[0].lower() + title[1:]


def measured_sentence(context: AnalysisContext, curves: list[LevelCurve]) -> str:
    """What was measured: the holdout size, the corruptions and how many models per mode."""
    titles = [in_sentence(c.corruption.title) for c in curves]
    names = ", ".join(titles[:-1]) + f" and {titles[-1]}" if len(titles) > 1 else titles[0]
    counts = " and ".join(
        f"{len(context.models[mode])} {mode_label(mode).lower()}" for mode in context.modes
    )
    return (
        f"Holdout accuracy ({len(context.dataset.holdout.y)} samples) was measured at every "
        f"level of {names}, for {counts} models."
    )


def by_title(
    curves: list[LevelCurve], comparisons: dict[str, stats.Comparison | None]
) -> dict[str, stats.Comparison | None]:
    """Comparisons keyed by corruption name, re-keyed by their title (for sentences, tables)."""
    titles = {c.corruption.name: c.corruption.title for c in curves}
    return {titles[name]: comparison for name, comparison in comparisons.items()}


def compare_modes(
    context: AnalysisContext, metric: str, values: dict[str, float | None]
) -> stats.Comparison | None:
    """Health-aware versus accuracy-only on one per-model value (keyed by model key).

    Models without a value are left out, which also drops the design to unpaired; None when a
    mode has no value at all."""
    samples = [[values[m.key] for m in context.models[mode]] for mode in context.modes]
    kept = [[v for v in sample if v is not None] for sample in samples]
    if not all(kept):
        return None
    complete = all(len(k) == len(s) for k, s in zip(kept, samples, strict=True))
    return stats.compare(metric, kept[0], kept[1], paired=context.paired and complete)


def comparison_row(label: str, comparison: stats.Comparison | None) -> list[Cell]:
    """A table row: label, mean per mode, difference (health-aware minus accuracy-only), p."""
    if comparison is None:
        return [label, None, None, None, None]
    return [
        label,
        comparison.a.mean,
        comparison.b.mean,
        comparison.difference,
        comparison.primary.p_value,
    ]


COMPARISON_COLUMNS = ["Metric", "Accuracy-only", "Health-aware", "Difference", "p"]


def curves_figure(
    context: AnalysisContext,
    curves: list[LevelCurve],
    name: str,
    title: str,
    mark_identity: bool = False,
) -> str:
    """One panel per corruption: each mode's mean accuracy over its runs with a min-max band.
    Returns the figure's path relative to analysis_results/."""
    import matplotlib.pyplot as plt

    columns = 2 if len(curves) == 4 else min(len(curves), 3)
    rows = math.ceil(len(curves) / columns)
    with plt.rc_context(FONT):
        fig, axes = plt.subplots(
            rows, columns, figsize=(10, 3.6 * rows + 0.4), squeeze=False, sharey=True
        )
        for ax, curve in zip(axes.flat, curves, strict=False):
            _curve_panel(ax, context, curve, mark_identity)
        for ax in axes.flat[len(curves) :]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel("Holdout accuracy")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.suptitle(title)
        fig.tight_layout(rect=(0, 0.07 / rows, 1, 1))
        fig.legend(handles, labels, loc="lower center", ncol=len(handles), frameon=False)
        path = save(fig, context.figure_path(name))
    return context.relative(path)


def _curve_panel(ax: Any, context: AnalysisContext, curve: LevelCurve, mark: bool) -> None:
    x = np.asarray(curve.values)
    for mode in context.modes:
        runs = np.asarray([curve.of(m) for m in context.models[mode]])
        color = mode_color(mode)
        label = f"{mode_label(mode)}: mean of {len(runs)} runs, band min to max"
        ax.plot(x, runs.mean(axis=0), marker="o", color=color, label=label)
        ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=color, alpha=0.2)
    if mark:
        ax.axvline(curve.corruption.identity, color="grey", linestyle=":", label="unshifted")
    ax.set_title(curve.corruption.title)
    ax.set_xlabel(curve.corruption.parameter)
    ax.set_ylim(0.0, 1.02)
    ax.grid(alpha=0.3)


def model_bars(
    ax: Any, context: AnalysisContext, values: dict[str, float | None], ylabel: str, title: str
) -> list[Any]:
    """One labelled bar per model grouped by mode, each mode's mean as a black dashed line and
    its selected model hatched; returns the legend handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    position = 0.0
    ticks: list[float] = []
    labels: list[str] = []
    for mode in context.modes:
        color = mode_color(mode)
        start = position
        shown = []
        best = context.best[mode]
        for mut in context.models[mode]:
            value = values[mut.key]
            selected = best is not None and mut.key == best.key
            if value is not None:
                edge = "black" if selected else color
                ax.bar(
                    position, value, color=color, edgecolor=edge, hatch="//" if selected else None
                )
                ax.annotate(
                    f"{value:.3f}",
                    (position, value),
                    xytext=(0, 3 if value >= 0 else -3),
                    textcoords="offset points",
                    ha="center",
                    va="bottom" if value >= 0 else "top",
                    fontsize=9,
                    zorder=4,
                    # readable where the dashed mean line crosses the label
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.8},
                )
                shown.append(value)
            ticks.append(position)
            labels.append(f"run {mut.index}")
            position += 1.0
        if shown:
            mean = float(np.mean(shown))
            ax.hlines(
                mean, start - 0.45, position - 0.55, colors="black", linestyles="--", zorder=3
            )
        position += 0.8  # gap between the modes
    ax.set_xticks(ticks, labels, rotation=45 if len(ticks) > 10 else 0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.margins(y=0.12)
    ax.grid(axis="y", alpha=0.3)
    handles: list[Any] = [Patch(color=mode_color(m), label=mode_label(m)) for m in context.modes]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="//", label="selected model"))
    handles.append(Line2D([], [], color="black", linestyle="--", label="mode mean"))
    return handles


def bars_figure(
    context: AnalysisContext,
    panels: list[tuple[dict[str, float | None], str, str]],
    name: str,
    title: str,
) -> str:
    """Side-by-side `model_bars` panels of (values, ylabel, title) with one legend below;
    returns the figure's path relative to analysis_results/."""
    import matplotlib.pyplot as plt

    with plt.rc_context(FONT):
        fig, axes = plt.subplots(1, len(panels), figsize=(10, 4.4), squeeze=False)
        handles: list[Any] = []
        for ax, (values, ylabel, panel_title) in zip(axes.flat, panels, strict=True):
            handles = model_bars(ax, context, values, ylabel, panel_title)
        fig.suptitle(title)
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
        path = save(fig, context.figure_path(name))
    return context.relative(path)


def selected_models(context: AnalysisContext) -> dict[Mode, str | None]:
    """Each mode's selected model key, for `data`."""
    return {mode: (m.key if m is not None else None) for mode, m in context.best.items()}


def significance_sentence(comparisons: dict[str, stats.Comparison | None], what: str) -> str:
    """Which of several comparisons (one per corruption, shift...) are significant, or the
    smallest p when none is."""
    tested = {name: c for name, c in comparisons.items() if c is not None}
    significant = [
        f"{name} ({c.difference:+.3f}, p = {c.primary.p_value:.3g})"
        for name, c in tested.items()
        if c.significant
    ]
    if significant:
        return f"Significant {what} differences (health-aware minus accuracy-only): " + (
            ", ".join(significant) + "."
        )
    ps = [(c.primary.p_value, name) for name, c in tested.items() if c.primary.p_value is not None]
    if not ps:
        return f"No {what} difference could be tested (too few runs)."
    p, name = min(ps)
    return f"No {what} difference is significant (smallest p = {p:.3g}, {name})."
