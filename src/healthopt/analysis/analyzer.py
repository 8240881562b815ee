"""`ModelAnalyzer`: every analysis of seed 000 over a set of named Keras models, with caching.

The analyzer validates its inputs, samples the data (at most `n_samples`, seeded, stratified
by label), runs the analyses the config switches on, records why an analysis did not run for
a model (`results.skipped`), and returns the results. It draws and writes nothing: the caller
saves them with `healthopt.plots.analyzer.report.save_analysis` (the JSON and, when
`config.save_plots`, the figures), which keeps `analysis/` free of `plots/`. Results are
cached per model by a fingerprint of its weights, and the data analyses also by a fingerprint
of the sample, so calling `analyze()` again on unchanged models and data recomputes nothing.

TensorFlow is imported only through `analysis.layers`, lazily, so importing this module (the
CLI does) stays fast.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from healthopt.analysis.config import AnalysisConfig, DataInput
from healthopt.analysis.inputs import (
    AnalyzerInputError,
    arrays,
    check_data,
    check_fits,
    check_histories,
    check_models,
    digest,
    length,
    model_fingerprint,
    sample_data,
    sample_indices,
)
from healthopt.analysis.results import (
    PARETO_DIRECTIONS,
    AnalysisResults,
    ModelInfo,
    ParetoAnalysis,
    pareto_analysis,
    summarize_for_trial,
)
from healthopt.analysis.weight_pca import WeightPCAError, weight_pca

if TYPE_CHECKING:  # the analyses themselves are imported when they run
    from healthopt.analysis.calibration import CalibrationReport
    from healthopt.analysis.dynamics import TrainingDynamics
    from healthopt.analysis.information_flow import LayerFlow
    from healthopt.analysis.randomized import RandomizedSpectrum
    from healthopt.analysis.spectral import LayerSpectrum, SpectralSummary
    from healthopt.analysis.weights import LayerWeightStats, WeightSummary

__all__ = [
    "AnalysisConfig",
    "AnalysisResults",
    "AnalyzerInputError",
    "DataInput",
    "ModelAnalyzer",
    "sample_data",
    "summarize_for_trial",
]

log = logging.getLogger(__name__)

SMOOTHING_METHODS = ("svd", "detX", "lambda_min")
PARETO_OBJECTIVES = {"peak_val_accuracy": "max", "overfitting_index": "min"}
_HISTORY_METRICS: tuple[tuple[Literal["loss", "accuracy"], Literal["train", "val"]], ...] = (
    ("loss", "train"),
    ("loss", "val"),
    ("accuracy", "train"),
    ("accuracy", "val"),
)


class _Skip(Exception):  # noqa: N818 - control flow, never escapes this module
    """An analysis that does not apply to a model; the reason goes into results.skipped."""


@dataclass
class _Sections:
    """The per-model sections of AnalysisResults that one analyze() call fills."""

    model_info: dict[str, ModelInfo] = field(default_factory=dict)
    weights: dict[str, list[LayerWeightStats]] = field(default_factory=dict)
    weight_summary: dict[str, WeightSummary] = field(default_factory=dict)
    spectral: dict[str, list[LayerSpectrum]] = field(default_factory=dict)
    spectral_summary: dict[str, SpectralSummary] = field(default_factory=dict)
    spectral_randomized: dict[str, list[RandomizedSpectrum]] = field(default_factory=dict)
    calibration: dict[str, CalibrationReport] = field(default_factory=dict)
    information_flow: dict[str, list[LayerFlow]] = field(default_factory=dict)
    training_dynamics: dict[str, TrainingDynamics] = field(default_factory=dict)
    histories: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)


def _ensure_console() -> None:
    """Verbose progress should show even where the caller configured no logging at all."""
    if not logging.getLogger().handlers and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def _sampled_probabilities(
    probabilities: Mapping[str, np.ndarray], names: list[str], rows: int, idx: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Each model's given probabilities, cut to the data sample's rows."""
    unknown = sorted(set(probabilities) - set(names))
    if unknown:
        raise AnalyzerInputError(f"probabilities given for unknown model(s) {unknown}")
    sampled = {}
    for name, probs in probabilities.items():
        probs = np.asarray(probs)
        if probs.ndim != 2 or len(probs) != rows:
            raise AnalyzerInputError(
                f"probabilities[{name!r}] must be (samples, classes) with one row per sample "
                f"of the data ({rows}); got shape {probs.shape}"
            )
        sampled[name] = probs if idx is None else probs[idx]
    return sampled


class ModelAnalyzer:
    """Seed 000's analyzer: `analyze(data)` runs the configured analyses on every model.

    `models` maps display names to Keras models; `training_history` maps (some of) the same
    names to Keras history dicts (or History objects). `computed` counts the analyses
    actually computed, cache hits excluded. Seed 000's `output_dir` moved to the caller:
    `save_analysis(analyzer.analyze(data), Path("analysis_results"), analyzer.config)`.
    """

    def __init__(
        self,
        models: Mapping[str, Any],
        training_history: Mapping[str, Any] | None = None,
        config: AnalysisConfig | None = None,
    ) -> None:
        self.models = check_models(models)
        self.histories = check_histories(training_history, list(self.models))
        self.config = config if config is not None else AnalysisConfig()
        if not isinstance(self.config, AnalysisConfig):
            raise AnalyzerInputError("config must be an AnalysisConfig")
        self.results: AnalysisResults | None = None
        self.computed: Counter[str] = Counter()
        # (model, analysis) -> (key, outcome): one entry each, replaced when weights/data change
        self._cache: dict[tuple[str, str], tuple[tuple, Any]] = {}
        if self.config.verbose:
            _ensure_console()

    def _say(self, message: str, *args: Any) -> None:
        log.log(logging.INFO if self.config.verbose else logging.DEBUG, message, *args)

    def analyze(
        self,
        data: DataInput | None = None,
        probabilities: Mapping[str, np.ndarray] | None = None,
    ) -> AnalysisResults:
        """Run every enabled analysis on every model and return the results.

        `probabilities` maps (some) model names to that model's class probabilities on all of
        `data` (`layers.predict_proba`'s rows), for a caller that has already predicted the
        data: calibration then reads them instead of running the model again."""
        cfg = self.config
        sample, data_key, sampled = None, None, {}
        if data is not None:
            data = check_data(data)
            for name, model in self.models.items():
                check_fits(name, model, data.x_data)
            idx = sample_indices(data, cfg.n_samples, cfg.seed)
            sample = sample_data(data, cfg.n_samples, cfg.seed)
            data_key = digest([*arrays(sample.x_data), np.asarray(sample.y_data)])
            sampled = _sampled_probabilities(
                probabilities or {}, list(self.models), length(data.x_data), idx
            )
        elif probabilities:
            raise AnalyzerInputError("probabilities were given without the data they describe")
        sections = _Sections()
        for name, model in self.models.items():
            self._say("%s: analysing", name)
            self._analyze_model(name, model, sample, data_key, sections, sampled.get(name))
        pca, notes = None, {}
        if cfg.compute_weight_pca and cfg.analyze_weights:
            try:
                pca = weight_pca(sections.weights)
            except WeightPCAError as exc:
                notes["weight_pca"] = str(exc)
        results = AnalysisResults(
            config=cfg,
            models=tuple(self.models),
            weight_pca=pca,
            notes=notes,
            num_samples=None if sample is None else length(sample.x_data),
            model_info=sections.model_info,
            weights=sections.weights,
            weight_summary=sections.weight_summary,
            spectral=sections.spectral,
            spectral_summary=sections.spectral_summary,
            spectral_randomized=sections.spectral_randomized,
            calibration=sections.calibration,
            information_flow=sections.information_flow,
            training_dynamics=sections.training_dynamics,
            histories=sections.histories,
            skipped=sections.skipped,
            timings=sections.timings,
        )
        self.results = results
        return results

    def _analyze_model(
        self,
        name: str,
        model: Any,
        sample: DataInput | None,
        data_key: str | None,
        out: _Sections,
        probabilities: np.ndarray | None,
    ) -> None:
        from healthopt.analysis import layers

        cfg = self.config
        weights_key = (model_fingerprint(model),)
        inputs = layers.input_count(model)
        out.model_info[name] = ModelInfo(
            parameters=int(model.count_params()), layers=len(model.layers), inputs=inputs
        )
        out.skipped[name] = {}
        records = functools.cache(lambda: layers.weight_records(model))

        def run(analysis: str, key: tuple, compute: Callable[[], Any]) -> Any:
            return self._run(name, analysis, key, compute, out)

        if cfg.analyze_weights:
            found = run("weights", weights_key, lambda: self._weights(records()))
            if found is not None:
                out.weights[name], out.weight_summary[name] = found
        if cfg.analyze_spectral:
            found = run("spectral", weights_key, lambda: self._spectral(records()))
            if found is not None:
                out.spectral[name], out.spectral_summary[name] = found
            if cfg.spectral_randomize:
                found = run("spectral_randomized", weights_key, lambda: self._randomized(records()))
                if found is not None:
                    out.spectral_randomized[name] = found
        records.cache_clear()  # free the weight copies before activations are computed
        with_data = (*weights_key, data_key)
        if cfg.analyze_calibration:
            found = self._data_analysis(
                name, model, sample, with_data, "calibration", out, probabilities
            )
            if found is not None:
                out.calibration[name] = found
        if cfg.analyze_information_flow:
            found = self._data_analysis(name, model, sample, with_data, "information_flow", out)
            if found is not None:
                out.information_flow[name] = found
        if cfg.analyze_training_dynamics:
            history = self.histories.get(name)
            if history is None:
                out.skipped[name]["training_dynamics"] = "no training history for this model"
            else:
                out.histories[name] = history
                found = run("training_dynamics", (), lambda: self._dynamics(name, history))
                if found is not None:
                    out.training_dynamics[name] = found

    def _data_analysis(
        self,
        name: str,
        model: Any,
        sample: DataInput | None,
        key: tuple,
        analysis: Literal["calibration", "information_flow"],
        out: _Sections,
        probabilities: np.ndarray | None = None,
    ) -> Any:
        """A data analysis's outcome, or None with the reason in `out.skipped` (no data, a
        multi-input model, or the analysis itself skipped or failed)."""
        inputs = out.model_info[name].inputs
        if sample is None:
            reason = "no data given: pass DataInput(x_data, y_data) to analyze()"
            self._say("%s: %s skipped, %s", name, analysis, reason)
        elif inputs != 1:
            reason = f"the model has {inputs} inputs; data analyses need a single-input model"
            log.warning("%s: %s skipped, %s", name, analysis, reason)
        elif analysis == "calibration":
            compute = functools.partial(self._calibration, model, sample, probabilities)
            return self._run(name, analysis, key, compute, out)
        else:
            compute = functools.partial(self._information_flow, model, sample)
            return self._run(name, analysis, key, compute, out)
        out.skipped[name][analysis] = reason
        return None

    def _run(
        self,
        model: str,
        analysis: str,
        key: tuple,
        compute: Callable[[], Any],
        out: _Sections,
    ) -> Any:
        """The analysis's outcome, from the cache when its key is unchanged; None if skipped."""
        entry = self._cache.get((model, analysis))
        if entry is not None and entry[0] == key:
            outcome = entry[1]
        else:
            start = time.perf_counter()
            try:
                outcome = compute()
            except _Skip as skip:
                outcome = skip
            except Exception as exc:  # one failing analysis must not lose the others
                reason = f"failed: {type(exc).__name__}: {exc}"
                log.warning("%s: %s %s", model, analysis, reason, exc_info=self.config.verbose)
                out.skipped[model][analysis] = reason
                return None
            seconds = time.perf_counter() - start
            out.timings.setdefault(model, {})[analysis] = round(seconds, 4)
            self.computed[analysis] += 1
            self._cache[(model, analysis)] = (key, outcome)
            self._say("%s: %s in %.2f s", model, analysis, seconds)
        if isinstance(outcome, _Skip):
            out.skipped[model][analysis] = str(outcome)
            self._say("%s: %s skipped, %s", model, analysis, outcome)
            return None
        return outcome

    def _weights(self, records: list[Any]) -> tuple[list[Any], Any]:
        from healthopt.analysis import weights

        cfg = self.config
        stats = weights.analyze_weights(
            records, include_biases=cfg.analyze_biases, layer_kinds=cfg.weight_kinds
        )
        if not stats:
            raise _Skip(f"no layer of the selected types ({', '.join(cfg.weight_layer_types)})")
        return stats, weights.summarize_weights(stats)

    def _spectral(self, records: list[Any]) -> tuple[list[Any], Any]:
        from healthopt.analysis import spectral

        spectra = spectral.analyze_records(records, min_evals=self.config.spectral_min_evals)
        if not spectra:
            raise _Skip(
                f"no weight matrix has {self.config.spectral_min_evals} or more eigenvalues"
            )
        return spectra, spectral.summarize(spectra)

    def _randomized(self, records: list[Any]) -> list[Any]:
        from healthopt.analysis.randomized import compare_randomized

        cfg = self.config
        found = compare_randomized(records, min_evals=cfg.spectral_min_evals, seed=cfg.seed)
        if not found:
            raise _Skip(f"no weight matrix has {cfg.spectral_min_evals} or more eigenvalues")
        return found

    def _calibration(self, model: Any, sample: DataInput, probs: np.ndarray | None) -> Any:
        from healthopt.analysis import calibration, layers

        if probs is None:
            probs = layers.predict_proba(model, sample.x_data)
        try:
            return calibration.analyze_calibration(
                probs, sample.y_data, n_bins=self.config.calibration_bins
            )
        except ValueError as exc:
            raise _Skip(f"the labels do not fit the model's outputs: {exc}") from None

    def _information_flow(self, model: Any, sample: DataInput) -> list[Any]:
        from healthopt.analysis import information_flow, layers

        outputs = layers.layer_outputs(
            model, sample.x_data, max_layers=self.config.max_layers_info_flow
        )
        if not outputs:
            raise _Skip("the model has no layer output to read")
        outputs.reverse()

        def drain() -> Any:  # let each layer's activations go once its flow is computed
            while outputs:
                yield outputs.pop()

        return information_flow.analyze_flow(drain(), seed=self.config.seed)

    def _dynamics(self, name: str, history: dict[str, list[float]]) -> Any:
        from healthopt.analysis import dynamics

        if all(dynamics.find_metric(history, m, s) is None for m, s in _HISTORY_METRICS):
            keys = ", ".join(sorted(history)) or "none"
            raise _Skip(f"the history has no loss or accuracy metric (keys: {keys})")
        result = dynamics.analyze_dynamics(history)
        if result.missing:
            self._say("%s: history lacks %s", name, ", ".join(result.missing))
        return result

    def _require_results(self) -> AnalysisResults:
        if self.results is None:
            raise RuntimeError("call analyze() first")
        return self.results

    def create_pareto_analysis(self, objectives: Mapping[str, str] | None = None) -> ParetoAnalysis:
        """The Pareto front of the analysed models over `objectives` (default: peak val
        accuracy up, overfitting index down), kept in `self.results.pareto`.

        Needs `pareto_analysis_threshold` models that have every objective; with fewer,
        `reason` says so. `healthopt.plots.analyzer.report.save_pareto` draws its figure
        and rewrites the JSON with the front.
        """
        results = self._require_results()
        objectives = dict(objectives or PARETO_OBJECTIVES)
        unknown = sorted(set(objectives) - set(PARETO_DIRECTIONS))
        if unknown:
            raise AnalyzerInputError(
                f"unknown Pareto metric(s) {unknown}; choose from {sorted(PARETO_DIRECTIONS)}"
            )
        analysis = pareto_analysis(results, objectives, self.config.pareto_analysis_threshold)
        if analysis.reason:
            self._say("Pareto analysis: %s", analysis.reason)
        self.results = replace(results, pareto=analysis)
        return analysis

    def create_smoothed_model(self, model_name: str, method: str = "detX") -> Any:
        """A copy of the model with SVD-smoothed weights (`svd`, `detX` or `lambda_min`)."""
        if model_name not in self.models:
            raise KeyError(f"no model named {model_name!r}; models: {', '.join(self.models)}")
        if method not in SMOOTHING_METHODS:
            raise AnalyzerInputError(
                f"method must be one of {', '.join(SMOOTHING_METHODS)} (got {method!r})"
            )
        from healthopt.analysis import smoothing

        return smoothing.smooth_model(
            self.models[model_name], method=method, min_evals=self.config.spectral_min_evals
        )
