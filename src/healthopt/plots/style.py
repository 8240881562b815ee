"""One look for every healthopt figure: style, a colour per model, and saving.

Every plot module draws with `figure()` and writes with `save()`, so all PNGs share fonts,
sizes and colours, and a model keeps its colour across every figure of one analysis.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import matplotlib

matplotlib.use("Agg")  # files only; never a window, also on machines without a display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

if TYPE_CHECKING:  # the names of rc settings; matplotlib.typing has them from 3.10 on
    from matplotlib.typing import RcKeyType

DPI = 120
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
    extra = plt.get_cmap("tab10")
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
    """
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=nrows * ncols == 1)
    if title:
        fig.suptitle(title, fontsize=13, fontweight="bold")
    return fig, axes


def save(fig: Figure, path: Path, dpi: int = DPI) -> Path:
    """Write the figure (parents created), close it to free memory, return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(_RC):
        fig.tight_layout()
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def style_context():
    """Use as `with style_context():` around code that creates axes itself."""
    return plt.rc_context(_RC)
