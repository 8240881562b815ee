"""weight_learning_journey.png: weight magnitude through the depth of each model, and health.

Top: the L2 norm of each weight tensor against its layer index (a steady climb or collapse
with depth hints at exploding or vanishing signals). Bottom: a models x layers heatmap of
the 0..1 health score; a model with more weight layers than `max_layers` shows an evenly
spread selection (first and last always kept), each cell naming its layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from healthopt.plots.analyzer._common import (
    axis_legend,
    chars_per_cell,
    color_of,
    colormap_with_gaps,
    complete_colors,
    figure_legend,
    finite,
    model_label,
    model_names,
    model_tick_colors,
    note,
    out_path,
    pick_evenly,
    plain_log_ticks,
    short,
    skipped_footnote,
)
from healthopt.plots.style import DPI, figure, save

if TYPE_CHECKING:
    from healthopt.analysis.results import AnalysisResults
    from healthopt.analysis.weights import LayerWeightStats


def ordered_layers(stats: list[LayerWeightStats]) -> list[LayerWeightStats]:
    """Weight tensors in model order (a recurrent kernel right after its layer's kernel)."""
    return sorted(stats, key=lambda s: (s.layer_index, s.role != "kernel"))


def _norms(ax: Any, weights: dict[str, list[LayerWeightStats]], colors: dict[str, str]) -> None:
    title = "Weight L2 norm per layer"
    drawn = recurrent = False
    for model, stats in weights.items():
        points = [
            (s.layer_index, v, s.role == "recurrent_kernel")
            for s in ordered_layers(stats)
            if (v := finite(s.l2_norm)) is not None and v > 0
        ]
        if not points:
            continue
        xs, ys, is_recurrent = (np.array(v) for v in zip(*points, strict=True))
        color = color_of(colors, model)
        ax.plot(xs, ys, "o-", color=color, lw=2, ms=6, label=model_label(model))
        if is_recurrent.any():  # shares its layer index with the kernel: mark it apart
            ax.scatter(
                xs[is_recurrent],
                ys[is_recurrent],
                s=60,
                marker="s",
                color="white",
                edgecolor=color,
                linewidth=2,
                zorder=3,
            )
            recurrent = True
        drawn = True
    if recurrent:
        ax.scatter(
            [],
            [],
            s=60,
            marker="s",
            color="white",
            edgecolor="black",
            linewidth=2,
            label="recurrent kernel",
        )
    if not drawn:
        note(ax, "No finite weight norms", title=title)
        return
    ys = np.concatenate([np.asarray(line.get_ydata(), float) for line in ax.get_lines()])
    if ys.max() / ys.min() > 50:
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer index in model")
    ax.set_ylabel("‖W‖₂ (Frobenius)")
    ax.set_title(title + " (watch for steady growth or collapse with depth)")
    axis_legend(ax, list(weights))


def health_grid(weights: dict[str, list[LayerWeightStats]], max_layers: int):
    """(models, values[model, slot], labels[model][slot]) for the heatmap; NaN = no layer."""
    models = list(weights)
    chosen = {m: pick_evenly(ordered_layers(weights[m]), max_layers) for m in models}
    width = max((len(v) for v in chosen.values()), default=0)
    values = np.full((len(models), width), np.nan)
    labels = [["" for _ in range(width)] for _ in models]
    for i, model in enumerate(models):
        for j, stats in enumerate(chosen[model]):
            score = finite(stats.health_score)
            values[i, j] = np.nan if score is None else score
            labels[i][j] = stats.name
    return models, values, labels


def _heatmap(
    ax: Any,
    fig: Any,
    weights: dict[str, list[LayerWeightStats]],
    colors: dict[str, str],
    max_layers: int,
) -> None:
    title = "Layer health score (1 = healthy)"
    models, values, labels = health_grid(weights, max_layers)
    if values.size == 0:
        note(ax, "No weight layers", title=title)
        return
    masked = np.ma.masked_invalid(values)
    cmap = colormap_with_gaps("RdYlGn", "#dddddd")
    image = ax.imshow(masked, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    fontsize = 8 if values.shape[1] <= 8 else 7
    name_width = chars_per_cell(ax, values.shape[1], fontsize)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if not labels[i][j]:
                continue
            score = "n/a" if np.isnan(values[i, j]) else f"{values[i, j]:.2f}"
            dark = not np.isnan(values[i, j]) and (values[i, j] < 0.25 or values[i, j] > 0.85)
            ax.text(
                j,
                i,
                f"{score}\n{short(labels[i][j], name_width)}",
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if dark else "black",
            )
    ax.set_yticks(np.arange(len(models)), [model_label(m) for m in models])
    model_tick_colors(ax, models, colors, axis="y")
    ax.set_xticks(np.arange(values.shape[1]), [str(j + 1) for j in range(values.shape[1])])
    longest = max(len(weights[m]) for m in models)
    sampled = f" (evenly sampled from up to {longest})" if longest > values.shape[1] else ""
    ax.set_xlabel(f"weight layer, in model order{sampled}")
    ax.grid(False)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="health score", fraction=0.03, pad=0.01)


def draw(
    results: AnalysisResults,
    colors: dict[str, str],
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
    max_layers: int = 12,
) -> Path | None:
    """Write weight_learning_journey.png; None when no model has weight statistics."""
    weights = {m: list(results.weights[m]) for m in model_names(results) if results.weights.get(m)}
    if not weights:
        return None
    height = 5.0 + max(2.5, 0.55 * len(weights) + 1.0)
    colors = complete_colors(colors, model_names(results))
    fig, axes = figure(2, 1, size=(14, height), title="Weight learning journey")
    axes = np.ravel(axes)
    _norms(axes[0], weights, colors)
    _heatmap(axes[1], fig, weights, colors, max_layers)
    figure_legend(fig, list(weights), colors)
    skipped_footnote(fig, results, ("weights",))
    return save(fig, out_path(out_dir, "weight_learning_journey", save_format), dpi=dpi)
