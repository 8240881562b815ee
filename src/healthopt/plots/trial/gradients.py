"""Gradient flow: each weighted layer's gradient norm per epoch, against the health bands."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np

from healthopt.health.metrics import EXPLODING_GRADIENT, VANISHING_GRADIENT
from healthopt.plots import style
from healthopt.plots.trial.common import epoch_numbers, layer_series, require, short, thin_ticks
from healthopt.plots.trial.sources import MissingInput, TrialData

_MAX_LEGEND_EPOCHS = 8
_CMAP_TOP = 0.8  # plasma's last fifth is too pale to read on white


def _sci(value: float) -> str:
    """1e-07 -> "1e-7": the short form a reader expects on a legend."""
    return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def gradient_flow(data: TrialData, path: Path, dpi: int) -> Path:
    """Per-layer gradient norm (log scale) with one line per epoch.

    The vanishing (< 1e-7) and exploding (> 1e3) bands are the ones the gradient-health
    component uses; a zero gradient sits on the floor and a non-finite one on the ceiling,
    both marked, since a log axis cannot show them.
    """
    epochs = data.epochs()
    weighted = [
        (name, entries)
        for name, entries in layer_series(epochs)
        if any(e is not None and (e.num_parameters or 0) > 0 for e in entries)
    ]
    require(weighted, "observer.json has no per-layer gradient norms")
    # A layer the observer measured: a norm, or a flag saying its gradient was not finite.
    measured = [
        (name, entries)
        for name, entries in weighted
        if any(
            e is not None and (e.gradient_norm is not None or e.gradient_finite is not None)
            for e in entries
        )
    ]
    names = [name for name, _ in measured]
    norms = [[None if e is None else e.gradient_norm for e in entries] for _, entries in measured]
    broken = [
        [e is not None and e.gradient_finite is False for e in entries] for _, entries in measured
    ]
    if not names:
        raise MissingInput("observer.json records no gradient norm value for any layer")
    matrix = np.array([[math.nan if v is None else v for v in row] for row in norms]).T
    nonfinite = np.array(broken).T
    positive = matrix[np.isfinite(matrix) & (matrix > 0)]
    if not (np.isfinite(matrix).any() or nonfinite.any()):
        raise MissingInput("observer.json records no gradient norm value for any layer")
    low = (
        min(VANISHING_GRADIENT / 10, positive.min() / 10)
        if positive.size
        else VANISHING_GRADIENT / 10
    )
    high = (
        max(EXPLODING_GRADIENT * 10, positive.max() * 10)
        if positive.size
        else EXPLODING_GRADIENT * 10
    )

    numbers = epoch_numbers(epochs)
    x = np.arange(len(names))
    fig, ax = style.figure(
        size=(min(16.0, max(7.5, 0.5 * len(names) + 4)), 5.4),
        title="Gradient flow (per-layer gradient norm)",
    )
    ax.axhspan(
        low,
        VANISHING_GRADIENT,
        color=style.PALETTE[5],
        alpha=0.2,
        label=f"vanishing (< {_sci(VANISHING_GRADIENT)})",
    )
    ax.axhspan(
        EXPLODING_GRADIENT,
        high,
        color=style.BAD,
        alpha=0.12,
        label=f"exploding (> {_sci(EXPLODING_GRADIENT)})",
    )
    cmap = matplotlib.colormaps["plasma"]
    many = len(numbers) > _MAX_LEGEND_EPOCHS
    for i, epoch in enumerate(numbers):
        color = cmap(_CMAP_TOP * i / max(1, len(numbers) - 1))
        row = matrix[i]
        shown = np.where(np.isfinite(row) & (row > 0), row, np.nan)
        ax.plot(
            x,
            shown,
            marker="o",
            ms=4,
            lw=1.2,
            color=color,
            label=None if many else f"epoch {epoch}",
        )
        zero = np.isfinite(row) & (row <= 0)
        if zero.any():
            ax.scatter(
                x[zero], np.full(zero.sum(), low * 1.5), marker="v", color=color, s=40, zorder=3
            )
        if nonfinite[i].any():
            ax.scatter(
                x[nonfinite[i]],
                np.full(nonfinite[i].sum(), high / 1.5),
                marker="x",
                color=style.BAD,
                s=50,
                zorder=3,
            )
    if many:
        top = matplotlib.colors.Normalize(numbers[0], numbers[-1])
        truncated = matplotlib.colors.ListedColormap(cmap(np.linspace(0, _CMAP_TOP, 256)))
        mappable = matplotlib.cm.ScalarMappable(cmap=truncated, norm=top)
        fig.colorbar(mappable, ax=ax, fraction=0.04, pad=0.02).set_label("epoch")
    if (np.isfinite(matrix) & (matrix <= 0)).any():
        ax.scatter([], [], marker="v", color="#555555", label="zero gradient")
    if nonfinite.any():
        ax.scatter([], [], marker="x", color=style.BAD, label="non-finite gradient")
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ax.set_xlim(-0.5, len(names) - 0.5)
    thin_ticks(ax, x, [short(n) for n in names])
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel("gradient L2 norm")
    # Above the plot: beside it the legend would collide with the epoch colour bar.
    legend_entries = len(ax.get_legend_handles_labels()[0])
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(legend_entries, 5))
    return style.save(fig, path, dpi, crop=False)
