"""spectral_summary.png and spectral_plots/*_powerlaw.png: training quality from weights alone.

Alpha thresholds (heavy-tailed self-regularisation, seed 000 section 4): 2 <= alpha <= 6 is the
well-trained range (green); 1.5 <= alpha < 2 and 6 < alpha <= 8 are borderline (yellow);
below 1.5 (over-trained, memorising) or above 8 (under-trained, close to random) is red.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

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
    plain_log_ticks,
    safe_filename,
    short,
    skipped_footnote,
)
from healthopt.plots.style import BAD, DPI, GOOD, WARN, figure, save

if TYPE_CHECKING:
    from healthopt.analysis.results import AnalysisResults
    from healthopt.analysis.spectral import LayerSpectrum

IDEAL = (2.0, 6.0)
BORDERLINE = (1.5, 8.0)
HIST_COLOR, FIT_COLOR = "#1f77b4", "#d62728"


def alpha_color(alpha: float | None) -> str:
    """Green inside 2-6, yellow in 1.5-2 or 6-8, red outside (grey when unknown)."""
    if alpha is None:
        return "#bbbbbb"
    if IDEAL[0] <= alpha <= IDEAL[1]:
        return GOOD
    if BORDERLINE[0] <= alpha <= BORDERLINE[1]:
        return WARN
    return BAD


def alpha_verdict(alpha: float | None) -> str:
    if alpha is None:
        return "no power-law fit"
    if IDEAL[0] <= alpha <= IDEAL[1]:
        return f"α {alpha:.2f} in the ideal range 2–6"
    side = "heavy-tailed: over-trained?" if alpha < IDEAL[0] else "light-tailed: under-trained?"
    band = "borderline" if alpha_color(alpha) == WARN else "outside 1.5–8"
    return f"α {alpha:.2f} {band}, {side}"


LayerField = Literal["alpha", "concentration_score"]
SummaryField = Literal["mean_alpha", "mean_concentration"]


def _mean_of(spectra: list[LayerSpectrum], field: LayerField) -> float | None:
    found = [finite(getattr(s, field)) for s in spectra]
    values = [v for v in found if v is not None]
    return float(np.mean(values)) if values else None


def model_means(
    results: AnalysisResults, model: str, summary_field: SummaryField, layer_field: LayerField
) -> float | None:
    """A model's mean alpha or concentration: the summary's value, else the layers' mean."""
    summary = results.spectral_summary.get(model)
    value = finite(getattr(summary, summary_field)) if summary is not None else None
    if value is None:
        value = _mean_of(results.spectral.get(model) or [], layer_field)
    return value


def _bars(
    ax: Any,
    names: list[str],
    values: list[float | None],
    bar_colors: list[str],
    colors: dict[str, str],
    spec: str,
) -> None:
    x = np.arange(len(names))
    heights = [v if v is not None else 0.0 for v in values]
    ax.bar(x, heights, color=bar_colors, edgecolor="black", linewidth=0.6)
    top = max([h for h in heights if h > 0], default=1.0)
    for xi, v in zip(x, values, strict=True):
        ax.text(
            xi,
            (v or 0.0) + 0.02 * top,
            "n/a" if v is None else format(v, spec),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    model_xticks(ax, x, names, colors)
    ax.set_ylim(0, top * 1.18)


def _alpha_bars(
    ax: Any, results: AnalysisResults, names: list[str], colors: dict[str, str]
) -> None:
    alphas = [model_means(results, m, "mean_alpha", "alpha") for m in names]
    ax.axhspan(*IDEAL, color=GOOD, alpha=0.08, zorder=0)
    _bars(ax, names, alphas, [alpha_color(a) for a in alphas], colors, ".2f")
    top = ax.get_ylim()[1]
    ax.set_ylim(0, max(top, IDEAL[1] + 0.7))
    for y in IDEAL:
        ax.axhline(y, color=GOOD, ls="--", lw=1)
    ax.text(
        1.0,
        IDEAL[1],
        " ideal 2–6",
        color=GOOD,
        fontsize=8,
        va="bottom",
        ha="right",
        transform=ax.get_yaxis_transform(),
    )
    ax.set_ylabel("mean α")
    ax.set_title("Mean power-law exponent α\n(green 2–6 ideal, yellow 1.5–2 / 6–8, red outside)")


def _concentration_bars(
    ax: Any, results: AnalysisResults, names: list[str], colors: dict[str, str]
) -> None:
    values = [model_means(results, m, "mean_concentration", "concentration_score") for m in names]
    if all(v is None for v in values):
        note(ax, "No concentration scores", title="Mean concentration score")
        return
    _bars(ax, names, values, [color_of(colors, m) for m in names], colors, ".3f")
    ax.set_ylabel("mean concentration score")
    ax.set_title("Mean concentration score\n(higher: information in few directions, brittle)")


def _per_layer(ax: Any, results: AnalysisResults, names: list[str], colors: dict[str, str]) -> None:
    title = "α per layer"
    spectral = results.spectral
    drawn = False
    ax.axhspan(*IDEAL, color=GOOD, alpha=0.08, zorder=0)
    for model in names:
        points = sorted(
            (s.layer_index, a)
            for s in spectral.get(model) or []
            if (a := finite(s.alpha)) is not None
        )
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, "o-", color=color_of(colors, model), label=model_label(model), ms=5)
        drawn = True
    if not drawn:
        note(
            ax, "No per-layer α (no layer large enough, or spectral analysis skipped)", title=title
        )
        return
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer index in model")
    ax.set_ylabel("α")
    ax.set_title(title + " (band: ideal 2–6)")
    axis_legend(ax, names, loc="best")


def _recommendations(
    ax: Any, results: AnalysisResults, names: list[str], colors: dict[str, str]
) -> None:
    """Each model's status and recommendations, cut to what fits (the JSON has them all)."""
    title = "Recommendations"
    summaries = {m: s for m in names if (s := results.spectral_summary.get(m)) is not None}
    if not summaries:
        note(ax, "No spectral summary", title=title)
        return
    ax.set_axis_off()
    ax.set_title(title)
    height_in = ax.figure.get_size_inches()[1] * ax.get_position().height
    line = 1.4 * 8 / 72 / height_in  # one 8-pt line, in axes fraction
    wrapped = {
        m: [textwrap.wrap(str(r), 95) for r in s.recommendations] for m, s in summaries.items()
    }
    # Round-robin: every model's first recommendation before anyone's second, while they fit.
    kept = dict.fromkeys(wrapped, 0)
    budget = int(0.97 / line - 1.5 * len(wrapped))  # a header and a gap per model
    progress = True
    while progress:
        progress = False
        for model, recs in wrapped.items():
            if kept[model] < len(recs) and len(recs[kept[model]]) <= budget:
                budget -= len(recs[kept[model]])
                kept[model] += 1
                progress = True
    y = 0.99
    for model, summary in summaries.items():
        status = summary.status or "status unknown"
        alpha = fmt(summary.mean_alpha, ".2f")
        left_out = len(wrapped[model]) - kept[model]
        more = f"  (+{left_out} in analysis_results.json)" if left_out else ""
        ax.text(
            0.0,
            y,
            f"{model_label(model)} — {status}, mean α {alpha}",
            fontsize=9,
            fontweight="bold",
            color=color_of(colors, model),
            va="top",
            transform=ax.transAxes,
        )
        if more:
            ax.annotate(
                more,
                (1.0, 1.0),
                xytext=(2, 0),
                textcoords="offset points",
                xycoords=ax.texts[-1],
                va="top",
                fontsize=8,
                color="#555555",
            )
        y -= 1.1 * line
        for rec in wrapped[model][: kept[model]]:
            for j, text in enumerate(rec):
                ax.text(
                    0.01,
                    y,
                    ("• " if j == 0 else "   ") + text,
                    fontsize=8,
                    va="top",
                    transform=ax.transAxes,
                )
                y -= line
        y -= 0.4 * line


def has_spectra(results: AnalysisResults, names: list[str]) -> bool:
    spectral, summary = results.spectral, results.spectral_summary
    return any(spectral.get(m) or summary.get(m) is not None for m in names)


def draw_summary(
    results: AnalysisResults,
    colors: dict[str, str],
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
) -> Path | None:
    """Write spectral_summary.png; None when no model has spectral results."""
    names = [m for m in model_names(results) if has_spectra(results, [m])]
    if not names:
        return None
    colors = complete_colors(colors, model_names(results))
    fig, axes = figure(2, 2, size=(15, 11), title="Spectral analysis summary (HTSR)")
    _alpha_bars(axes[0, 0], results, names, colors)
    _concentration_bars(axes[0, 1], results, names, colors)
    _per_layer(axes[1, 0], results, names, colors)
    _recommendations(axes[1, 1], results, names, colors)
    figure_legend(fig, names, colors)
    skipped_footnote(fig, results, ("spectral",))
    return save(fig, out_path(out_dir, "spectral_summary", save_format), dpi=dpi)


def powerlaw_filename(model: str, spectrum: LayerSpectrum) -> str:
    index = spectrum.layer_index
    layer = safe_filename(str(spectrum.name))
    stem = f"layer_{index}_{layer}" if index is not None else layer
    return f"{safe_filename(model)}_{stem}_powerlaw"


def draw_powerlaw(
    model: str,
    spectrum: LayerSpectrum,
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
) -> Path | None:
    """One layer's ESD on log-log axes with its power-law fit over the tail.

    None when the eigenvalues were not kept (results loaded from JSON) or none is positive.
    """
    evals = np.asarray(spectrum.evals, dtype=float)
    evals = evals[np.isfinite(evals) & (evals > 0)]
    if evals.size < 2 or np.ptp(evals) == 0:
        return None
    alpha, xmin, ks = finite(spectrum.alpha), finite(spectrum.xmin), finite(spectrum.ks_distance)
    fig, ax = figure(1, 1, size=(7.5, 5.5))
    bins = int(np.clip(2 * np.sqrt(evals.size), 10, 60))
    edges = np.logspace(np.log10(evals.min()), np.log10(evals.max()), bins + 1)
    density, edges = np.histogram(evals, bins=edges, density=True)
    centers = np.sqrt(edges[:-1] * edges[1:])
    shown = density > 0
    ax.loglog(
        centers[shown],
        density[shown],
        "o",
        color=HIST_COLOR,
        ms=5,
        label=f"ESD ({evals.size} eigenvalues)",
    )
    if alpha is not None and xmin is not None and alpha > 1 and xmin < evals.max():
        # Pareto density of the tail, scaled by the tail's share so it overlays the histogram.
        tail_share = np.mean(evals >= xmin)
        xs = np.logspace(np.log10(xmin), np.log10(evals.max()), 50)
        ys = tail_share * (alpha - 1) / xmin * (xs / xmin) ** (-alpha)
        ks_text = f", KS = {ks:.3f}" if ks is not None else ""
        ax.loglog(xs, ys, "-", color=FIT_COLOR, lw=2, label=f"power law α = {alpha:.2f}{ks_text}")
    if xmin is not None:
        ax.axvline(xmin, color="black", ls="--", lw=1.2, label=f"xmin = {xmin:.3g}")
    if alpha is None:
        ax.text(
            0.5,
            0.95,
            "no power-law fit: " + (spectrum.reason or "none found"),
            ha="center",
            fontsize=9,
            color=BAD,
            transform=ax.transAxes,
        )
    shape_text = f" {tuple(spectrum.shape)}" if spectrum.shape is not None else ""
    ax.set_title(
        f"{short(model, 24)} — {short(str(spectrum.name), 32)}\n"
        f"{spectrum.kind}{shape_text}: {alpha_verdict(alpha)}",
        fontsize=10,
    )
    plain_log_ticks(ax.xaxis)
    plain_log_ticks(ax.yaxis)
    ax.set_xlabel("eigenvalue λ of WᵀW")
    ax.set_ylabel("density P(λ)")
    ax.legend(loc="lower left", fontsize=8)
    path = Path(out_dir) / "spectral_plots" / f"{powerlaw_filename(model, spectrum)}.{save_format}"
    return save(fig, path, dpi=dpi)


def draw_powerlaw_plots(
    results: AnalysisResults,
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
    max_plots_per_model: int | None = None,
) -> dict[str, Path]:
    """Every layer's power-law plot under out_dir/spectral_plots, keyed 'spectral_plots/<stem>'."""
    written: dict[str, Path] = {}
    for model in model_names(results):
        spectra = list(results.spectral.get(model) or [])
        if max_plots_per_model is not None:
            spectra = spectra[:max_plots_per_model]
        for spectrum in spectra:
            path = draw_powerlaw(model, spectrum, out_dir, dpi=dpi, save_format=save_format)
            if path is not None:
                written[f"spectral_plots/{path.stem}"] = path
    return written
