"""What one `ModelAnalyzer.analyze()` produced, and its `analysis_results.json` form.

`AnalysisResults` is what the plots (`plots.analyzer`) draw from and what trials summarise;
every per-model mapping is keyed by the model names given to the analyzer, in their order
(`results.models`). An analysis that could not run for a model has no entry in its mapping
and a reason in `results.skipped[model][analysis]`. The JSON stays small by default:
per-sample arrays and raw eigenvalues go in only when the config asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.files import (
    CONCENTRATION_FIELDS,
    AnalysisResultsFile,
    ModelAnalysisFile,
    ModelInfo,
    ParetoEntry,
)
from healthopt.analysis.records import finite_or_none
from healthopt.jsonio import write_json_atomic
from healthopt.records import AnalysisSummary

if TYPE_CHECKING:
    from healthopt.analysis.calibration import CalibrationReport
    from healthopt.analysis.dynamics import TrainingDynamics
    from healthopt.analysis.information_flow import LayerFlow
    from healthopt.analysis.pareto import ParetoPoint
    from healthopt.analysis.randomized import RandomizedSpectrum
    from healthopt.analysis.spectral import LayerSpectrum, SpectralSummary
    from healthopt.analysis.weight_pca import WeightPCA
    from healthopt.analysis.weights import LayerWeightStats, WeightSummary

RESULTS_FILE = "analysis_results.json"
# Per-model metrics the Pareto analysis compares, and which way is better for each.
PARETO_DIRECTIONS = {
    "peak_val_accuracy": "max",
    "overfitting_index": "min",
    "final_gap": "min",
    "val_loss_std": "min",
    "epochs_to_convergence": "min",
    "accuracy": "max",
    "ece": "min",
    "brier": "min",
    "mean_weight_health": "max",
    "parameters": "min",
}
__all__ = [
    "CONCENTRATION_FIELDS",
    "PARETO_DIRECTIONS",
    "RESULTS_FILE",
    "AnalysisResults",
    "ModelInfo",
    "ParetoAnalysis",
    "TrainingCurves",
    "model_metrics",
    "pareto_analysis",
    "summarize_for_trial",
]
T = TypeVar("T")


@dataclass(frozen=True)
class TrainingCurves:
    """One model's four history curves (None where the history lacks the metric)."""

    train_loss: np.ndarray | None
    val_loss: np.ndarray | None
    train_accuracy: np.ndarray | None
    val_accuracy: np.ndarray | None
    smoothed: bool


@dataclass(frozen=True)
class ParetoAnalysis:
    """The models' trade-offs: key metrics per model and the front over `objectives`.

    `metrics[model]` holds every key metric (None where it could not be computed), which the
    normalised heatmap compares; `points` has one entry per model, and `excluded[model]` says
    why a model lacking an objective is off the front (with the analyses' skip reasons).
    """

    objectives: dict[str, str]
    metrics: dict[str, dict[str, float | None]]
    points: list[ParetoPoint]
    excluded: dict[str, str]
    reason: str | None = None  # why there is no front (too few models with the objectives)
    figure: Path | None = None

    @property
    def front(self) -> list[str]:
        return [p.name for p in self.points if p.on_front]

    def to_json(self) -> ParetoEntry:
        return ParetoEntry(
            objectives=self.objectives,
            metrics=self.metrics,
            points=[p.to_json() for p in self.points],
            front=self.front,
            excluded=self.excluded,
            reason=self.reason,
            figure=self.figure.name if self.figure else None,
        )


@dataclass(frozen=True)
class AnalysisResults:
    """Every analysis of every model; see the module docstring for the conventions."""

    config: AnalysisConfig
    models: tuple[str, ...]
    model_info: dict[str, ModelInfo]
    weights: dict[str, list[LayerWeightStats]] = field(default_factory=dict)
    weight_summary: dict[str, WeightSummary] = field(default_factory=dict)
    weight_pca: WeightPCA | None = None
    spectral: dict[str, list[LayerSpectrum]] = field(default_factory=dict)
    spectral_summary: dict[str, SpectralSummary] = field(default_factory=dict)
    spectral_randomized: dict[str, list[RandomizedSpectrum]] = field(default_factory=dict)
    calibration: dict[str, CalibrationReport] = field(default_factory=dict)
    information_flow: dict[str, list[LayerFlow]] = field(default_factory=dict)
    training_dynamics: dict[str, TrainingDynamics] = field(default_factory=dict)
    histories: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)
    num_samples: int | None = None  # data samples the data analyses used; None without data
    notes: dict[str, str] = field(default_factory=dict)  # why a cross-model result is missing
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # seconds per analysis
    figures: dict[str, str] = field(default_factory=dict)  # name -> file, within output_dir
    pareto: ParetoAnalysis | None = None

    def curves(self, model: str, smoothed: bool | None = None) -> TrainingCurves | None:
        """The model's loss/accuracy curves, smoothed per the config unless `smoothed` says.

        None when the model has no training history.
        """
        from healthopt.analysis.dynamics import find_metric, smooth_curve

        history = self.histories.get(model)
        if history is None:
            return None
        smooth = self.config.smooth_training_curves if smoothed is None else smoothed

        def curve(
            metric: Literal["loss", "accuracy"], split: Literal["train", "val"]
        ) -> np.ndarray | None:
            values = find_metric(history, metric, split)
            if values is None:
                return None
            if smooth:
                return np.asarray(smooth_curve(values, self.config.smoothing_window), float)
            return np.asarray(values, dtype=float)

        return TrainingCurves(
            train_loss=curve("loss", "train"),
            val_loss=curve("loss", "val"),
            train_accuracy=curve("accuracy", "train"),
            val_accuracy=curve("accuracy", "val"),
            smoothed=smooth,
        )

    def model_json(self, model: str, config: AnalysisConfig | None = None) -> ModelAnalysisFile:
        """One model's results, each analysis under its own key (None where it did not run;
        "skipped" says why): what a trial writes as analysis.json. `config` (default: the
        one analysed with) decides the optional parts."""
        if model not in self.models:
            raise KeyError(f"no model named {model!r} in these results")
        config = config or self.config
        raw_esds = config.json_include_raw_esds
        concentration = config.spectral_concentration_analysis
        spectra = self.spectral.get(model)
        summary = self.spectral_summary.get(model)
        summary_json = None if summary is None else summary.to_json(concentration)
        calib = self.calibration.get(model)
        return ModelAnalysisFile(
            model=model,
            num_samples=self.num_samples,
            weights=_listed(self.weights.get(model), lambda w: w.to_json()),
            weight_summary=_single(self.weight_summary.get(model), lambda w: w.to_json()),
            spectral=_listed(spectra, lambda s: s.to_json(raw_esds, concentration)),
            spectral_summary=summary_json,
            spectral_recommendations=None if summary_json is None else summary_json.recommendations,
            spectral_randomized=_listed(self.spectral_randomized.get(model), lambda r: r.to_json()),
            calibration=None
            if calib is None
            else calib.to_json(include_per_sample=config.json_include_per_sample_data),
            information_flow=_listed(self.information_flow.get(model), lambda f: f.to_json()),
            training_dynamics=_single(self.training_dynamics.get(model), lambda d: d.to_json()),
            skipped=self.skipped.get(model, {}),
            timings=self.timings.get(model, {}),
            model_info=self.model_info.get(model),
        )

    def to_json(self, config: AnalysisConfig | None = None) -> AnalysisResultsFile:
        """analysis_results.json; `config` (default: the one analysed with) decides the
        optional parts. A model an analysis did not run for is absent from its section."""
        config = config or self.config
        files = [self.model_json(m, config) for m in self.models]

        def section(part: Callable[[ModelAnalysisFile], T | None]) -> dict[str, T]:
            return {f.model: value for f in files if (value := part(f))}

        return AnalysisResultsFile(
            config=config,
            num_samples=self.num_samples,
            models={f.model: f.model_info for f in files},
            weights=section(lambda f: f.weights),
            weight_summary=section(lambda f: f.weight_summary),
            spectral=section(lambda f: f.spectral),
            spectral_summary=section(lambda f: f.spectral_summary),
            spectral_recommendations=section(lambda f: f.spectral_recommendations),
            spectral_randomized=section(lambda f: f.spectral_randomized),
            calibration=section(lambda f: f.calibration),
            information_flow=section(lambda f: f.information_flow),
            training_dynamics=section(lambda f: f.training_dynamics),
            skipped=section(lambda f: f.skipped),
            timings=section(lambda f: f.timings),
            weight_pca=self.weight_pca.to_json() if self.weight_pca else None,
            pareto=self.pareto.to_json() if self.pareto else None,
            notes=self.notes,
            figures=self.figures,
        )

    def write_json(self, out_dir: Path, config: AnalysisConfig | None = None) -> Path:
        """Write `analysis_results.json` atomically into `out_dir`; returns its path."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / RESULTS_FILE
        write_json_atomic(path, self.to_json(config).to_json())
        return path


S = TypeVar("S")


def _listed(items: list[S] | None, convert: Callable[[S], T]) -> list[T] | None:
    return None if items is None else [convert(i) for i in items]


def _single(item: S | None, convert: Callable[[S], T]) -> T | None:
    return None if item is None else convert(item)


def model_metrics(results: AnalysisResults, model: str) -> dict[str, float | None]:
    """The key scalar metrics of one model (None where not computed), for comparisons."""
    calib = results.calibration.get(model)
    dyn = results.training_dynamics.get(model)
    weights = results.weight_summary.get(model)
    spectral = results.spectral_summary.get(model)
    info = results.model_info.get(model)
    return {
        "peak_val_accuracy": finite_or_none(dyn and dyn.peak_val_accuracy),
        "overfitting_index": finite_or_none(dyn and dyn.overfitting_index),
        "final_gap": finite_or_none(dyn and dyn.final_gap),
        "val_loss_std": finite_or_none(dyn and dyn.val_loss_std),
        "epochs_to_convergence": finite_or_none(dyn and dyn.epochs_to_convergence),
        "accuracy": finite_or_none(calib and calib.accuracy),
        "ece": finite_or_none(calib and calib.ece),
        "brier": finite_or_none(calib and calib.brier),
        "mean_weight_health": finite_or_none(weights and weights.mean_health),
        "mean_alpha": finite_or_none(spectral and spectral.mean_alpha),
        "parameters": finite_or_none(info and info.parameters),
    }


def pareto_analysis(
    results: AnalysisResults, objectives: Mapping[str, str], threshold: int = 2
) -> ParetoAnalysis:
    """The front of `results.models` over `objectives` (metric -> "max"/"min"), with every
    model's key metrics; `reason` is set when fewer than `threshold` models have them all."""
    from healthopt.analysis.pareto import pareto_front

    metrics = {m: model_metrics(results, m) for m in results.models}
    points = pareto_front(metrics, objectives)
    excluded = {}
    for point in points:
        if point.excluded:
            skips = "; ".join(f"{a}: {r}" for a, r in results.skipped.get(point.name, {}).items())
            excluded[point.name] = point.excluded + (f" ({skips})" if skips else "")
    usable = len(points) - len(excluded)
    reason = None
    if usable < threshold:
        reason = f"needs {threshold} models with {', '.join(objectives)}; {usable} have them"
    return ParetoAnalysis(dict(objectives), metrics, points, excluded, reason=reason)


def _mean(values: list[Any]) -> float | None:
    finite = [v for v in (finite_or_none(x) for x in values) if v is not None]
    return float(np.mean(finite)) if finite else None


def summarize_for_trial(results: AnalysisResults, model: str) -> AnalysisSummary:
    """One model's results in a few flat numbers: what a trial stores in results.json. None
    where an analysis did not run; `skipped` says why."""
    if model not in results.models:
        raise KeyError(f"no model named {model!r} in these results")
    spectral = results.spectral_summary.get(model)
    calib = results.calibration.get(model)
    weights = results.weight_summary.get(model)
    dyn = results.training_dynamics.get(model)
    info = results.model_info.get(model)
    flows = results.information_flow.get(model) or []
    concentration = results.config.spectral_concentration_analysis
    return AnalysisSummary(
        parameters=info.parameters if info else None,
        mean_alpha=spectral and spectral.mean_alpha,
        median_alpha=spectral and spectral.median_alpha,
        spectral_status=spectral.status if spectral else None,
        spectral_layers=spectral.layers_analyzed if spectral else None,
        mean_stable_rank=spectral and spectral.mean_stable_rank,
        mean_concentration=spectral.mean_concentration if spectral and concentration else None,
        under_trained_layers=list(spectral.under_trained) if spectral else [],
        over_trained_layers=list(spectral.over_trained) if spectral else [],
        recommendations=list(spectral.recommendations) if spectral else [],
        accuracy=calib and calib.accuracy,
        ece=calib and calib.ece,
        brier=calib and calib.brier,
        mean_confidence=calib and calib.mean_confidence,
        mean_entropy=calib and calib.mean_entropy,
        mean_weight_health=weights and weights.mean_health,
        min_weight_health=weights and weights.min_health,
        weakest_layer=weights.weakest_layer if weights else None,
        mean_effective_rank=_mean([f.effective_rank for f in flows]),
        mean_dead_fraction=_mean([f.dead_fraction for f in flows]),
        min_specialization=min(
            (v for v in (finite_or_none(f.specialization_score) for f in flows) if v is not None),
            default=None,
        ),
        overfitting_index=dyn and dyn.overfitting_index,
        accuracy_gap=dyn and dyn.accuracy_gap,
        overfitting=dyn.overfitting if dyn else None,
        peak_val_accuracy=dyn and dyn.peak_val_accuracy,
        epochs_to_convergence=dyn.epochs_to_convergence if dyn else None,
        val_loss_std=dyn and dyn.val_loss_std,
        skipped=dict(results.skipped.get(model, {})),
    )
