"""information_flow_analysis.png: how activations travel through each model on real data.

Activation mean ± std per layer (vanishing or exploding signals), effective rank against the
most the layer could have (bottlenecks), a models x layers heatmap of dead and saturated
units, and the per-layer specialization score. A model with more than `max_layers` analysed
layers shows an evenly spread selection, first and last always kept.
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
    from healthopt.analysis.information_flow import LayerFlow
    from healthopt.analysis.results import AnalysisResults


def selected_flows(results: AnalysisResults, max_layers: int) -> dict[str, list[LayerFlow]]:
    """Per model, at most max_layers LayerFlows in model order (empty models dropped)."""
    out = {}
    for model in model_names(results):
        layers = sorted(results.information_flow.get(model) or [], key=lambda f: f.layer_index)
        if layers:
            out[model] = pick_evenly(layers, max_layers)
    return out


def _series(layers: list[Any], field: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for flow in layers:
        value = finite(getattr(flow, field))
        if value is not None:
            xs.append(flow.layer_index)
            ys.append(value)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def _layer_axis(ax: Any, data: dict[str, list[LayerFlow]]) -> None:
    """One model: name the layers on the axis; several: their indices (names differ)."""
    if len(data) == 1:
        layers = next(iter(data.values()))
        ax.set_xticks(
            [f.layer_index for f in layers],
            [short(f.name, 14) for f in layers],
            rotation=35,
            ha="right",
            fontsize=8,
        )
        ax.set_xlabel("layer")
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("layer index in model")


def _activation(ax: Any, data: dict[str, list[LayerFlow]], colors: dict[str, str]) -> bool:
    drawn = False
    for model, layers in data.items():
        xs, means = _series(layers, "mean")
        xs_std, stds = _series(layers, "std")
        if not xs.size:
            continue
        color = color_of(colors, model)
        ax.plot(xs, means, "o-", color=color, lw=2, label=model_label(model))
        if xs_std.size == xs.size and np.array_equal(xs, xs_std):
            ax.fill_between(xs, means - stds, means + stds, color=color, alpha=0.15)
        drawn = True
    if drawn:
        ax.axhline(0, color="black", lw=0.8)
        ax.set_ylabel("activation mean (band: ± std)")
        axis_legend(ax, list(data))
        _layer_axis(ax, data)
    return drawn


def _rank(ax: Any, data: dict[str, list[LayerFlow]], colors: dict[str, str]) -> bool:
    drawn = False
    for model, layers in data.items():
        xs, ranks = _series(layers, "effective_rank")
        if not xs.size:
            continue
        color = color_of(colors, model)
        ax.plot(xs, ranks, "o-", color=color, lw=2, label=model_label(model))
        xs_max, max_ranks = _series(layers, "max_rank")
        if xs_max.size:
            ax.plot(xs_max, max_ranks, ":", color=color, lw=1.5, alpha=0.8)
        drawn = True
    if drawn:
        ys = np.concatenate([line.get_ydata() for line in ax.get_lines()])
        ys = ys[ys > 0]
        if ys.size and ys.max() / ys.min() > 10:
            ax.set_yscale("log")
            plain_log_ticks(ax.yaxis)
        ax.plot([], [], ":", color="black", label="max possible rank")
        ax.set_ylabel("effective rank")
        axis_legend(ax, list(data))
        _layer_axis(ax, data)
    return drawn


def _health(ax: Any, fig: Any, data: dict[str, list[LayerFlow]], colors: dict[str, str]) -> bool:
    models = list(data)
    width = max(len(v) for v in data.values())
    values = np.full((len(models), width), np.nan)
    for i, model in enumerate(models):
        for j, flow in enumerate(data[model]):
            found = [finite(flow.dead_fraction), finite(flow.saturated_fraction)]
            parts = [p for p in found if p is not None]
            if parts:
                values[i, j] = max(parts)
    if np.all(np.isnan(values)):
        return False
    cmap = colormap_with_gaps("Reds", "#eeeeee")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    name_width = chars_per_cell(ax, width, 7)
    for i, model in enumerate(models):
        for j, flow in enumerate(data[model]):
            dead = finite(flow.dead_fraction)
            sat = finite(flow.saturated_fraction)
            text = f"dead {_pct(dead)}\nsat {_pct(sat)}\n{short(flow.name, name_width)}"
            dark = not np.isnan(values[i, j]) and values[i, j] > 0.6
            ax.text(
                j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black"
            )
    ax.set_yticks(np.arange(len(models)), [model_label(m) for m in models])
    model_tick_colors(ax, models, colors, axis="y")
    ax.set_xticks(np.arange(width), [str(j + 1) for j in range(width)])
    ax.set_xlabel("analysed layer, in model order")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="worst of dead / saturated fraction", fraction=0.04, pad=0.01)
    return True


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _specialization(ax: Any, data: dict[str, list[LayerFlow]], colors: dict[str, str]) -> bool:
    drawn = False
    for model, layers in data.items():
        xs, scores = _series(layers, "specialization_score")
        if xs.size:
            ax.plot(xs, scores, "o-", color=color_of(colors, model), lw=2, label=model_label(model))
            drawn = True
    if drawn:
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("specialization score (higher: diverse, healthy features)")
        axis_legend(ax, list(data))
        _layer_axis(ax, data)
    return drawn


def draw(
    results: AnalysisResults,
    colors: dict[str, str],
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
    max_layers: int = 8,
) -> Path | None:
    """Write information_flow_analysis.png; None when no model has information-flow results."""
    data = selected_flows(results, max_layers)
    if not data:
        return None
    colors = complete_colors(colors, model_names(results))
    fig, axes = figure(
        2, 2, size=(16, 10.5 + 0.3 * max(0, len(data) - 3)), title="Information flow analysis"
    )
    panels = (
        (axes[0, 0], "Activation flow overview", lambda ax: _activation(ax, data, colors)),
        (axes[0, 1], "Effective rank evolution", lambda ax: _rank(ax, data, colors)),
        (
            axes[1, 0],
            "Activation health (dead / saturated units)",
            lambda ax: _health(ax, fig, data, colors),
        ),
        (axes[1, 1], "Layer specialization", lambda ax: _specialization(ax, data, colors)),
    )
    for ax, title, draw_panel in panels:
        if draw_panel(ax):
            ax.set_title(title)
        else:
            note(ax, "No values computed for these layers", title=title)
    figure_legend(fig, list(data), colors)
    skipped_footnote(fig, results, ("information_flow",))
    return save(fig, out_path(out_dir, "information_flow_analysis", save_format), dpi=dpi)
