"""Seed 002's trial plots, drawn from a trial folder's files without TensorFlow.

`draw_trial_plots(trial_dir, out_dir)` draws every plot whose inputs exist and reports the
rest as skipped with the reason, so a trial with partial records still gets every plot it
can, and one broken plot never costs the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import matplotlib.pyplot as plt

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
    """plots.json, which the trial writes and nothing reads back."""

    written: list[str]
    skipped: dict[str, str]


@dataclass(frozen=True)
class PlotReport:
    """Which plots were written (file names in out_dir) and why the others were not."""

    written: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> PlotReportJson:
        return {"written": list(self.written), "skipped": dict(self.skipped)}


def draw_trial_plots(
    trial_dir: Path,
    out_dir: Path,
    dpi: int = style.DPI,
    only: list[str] | None = None,
) -> PlotReport:
    """Draw the trial plots of `trial_dir` into `out_dir`; never raises for a plot's sake.

    A plot whose input is missing or unreadable is skipped with the reason; a plot that
    fails while drawing is skipped with the error, its half-drawn figure closed and any
    file of that name removed.
    `only` limits the run to the named files (see `PLOTS`).
    """
    data = TrialData(Path(trial_dir))
    out_dir = Path(out_dir)
    written: list[str] = []
    skipped: dict[str, str] = {}
    names = list(PLOTS) if only is None else [n for n in PLOTS if n in only]
    unknown = sorted(set(only or ()) - set(PLOTS))
    for name in unknown:
        skipped[name] = "no such trial plot"
    for name in names:
        before = set(plt.get_fignums())
        try:
            with style.style_context():  # legends and colorbars made later get the style too
                PLOTS[name](data, out_dir / name, dpi)
            written.append(name)
        except MissingInput as exc:
            skipped[name] = str(exc)
        except Exception as exc:  # a plot bug must not cost the trial or the other plots
            skipped[name] = f"failed while drawing: {type(exc).__name__}: {exc}"
        finally:
            for number in set(plt.get_fignums()) - before:
                plt.close(number)
        if name in skipped:  # no stale file from an earlier run left to pass for this one
            (out_dir / name).unlink(missing_ok=True)
    return PlotReport(written=written, skipped=skipped)


__all__ = ["PLOTS", "PlotReport", "PlotReportJson", "draw_trial_plots"]
