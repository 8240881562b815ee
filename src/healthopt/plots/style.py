"""One look for every healthopt figure: style, a colour per model, and saving.

Every plot module draws with `figure()` and writes with `save()`, so all PNGs share fonts,
sizes and colours, and a model keeps its colour across every figure of one analysis.

Figures are plain `matplotlib.figure.Figure` objects on an Agg canvas, never pyplot's: no
global figure list to leak into or clean up (an unreferenced figure is garbage collected),
no GUI backend, and a figure can be drawn in a forked worker without pyplot state.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import matplotlib

# The house figures need no backend (they draw on their own Agg canvas); this is for the
# figures other libraries make with pyplot (Optuna's), which `save` also writes: files only,
# never a window, also on machines without a display.
matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

if TYPE_CHECKING:  # the names of rc settings; matplotlib.typing has them from 3.10 on
    from matplotlib.typing import RcKeyType

# 100 dpi keeps 7-9 pt labels readable on the figures' 5-18 inch sizes, and costs about
# 30% fewer pixels to rasterise and compress than the 120 used before.
DPI = 100
# Colour-blind friendly (Okabe-Ito), then matplotlib's tab10 for long model lists.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
GOOD, WARN, BAD = "#009E73", "#E69F00", "#D55E00"
TRAIN_COLOR, VAL_COLOR = "#0072B2", "#D55E00"

_RC: dict[RcKeyType, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "font.size": 10,
}


def model_colors(names: Iterable[str]) -> dict[str, str]:
    """A stable colour per model name, in the order given."""
    colors: dict[str, str] = {}
    extra = matplotlib.colormaps["tab10"]
    for i, name in enumerate(names):
        colors[name] = PALETTE[i] if i < len(PALETTE) else matplotlib.colors.to_hex(extra(i % 10))
    return colors


@overload
def figure(
    nrows: Literal[1] = 1,
    ncols: Literal[1] = 1,
    *,
    size: tuple[float, float] = (8.0, 5.0),
    title: str = "",
) -> tuple[Figure, Axes]: ...
@overload
def figure(
    nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] = (8.0, 5.0), title: str = ""
) -> tuple[Figure, Any]: ...
def figure(
    nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] = (8.0, 5.0), title: str = ""
) -> tuple[Figure, Any]:
    """A new figure in the house style; returns (figure, axes) like `plt.subplots`.

    The axes are one `Axes` for a 1 x 1 grid, else a 2-D array of them (`axes[row, col]`),
    also for a single row or column. Type checkers see `Axes` where the call fixes 1 x 1 and
    `Any` where the grid's size is known only at run time, as `plt.subplots` types it.
    The figure has no layout engine: `save` lays it out once (see there).
    """
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, dpi=DPI)
        FigureCanvasAgg(fig)  # attaches itself; the canvas keeps one renderer per size
        axes = fig.subplots(nrows, ncols, squeeze=nrows * ncols == 1)
    if title:
        fig.suptitle(title, fontsize=13, fontweight="bold")
    return fig, axes


def save(
    fig: Figure, path: Path, dpi: int = DPI, *, layout: bool = True, crop: bool = True
) -> Path:
    """Write the figure as `path` (parents created) and return the path.

    `layout` runs tight_layout once, here; a hand-placed grid passes layout=False. Saved at
    the figure's own dpi (DPI, as `figure` makes it), the drawing reuses the renderer the
    layout measured text with, and with it the measurements. (A figure given a layout
    engine keeps it: `savefig` runs it in a draw of its own, which the house figures,
    made without one, do not pay.)
    `crop` saves the box around everything drawn (bbox_inches="tight"), which a figure
    needs when it places legends or notes outside itself; it costs a second draw, so a
    figure whose artists all lie inside passes crop=False.
    A figure pyplot made (Optuna's plots) is closed afterwards, which pyplot would
    otherwise keep alive; the house figures are not pyplot's and are simply dropped.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(_RC):
        if layout and fig.get_layout_engine() is None:  # an engine lays out in savefig
            fig.tight_layout()
            # tight_layout leaves a placeholder engine behind, for which savefig would draw
            # the whole figure once more (without output) before drawing it for the file.
            fig.set_layout_engine(None)
        box = "tight" if crop else None
        if path.suffix.lower() == ".png":
            # zlib level 3, not Pillow's 6: a third less time compressing, files about a
            # tenth larger.
            fig.savefig(path, dpi=dpi, bbox_inches=box, pil_kwargs={"compress_level": 3})
        else:  # only the Pillow-written formats take pil_kwargs
            fig.savefig(path, dpi=dpi, bbox_inches=box)
    if fig.canvas.manager is not None:  # registered with pyplot: only pyplot can let go
        import matplotlib.pyplot as plt

        plt.close(fig)
    return path


def style_context():
    """Use as `with style_context():` around code that creates axes itself."""
    return matplotlib.rc_context(_RC)
