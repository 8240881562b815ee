"""The architecture as a vector diagram (SVG or PDF): a 2D side view of the 3D view's boxes.

Drawn from the same `ArchitectureVisualization` the dashboard's 3D view renders, so the file
and the screen agree: x is a box's position along the model (``position_z``, the box spanning
z +- depth/2), y its height centred on 0, filled with its category colour at its opacity.
Each box is labelled with its layer id and label; labels turn vertical when side by side
they would overlap. A bidirectional recurrent layer is one box split by a horizontal line,
its halves marked forward and backward.

The output is deterministic (fixed SVG hash salt, no dates) and findable: each box is the SVG
group ``layer-box-{i}`` and its label ``layer-label-{i}``, i in z order, and the SVG keeps
labels as text (``svg.fonttype = "none"``) so they can be searched and restyled. The PDF
embeds TrueType fonts so its text can be extracted.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text

from healthopt.visualization.architecture import ArchitectureVisualization, LayerVisualization
from healthopt.visualization.layers import CATEGORY_COLORS

DiagramFormat = Literal["svg", "pdf"]
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "pdf": "application/pdf"}
EDGE_COLOR = "#1f2937"
# Vertical labels need this many inches per scene unit: neighbouring box centres are at least
# 0.75 units apart (the view's 0.5 gap plus two thinnest half-depths), and two 8 pt label lines
# stood on end take about 0.3 inch.
_INCHES_PER_UNIT = 0.45
_MIN_WIDTH, _MAX_WIDTH = 6.0, 40.0
_MAX_LEVEL_WIDTH = 12.0  # wider than this to keep labels level: stand them on end instead
_HEIGHT = 3.6  # the boxes' band and the title; labels hang below it
_LABEL_GAP = 0.35  # scene units between the tallest box's bottom and the labels
_LABEL_PAD = 0.2  # inches between two level labels
# rcParams are process-wide: two threads (API requests) writing at once must not restore each
# other's settings mid-write.
_RC_LOCK = threading.Lock()
_METADATA: dict[str, dict[str, None]] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}


def architecture_diagram(visualization: ArchitectureVisualization, fmt: DiagramFormat) -> bytes:
    """The diagram of `visualization` as SVG or PDF bytes; ValueError for a view without
    layers or an unknown format."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"diagram format must be one of {sorted(MEDIA_TYPES)}, got {fmt!r}")
    layers = visualization.layers
    if not layers:
        raise ValueError("the architecture view has no layers to draw")
    fig = _draw(visualization)
    buffer = io.BytesIO()
    # rcParams are read when the file is written; the context restores them afterwards.
    # Text stays text in the SVG; the fixed salt makes its ids (hence the file) reproducible;
    # TrueType in the PDF lets readers extract the labels.
    with (
        _RC_LOCK,
        matplotlib.rc_context(
            {"svg.fonttype": "none", "svg.hashsalt": "healthopt-architecture", "pdf.fonttype": 42}
        ),
    ):
        fig.savefig(buffer, format=fmt, metadata=_METADATA[fmt], bbox_inches="tight")
    return buffer.getvalue()


def _draw(visualization: ArchitectureVisualization) -> Figure:
    """The figure: boxes, labels, legend and title, as wide as level labels need (or with
    the labels stood on end when that would be too wide)."""
    layers = visualization.layers
    start = layers[0].position_z - layers[0].depth / 2
    end = layers[-1].position_z + layers[-1].depth / 2
    top = max(layer.height for layer in layers) / 2
    fig = Figure(figsize=(_MIN_WIDTH, _HEIGHT), layout="constrained")
    FigureCanvasAgg(fig)  # measures the labels before the file is written
    ax = fig.add_subplot()
    ax.set_axis_off()
    for index, layer in enumerate(layers):
        _box(ax, index, layer)
    labels = [_label(ax, index, layer, -top - _LABEL_GAP) for index, layer in enumerate(layers)]
    ax.set_xlim(start - 0.5, end + 0.5)
    ax.set_ylim(-top - _LABEL_GAP, top + 0.2)
    fig.suptitle(
        f"{visualization.architecture_type} architecture: {len(layers)} layers, "
        f"{visualization.total_parameters:,} parameters",
        x=0.02,
        ha="left",
        fontsize=11,
    )
    _legend(fig, layers)
    fig.draw_without_rendering()
    fig.set_figwidth(_width(fig, ax, labels, layers))
    fig.draw_without_rendering()
    if _overlapping(fig, labels):
        for text in labels:
            text.set_rotation(90)
    return fig


def _width(
    fig: Figure, ax: Axes, labels: Sequence[Text], layers: Sequence[LayerVisualization]
) -> float:
    """The figure width (inches) that keeps the labels level when that stays under
    _MAX_LEVEL_WIDTH; otherwise the width at which they stand on end side by side."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    widths = [text.get_window_extent(renderer).width / fig.dpi for text in labels]
    units = ax.get_xlim()[1] - ax.get_xlim()[0]
    margins = fig.get_figwidth() * (1 - ax.get_position().width)  # title, legend, padding
    level = max(
        (
            ((left + right) / 2 + _LABEL_PAD) / (b.position_z - a.position_z)
            for left, right, a, b in zip(widths, widths[1:], layers, layers[1:], strict=False)
        ),
        default=0.0,
    )
    if level * units + margins <= _MAX_LEVEL_WIDTH:
        return max(level * units + margins, _MIN_WIDTH)
    return min(max(_INCHES_PER_UNIT * units + margins, _MIN_WIDTH), _MAX_WIDTH)


def _box(ax: Axes, index: int, layer: LayerVisualization) -> None:
    left, bottom = layer.position_z - layer.depth / 2, -layer.height / 2
    color = to_rgba(CATEGORY_COLORS.get(layer.category, CATEGORY_COLORS["other"]), layer.opacity)
    ax.add_patch(
        Rectangle(
            (left, bottom),
            layer.depth,
            layer.height,
            facecolor=color,
            edgecolor=EDGE_COLOR,
            linewidth=1.0,
            gid=f"layer-box-{index}",
        )
    )
    if not layer.bidirectional:
        return
    # One layer read both ways: the upper half runs forward, the lower half backward.
    ax.plot([left, left + layer.depth], [0.0, 0.0], color=EDGE_COLOR, linewidth=0.8)
    for y, mark, name in (
        (layer.height / 4, "→ forward", "forward"),
        (-layer.height / 4, "← backward", "backward"),
    ):
        ax.text(
            layer.position_z,
            y,
            mark,
            ha="center",
            va="center",
            fontsize=7,
            color=EDGE_COLOR,
            gid=f"layer-{name}-{index}",
        )


def _label(ax: Axes, index: int, layer: LayerVisualization, y: float) -> Text:
    return ax.text(
        layer.position_z,
        y,
        f"{layer.layer_id}\n{layer.label}",
        ha="center",
        va="top",
        fontsize=8,
        gid=f"layer-label-{index}",
    )


def _overlapping(fig: Figure, labels: Sequence[Text]) -> bool:
    """Whether any two neighbouring labels, drawn level, would overlap."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [text.get_window_extent(renderer) for text in labels]
    return any(a.x1 > b.x0 for a, b in zip(boxes, boxes[1:], strict=False))


def _legend(fig: Figure, layers: Sequence[LayerVisualization]) -> None:
    present = dict.fromkeys(layer.category for layer in layers)
    handles = [
        Patch(
            facecolor=CATEGORY_COLORS.get(category, CATEGORY_COLORS["other"]),
            edgecolor=EDGE_COLOR,
            label=category.replace("_", " "),
        )
        for category in present
    ]
    fig.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False)
