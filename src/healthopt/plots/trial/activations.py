"""What the layers emit: conv feature maps of one sample, and activation statistics per epoch."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np

from healthopt.plots import style
from healthopt.plots.inputs import FeatureMap
from healthopt.plots.trial.common import (
    epoch_numbers,
    heatmap,
    heatmap_size,
    layer_matrix,
    panels,
    require,
)
from healthopt.plots.trial.sources import MissingInput, TrialData
from healthopt.records import LayerHealth

_CHANNEL_COLUMNS = 8
_ROW_INCHES = 1.0  # one channel row: a channel cell is about an inch wide on a 13-inch figure
_SPACER = 0.35
_TILE_PIXELS = 8  # maps smaller than this are enlarged, so the 1-pixel gap stays thin
_CHANNELS_CMAP = matplotlib.colormaps["viridis"].with_extremes(bad="white")  # gaps blank
# A heatmap's colour range; None: centred on zero, a None bound: from the data.
Limits = tuple[float | None, float | None] | None


def _input_image(samples: np.ndarray | None) -> tuple[np.ndarray, str | None] | None:
    if samples is None or samples.ndim not in (3, 4):
        return None
    image = np.asarray(samples[0], dtype=np.float32)
    if image.ndim == 3 and image.shape[-1] == 3:
        low, high = float(image.min()), float(image.max())
        return ((image - low) / (high - low) if high > low else image * 0), None
    return (image[..., 0] if image.ndim == 3 else image), "gray"


def _mosaic(values: np.ndarray, columns: int) -> np.ndarray:
    """A layer's channels (height, width, channels) tiled `columns` to a row, one blank
    (NaN) pixel between tiles; small maps are enlarged first, so the gap stays thin."""
    height, width, channels = values.shape
    scale = max(1, round(_TILE_PIXELS / max(height, width)))
    tiles = np.repeat(np.repeat(values, scale, axis=0), scale, axis=1)
    tile_h, tile_w = tiles.shape[:2]
    rows = math.ceil(channels / columns)
    out = np.full((rows * (tile_h + 1) - 1, columns * (tile_w + 1) - 1), np.nan, np.float32)
    for channel in range(channels):
        row, column = divmod(channel, columns)
        top, left = row * (tile_h + 1), column * (tile_w + 1)
        out[top : top + tile_h, left : left + tile_w] = tiles[..., channel]
    return out


def _map_label(fmap: FeatureMap) -> str:
    height, width, channels = fmap.shape
    shown = fmap.values.shape[-1]
    lines = [fmap.layer, f"{height}×{width}×{channels}"]
    if shown < channels:
        lines.append(f"first {shown} of {channels} ch.")
    if fmap.stride > 1:
        lines.append(f"strided ×{fmap.stride}")
    return "\n".join(lines)


def activation_maps(data: TrialData, path: Path, dpi: int) -> Path:
    """Feature maps of up to four conv layers for the first validation sample, beside it.

    Each layer's channels share one colour scale, so a channel that stays dark is one the
    sample does not activate (or a dead filter), not a rescaled blur.
    """
    inputs = data.inputs()
    maps = [m for m in inputs.feature_maps if m.values.ndim == 4 and len(m.values)]
    if not maps:
        if inputs.is_text:
            raise MissingInput("text model (token sequences): no convolutional feature maps")
        raise MissingInput("plot_inputs.npz holds no conv feature maps (no Conv2D layer)")
    blocks = [math.ceil(m.values.shape[-1] / _CHANNEL_COLUMNS) for m in maps]
    # Grid rows: each layer's channel rows, a thin spacer row between layers.
    heights: list[float] = []
    starts = []
    for i, rows in enumerate(blocks):
        if i:
            heights.append(_SPACER)
        starts.append(len(heights))
        heights += [1.0] * rows
    fig_height = _ROW_INCHES * sum(heights) + 0.9
    fig, _ = style.figure(size=(13.0, fig_height))
    fig.clf()  # a grid of its own: the input beside 8-column channel blocks
    fig.suptitle("Activation maps (first validation sample)", fontsize=13, fontweight="bold")
    grid = fig.add_gridspec(
        len(heights),
        2 + _CHANNEL_COLUMNS,
        width_ratios=[3.2, 1.8] + [1] * _CHANNEL_COLUMNS,
        height_ratios=heights,
        hspace=0.08,
        wspace=0.08,
        left=0.01,
        right=0.99,
        bottom=0.02,
        top=1 - 0.75 / fig_height,
    )
    source = _input_image(inputs.samples)
    image_ax = fig.add_subplot(grid[: min(len(heights), 4), 0])
    if source is not None:
        image_ax.imshow(source[0], cmap=source[1])
        label = ""
        if inputs.labels is not None and len(inputs.labels):
            label = f" (class {inputs.labels[0]})"
        image_ax.set_title("input" + label, fontsize=10)
    else:
        image_ax.text(0.5, 0.5, "input not stored", ha="center", va="center", fontsize=9)
    image_ax.set_xticks([])
    image_ax.set_yticks([])
    image_ax.grid(False)
    for fmap, rows, first in zip(maps, blocks, starts, strict=True):
        values = np.asarray(fmap.values[0], dtype=np.float32)
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        label_ax = fig.add_subplot(grid[first : first + rows, 1])
        label_ax.axis("off")
        label_ax.text(
            0.95,
            0.5,
            _map_label(fmap) + f"\nrange {low:.2g} … {high:.2g}",
            ha="right",
            va="center",
            fontsize=8,
            transform=label_ax.transAxes,
        )
        # One image per layer, its channels tiled: a panel per channel costs an Axes each,
        # the larger part of this figure's drawing time.
        ax = fig.add_subplot(grid[first : first + rows, 2:])
        ax.imshow(
            _mosaic(values, _CHANNEL_COLUMNS),
            cmap=_CHANNELS_CMAP,
            vmin=low,
            vmax=high if high > low else low + 1,
            interpolation="nearest",
        )
        ax.axis("off")
    # The grid's own margins and spacing place every panel: tight_layout cannot place a
    # hand-made grid, and nothing is drawn outside the figure.
    return style.save(fig, path, dpi, layout=False, crop=False)


def activation_statistics(data: TrialData, path: Path, dpi: int) -> Path:
    """Per-layer activation mean, standard deviation and zero fraction over epochs."""
    epochs = data.epochs()
    stats: list[tuple[Callable[[LayerHealth], float | None], str, str, Limits]] = [
        (lambda h: h.activation_mean, "mean", "coolwarm", None),
        (lambda h: h.activation_std, "standard deviation", "viridis", (0.0, None)),
        (lambda h: h.activation_zero_fraction, "fraction of zeros", "Reds", (0.0, 1.0)),
    ]
    found = [(layer_matrix(epochs, get), title, cmap, limits) for get, title, cmap, limits in stats]
    names = list(dict.fromkeys(name for (rows, _), *_ in found for name in rows))
    require(names, "observer.json has no activation statistics")
    numbers = epoch_numbers(epochs)
    fig, axes = style.figure(
        1,
        3,
        size=heatmap_size(len(names), len(numbers), panels=3),
        title="Activation statistics per layer",
    )
    for i, (ax, ((rows, matrix), title, cmap, limits)) in enumerate(
        zip(panels(axes), found, strict=True)
    ):
        aligned = _align(names, rows, matrix)
        if limits is None:  # centre the diverging map on zero
            bound = float(np.nanmax(np.abs(aligned))) if np.isfinite(aligned).any() else 1.0
            limits = (-bound, bound)
        heatmap(
            ax, aligned, names, numbers, cmap=cmap, vmin=limits[0], vmax=limits[1], show_rows=i == 0
        )
        ax.set_title(title)
    return style.save(fig, path, dpi, crop=False)


def _align(names: list[str], rows: list[str], matrix: np.ndarray) -> np.ndarray:
    """`matrix` re-ordered to `names` (NaN rows where a statistic is missing for a layer)."""
    out = np.full((len(names), matrix.shape[1] if matrix.size else 0), np.nan)
    index = {name: i for i, name in enumerate(rows)}
    for r, name in enumerate(names):
        if name in index:
            out[r] = matrix[index[name]]
    return out


def dead_neurons(data: TrialData, path: Path, dpi: int) -> Path:
    """Fraction of dead units (never active on the probe batch) per layer and epoch."""
    epochs = data.epochs()
    names, matrix = layer_matrix(epochs, lambda h: h.dead_unit_fraction)
    require(names, "observer.json has no dead-unit fractions")
    numbers = epoch_numbers(epochs)
    worst = float(np.nanmax(matrix)) if np.isfinite(matrix).any() else math.nan
    fig, ax = style.figure(
        size=heatmap_size(len(names), len(numbers)),
        title=f"Dead units per layer (worst {worst:.0%})"
        if math.isfinite(worst)
        else "Dead units per layer",
    )
    heatmap(
        ax,
        matrix,
        names,
        numbers,
        cmap="Reds",
        vmin=0.0,
        vmax=1.0,
        fmt="{:.0%}",
        label="dead unit fraction",
    )
    ax.set_ylabel("layer")
    return style.save(fig, path, dpi, crop=False)
