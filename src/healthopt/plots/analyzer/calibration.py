"""confidence_calibration_analysis.png: how far each model's confidence can be trusted.

Four panels: reliability diagram (bin accuracy against bin confidence, y = x is perfect),
confidence violins, per-class ECE, and the confidence-vs-entropy density (the uncertainty
landscape). Reads `results.calibration[model]` (a CalibrationReport with its per-sample arrays).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from healthopt.plots.analyzer._common import (
    axis_legend,
    color_of,
    complete_colors,
    figure_legend,
    finite,
    fmt,
    model_label,
    model_names,
    model_xticks,
    note,
    out_path,
    skipped_footnote,
)
from healthopt.plots.style import DPI, figure, save

if TYPE_CHECKING:
    from healthopt.analysis.calibration import CalibrationReport
    from healthopt.analysis.results import AnalysisResults

Reports = dict[str, "CalibrationReport"]

MAX_BAR_CLASSES = 20  # above this, per-class ECE is drawn as markers: grouped bars get unreadable
MAX_POINTS = 3000  # per model in the uncertainty scatter; the density uses every sample


def reports(results: AnalysisResults) -> Reports:
    """Calibration reports by model, in model order, without the skipped ones."""
    calib = results.calibration
    return {m: calib[m] for m in model_names(results) if calib.get(m) is not None}


def raw(report: CalibrationReport, field: Literal["confidences", "entropies"]) -> np.ndarray:
    """A report's per-sample array as floats (empty when it was not kept)."""
    values = getattr(report, field)
    return np.empty(0) if values is None else np.asarray(values, dtype=float).ravel()


def confidence_violins(
    ax: Any, results: AnalysisResults, colors: dict[str, str], title: str
) -> bool:
    """Violins of per-sample top-class confidence; False (and a note) when none is known."""
    data = {m: raw(r, "confidences") for m, r in reports(results).items()}
    data = {m: v[np.isfinite(v)] for m, v in data.items()}
    data = {m: v for m, v in data.items() if v.size}
    if not data:
        note(ax, "No per-sample confidences\n(calibration not run or skipped)", title=title)
        return False
    names = list(data)
    # A violin needs spread: a model whose every confidence is equal gets a bar instead.
    spread = [i for i, v in enumerate(data.values()) if np.ptp(v) > 0]
    if spread:
        parts = ax.violinplot(
            [data[names[i]] for i in spread], positions=spread, showmedians=True, widths=0.8
        )
        for body, i in zip(parts["bodies"], spread, strict=True):
            body.set_facecolor(color_of(colors, names[i]))
            body.set_edgecolor("black")
            body.set_alpha(0.6)
        for key in ("cmedians", "cmins", "cmaxes", "cbars"):
            if key in parts:
                parts[key].set_color("#333333")
                parts[key].set_linewidth(1)
    for i, values in enumerate(data.values()):
        if np.ptp(values) == 0:
            ax.hlines(values[0], i - 0.35, i + 0.35, color=color_of(colors, names[i]), lw=3)
        ax.text(i, 1.02, f"mean {values.mean():.2f}", ha="center", va="bottom", fontsize=8)
    model_xticks(ax, np.arange(len(names)), names, colors)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("top-class confidence")
    ax.set_title(title)
    return True


def _reliability(ax: Any, data: Reports, colors: dict[str, str]) -> None:
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect (y = x)")
    for name, report in data.items():
        bins = [b for b in report.bins if b.count > 0]
        conf = [finite(b.mean_confidence) for b in bins]
        acc = [finite(b.accuracy) for b in bins]
        keep = [
            (c, a, b.count)
            for c, a, b in zip(conf, acc, bins, strict=True)
            if c is not None and a is not None
        ]
        if not keep:
            continue
        c, a, n = (np.array(v, dtype=float) for v in zip(*keep, strict=True))
        size = 10 + 140 * np.sqrt(n / n.max())
        color = color_of(colors, name)
        ax.plot(
            c,
            a,
            "-",
            color=color,
            lw=1.2,
            alpha=0.6,
            label=f"{model_label(name)} (ECE {fmt(report.ece)})",
        )
        ax.scatter(c, a, s=size, color=color, edgecolor="white", zorder=3)
    ax.set_xlim(-0.02, 1.03)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("mean confidence in bin")
    ax.set_ylabel("accuracy in bin")
    ax.set_title("Reliability diagram (marker size = samples)")
    ax.legend(loc="upper left", fontsize=8)


def _per_class_ece(ax: Any, data: Reports, colors: dict[str, str]) -> None:
    title = "Per-class ECE (lower is better)"
    per_model = {m: list(r.per_class_ece) for m, r in data.items()}
    per_model = {m: v for m, v in per_model.items() if any(finite(x) is not None for x in v)}
    if not per_model:
        note(ax, "No per-class ECE", title=title)
        return
    n_classes = max(len(v) for v in per_model.values())
    classes = np.arange(n_classes)
    if n_classes <= MAX_BAR_CLASSES:
        width = 0.8 / len(per_model)
        for i, (name, values) in enumerate(per_model.items()):
            heights = [finite(v) for v in values]
            xs = [
                c + (i - (len(per_model) - 1) / 2) * width
                for c, h in zip(classes, heights, strict=False)
                if h is not None
            ]
            ax.bar(
                xs,
                [h for h in heights if h is not None],
                width=width,
                color=color_of(colors, name),
                label=model_label(name),
            )
        ax.set_xticks(classes)
    else:
        for name, values in per_model.items():
            ys = np.array([np.nan if (f := finite(v)) is None else f for v in values])
            ax.plot(
                np.arange(len(ys)),
                ys,
                "o",
                ms=3,
                color=color_of(colors, name),
                label=model_label(name),
            )
    ax.set_xlabel("class")
    ax.set_ylabel("ECE")
    ax.set_title(title)
    if len(per_model) > 1:
        axis_legend(ax, list(per_model))


def _uncertainty(ax: Any, fig: Any, data: Reports, colors: dict[str, str]) -> None:
    title = "Uncertainty landscape: confidence vs entropy"
    pairs = {}
    for name, report in data.items():
        conf, ent = raw(report, "confidences"), raw(report, "entropies")
        if conf.size and conf.size == ent.size:
            ok = np.isfinite(conf) & np.isfinite(ent)
            if ok.any():
                pairs[name] = (conf[ok], ent[ok])
    if not pairs:
        note(ax, "No per-sample confidences and entropies", title=title)
        return
    if len(pairs) == 1:
        name, (conf, ent) = next(iter(pairs.items()))
        hb = ax.hexbin(conf, ent, gridsize=30, cmap="viridis", mincnt=1, bins="log")
        fig.colorbar(hb, ax=ax, label="samples (log)")
        title += f" — {model_label(name)}"
    else:
        _overlaid_densities(ax, pairs, colors)
    ax.set_xlabel("top-class confidence")
    ax.set_ylabel("predictive entropy (nats)")
    ax.set_title(title)


def _overlaid_densities(ax: Any, pairs: dict, colors: dict[str, str]) -> None:
    """Per model: a faint sample of points and the contours holding 50% and 90% of them."""
    rng = np.random.default_rng(0)
    every_x = np.concatenate([c for c, _ in pairs.values()])
    every_y = np.concatenate([e for _, e in pairs.values()])
    grid = np.meshgrid(
        np.linspace(every_x.min(), every_x.max(), 80), np.linspace(every_y.min(), every_y.max(), 80)
    )
    for name, (conf, ent) in pairs.items():
        color = color_of(colors, name)
        idx = rng.choice(conf.size, size=min(conf.size, MAX_POINTS), replace=False)
        ax.scatter(conf[idx], ent[idx], s=6, color=color, alpha=0.25, linewidths=0)
        _mass_contours(ax, conf[idx], ent[idx], grid, color)
        sure = float(np.mean(conf > 0.99))
        ax.plot([], [], color=color, lw=2, label=f"{model_label(name)} ({sure:.0%} above 0.99)")
    ax.set_xlim(right=1.01)
    ax.set_ylim(bottom=-0.03)
    ax.plot([], [], color="black", lw=1.5, label="50% of samples inside")
    ax.plot([], [], color="black", lw=1, ls="--", label="90% of samples inside")
    ax.legend(fontsize=8, loc="upper right")


def _mass_contours(ax: Any, x: np.ndarray, y: np.ndarray, grid: tuple, color: str) -> None:
    """Kernel-density contours enclosing about 50% and 90% of the points; none when the
    points have no 2-D spread (the density is then undefined)."""
    if x.size < 10 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return
    from scipy.stats import gaussian_kde

    try:
        kde = gaussian_kde(np.vstack([x, y]))
    except (np.linalg.LinAlgError, ValueError):
        return
    at_points = kde(np.vstack([x, y]))
    levels = np.quantile(at_points, [0.1, 0.5])
    gx, gy = grid
    z = kde(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    if levels[0] < levels[1] and z.max() > levels[1]:
        ax.contour(
            gx, gy, z, levels=levels, colors=[color], linewidths=[1, 1.8], linestyles=["--", "-"]
        )


def draw(
    results: AnalysisResults,
    colors: dict[str, str],
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
) -> Path | None:
    """Write confidence_calibration_analysis.png; None when no model has calibration."""
    data = reports(results)
    if not data:
        return None
    colors = complete_colors(colors, model_names(results))
    fig, axes = figure(2, 2, size=(14, 10.5), title="Confidence & calibration analysis")
    _reliability(axes[0, 0], data, colors)
    confidence_violins(axes[0, 1], results, colors, "Confidence distributions")
    _per_class_ece(axes[1, 0], data, colors)
    _uncertainty(axes[1, 1], fig, data, colors)
    figure_legend(fig, list(data), colors)
    skipped_footnote(fig, results, ("calibration",))
    return save(fig, out_path(out_dir, "confidence_calibration_analysis", save_format), dpi=dpi)
