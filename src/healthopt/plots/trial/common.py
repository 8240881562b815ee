"""Helpers the trial plots share: epoch numbers, layer selection, heatmaps, readable ticks."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.ticker import MaxNLocator

from healthopt.plots.trial.sources import MissingInput
from healthopt.records import EpochRecord, LayerHealth

# Layers whose output equals their input at inference: their rows would repeat the one above.
PASSTHROUGH_TYPES = frozenset(
    {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout"}
)
LABEL_PITCH = 0.17  # inches per tick label line at the house font size
CHAR_WIDTH = 0.08  # inches per character of a horizontal tick label
MAX_ANNOTATED_CELLS = 120


def require(value: Any, reason: str) -> Any:
    """`value`, or MissingInput(reason) when it is None or empty."""
    if value is None or (hasattr(value, "__len__") and len(value) == 0):
        raise MissingInput(reason)
    return value


def panels(axes: Any) -> list[Axes]:
    """The axes `style.figure` returned, as a flat list whatever the grid shape."""
    return list(np.ravel(np.asarray(axes, dtype=object)))


def epoch_numbers(epochs: Sequence[EpochRecord]) -> list[int]:
    """1-based epoch numbers, as Keras prints them (records count from 0; a record without
    its number counts by its position)."""
    return [(i if e.epoch is None else e.epoch) + 1 for i, e in enumerate(epochs)]


def per_epoch(
    epochs: Sequence[EpochRecord], get: Callable[[EpochRecord], float | None]
) -> np.ndarray:
    """One figure per epoch as floats, NaN where the record has none."""
    return np.array([math.nan if (v := get(e)) is None else v for e in epochs], dtype=float)


def layer_series(epochs: Sequence[EpochRecord]) -> list[tuple[str, list[LayerHealth | None]]]:
    """Each layer name (in first-seen order) with its entry per epoch (None where missing)."""
    names = dict.fromkeys(name for e in epochs for name in e.layers)
    return [(name, [e.layers.get(name) for e in epochs]) for name in names]


def short(name: str, limit: int = 32) -> str:
    """A layer name cut to fit a label, keeping what tells layers apart.

    A path keeps its last parts ("…/forward_lstm/recurrent_kernel"): the first part is the
    shared wrapper. Other names are cut in the middle, keeping both ends.
    """
    if len(name) <= limit:
        return name
    parts = name.split("/")
    for i in range(1, len(parts)):
        tail = "…/" + "/".join(parts[i:])
        if len(tail) <= limit:
            return tail
    head = limit // 3
    return name[:head] + "…" + name[-(limit - head - 1) :]


def wrap_name(name: str, width: int = 30) -> str:
    """A long layer path on up to two lines, broken at '/' where it can be."""
    if len(name) <= width:
        return name
    parts = name.split("/")
    for cut in range(len(parts) - 1, 0, -1):
        first, second = "/".join(parts[:cut]) + "/", "/".join(parts[cut:])
        if len(first) <= width and len(second) <= width:
            return f"{first}\n{second}"
    return short(name, width)


def layer_matrix(
    epochs: Sequence[EpochRecord],
    get: Callable[[LayerHealth], float | None],
    *,
    skip_passthrough: bool = True,
) -> tuple[list[str], np.ndarray]:
    """Per-layer values of `get` over epochs: (layer names, array layers x epochs, NaN =
    missing).

    Layers with no value in any epoch are left out, as are pass-through layers (Dropout...)
    whose statistics repeat the layer before them.
    """
    names, rows = [], []
    for name, entries in layer_series(epochs):
        if skip_passthrough and any(e is not None and e.type in PASSTHROUGH_TYPES for e in entries):
            continue
        row = [None if e is None else get(e) for e in entries]
        if any(v is not None for v in row):
            names.append(name)
            rows.append([math.nan if v is None else v for v in row])
    return names, np.array(rows, dtype=float).reshape(len(rows), len(epochs))


def thin_ticks(
    ax: Axes, positions: Iterable[float], labels: Sequence[str], *, axis: str = "x"
) -> None:
    """Label as many ticks as fit the axis (every k-th one, evenly), so names never pile up.

    A label line needs about LABEL_PITCH inches across the axis (y labels, and x labels once
    they are rotated); x labels stay horizontal while they fit side by side.
    """
    size = ax.figure.figure.get_size_inches()  # the root Figure's, also under a SubFigure
    box = ax.get_position()
    length = size[0] * box.width if axis == "x" else size[1] * box.height
    capacity = max(2, int(length / LABEL_PITCH))
    step = max(1, math.ceil(len(labels) / capacity))
    pos = list(positions)[::step]
    text = [str(label) for label in list(labels)[::step]]
    if axis == "x":
        ax.set_xticks(pos)
        widest = max((len(t) for t in text), default=0)
        rotate = len(text) * widest * CHAR_WIDTH > length * 0.9
        ax.set_xticklabels(text, rotation=45 if rotate else 0, ha="right" if rotate else "center")
    else:
        ax.set_yticks(pos)
        ax.set_yticklabels(text)


def integer_ticks(axis: Axis) -> None:
    """Ticks at whole numbers only, for epochs and counts."""
    locator = axis.get_major_locator()
    # A linear axis's default locator (AutoLocator) is a MaxNLocator: the one that takes it.
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)


def heatmap(
    ax: Axes,
    matrix: np.ndarray,
    rows: Sequence[str],
    columns: Sequence[int],
    *,
    cmap: str,
    vmin: float | None = None,
    vmax: float | None = None,
    fmt: str = "{:.2g}",
    label: str = "",
    show_rows: bool = True,
) -> None:
    """Rows x columns of values (NaN drawn grey), annotated while the grid stays small."""
    masked = np.ma.masked_invalid(matrix)
    colormap = matplotlib.colormaps[cmap].with_extremes(bad="#dddddd")
    image = ax.imshow(masked, aspect="auto", cmap=colormap, vmin=vmin, vmax=vmax)
    ax.grid(False)
    thin_ticks(ax, range(len(columns)), [str(c) for c in columns])
    if show_rows:
        thin_ticks(ax, range(len(rows)), [short(r) for r in rows], axis="y")
    else:
        ax.set_yticks([])
    ax.set_xlabel("epoch")
    if matrix.size <= MAX_ANNOTATED_CELLS:
        # The labels sit inside their cells: out of the layout, which would measure each.
        low, high = image.get_clim()
        for (r, c), value in np.ndenumerate(matrix):
            if not math.isfinite(value):
                ax.text(
                    c,
                    r,
                    "n/a",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="#555555",
                    in_layout=False,
                )
                continue
            dark = high > low and (value - low) / (high - low) > 0.6
            ax.text(
                c,
                r,
                fmt.format(value),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "black",
                in_layout=False,
            )
    colorbar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    if label:
        colorbar.set_label(label)


def heatmap_size(n_rows: int, n_columns: int, panels: int = 1) -> tuple[float, float]:
    """A figure size that keeps cells readable without growing past a page."""
    width = min(18.0, 2.8 + panels * (1.6 + 0.45 * min(n_columns, 30)))
    height = min(14.0, max(3.2, 1.4 + 0.38 * min(n_rows, 40)))
    return width, height


def finite(values: np.ndarray) -> np.ndarray:
    """The finite entries of an array as float64 (histograms choke on inf and NaN)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    return values[np.isfinite(values)]
