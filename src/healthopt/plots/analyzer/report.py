"""Saving a model analysis: its figures and `analysis_results.json`, into one folder.

`ModelAnalyzer` only computes; its callers (the `analyze` command, a script) save what it
returned here, so `analysis/` never imports `plots/`. A figure that fails to draw is named in
the results' `notes` and the JSON is still written: the numbers matter more than a picture.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.results import AnalysisResults
from healthopt.plots.analyzer import draw_all, draw_pareto
from healthopt.plots.style import model_colors

log = logging.getLogger(__name__)


def save_analysis(
    results: AnalysisResults, output_dir: Path, config: AnalysisConfig
) -> AnalysisResults:
    """Draw the figures (when `config.save_plots`), then write the JSON, into `output_dir`.

    Returns the results with `figures` (name -> file within output_dir) filled, or with
    `notes["figures"]` saying why drawing failed.
    """
    output_dir = Path(output_dir)
    if config.save_plots:
        try:
            written = draw_all(
                results,
                model_colors(results.models),
                output_dir,
                dpi=config.dpi,
                save_format=config.save_format,
                max_layers_heatmap=config.max_layers_heatmap,
                max_layers_info_flow=config.max_layers_info_flow,
            )
            names = {k: str(p.relative_to(output_dir)) for k, p in written.items()}
            results = replace(results, figures=names)
        except Exception as exc:  # the JSON still gets written
            log.warning("figures failed: %s", exc, exc_info=config.verbose)
            results = _noted(results, "figures", exc)
    _write(results, output_dir, config)
    return results


def save_pareto(
    results: AnalysisResults, output_dir: Path, config: AnalysisConfig
) -> AnalysisResults:
    """Draw pareto_analysis.png for `results.pareto` (when `config.save_plots` and it has a
    front) and rewrite the JSON with the front; returns the results with `pareto.figure`
    set, or `notes["pareto_figure"]` saying why drawing failed.

    Raises ValueError when the results hold no Pareto analysis
    (`ModelAnalyzer.create_pareto_analysis` makes one).
    """
    output_dir = Path(output_dir)
    pareto = results.pareto
    if pareto is None:
        raise ValueError("these results hold no Pareto analysis: call create_pareto_analysis()")
    if pareto.reason is None and config.save_plots:
        names = list(pareto.objectives)
        y_metric, x_metric = (names[0], names[1]) if len(names) == 2 else (None, None)
        try:
            figure = draw_pareto(
                results,
                None,
                model_colors(results.models),
                output_dir,
                dpi=config.dpi,
                save_format=config.save_format,
                x_metric=x_metric,
                y_metric=y_metric,
            )
            results = replace(results, pareto=replace(pareto, figure=figure))
        except Exception as exc:  # the JSON still gets written
            log.warning("Pareto figure failed: %s", exc, exc_info=config.verbose)
            results = _noted(results, "pareto_figure", exc)
    _write(results, output_dir, config)
    return results


def _noted(results: AnalysisResults, key: str, exc: Exception) -> AnalysisResults:
    return replace(results, notes={**results.notes, key: f"failed: {type(exc).__name__}: {exc}"})


def _write(results: AnalysisResults, output_dir: Path, config: AnalysisConfig) -> None:
    path = results.write_json(output_dir, config)
    log.log(logging.INFO if config.verbose else logging.DEBUG, "wrote %s", path)
