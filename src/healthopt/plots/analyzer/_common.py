"""Small helpers every analyzer figure shares: model names, labels, notes, tables.

The figures read an `AnalysisResults` whose per-model sections may lack a model (an analysis
was switched off, or skipped for it); `model_names` lists every model any section holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from healthopt.plots.style import model_colors

if TYPE_CHECKING:
    from healthopt.analysis.results import AnalysisResults

FALLBACK_COLOR = "#7f7f7f"
MODEL_LABEL_WIDTH = 22  # characters of a model name in legends and on axes
MANY_MODELS = 4  # above this, one figure legend names the models instead of every panel


def model_names(results: AnalysisResults) -> list[str]:
    """Every model named in `results.models` or any section, in first-seen order."""
    sections: tuple[Iterable[str], ...] = (
        results.models,
        results.model_info,
        results.weights,
        results.spectral,
        results.spectral_summary,
        results.calibration,
        results.information_flow,
        results.training_dynamics,
        results.histories,
    )
    return list(dict.fromkeys(name for section in sections for name in section))


def color_of(colors: dict[str, str], name: str) -> str:
    return colors.get(name, FALLBACK_COLOR)


def complete_colors(colors: dict[str, str] | None, names: Sequence[str]) -> dict[str, str]:
    """The caller's colours, plus for each model it did not name the next house colour that
    no model uses yet."""
    given = dict(colors or {})
    missing = [n for n in names if n not in given]
    if missing:
        used = {c.lower() for c in given.values()}
        pool = model_colors(str(i) for i in range(len(given) + len(missing) + 10)).values()
        spare = [c for c in pool if c.lower() not in used]
        given.update(zip(missing, spare, strict=False))
    return given


def finite(value: Any) -> float | None:
    """A float when the value is a finite number, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt(value: Any, spec: str = ".3f") -> str:
    number = finite(value)
    return "—" if number is None else format(number, spec)


def fmt_count(value: Any) -> str:
    """1234 -> '1.2K', 2_500_000 -> '2.5M'."""
    number = finite(value)
    if number is None:
        return "—"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}{suffix}"
    return f"{int(number)}"


def short(name: str, width: int = 18) -> str:
    """Cut a long label in the middle so both its start and its distinctive end stay."""
    if len(name) <= width:
        return name
    keep = width - 1
    head = (keep + 1) // 2
    return f"{name[:head]}…{name[len(name) - (keep - head) :]}"


def safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "layer"


def pick_evenly(items: Sequence[Any], k: int) -> list[Any]:
    """At most k items, evenly spread and always keeping the first and the last."""
    items = list(items)
    if k <= 0:
        return []
    if len(items) <= k:
        return items
    if k == 1:
        return [items[0]]
    positions = np.unique(np.round(np.linspace(0, len(items) - 1, k)).astype(int))
    return [items[i] for i in positions]


def note(ax: Any, text: str, *, title: str | None = None) -> None:
    """Replace an axis's content with a centred explanation (why there is nothing to show)."""
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        fontsize=10,
        color="#555555",
        wrap=True,
        transform=ax.transAxes,
    )


def skipped_footnote(fig: Any, results: AnalysisResults, analyses: Sequence[str]) -> None:
    """List, under the figure, the models whose analyses for this figure were skipped."""
    lines = []
    for model, reasons in results.skipped.items():
        for analysis, reason in reasons.items():
            if analysis in analyses:
                lines.append(f"{model}: {analysis} skipped ({short(str(reason), 70)})")
    if lines:
        shown = lines[:4] + ([f"… and {len(lines) - 4} more"] if len(lines) > 4 else [])
        fig.text(0.01, -0.01, "\n".join(shown), ha="left", va="top", fontsize=8, color="#555555")


def out_path(out_dir: Path, stem: str, save_format: str) -> Path:
    return Path(out_dir) / f"{stem}.{save_format.lstrip('.')}"


def model_tick_colors(
    ax: Any, names: Sequence[str], colors: dict[str, str], axis: str = "x"
) -> None:
    """Colour each model's tick label with its model colour."""
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    for label, name in zip(labels, names, strict=False):
        label.set_color(color_of(colors, name))


def draw_table(
    ax: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    row_colors: Sequence[str],
    footnote: str = "",
) -> None:
    """A table filling the axis width; the first column (model names) in each row's colour."""
    ax.set_axis_off()
    row_height = min(0.1, 0.85 / (len(rows) + 1))
    height = row_height * (len(rows) + 1)
    table = ax.table(
        cellText=[list(r) for r in rows],
        colLabels=list(columns),
        cellLoc="center",
        bbox=[0.0, 1.0 - height, 1.0, height],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(10 if len(rows) <= 8 else 8)
    # Columns as wide as their longest entry, relative to each other (the bbox fixes the sum).
    # A header may break over lines; its widest line counts.
    widths = [
        max(max(map(len, str(c).split("\n"))), *(len(str(r[j])) for r in rows)) + 2
        for j, c in enumerate(columns)
    ]
    total = float(sum(widths))
    for (row, col), cell in table.get_celld().items():
        cell.set_width(widths[col] / total)
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#e8e8e8")
        elif col == 0:
            cell.set_text_props(color=row_colors[row - 1], weight="bold")
    if footnote:
        ax.text(
            0.5,
            1.0 - height - 0.04,
            footnote,
            ha="center",
            va="top",
            fontsize=8,
            color="#555555",
            wrap=True,
            transform=ax.transAxes,
        )


def label_points(
    ax: Any,
    points: Sequence[tuple[str, float, float]],
    colors: dict[str, str] | None = None,
    marks: dict[str, str] | None = None,
    texts: dict[str, str] | None = None,
) -> None:
    """Name each scattered point (call once the axis limits are final). Each label goes to
    the corner of its point (up/down, left/right) farthest from every other point and
    label, so neighbours do not hide each other's names and none runs off the axis.
    `texts[name]` replaces a point's label (default: the model name); `marks[name]` is
    appended to it, and the label is then set in bold."""
    marks, texts = marks or {}, texts or {}
    if not points:
        return
    x_low, x_high = ax.get_xlim()
    y_low, y_high = ax.get_ylim()
    x_span, y_span = (x_high - x_low) or 1.0, (y_high - y_low) or 1.0
    width_in, height_in = ax.figure.get_size_inches() * ax.get_position().size
    spots = [((x - x_low) / x_span, (y - y_low) / y_span) for _, x, y in points]
    taken = list(spots)  # points and placed label centres, in axes fractions
    for (name, x, y), (nx, ny) in zip(points, spots, strict=True):
        text = texts.get(name, model_label(name)) + marks.get(name, "")
        half_w = len(text) * 0.6 * 9 / 72 / width_in / 2 + 0.015
        half_h = 9 / 72 / height_in / 2 + 0.01
        best, best_room = (1, 1), -1.0
        for sx, sy in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            cx, cy = nx + sx * half_w, ny + sy * half_h
            if not (0.0 <= cx - half_w and cx + half_w <= 1.0 and 0.0 <= cy <= 1.0):
                continue
            room = min(
                (
                    np.hypot((cx - px) / half_w, (cy - py) / half_h)
                    for px, py in taken
                    if (px, py) != (nx, ny)
                ),
                default=99.0,
            )
            if room > best_room + 0.05:
                best, best_room = (sx, sy), room
        taken.append((nx + best[0] * half_w, ny + best[1] * half_h))
        ax.annotate(
            text,
            (x, y),
            xytext=(6 * best[0], 5 * best[1]),
            textcoords="offset points",
            fontweight="bold" if name in marks else "normal",
            ha="left" if best[0] > 0 else "right",
            va="bottom" if best[1] > 0 else "top",
            fontsize=9,
            color=color_of(colors, name) if colors else "black",
        )


def model_xticks(
    ax: Any, positions: Iterable[float], names: Sequence[str], colors: dict[str, str]
) -> None:
    """Model names under bars or violins, in model colours; slanted when there are many."""
    many = len(names) > 3
    ax.set_xticks(
        list(positions),
        [model_label(n) for n in names],
        rotation=30 if many else 0,
        ha="right" if many else "center",
    )
    model_tick_colors(ax, names, colors)


def model_label(name: str) -> str:
    """A model's name as legends and axes show it (cut in the middle when long)."""
    return short(name, MODEL_LABEL_WIDTH)


def axis_legend(ax: Any, models: Sequence[str], **kwargs: Any) -> None:
    """The panel's legend; with many models their entries go (they are in the figure legend)
    and only the panel's own entries (line styles, reference lines) stay."""
    handles, labels = ax.get_legend_handles_labels()
    if len(models) > MANY_MODELS:
        names = {model_label(m) for m in models}
        pairs = [(h, lab) for h, lab in zip(handles, labels, strict=True) if lab not in names]
        handles, labels = [h for h, _ in pairs], [lab for _, lab in pairs]
    if handles:
        ax.legend(handles, labels, fontsize=8, **kwargs)


def figure_legend(fig: Any, models: Sequence[str], colors: dict[str, str]) -> None:
    """With many models, one legend of model colours to the right of the figure."""
    if len(models) <= MANY_MODELS:
        return
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=color_of(colors, m), marker="o", lw=2, label=model_label(m))
        for m in models
    ]
    fig.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        title="models",
        fontsize=9,
        frameon=False,
    )


def colormap_with_gaps(name: str, gap_color: str) -> Any:
    """A named colormap that paints missing cells (NaN) in `gap_color`."""
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad=gap_color)


def plain_log_ticks(axis: Any) -> None:
    """Label a log axis 0.01, 2, 50, ... instead of mathtext powers (which are also slow):
    every decade, plus 2 and 5 within it when the axis spans at most two decades."""
    from matplotlib.ticker import FuncFormatter

    def minor(value: float, _: Any) -> str:
        low, high = sorted(axis.get_view_interval())
        if value <= 0 or low <= 0 or high / low > 100:
            return ""
        mantissa = round(value / 10 ** np.floor(np.log10(value)), 6)
        return f"{value:g}" if mantissa in (2.0, 5.0) else ""

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(FuncFormatter(minor))


def chars_per_cell(ax: Any, columns: int, fontsize: float) -> int:
    """How many characters of `fontsize` fit across one of `columns` equal cells of the axis."""
    width_in = ax.figure.get_size_inches()[0] * ax.get_position().width / max(1, columns)
    return max(6, int(width_in / (0.62 * fontsize / 72)))
