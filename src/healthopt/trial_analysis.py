"""What a trial adds after training: the model analyzer's summary, plot inputs, and plots.

It runs in the worker, which holds the model and the data. `analysis.json` keeps the
analyzer's figures for this one model, `plot_inputs.npz` keeps what the trial plots need
from the model (probabilities, sample feature maps, sampled weights) so they can be drawn
later without TensorFlow, and the plots are drawn here when the spec asks for them. The
analyzer and the plot inputs read one set of validation probabilities, the trial's own
evaluation pass, so the model does not predict the validation split again here.

The three steps fail separately: the model trained fine, so a broken step is reported (in
the trial's logs and `AnalysisSummary.errors`) and the others still run.
"""

from __future__ import annotations

import functools
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from healthopt.jsonio import write_json_atomic
from healthopt.records import AnalysisSummary

# Samples the data analyses (calibration, information flow) read; digits' val split is 360.
ANALYSIS_SAMPLES = 1000
# Validation rows shown by the sample and activation-map plots (feature maps for the first 2).
PLOT_SAMPLES = 8
MODEL_NAME = "model"


@dataclass(frozen=True)
class TrialAnalysis:
    """The analyzer's short summary for TrialResult (failed steps in `summary.errors`) and
    the files written, by role."""

    summary: AnalysisSummary = AnalysisSummary()
    artifacts: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> dict[str, str]:
        return self.summary.errors


def analyze_trial(
    model: Any,
    history: dict[str, list[float | None]],  # None where an epoch logged no finite value
    val_x: np.ndarray,
    val_y: np.ndarray,
    out: Path,
    plots_dir: Path | None,
    timings: dict[str, float],
    seed: int,
    val_probabilities: np.ndarray | None = None,
) -> TrialAnalysis:
    """Run the three steps. `val_probabilities` are the model's class probabilities on
    `val_x` from the trial's evaluation; the analyzer and the plot inputs both read them, and
    without them the model predicts `val_x` once here for both."""
    summary = AnalysisSummary()
    artifacts: dict[str, str] = {}
    errors: dict[str, str] = {}

    @functools.cache
    def probabilities() -> np.ndarray:
        if val_probabilities is not None:
            return val_probabilities
        from healthopt.analysis import layers

        return layers.predict_proba(model, val_x)

    def step(name: str, work: Callable[[], None]) -> None:
        started = time.perf_counter()
        try:
            work()
        except Exception as exc:  # reported per step; the trial itself stays complete
            errors[name] = f"{type(exc).__name__}: {exc}"
            (out / f"{name}_error.txt").write_text(traceback.format_exc())
        timings[f"{name}_seconds"] = time.perf_counter() - started

    def analysis() -> None:
        nonlocal summary
        from healthopt.analysis.analyzer import ModelAnalyzer, summarize_for_trial
        from healthopt.analysis.config import AnalysisConfig, DataInput

        config = AnalysisConfig(
            n_samples=ANALYSIS_SAMPLES, save_plots=False, seed=seed, verbose=False
        )
        analyzer = ModelAnalyzer(
            {MODEL_NAME: model}, training_history={MODEL_NAME: history}, config=config
        )
        try:
            given = {MODEL_NAME: probabilities()}
        except Exception:  # the analyzer predicts itself, and says why calibration failed
            given = None
        results = analyzer.analyze(DataInput(val_x, val_y), given)
        write_json_atomic(out / "analysis.json", results.model_json(MODEL_NAME).to_json())
        summary = summarize_for_trial(results, MODEL_NAME)
        artifacts["analysis"] = "analysis.json"

    def plot_inputs() -> None:
        from healthopt.analysis import layers
        from healthopt.plots.inputs import build_plot_inputs, save_plot_inputs

        sample_x = val_x[:PLOT_SAMPLES]  # probs[i] and labels[i] belong to sample_x[i]
        outputs = (
            layers.layer_outputs(model, sample_x[:2]) if layers.input_count(model) == 1 else []
        )
        inputs = build_plot_inputs(
            layers.weight_records(model),
            outputs,
            probabilities(),
            val_y,
            sample_x,
        )
        save_plot_inputs(out / "plot_inputs.npz", inputs)
        artifacts["plot_inputs"] = "plot_inputs.npz"

    def plots() -> None:
        from healthopt.plots.trial import draw_trial_plots

        assert plots_dir is not None
        report = draw_trial_plots(out, plots_dir)
        write_json_atomic(plots_dir / "plots.json", report.to_dict())

    step("analysis", analysis)
    step("plot_inputs", plot_inputs)
    if plots_dir is not None:
        step("plots", plots)
    return TrialAnalysis(summary.model_copy(update={"errors": errors}), artifacts)
