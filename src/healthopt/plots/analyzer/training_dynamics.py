"""training_dynamics.png: how each model learned, from its Keras history.

Loss and accuracy curves (smoothed per the analysis config, raw curve faint behind), the
overfitting gap (validation minus training loss) per epoch, each model's best epoch, and a
table of the TrainingDynamics metrics. Epochs are numbered from 0, as in `analysis.dynamics`
and observer.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from healthopt.plots.analyzer._common import (
    MANY_MODELS,
    axis_legend,
    color_of,
    complete_colors,
    draw_table,
    figure_legend,
    finite,
    fmt,
    label_points,
    model_label,
    model_names,
    note,
    out_path,
    plain_log_ticks,
    skipped_footnote,
)
from healthopt.plots.style import DPI, figure, save

if TYPE_CHECKING:
    from healthopt.analysis.dynamics import TrainingDynamics
    from healthopt.analysis.results import AnalysisResults

CURVES = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")


def model_curves(
    results: AnalysisResults, model: str, smoothed: bool | None
) -> dict[str, np.ndarray]:
    """The model's history curves by name ({} without a history)."""
    curves = results.curves(model, smoothed=smoothed)
    if curves is None:
        return {}
    out = {}
    for name in CURVES:
        values = getattr(curves, name)
        if values is not None and len(values):
            out[name] = np.asarray(values, dtype=float)
    return out


def _style_legend(ax: Any, models: list[str], colors: dict[str, str]) -> None:
    handles = [
        Line2D([], [], color=color_of(colors, m), lw=2, label=model_label(m)) for m in models
    ]
    handles += [
        Line2D([], [], color="black", ls="-", label="train"),
        Line2D([], [], color="black", ls="--", label="validation"),
    ]
    if len(models) > MANY_MODELS:
        handles = handles[len(models) :]  # the figure legend names the models
    ax.legend(handles=handles, fontsize=8, loc="best")


def _curves(ax: Any, data: dict, raw: dict, colors: dict[str, str], metric: str) -> bool:
    drawn = []
    for model, curves in data.items():
        color = color_of(colors, model)
        for split, style in (("train", "-"), ("val", "--")):
            values = curves.get(f"{split}_{metric}")
            if values is None:
                continue
            epochs = np.arange(len(values))
            raw_values = raw.get(model, {}).get(f"{split}_{metric}")
            if raw_values is not None and not np.array_equal(raw_values, values):
                ax.plot(np.arange(len(raw_values)), raw_values, style, color=color, alpha=0.2, lw=1)
            ax.plot(epochs, values, style, color=color, lw=2)
            if model not in drawn:
                drawn.append(model)
    if not drawn:
        return False
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if metric == "loss" and _spans_decades(ax):
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
    _style_legend(ax, drawn, colors)
    return True


def _spans_decades(ax: Any) -> bool:
    ys = np.concatenate([line.get_ydata() for line in ax.get_lines()] or [np.empty(0)])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    return bool(ys.size) and ys.max() / ys.min() > 100


def _gap(ax: Any, data: dict, colors: dict[str, str]) -> bool:
    drawn = False
    for model, curves in data.items():
        train, val = curves.get("train_loss"), curves.get("val_loss")
        if train is None or val is None:
            continue
        n = min(len(train), len(val))
        gap = val[:n] - train[:n]
        ax.plot(
            np.arange(n), gap, "-", color=color_of(colors, model), lw=2, label=model_label(model)
        )
        drawn = True
    if not drawn:
        return False
    ax.axhline(0, color="black", lw=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("val loss − train loss  (> 0: overfitting)")
    axis_legend(ax, list(data), loc="lower right")
    return True


def _best_epoch(ax: Any, dynamics: dict[str, TrainingDynamics], colors: dict[str, str]) -> bool:
    points = []
    for model, dyn in dynamics.items():
        acc = finite(dyn.peak_val_accuracy)
        epoch = finite(dyn.peak_epoch)
        if acc is not None and epoch is not None:
            points.append((model, epoch, acc))
    if not points:
        return False
    for model, epoch, acc in points:
        ax.scatter(epoch, acc, s=140, color=color_of(colors, model), edgecolor="black", zorder=3)
    ax.margins(x=0.3, y=0.3)
    label_points(
        ax, points, texts={m: f"{model_label(m)}: {a:.3f} @ {e:.0f}" for m, e, a in points}
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch of peak validation accuracy")
    ax.set_ylabel("peak validation accuracy")
    return True


TABLE_COLUMNS = (
    ("Epochs", "epochs", ".0f"),
    ("Epochs to conv.", "epochs_to_convergence", ".0f"),
    ("Overfit idx", "overfitting_index", "+.3f"),
    ("Acc gap", "accuracy_gap", "+.3f"),
    ("Val loss std", "val_loss_std", ".4f"),
    ("Peak val acc", "peak_val_accuracy", ".3f"),
    ("Peak epoch", "peak_epoch", ".0f"),
    ("Final gap", "final_gap", "+.3f"),
)


def table_value(dyn: TrainingDynamics, name: str) -> float | None:
    """The TrainingDynamics field a TABLE_COLUMNS entry names."""
    value = getattr(dyn, name)
    return None if value is None else float(value)


def _table(ax: Any, dynamics: dict[str, TrainingDynamics], colors: dict[str, str]) -> None:
    ax.set_title("Training metrics")
    names = list(dynamics)
    rows = [
        [model_label(m)] + [fmt(table_value(dynamics[m], f), spec) for _, f, spec in TABLE_COLUMNS]
        for m in names
    ]
    draw_table(
        ax,
        ["Model"] + [c for c, _, _ in TABLE_COLUMNS],
        rows,
        [color_of(colors, m) for m in names],
        "Epochs to conv.: epochs until within 95% of peak val accuracy (or of the val loss drop)."
        "\nOverfit idx / acc gap: mean val − train loss / train − val accuracy over the last"
        " third; final gap: at the last epoch."
        "\nVal loss std: std of val loss over the last epochs (lower is steadier). Epochs from 0.",
    )


def draw(
    results: AnalysisResults,
    colors: dict[str, str],
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
) -> Path | None:
    """Write training_dynamics.png; None when no model has a history or dynamics."""
    names = model_names(results)
    data = {m: c for m in names if (c := model_curves(results, m, None))}
    raw = {m: model_curves(results, m, False) for m in data}
    found = results.training_dynamics
    dynamics = {m: found[m] for m in names if found.get(m) is not None}
    if not data and not dynamics:
        return None
    colors = complete_colors(colors, model_names(results))
    fig, axes = figure(2, 3, size=(18, 10.5), title="Training dynamics")
    grid = axes[1, 1].get_gridspec()
    axes[1, 1].remove()
    axes[1, 2].remove()
    table_ax = fig.add_subplot(grid[1, 1:])
    panels = (
        (axes[0, 0], "Loss curves", lambda ax: _curves(ax, data, raw, colors, "loss")),
        (axes[0, 1], "Accuracy curves", lambda ax: _curves(ax, data, raw, colors, "accuracy")),
        (axes[0, 2], "Overfitting gap", lambda ax: _gap(ax, data, colors)),
        (axes[1, 0], "Best epoch performance", lambda ax: _best_epoch(ax, dynamics, colors)),
    )
    for ax, title, draw_panel in panels:
        if draw_panel(ax):
            ax.set_title(title)
        else:
            note(ax, "Not in the training histories given", title=title)
    if dynamics:
        _table(table_ax, dynamics, colors)
    else:
        note(table_ax, "Training dynamics not analysed", title="Training metrics")
    figure_legend(fig, list(dict.fromkeys([*data, *dynamics])), colors)
    skipped_footnote(fig, results, ("training_dynamics",))
    return save(fig, out_path(out_dir, "training_dynamics", save_format), dpi=dpi)
