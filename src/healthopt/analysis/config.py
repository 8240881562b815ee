"""What the model analyzer runs and how: `AnalysisConfig` (seed 000 section 6) and `DataInput`.

Validation runs once, in `__post_init__`, and names the field and its allowed range, so a bad
value fails before any model is touched. Seed options that would change nothing here are left
out: `plot_style` (healthopt has one house style, `plots.style`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from healthopt.config import ConfigError

# Keras class names a user writes in `weight_layer_types`, and the record kinds they select.
WEIGHT_LAYER_KINDS = {
    "Dense": "dense",
    "Conv1D": "conv1d",
    "Conv2D": "conv2d",
    "Embedding": "embedding",
    "LSTM": "lstm",
    "GRU": "gru",
}
SAVE_FORMATS = ("png", "pdf", "svg")
ANALYSES = ("weights", "spectral", "calibration", "information_flow", "training_dynamics")
DPI_RANGE = (50, 600)


class DataInput(NamedTuple):
    """Evaluation data for the data analyses (calibration, information flow).

    `x_data` is an array (samples, ...) or, for a multi-input model, a list of such arrays;
    `y_data` holds integer labels (samples,) or one-hot rows (samples, classes).
    """

    x_data: Any
    y_data: np.ndarray


def _check(ok: bool, name: str, allowed: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"AnalysisConfig.{name} must be {allowed} (got {value!r})")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@dataclass(frozen=True)
class AnalysisConfig:
    """Which analyses run, on how much data, and what gets written.

    Defaults follow seed 000. `weight_layer_types` selects the layers of the weight analysis
    (Keras class names); spectral analysis always sees every supported layer, as WeightWatcher
    does. `spectral_randomize` adds a comparison of each layer's spectrum with that of its
    elements shuffled (WeightWatcher's `randomize`): the eigenvalues above the shuffled
    matrix's largest one are what training put there. `compute_weight_pca` places the models
    on a 2-D map of their weight statistics (the dashboard's Model Similarity panel).
    """

    analyze_weights: bool = True
    analyze_calibration: bool = True
    analyze_information_flow: bool = True
    analyze_training_dynamics: bool = True
    analyze_spectral: bool = True
    n_samples: int = 1000
    weight_layer_types: tuple[str, ...] = tuple(WEIGHT_LAYER_KINDS)
    analyze_biases: bool = False
    compute_weight_pca: bool = True
    spectral_min_evals: int = 10
    spectral_concentration_analysis: bool = True
    spectral_randomize: bool = False
    calibration_bins: int = 15
    smooth_training_curves: bool = True
    smoothing_window: int = 5
    pareto_analysis_threshold: int = 2
    save_plots: bool = True
    save_format: str = "png"
    dpi: int = 300
    json_include_per_sample_data: bool = False
    json_include_raw_esds: bool = False
    max_layers_heatmap: int = 12
    max_layers_info_flow: int = 8
    seed: int = 0
    verbose: bool = True

    def __post_init__(self) -> None:
        for name in (
            "analyze_weights",
            "analyze_calibration",
            "analyze_information_flow",
            "analyze_training_dynamics",
            "analyze_spectral",
            "analyze_biases",
            "compute_weight_pca",
            "spectral_concentration_analysis",
            "spectral_randomize",
            "smooth_training_curves",
            "save_plots",
            "json_include_per_sample_data",
            "json_include_raw_esds",
            "verbose",
        ):
            value = getattr(self, name)
            _check(isinstance(value, bool), name, "True or False", value)
        for name, low in (
            ("n_samples", 1),
            ("spectral_min_evals", 1),
            ("calibration_bins", 2),
            ("smoothing_window", 1),
            ("pareto_analysis_threshold", 2),
            ("max_layers_heatmap", 1),
            ("max_layers_info_flow", 1),
            ("seed", 0),
        ):
            value = getattr(self, name)
            _check(_is_int(value) and value >= low, name, f"an integer >= {low}", value)
        low, high = DPI_RANGE
        dpi_ok = _is_int(self.dpi) and low <= self.dpi <= high
        _check(dpi_ok, "dpi", f"an integer in [{low}, {high}]", self.dpi)
        formats = ", ".join(SAVE_FORMATS)
        fmt = self.save_format
        _check(fmt in SAVE_FORMATS, "save_format", f"one of {formats}", fmt)
        types = self.weight_layer_types
        _check(
            isinstance(types, (list, tuple)) and len(types) > 0,
            "weight_layer_types",
            "a non-empty list of layer types",
            types,
        )
        unknown = [t for t in types if t not in WEIGHT_LAYER_KINDS]
        _check(
            not unknown,
            "weight_layer_types",
            f"made of {', '.join(WEIGHT_LAYER_KINDS)}; unknown: {unknown}",
            types,
        )
        # A list is accepted for convenience; stored as a tuple so the config stays hashable.
        object.__setattr__(self, "weight_layer_types", tuple(types))

    @property
    def weight_kinds(self) -> tuple[str, ...]:
        """The record kinds (`WeightRecord.kind`) the weight analysis covers."""
        return tuple(WEIGHT_LAYER_KINDS[t] for t in self.weight_layer_types)

    @property
    def enabled(self) -> tuple[str, ...]:
        """The analyses switched on, in `ANALYSES` order."""
        flags = {
            "weights": self.analyze_weights,
            "spectral": self.analyze_spectral,
            "calibration": self.analyze_calibration,
            "information_flow": self.analyze_information_flow,
            "training_dynamics": self.analyze_training_dynamics,
        }
        return tuple(name for name in ANALYSES if flags[name])
