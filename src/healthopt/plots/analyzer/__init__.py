"""The model analyzer's figures (seed 000 section 7), drawn from an `AnalysisResults`.

`draw_all` writes every figure the results hold data for and returns their paths by name;
a figure with nothing to show is not written (and not in the mapping). Colours come from the
caller so one model keeps its colour in every figure; a model missing from `colors` gets a
house colour. Nothing here imports TensorFlow. `report.save_analysis` draws and writes a
whole analysis the way the `analyze` command does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.plots.analyzer import (
    calibration,
    information_flow,
    pareto,
    spectral,
    summary_dashboard,
    training_dynamics,
    weight_journey,
)
from healthopt.plots.analyzer._common import complete_colors, model_names
from healthopt.plots.style import DPI

if TYPE_CHECKING:
    from healthopt.analysis.pareto import ParetoPoint
    from healthopt.analysis.results import AnalysisResults, ParetoAnalysis

log = logging.getLogger(__name__)

__all__ = ["FIGURES", "draw_all", "draw_pareto"]

# Figure name (file stem) -> drawing function, in the order a reader opens them.
FIGURES: dict[str, Callable[..., Path | None]] = {
    "summary_dashboard": summary_dashboard.draw,
    "spectral_summary": spectral.draw_summary,
    "training_dynamics": training_dynamics.draw,
    "weight_learning_journey": weight_journey.draw,
    "confidence_calibration_analysis": calibration.draw,
    "information_flow_analysis": information_flow.draw,
}


def draw_all(
    results: AnalysisResults,
    colors: dict[str, str] | None,
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
    max_layers_heatmap: int = 12,
    max_layers_info_flow: int = 8,
    powerlaw_plots: bool = True,
) -> dict[str, Path]:
    """Write every figure with data into out_dir; returns {name: path} of those written.

    Power-law plots are keyed "spectral_plots/<file stem>". The Pareto figure is separate
    (`draw_pareto`); it is drawn here too when `results.pareto` holds a front (no `reason`).
    """
    out_dir = Path(out_dir)
    colors = complete_colors(colors, model_names(results))
    extra = {
        "weight_learning_journey": {"max_layers": max_layers_heatmap},
        "information_flow_analysis": {"max_layers": max_layers_info_flow},
    }
    written: dict[str, Path] = {}
    for name, draw in FIGURES.items():
        path = draw(
            results, colors, out_dir, dpi=dpi, save_format=save_format, **extra.get(name, {})
        )
        if path is None:
            log.info("%s: nothing to draw, not written", name)
        else:
            written[name] = path
    if results.pareto is not None and results.pareto.reason is None:
        path = pareto.draw(results, None, colors, out_dir, dpi=dpi, save_format=save_format)
        if path is not None:
            written["pareto_analysis"] = path
    if powerlaw_plots:
        written.update(
            spectral.draw_powerlaw_plots(results, out_dir, dpi=dpi, save_format=save_format)
        )
    return written


def draw_pareto(
    results: AnalysisResults | None,
    points: ParetoAnalysis | Sequence[ParetoPoint] | None,
    colors: dict[str, str] | None,
    out_dir: Path,
    dpi: int = DPI,
    save_format: str = "png",
    x_metric: str | None = None,
    y_metric: str | None = None,
) -> Path | None:
    """Write pareto_analysis.png from a ParetoAnalysis or a list of ParetoPoints (None:
    `results.pareto`); None, nothing written, when there is nothing to compare."""
    names = model_names(results) if results is not None else []
    source = points if points is not None else results.pareto if results is not None else None
    listed: Sequence[ParetoPoint] = []
    metrics: dict[str, dict[str, float | None]] = {}
    if isinstance(source, Sequence):
        listed = source
    elif source is not None:
        listed, metrics = source.points, source.metrics
    names += [n for n in [*metrics, *(p.name for p in listed)] if n not in names]
    colors = complete_colors(colors, names)
    return pareto.draw(
        results,
        points,
        colors,
        Path(out_dir),
        dpi=dpi,
        save_format=save_format,
        x_metric=x_metric,
        y_metric=y_metric,
    )
