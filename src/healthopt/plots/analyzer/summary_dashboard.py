"""summary_dashboard.png: the first figure to open, one 2x2 overview of every model.

Performance table (accuracy, ECE, Brier, mean alpha, parameters and, with histories, training
efficiency), model similarity (PCA of per-model weight statistics), confidence violins, and
the calibration landscape (ECE against Brier: bottom-left is best).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthopt.analysis.weight_pca import WeightPCA, WeightPCAError, weight_pca
from healthopt.plots.analyzer._common import (
    color_of,
    complete_colors,
    draw_table,
    finite,
    fmt,
    fmt_count,
    label_points,
    model_label,
    model_names,
    note,
    out_path,
    skipped_footnote,
)
from healthopt.plots.analyzer.calibration import confidence_violins
from healthopt.plots.style import DPI, figure, save

if TYPE_CHECKING:
    from healthopt.analysis.results import AnalysisResults


def parameters(results: AnalysisResults, model: str) -> float | None:
    """Parameter count from model_info, else the sum over analysed weight layers."""
    info = results.model_info.get(model)
    count = finite(info.parameters) if info is not None else None
    if count is not None:
        return count
    layers = results.weights.get(model) or []
    total = sum(finite(s.num_parameters) or 0 for s in layers)
    return float(total) if layers else None


def _table(ax: Any, results: AnalysisResults, names: list[str], colors: dict[str, str]) -> None:
    calib = results.calibration
    summary = results.spectral_summary
    dynamics = results.training_dynamics
    columns = ["Model", "Accuracy", "ECE", "Brier", "Mean\nα", "Params"]
    with_history = any(dynamics.get(m) is not None for m in names)
    if with_history:
        columns += ["Epochs to\nconv.", "Overfit\nidx"]
    rows = []
    for model in names:
        report, spec, dyn = calib.get(model), summary.get(model), dynamics.get(model)
        row = [
            model_label(model),
            fmt(report and report.accuracy, ".3f"),
            fmt(report and report.ece, ".3f"),
            fmt(report and report.brier, ".3f"),
            fmt(spec and spec.mean_alpha, ".2f"),
            fmt_count(parameters(results, model)),
        ]
        if with_history:
            row += [
                fmt(dyn and dyn.epochs_to_convergence, ".0f"),
                fmt(dyn and dyn.overfitting_index, "+.3f"),
            ]
        rows.append(row)
    ax.set_title("Performance summary")
    draw_table(
        ax,
        columns,
        rows,
        [color_of(colors, m) for m in names],
        "ECE, Brier: lower is better; α ideal 2–6; — = not computed",
    )


def model_pca(results: AnalysisResults) -> tuple[WeightPCA | None, str | None]:
    """(WeightPCA, None), or (None, why not): the results' map, else one made from weights."""
    if results.weight_pca is not None:
        return results.weight_pca, None
    why = results.notes.get("weight_pca")
    if why:
        return None, why
    try:
        return weight_pca(results.weights), None
    except WeightPCAError as error:
        return None, str(error)


def _similarity(ax: Any, results: AnalysisResults, colors: dict[str, str]) -> None:
    title = "Model similarity (PCA of weight statistics)"
    pca, why = model_pca(results)
    if pca is None:
        note(
            ax,
            f"No similarity map: {why}.\nWith fewer than 3 models any projection is trivial.",
            title=title,
        )
        return
    for model in pca.models:
        x, y = pca.coordinates_of(model)
        ax.scatter(x, y, s=120, color=color_of(colors, model), edgecolor="black", zorder=3)
    first, second = pca.explained_variance
    ax.set_xlabel(f"PC1 ({first:.0%} of variance)")
    ax.set_ylabel(f"PC2 ({second:.0%} of variance)")
    ax.margins(0.25)
    label_points(ax, [(m, *pca.coordinates_of(m)) for m in pca.models], colors)
    ax.set_title(title)
    ax.text(
        0.01,
        0.01,
        "from: " + ", ".join(pca.features),
        fontsize=7,
        color="#555555",
        transform=ax.transAxes,
    )


def _landscape(ax: Any, results: AnalysisResults, names: list[str], colors: dict[str, str]) -> None:
    title = "Calibration landscape (bottom-left is best)"
    found = [
        (m, finite(report and report.ece), finite(report and report.brier))
        for m in names
        for report in [results.calibration.get(m)]
    ]
    points = [(m, e, b) for m, e, b in found if e is not None and b is not None]
    if not points:
        note(ax, "No calibration results\n(no data given, or calibration skipped)", title=title)
        return
    for model, ece, brier in points:
        ax.scatter(ece, brier, s=140, color=color_of(colors, model), edgecolor="black", zorder=3)
    eces = [p[1] for p in points]
    briers = [p[2] for p in points]
    ax.set_xlim(0, max(max(eces) * 1.3, 0.05))
    ax.set_ylim(0, max(max(briers) * 1.3, 0.05))
    label_points(ax, points)
    ax.text(
        0.98,
        0.98,
        "↙ better: lower ECE and Brier",
        ha="right",
        va="top",
        color="#009E73",
        fontsize=10,
        fontweight="bold",
        transform=ax.transAxes,
    )
    ax.set_xlabel("ECE (expected calibration error)")
    ax.set_ylabel("Brier score")
    ax.set_title(title)


def has_any(results: AnalysisResults, names: list[str]) -> bool:
    sections: tuple[Mapping[str, object], ...] = (
        results.weights,
        results.spectral,
        results.spectral_summary,
        results.calibration,
        results.training_dynamics,
    )
    return any(section.get(m) for section in sections for m in names)


def draw(
    results: AnalysisResults,
    colors: dict[str, str],
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
) -> Path | None:
    """Write summary_dashboard.png; None when no model has any analysis result."""
    names = model_names(results)
    if not names or not has_any(results, names):
        return None
    colors = complete_colors(colors, model_names(results))
    fig, axes = figure(2, 2, size=(15, 11), title="Model analysis summary")
    _table(axes[0, 0], results, names, colors)
    _similarity(axes[0, 1], results, colors)
    confidence_violins(axes[1, 0], results, colors, "Confidence profiles")
    _landscape(axes[1, 1], results, names, colors)
    skipped_footnote(fig, results, ("calibration", "weights", "spectral", "training_dynamics"))
    return save(fig, out_path(out_dir, "summary_dashboard", save_format), dpi=dpi)
