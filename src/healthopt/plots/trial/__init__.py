"""Seed 002's trial plots, drawn from a trial folder's files without TensorFlow.

`draw_trial_plots(trial_dir, out_dir)` draws every plot whose inputs exist and reports the
rest as skipped with the reason, so a trial with partial records still gets every plot it
can, and one broken plot never costs the others. The figures are independent, so they are
drawn in forked processes, one per core (`forked` says why processes, and why forked), and
each figure's seconds are reported, so the costly ones can be found.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from healthopt.plots import style
from healthopt.plots.trial import (
    activations,
    classification,
    gradients,
    parameters,
    resources,
    summary,
    training,
)
from healthopt.plots.trial.forked import (
    Drawn,
    ForkFailed,
    available_cores,
    can_fork,
    draw_forked,
)
from healthopt.plots.trial.sources import MissingInput, TrialData

PlotFunction = Callable[[TrialData, Path, int], Path]

# File name -> function; the order is the order a reader would go through them.
PLOTS: dict[str, PlotFunction] = {
    "training_history.png": training.training_history,
    "loss_spread.png": training.loss_spread,
    "confusion_matrix.png": classification.confusion_matrix,
    "per_class_accuracy.png": classification.per_class_accuracy,
    "calibration.png": classification.calibration,
    "sample_predictions.png": classification.sample_predictions,
    "gradient_flow.png": gradients.gradient_flow,
    "weight_distributions.png": parameters.weight_distributions,
    "bias_distributions.png": parameters.bias_distributions,
    "activation_maps.png": activations.activation_maps,
    "activation_statistics.png": activations.activation_statistics,
    "dead_neurons.png": activations.dead_neurons,
    "health_components.png": summary.health_components,
    "diagnostics_summary.png": summary.diagnostics_summary,
    "spectral_alpha.png": summary.spectral_alpha,
    "resource_usage.png": resources.resource_usage,
    "layer_timing.png": resources.layer_timing,
}


class PlotReportJson(TypedDict):
    """plots.json, which the trial writes; only bench/bench_plot_cost.py reads it back (the
    per-figure `seconds`, to name the costly figures)."""

    written: list[str]
    skipped: dict[str, str]
    seconds: dict[str, float]


@dataclass(frozen=True)
class PlotReport:
    """Which plots were written (file names in out_dir), why the others were not, and the
    seconds each drawn or attempted plot took (unknown names take none)."""

    written: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> PlotReportJson:
        return {
            "written": list(self.written),
            "skipped": dict(self.skipped),
            "seconds": {name: round(s, 4) for name, s in self.seconds.items()},
        }


def draw_trial_plots(
    trial_dir: Path,
    out_dir: Path,
    dpi: int = style.DPI,
    only: list[str] | None = None,
    workers: int | None = None,
) -> PlotReport:
    """Draw the trial plots of `trial_dir` into `out_dir`; never raises for a plot's sake.

    A plot whose input is missing or unreadable is skipped with the reason; a plot that
    fails while drawing, or takes its drawing process down, is skipped with the error and
    any file of that name removed.
    `only` limits the run to the named files (see `PLOTS`). `workers` caps the drawing
    processes (None: one per available core); with 1, or where processes cannot be forked,
    the plots are drawn one after another in this process, with the same outcome.
    """
    data = TrialData(Path(trial_dir))
    out_dir = Path(out_dir)
    names = list(PLOTS) if only is None else [n for n in PLOTS if n in only]
    skipped = {name: "no such trial plot" for name in sorted(set(only or ()) - set(PLOTS))}

    def draw(name: str) -> Drawn:
        return _draw_one(data, name, out_dir, dpi)

    count = min(available_cores() if workers is None else workers, len(names))
    drawn: dict[str, Drawn] | None = None
    if count > 1 and can_fork():
        data.preload()  # read once here; every worker inherits what was read
        try:
            drawn = draw_forked(draw, names, count)
        except ForkFailed:
            drawn = None
    if drawn is None:
        drawn = {name: draw(name) for name in names}
    written: list[str] = []
    for name in names:  # PLOTS order, whichever worker finished first
        reason = drawn[name].skipped
        if reason is None:
            written.append(name)
        else:
            skipped[name] = reason
            # No stale or half-written file left to pass for this run's plot.
            (out_dir / name).unlink(missing_ok=True)
    seconds = {name: drawn[name].seconds for name in names}
    return PlotReport(written=written, skipped=skipped, seconds=seconds)


def _draw_one(data: TrialData, name: str, out_dir: Path, dpi: int) -> Drawn:
    """Draw one plot; its outcome, never an exception for the plot's sake."""
    start = time.perf_counter()
    reason: str | None = None
    try:
        with style.style_context():  # legends and colorbars made later get the style too
            PLOTS[name](data, out_dir / name, dpi)
    except MissingInput as exc:
        reason = str(exc)
    except Exception as exc:  # a plot bug must not cost the trial or the other plots
        reason = f"failed while drawing: {type(exc).__name__}: {exc}"
    return Drawn(name, reason, time.perf_counter() - start)


__all__ = ["PLOTS", "PlotReport", "PlotReportJson", "draw_trial_plots"]
