"""pareto_analysis.png: which models are the best trade-offs, and how all compare per metric.

Left: peak validation accuracy against overfitting index; models on the Pareto front are
ringed and joined, dominated ones faded. Right: a models x metrics heatmap normalised per
metric to 0..1 with 1 always the best value (direction from the objectives, else from
`DIRECTIONS`), each cell showing the raw value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from healthopt.analysis.pareto import ParetoPoint
from healthopt.analysis.results import PARETO_DIRECTIONS, AnalysisResults, ParetoAnalysis
from healthopt.plots.analyzer._common import (
    color_of,
    colormap_with_gaps,
    complete_colors,
    finite,
    fmt_count,
    label_points,
    model_label,
    note,
    out_path,
)
from healthopt.plots.analyzer.spectral import IDEAL
from healthopt.plots.style import DPI, figure, save

# Which way is better for each metric the heatmap may show; unknown metrics are not flipped.
DIRECTIONS = {
    **PARETO_DIRECTIONS,
    "mean_alpha": "band",  # best inside the HTSR range 2-6, worse the further outside
}
X_DEFAULT, Y_DEFAULT = "overfitting_index", "peak_val_accuracy"
# Per model, metric -> value (None or NaN where not computed).
Metrics = Mapping[str, Mapping[str, float | None]]
ParetoSource = ParetoAnalysis | Sequence[ParetoPoint]


def _unpack(
    results: AnalysisResults | None, pareto: ParetoSource | None
) -> tuple[list[ParetoPoint], dict[str, str], Metrics]:
    """(points, objectives, metrics) from a ParetoAnalysis, a list of points, or results."""
    if pareto is None and results is not None:
        pareto = results.pareto
    if pareto is None:
        return [], {}, {}
    if not isinstance(pareto, ParetoAnalysis):
        points = list(pareto)
        return points, {}, {p.name: p.values for p in points}
    points = list(pareto.points)
    metrics: Metrics = pareto.metrics or {p.name: p.values for p in points}
    return points, dict(pareto.objectives), metrics


def front_axes(points: list[ParetoPoint], objectives: dict[str, str]) -> tuple[str, str] | None:
    keys: set[str] = set().union(*(p.values for p in points)) if points else set()
    if {X_DEFAULT, Y_DEFAULT} <= keys:
        return X_DEFAULT, Y_DEFAULT
    names = [k for k in objectives if k in keys] or sorted(keys)
    if len(names) < 2:
        return None
    minimise = [k for k in names if objectives.get(k, DIRECTIONS.get(k)) == "min"]
    maximise = [k for k in names if k not in minimise]
    x = (minimise or names)[0]
    y = next(k for k in (maximise + names) if k != x)
    return x, y


def _direction_note(metric: str, objectives: dict[str, str]) -> str:
    direction = objectives.get(metric, DIRECTIONS.get(metric, ""))
    return {
        "max": " (higher is better)",
        "min": " (lower is better)",
        "band": " (best within 2–6)",
    }.get(direction, "")


def _front(
    ax: Any,
    points: list[ParetoPoint],
    objectives: dict[str, str],
    colors: dict[str, str],
    x_metric: str,
    y_metric: str,
) -> None:
    title = "Pareto front"
    rows = []
    for p in points:
        x, y = finite(p.values.get(x_metric)), finite(p.values.get(y_metric))
        if x is not None and y is not None:
            rows.append((p.name, x, y, p.on_front))
    if not rows:
        note(ax, f"No model has both {x_metric} and {y_metric}", title=title)
        return
    for name, x, y, on_front in rows:
        ax.scatter(
            x,
            y,
            s=170 if on_front else 90,
            color=color_of(colors, name),
            alpha=1.0 if on_front else 0.45,
            edgecolor="black" if on_front else "none",
            linewidth=2 if on_front else 0,
            zorder=3,
        )
    front = sorted((x, y) for _, x, y, on_front in rows if on_front)
    if len(front) > 1:
        fx, fy = zip(*front, strict=True)
        ax.plot(fx, fy, "--", color="black", lw=1.5, zorder=2, label="Pareto front")
        ax.legend(fontsize=8, loc="lower right")
    ax.margins(0.2)
    label_points(
        ax,
        [(name, x, y) for name, x, y, _ in rows],
        marks={name: " ★" for name, _, _, on_front in rows if on_front},
    )
    ax.set_xlabel(x_metric.replace("_", " ") + _direction_note(x_metric, objectives))
    ax.set_ylabel(y_metric.replace("_", " ") + _direction_note(y_metric, objectives))
    ax.set_title(title + " (★ = not dominated by any other model)")


def normalised(metrics: Metrics, objectives: Mapping[str, str]):
    """(models, columns, raw, score): score in 0..1 per column, 1 = best, NaN = unknown."""
    models = list(metrics)
    columns = []
    for values in metrics.values():
        for key, value in values.items():
            if key not in columns and finite(value) is not None:
                columns.append(key)
    raw = np.array(
        [
            [
                finite(metrics[m].get(c)) if finite(metrics[m].get(c)) is not None else np.nan
                for c in columns
            ]
            for m in models
        ],
        dtype=float,
    )
    raw = raw.reshape(len(models), len(columns))
    score = np.full_like(raw, np.nan)
    for j, column in enumerate(columns):
        col = raw[:, j]
        ok = np.isfinite(col)
        if not ok.any():
            continue
        direction = objectives.get(column, DIRECTIONS.get(column))
        if direction == "band":
            col = np.maximum(0.0, np.maximum(IDEAL[0] - col, col - IDEAL[1]))
            direction = "min"
        span = np.ptp(col[ok])
        scaled = (col - col[ok].min()) / span if span > 0 else np.where(ok, 1.0, np.nan)
        if span > 0 and direction == "min":
            scaled = 1.0 - scaled
        score[:, j] = scaled
    return models, columns, raw, score


def _cell_text(value: float) -> str:
    if np.isnan(value):
        return "n/a"
    return fmt_count(value) if abs(value) >= 1e3 else f"{value:.3g}"


def _heatmap(
    ax: Any, fig: Any, metrics: Metrics, objectives: dict[str, str], colors: dict[str, str]
) -> None:
    title = "Normalised performance (1 = best of these models)"
    models, columns, raw, score = normalised(metrics, objectives)
    if not columns or not models:
        note(ax, "No metrics to compare", title=title)
        return
    cmap = colormap_with_gaps("RdYlGn", "#dddddd")
    image = ax.imshow(np.ma.masked_invalid(score), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i in range(len(models)):
        for j in range(len(columns)):
            value = raw[i, j]
            text = (
                "n/a"
                if np.isnan(value)
                else fmt_count(value)
                if abs(value) >= 1e3
                else f"{value:.3g}"
            )
            dark = np.isfinite(score[i, j]) and (score[i, j] < 0.2 or score[i, j] > 0.8)
            ax.text(
                j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black"
            )
    arrows = {"max": "↑", "min": "↓", "band": "(2–6 best)"}
    labels = [
        f"{c.replace('_', ' ')} {arrows.get(objectives.get(c, DIRECTIONS.get(c, '')), '')}"
        for c in columns
    ]
    ax.set_xticks(np.arange(len(columns)), labels, rotation=30, ha="right")
    ax.set_yticks(np.arange(len(models)), [model_label(m) for m in models])
    for label, model in zip(ax.get_yticklabels(), models, strict=True):
        label.set_color(color_of(colors, model))
    ax.grid(False)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01, label="normalised score")


def draw(
    results: AnalysisResults | None,
    pareto: ParetoSource | None,
    colors: dict[str, str],
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
    x_metric: str | None = None,
    y_metric: str | None = None,
) -> Path | None:
    """Write pareto_analysis.png from a ParetoAnalysis (or list of ParetoPoints, or
    `results.pareto` when `pareto` is None); None when there is nothing to compare."""
    points, objectives, metrics = _unpack(results, pareto)
    if not points and not metrics:
        return None
    chosen = (x_metric, y_metric) if x_metric and y_metric else front_axes(points, objectives)
    height = max(6.0, 1.2 + 0.45 * len(metrics))
    colors = complete_colors(colors, [*metrics, *(p.name for p in points)])
    fig, axes = figure(1, 2, size=(16, height), title="Pareto analysis")
    if chosen is None:
        note(axes[0, 0], "Fewer than two objectives: no trade-off to show", title="Pareto front")
    else:
        _front(axes[0, 0], points, objectives, colors, *chosen)
    _heatmap(axes[0, 1], fig, metrics, objectives, colors)
    return save(fig, out_path(out_dir, "pareto_analysis", save_format), dpi=dpi)
