"""The JSON of the analyzer's results: analysis_results.json and a trial's analysis.json.

Each analysis keeps its own dataclass for computing (NaN where a value is undefined, numpy
arrays); its `to_json()` gives the entry below, where NaN is None and arrays are lists. The
trial plots, the API and the tests read the files back through `ModelAnalysisFile` and
`AnalysisResultsFile`.

Optional parts (raw eigenvalues, per-sample arrays, the concentration metrics when switched
off) are absent from the JSON when not asked for, not null: an entry writes exactly the keys
it was given (`GivenKeysRecord`). Every figure of an entry defaults to None, so a reader also
takes a file written with fewer of them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from healthopt.analysis.config import AnalysisConfig
from healthopt.records import Finite, Record

R = TypeVar("R", bound="GivenKeysRecord")
# Spectral metrics left out of the JSON when `spectral_concentration_analysis` is off.
CONCENTRATION_FIELDS = ("gini", "dominance_ratio", "participation_ratio", "concentration_score")


class GivenKeysRecord(Record):
    """A record whose JSON holds exactly the keys it was given (see the module docstring)."""

    def to_json(self) -> dict[str, Any]:  # Record.to_json's signature
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def entry_from(source: object, entry: type[R], omit: tuple[str, ...] = (), **given: object) -> R:
    """`entry` filled from `source`'s attributes of the same names, `given` taking precedence;
    the fields in `omit` stay out of it (and so out of its JSON)."""
    values = {
        name: given[name] if name in given else getattr(source, name)
        for name in entry.model_fields
        if name not in omit
    }
    return entry.model_validate(values)


class ModelInfo(Record):
    """Size of one analysed model."""

    parameters: int
    layers: int
    inputs: int


class WeightStatsEntry(GivenKeysRecord):
    """One weight tensor's statistics (`weights.LayerWeightStats`)."""

    name: str
    kind: str | None = None
    role: str | None = None
    layer_index: int | None = None
    shape: list[int] = []
    num_parameters: int | None = None
    l1_norm: Finite = None
    l2_norm: Finite = None
    spectral_norm: Finite = None
    typical_gain: Finite = None
    mean: Finite = None
    std: Finite = None
    skew: Finite = None
    kurtosis: Finite = None
    sparsity: Finite = None
    health_score: Finite = None
    norm_health: Finite = None
    sparsity_health: Finite = None
    distribution_health: Finite = None
    bias_mean: Finite = None
    bias_std: Finite = None
    note: str | None = None


class WeightSummaryEntry(GivenKeysRecord):
    """`weights.WeightSummary`."""

    total_parameters: int | None = None
    layers_analyzed: int | None = None
    mean_health: Finite = None
    min_health: Finite = None
    weakest_layer: str | None = None
    mean_l2: Finite = None
    mean_sparsity: Finite = None


class SpectrumEntry(GivenKeysRecord):
    """One weight matrix's spectral metrics (`spectral.LayerSpectrum`); the concentration
    metrics and `evals` only when the config asks for them."""

    name: str
    kind: str | None = None
    role: str | None = None
    layer_index: int | None = None
    shape: list[int] = []
    num_evals: int | None = None
    num_tail: int | None = None
    lambda_max: Finite = None
    training_status: str | None = None
    reason: str | None = None
    alpha: Finite = None
    xmin: Finite = None
    ks_distance: Finite = None
    stable_rank: Finite = None
    entropy: Finite = None
    gini: Finite = None
    dominance_ratio: Finite = None
    participation_ratio: Finite = None
    concentration_score: Finite = None
    evals: list[Finite] | None = None


class SpectralSummaryEntry(GivenKeysRecord):
    """`spectral.SpectralSummary`; `mean_concentration` and `highly_concentrated` only with
    the concentration analysis on."""

    mean_alpha: Finite = None
    median_alpha: Finite = None
    mean_concentration: Finite = None
    mean_stable_rank: Finite = None
    mean_entropy: Finite = None
    layers_analyzed: int | None = None
    status: str | None = None
    recommendations: list[str] = []
    under_trained: list[str] = []
    over_trained: list[str] = []
    highly_concentrated: list[str] = []
    reason: str | None = None


class RandomizedEntry(GivenKeysRecord):
    """`randomized.RandomizedSpectrum`."""

    name: str
    layer_index: int | None = None
    num_evals: int | None = None
    max_eval: Finite = None
    rand_max_eval: Finite = None
    num_spikes: int | None = None
    rand_distance: Finite = None


class ReliabilityBinEntry(GivenKeysRecord):
    """`calibration.ReliabilityBin`; an empty bin has None for both means."""

    lower: float
    upper: float
    count: int
    mean_confidence: Finite
    accuracy: Finite


class CalibrationEntry(GivenKeysRecord):
    """`calibration.CalibrationReport`; the per-sample arrays only when asked for."""

    ece: Finite = None
    mce: Finite = None
    brier: Finite = None
    mean_confidence: Finite = None
    mean_entropy: Finite = None
    accuracy: Finite = None
    num_samples: int | None = None
    num_classes: int | None = None
    n_bins: int | None = None
    bins: list[ReliabilityBinEntry] = []
    per_class_ece: list[Finite] = []
    confidences: list[Finite] | None = None
    entropies: list[Finite] | None = None


class FlowEntry(GivenKeysRecord):
    """One layer's activation statistics (`information_flow.LayerFlow`)."""

    name: str
    kind: str | None = None
    layer_index: int | None = None
    shape: list[int] = []
    num_units: int | None = None
    mean: Finite = None
    std: Finite = None
    sparsity: Finite = None
    positive_ratio: Finite = None
    dead_fraction: Finite = None
    saturated_fraction: Finite = None
    effective_rank: Finite = None
    max_rank: int | None = None
    rank_rows: int | None = None
    specialization_score: Finite = None
    note: str | None = None


class DynamicsEntry(GivenKeysRecord):
    """`dynamics.TrainingDynamics`."""

    epochs: int | None = None
    epochs_to_convergence: int | None = None
    convergence_metric: str | None = None
    overfitting_index: Finite = None
    accuracy_gap: Finite = None
    loss_ratio: Finite = None
    overfitting: bool | None = None
    val_loss_std: Finite = None
    peak_val_accuracy: Finite = None
    peak_epoch: int | None = None
    peak_metric: str | None = None
    peak_val_loss: Finite = None
    peak_val_loss_epoch: int | None = None
    final_gap: Finite = None
    final_train_loss: Finite = None
    final_val_loss: Finite = None
    missing: list[str] = []
    notes: dict[str, str] = {}


class WeightPCAEntry(GivenKeysRecord):
    """`weight_pca.WeightPCA`: each model's two coordinates."""

    features: list[str] = []
    explained_variance: list[Finite] = []
    coordinates: dict[str, tuple[Finite, Finite]] = {}


class ParetoPointEntry(GivenKeysRecord):
    """`pareto.ParetoPoint`; None where the point lacks an objective."""

    name: str
    values: dict[str, Finite] = {}
    on_front: bool = False
    dominated_by: list[str] = []
    excluded: str | None = None


class ParetoEntry(GivenKeysRecord):
    """`results.ParetoAnalysis`; `figure` is a file name within the output folder."""

    objectives: dict[str, str] = {}  # metric -> "max" or "min"
    metrics: dict[str, dict[str, Finite]] = {}
    points: list[ParetoPointEntry] = []
    front: list[str] = []
    excluded: dict[str, str] = {}
    reason: str | None = None
    figure: str | None = None


class ModelAnalysisFile(GivenKeysRecord):
    """One model's results, each analysis under its own key (None where it did not run;
    `skipped` says why): a trial's analysis.json."""

    model: str
    num_samples: int | None = None
    weights: list[WeightStatsEntry] | None = None
    weight_summary: WeightSummaryEntry | None = None
    spectral: list[SpectrumEntry] | None = None
    spectral_summary: SpectralSummaryEntry | None = None
    spectral_recommendations: list[str] | None = None
    spectral_randomized: list[RandomizedEntry] | None = None
    calibration: CalibrationEntry | None = None
    information_flow: list[FlowEntry] | None = None
    training_dynamics: DynamicsEntry | None = None
    skipped: dict[str, str] = {}
    timings: dict[str, float] = {}
    model_info: ModelInfo | None = None


class AnalysisResultsFile(GivenKeysRecord):
    """analysis_results.json: every per-model section maps model name -> that model's part;
    a model an analysis did not run for is absent from the section (`skipped` says why)."""

    config: AnalysisConfig
    num_samples: int | None = None
    models: dict[str, ModelInfo | None] = {}
    weights: dict[str, list[WeightStatsEntry]] = {}
    weight_summary: dict[str, WeightSummaryEntry] = {}
    spectral: dict[str, list[SpectrumEntry]] = {}
    spectral_summary: dict[str, SpectralSummaryEntry] = {}
    spectral_recommendations: dict[str, list[str]] = {}
    spectral_randomized: dict[str, list[RandomizedEntry]] = {}
    calibration: dict[str, CalibrationEntry] = {}
    information_flow: dict[str, list[FlowEntry]] = {}
    training_dynamics: dict[str, DynamicsEntry] = {}
    skipped: dict[str, dict[str, str]] = {}
    timings: dict[str, dict[str, float]] = {}
    weight_pca: WeightPCAEntry | None = None
    pareto: ParetoEntry | None = None
    notes: dict[str, str] = {}
    figures: dict[str, str] = {}
