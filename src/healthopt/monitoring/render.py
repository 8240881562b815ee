"""Layer monitoring's figures (seed 001): one PNG or GIF per call, drawn from the summary.

Matplotlib's object API only (`Figure` on an Agg canvas, never pyplot's global figures), so
nothing is left open and no GUI backend is touched; matplotlib is still not thread-safe, so
`report` draws one report at a time. Each function draws one of the seed's files and raises
on input it cannot draw (the report notes the failure and draws the rest). Colours are fixed
per class, so a class looks the same in every figure and in the HTML report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import matplotlib
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FormatStrFormatter, MaxNLocator
from PIL import Image

from healthopt.monitoring import classes
from healthopt.monitoring.classes import CLASS_COLORS, UNCLASSED_COLOR, class_color
from healthopt.records import EpochRecord
from healthopt.records.epoch import ActivationHistogram
from healthopt.records.monitoring import (
    LAYER_CLASSES,
    METRIC_NAMES,
    LayerEpoch,
    LayerReport,
    MonitoringSummary,
)

if TYPE_CHECKING:  # the names of rc settings; matplotlib.typing has them from 3.10 on
    from matplotlib.typing import RcKeyType

DPI = 80
# The GIF is embedded in the HTML report: past this many frames it only grows, so long runs
# show this many monitored epochs, evenly spread (first and last included).
MAX_FRAMES = 40
FRAMES_PER_SECOND = 2

# The house look of healthopt's figures (`healthopt.plots.style`), restated here because
# monitoring sits below plots in the import layers.
_RC: dict[RcKeyType, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "font.size": 9,
}


def records_by_epoch(records: Sequence[EpochRecord]) -> dict[int, EpochRecord]:
    """Each record under the epoch number the summary uses (its `epoch`, else its position)."""
    return {
        (position if record.epoch is None else record.epoch): record
        for position, record in enumerate(records)
    }


def evenly(items: Sequence[int], cap: int) -> list[int]:
    """At most `cap` of `items`, first and last included, the rest evenly between."""
    if len(items) <= cap:
        return list(items)
    picks = np.unique(np.round(np.linspace(0, len(items) - 1, cap)).astype(int))
    return [items[i] for i in picks]


def thresholds_of(metric: str, thresholds: Mapping[str, float]) -> list[float]:
    """The class-rule thresholds that read `metric` (keys such as `oracle_entropy_above`)."""
    return sorted({value for key, value in thresholds.items() if f"_{metric}_" in f"_{key}_"})


def layer_visualization(
    layer: LayerReport,
    entry: LayerEpoch,
    histogram: ActivationHistogram | None,
    path: Path,
    *,
    thresholds: Mapping[str, float] = classes.THRESHOLDS,
) -> Path:
    """One layer at one monitored epoch (see `LayerFigure`); for many, reuse one LayerFigure."""
    return LayerFigure(thresholds).draw(layer, entry, histogram, path)


class LayerFigure:
    """The layer visualization: a layer's activation histogram beside its six metrics, each
    against the class rules' thresholds (black ticks), titled with its class and rule.

    One figure is laid out once and used for every layer and epoch, since constrained layout
    costs more than the drawing; and what stays the same from image to image (the metric
    panel's frame, labels and threshold ticks) is drawn once as a background that each image
    is drawn over (matplotlib's blitting). Measured on 20 images of a 5-layer run: 0.2 s an
    image with a figure each, 0.1 s with one figure, 0.05 s with the background.
    """

    def __init__(self, thresholds: Mapping[str, float] = classes.THRESHOLDS) -> None:
        with matplotlib.rc_context(_RC):
            self.fig = _figure((9.0, 3.4))
            self.hist, self.bars = self.fig.subplots(1, 2, width_ratios=(1.1, 1.0))
            self.steps = self.hist.stairs(np.ones(1), [0.0, 1.0], fill=True, alpha=0.85)
            self.hist.set_title("activations on the probe batch")
            self.hist.set_xlabel("activation")
            self.hist.set_ylabel("share of activations")
            # Few ticks: tick labels are most of the drawing time of an image.
            self.hist.xaxis.set_major_locator(MaxNLocator(4))
            self.hist.yaxis.set_major_locator(MaxNLocator(3))
            # Shares are on [0, 1]: one label width for every image, which the layout fixed.
            self.hist.yaxis.set_major_formatter(FormatStrFormatter("%.2f"))
            self.missing = self.hist.text(
                0.5, 0.5, "no activation histogram recorded", ha="center", va="center",
                transform=self.hist.transAxes,
            )  # fmt: skip
            self.constant = self.hist.text(0.5, 0.9, "", ha="center", transform=self.hist.transAxes)
            rows = np.arange(len(METRIC_NAMES))
            self.metric_bars = self.bars.barh(rows, np.zeros(len(rows)), alpha=0.85)
            # Each value at the bar's start, clear of the threshold ticks (all at 0.3 or more).
            self.values = [
                self.bars.text(
                    0.01, row, "", va="center", fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.8, "pad": 1, "linewidth": 0},
                )
                for row in rows
            ]  # fmt: skip
            ticks = [
                self.bars.vlines(limit, row - 0.4, row + 0.4, color="black", linewidth=1.5)
                for row, metric in enumerate(METRIC_NAMES)
                for limit in thresholds_of(metric, thresholds)
            ]
            self.bars.set_yticks(rows, [m.replace("_", " ") for m in METRIC_NAMES])
            self.bars.invert_yaxis()
            self.bars.set_xlim(0, 1)
            self.bars.set_xticks([0.0, 0.5, 1.0])
            self.bars.set_xlabel("value (ticks: class-rule thresholds)")
            self.bars.set_title("metrics")
            self.title = self.fig.suptitle("layer\nrule", fontsize=10)
            self.fig.draw_without_rendering()
            self.fig.set_layout_engine("none")  # keep this layout for every image
            self.changing = [self.hist, self.title, *self.metric_bars, *ticks, *self.values]
            for artist in self.changing:
                artist.set_animated(True)  # left out of the background
            canvas = self.fig.canvas
            assert isinstance(canvas, FigureCanvasAgg)  # _figure's; blitting needs Agg
            self.canvas = canvas
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def draw(
        self,
        layer: LayerReport,
        entry: LayerEpoch,
        histogram: ActivationHistogram | None,
        path: Path,
    ) -> Path:
        color = class_color(entry.layer_class)
        kind = f" ({layer.type})" if layer.type else ""
        name = layer.name if len(layer.name) <= 60 else layer.name[:59] + "\u2026"  # fits the frame
        self.title.set_text(
            f"{name}{kind}: {entry.layer_class or 'not classed'} at epoch {entry.epoch}\n"
            f"rule: {entry.rule}"
        )
        self._histogram(histogram, color)
        for bar, text, metric in zip(self.metric_bars, self.values, METRIC_NAMES, strict=True):
            value = entry.metrics.get(metric)
            bar.set_width(value or 0.0)
            bar.set_color(color)
            text.set_text("not recorded" if value is None else f"{value:.2f}")
        with matplotlib.rc_context(_RC):
            self.canvas.restore_region(self.background)
            for artist in self.changing:
                self.fig.draw_artist(artist)
        path.parent.mkdir(parents=True, exist_ok=True)
        size = self.canvas.get_width_height()
        pixels = Image.frombuffer("RGBA", size, self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        pixels.convert("RGB").save(path, format="png")
        return path

    def _histogram(self, histogram: ActivationHistogram | None, color: str) -> None:
        self.constant.set_text("")
        usable = _usable(histogram)
        self.missing.set_visible(not usable)
        self.steps.set_visible(usable)
        if not _usable(histogram):
            self.hist.set_axis_off()
            return
        self.hist.set_axis_on()
        shares, edges = _shares(histogram), _edges(histogram)
        self.steps.set_data(shares, edges)
        self.steps.set_color(color)
        self.hist.set_xlim(edges[0], edges[-1])
        self.hist.set_ylim(0, float(shares.max()) * 1.1)
        if (histogram.high or 0.0) <= (histogram.low or 0.0):
            self.constant.set_text(f"every activation = {histogram.low:.3g}")


def metrics_evolution(summary: MonitoringSummary, path: Path) -> Path:
    """Each of the six metrics over the monitored epochs, one line per layer; dashed lines
    are the class rules' thresholds on that metric."""
    _need_layers(summary)
    with matplotlib.rc_context(_RC):
        fig = _figure((11.0, 6.0))
        axes = fig.subplots(2, 3, sharex=True, sharey=True)
        colors = _layer_colors(len(summary.layers))
        for ax, metric in zip(axes.flat, METRIC_NAMES, strict=True):
            for layer, color in zip(summary.layers, colors, strict=True):
                epochs = [entry.epoch for entry in layer.epochs]
                values = [_nan(entry.metrics.get(metric)) for entry in layer.epochs]
                ax.plot(epochs, values, marker="o", markersize=3, color=color, label=layer.name)
            for value in thresholds_of(metric, summary.thresholds):
                ax.axhline(value, color="black", linestyle="--", linewidth=0.7, alpha=0.5)
            ax.set_title(metric.replace("_", " "))
            ax.set_ylim(-0.03, 1.03)
        for ax in axes[-1]:
            ax.set_xlabel("epoch")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside right upper", title="layer")
        fig.suptitle("Layer metrics over the monitored epochs", fontsize=11, fontweight="bold")
        return _save(fig, path)


def layer_classifications(summary: MonitoringSummary, path: Path) -> Path:
    """The class-by-epoch strip: a row per layer, a column per monitored epoch, a colour per
    class (its initial written in the cell, for readers who do not tell the colours apart)."""
    _need_layers(summary)
    epochs = summary.monitored_epochs
    column = {epoch: i for i, epoch in enumerate(epochs)}
    unclassed = len(LAYER_CLASSES)
    grid = np.full((len(summary.layers), len(epochs)), unclassed)
    for row, layer in enumerate(summary.layers):
        for entry in layer.epochs:
            if entry.epoch in column and entry.layer_class is not None:
                grid[row, column[entry.epoch]] = LAYER_CLASSES.index(entry.layer_class)
    palette = ListedColormap([CLASS_COLORS[c] for c in LAYER_CLASSES] + [UNCLASSED_COLOR])
    width = min(max(5.0, 0.35 * len(epochs) + 3.5), 16.0)
    height = max(2.0, 0.4 * len(summary.layers) + 1.4)
    with matplotlib.rc_context({**_RC, "axes.grid": False}):
        fig = _figure((width, height))
        ax = fig.subplots()
        ax.pcolormesh(
            np.arange(len(epochs) + 1) - 0.5,
            np.arange(len(summary.layers) + 1) - 0.5,
            grid,
            cmap=palette,
            vmin=-0.5,
            vmax=unclassed + 0.5,
            edgecolors="white",
            linewidth=1.0,
        )
        ax.invert_yaxis()
        if len(epochs) <= 40:  # wider strips have no room for a letter per cell
            for (row, col), index in np.ndenumerate(grid):
                if index != unclassed:
                    ax.text(col, row, LAYER_CLASSES[index][0], ha="center", va="center", fontsize=7)
        ax.set_yticks(range(len(summary.layers)), [layer.name for layer in summary.layers])
        step = max(1, math.ceil(len(epochs) / 20))
        ax.set_xticks(range(0, len(epochs), step), [str(e) for e in epochs[::step]])
        ax.set_xlabel("epoch")
        present = [c for i, c in enumerate(LAYER_CLASSES) if (grid == i).any()]
        handles = [Patch(color=CLASS_COLORS[c], label=c) for c in present]
        if (grid == unclassed).any():
            handles.append(Patch(color=UNCLASSED_COLOR, label="not classed"))
        fig.legend(handles=handles, loc="outside right upper", title="class")
        ax.set_title("Layer classes by monitored epoch")
        return _save(fig, path)


def distribution_evolution(
    summary: MonitoringSummary,
    records: Sequence[EpochRecord],
    path: Path,
    *,
    layers: Sequence[LayerReport] | None = None,
) -> list[int]:
    """A GIF of each layer's activation histogram over the monitored epochs (a subplot per
    layer coloured by its class at the epoch, a frame per epoch, at most MAX_FRAMES);
    returns the epochs it shows. `layers`: a subplot for each of these (default: all)."""
    _need_layers(summary)
    layers = summary.layers if layers is None else layers
    by_epoch = records_by_epoch(records)
    shown = evenly([e for e in summary.monitored_epochs if e in by_epoch], MAX_FRAMES)
    names = [layer.name for layer in layers]
    frames = [[by_epoch[e].layers.get(name) for name in names] for e in shown]
    histograms = [[None if h is None else h.activation_histogram for h in f] for f in frames]
    if not any(_usable(h) for frame in histograms for h in frame):
        raise ValueError("the records hold no activation histogram to animate")
    ncols = min(4, len(names))
    nrows = math.ceil(len(names) / ncols)
    with matplotlib.rc_context({**_RC, "axes.grid": False}):
        fig = _figure((3.0 * ncols, 2.1 * nrows + 0.5))
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
        panels = []
        for index, ax in enumerate(axes):
            if index >= len(names):
                ax.set_visible(False)
                continue
            layer = layers[index]
            classes_at = {entry.epoch: entry.layer_class for entry in layer.epochs}
            panels.append(
                _AnimatedHistogram(
                    ax,
                    layer.name,
                    [frame[index] for frame in histograms],
                    [class_color(classes_at.get(epoch)) for epoch in shown],
                )
            )
        title = fig.suptitle("Activation distributions, epoch 0000", fontsize=11)
        fig.supxlabel("activation", fontsize=9)
        # Laid out once: the layout engine would otherwise run again for every frame.
        fig.draw_without_rendering()
        fig.set_layout_engine("none")

        def draw(frame: int) -> list[Any]:
            title.set_text(
                f"Activation distributions, epoch {shown[frame]} ({frame + 1}/{len(shown)})"
            )
            return [artist for panel in panels for artist in panel.show(frame)]

        animation = FuncAnimation(fig, draw, frames=len(shown), blit=False, repeat=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        animation.save(str(path), writer=PillowWriter(fps=FRAMES_PER_SECOND), dpi=DPI)
    return shown


class _AnimatedHistogram:
    """One layer's panel in the GIF: axes fixed over every frame's range, and per frame the
    histogram in the colour of the layer's class at that epoch."""

    def __init__(
        self,
        ax: Axes,
        name: str,
        histograms: Sequence[ActivationHistogram | None],
        colors: Sequence[str],
    ) -> None:
        self.histograms, self.colors = histograms, colors
        usable = [h for h in histograms if _usable(h)]
        low = min((float(h.low or 0.0) for h in usable), default=0.0)
        high = max((float(_edges(h)[-1]) for h in usable), default=1.0)
        peak = max((float(_shares(h).max()) for h in usable), default=1.0)
        ax.set_xlim(low, high)
        ax.set_ylim(0, min(1.0, peak * 1.1))
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])  # the shape is what matters; fewer ticks draw each frame faster
        ax.xaxis.set_major_locator(MaxNLocator(3))
        self.steps = ax.stairs([0.0], [low, high], fill=True, alpha=0.85)
        self.missing = ax.text(
            0.5, 0.5, "no histogram", transform=ax.transAxes, ha="center", visible=False
        )

    def show(self, frame: int) -> list[Any]:
        histogram = self.histograms[frame]
        usable = _usable(histogram)
        if _usable(histogram):
            self.steps.set_data(_shares(histogram), _edges(histogram))
            self.steps.set_color(self.colors[frame])
        self.steps.set_visible(usable)
        self.missing.set_visible(not usable)
        return [self.steps, self.missing]


def _usable(histogram: ActivationHistogram | None) -> TypeGuard[ActivationHistogram]:
    return (
        histogram is not None
        and histogram.low is not None
        and histogram.high is not None
        and sum(histogram.counts) > 0
    )


def _shares(histogram: ActivationHistogram) -> np.ndarray:
    counts = np.asarray(histogram.counts, dtype=np.float64)
    return counts / counts.sum()


def _edges(histogram: ActivationHistogram) -> np.ndarray:
    """Bin edges over [low, high]; a histogram of one value (high == low, all its mass in
    the first bin) gets a nominal width so that its one bar is visible."""
    low, high = float(histogram.low or 0.0), float(histogram.high or 0.0)
    span = high - low if high > low else max(abs(low), 1.0) * 0.5
    return low + span * np.linspace(0.0, 1.0, len(histogram.counts) + 1)


def _layer_colors(count: int) -> list[str]:
    cmap = matplotlib.colormaps["tab10" if count <= 10 else "tab20"]
    return [matplotlib.colors.to_hex(cmap(i % cmap.N)) for i in range(count)]


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _need_layers(summary: MonitoringSummary) -> None:
    if not summary.layers:
        raise ValueError("the summary has no monitored layer to draw")


class _FileCanvas(FigureCanvasAgg):
    """An Agg canvas for figures that only become files: nothing on screen to refresh, so a
    redraw request is dropped. `FuncAnimation.save` asks for one after every frame and then
    draws the frame again to grab it; without this each GIF frame was drawn twice."""

    def draw_idle(self, *args: Any, **kwargs: Any) -> None:
        return None


def _figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    _FileCanvas(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path
