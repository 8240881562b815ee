"""Validated, immutable configuration for an optimization run and for one model.

Each setting has its default in exactly one class: `OptimizationConfig` owns the run,
`ModelConfig` owns the architecture and training hyperparameters, `ScoringWeights` owns
how a trial's score is made. Validation runs once, in `__post_init__`, and names the
field and its allowed range so a bad value fails before any work starts.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from healthopt.data.errors import DatasetError
from healthopt.data.registry import lookup
from healthopt.hypermodel.entry_points import check_entry_point
from healthopt.hypermodel.hyperparameters import HypermodelError
from healthopt.records.health import HEALTH_COMPONENTS
from healthopt.records.mode import Mode
from healthopt.safe_names import UnsafeName, safe_name

MODES = tuple(mode.value for mode in Mode)
PLOT_MODES = ("all", "best", "none")
# Optuna's own samplers and pruners, by the names the CLI takes (`optimize/search.py`).
SAMPLERS = ("tpe", "random", "gp", "cmaes", "nsga2")
PARETO_CHOICES = ("knee", "weights")
PRUNERS = ("auto", "none", "median", "percentile", "successive-halving", "hyperband")
ACTIVATIONS = ("relu", "elu", "gelu", "swish", "tanh", "leaky_relu")
OPTIMIZERS = ("adam", "rmsprop", "sgd", "adamw")
# How the learning rate moves over a trial's steps (`models.builder.make_learning_rate`).
LR_SCHEDULES = ("constant", "cosine", "step", "exponential")
# Seed 002's default proportions of the health weight among the six components.
DEFAULT_HEALTH_PROPORTIONS = {
    "neuron_utilization": 0.25,
    "parameter_efficiency": 0.15,
    "training_stability": 0.20,
    "gradient_health": 0.15,
    "convergence_quality": 0.15,
    "accuracy_consistency": 0.10,
}
# Health-aware mode's default split between accuracy and health (seed 002).
HEALTH_AWARE_ACCURACY_WEIGHT = 0.7
_WEIGHT_TOLERANCE = 1e-6


class ConfigError(ValueError):
    """A configuration value is outside what healthopt accepts; the message names it."""


def _require(condition: bool, field_name: str, allowed: str, value: Any) -> None:
    if not condition:
        raise ConfigError(f"{field_name} must be {allowed} (got {value!r})")


def _require_int(value: Any, field_name: str, low: int, high: int | None = None) -> None:
    allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    _require(ok and (high is None or value <= high), field_name, allowed, value)


def _require_float(value: Any, field_name: str, low: float, high: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    _require(ok and low <= value <= high, field_name, f"a number in [{low}, {high}]", value)


def _require_choice(value: Any, field_name: str, choices: tuple[str, ...]) -> None:
    _require(value in choices, field_name, "one of " + ", ".join(choices), value)


def _reject_unknown_fields(cls: type, data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} fields: {', '.join(unknown)}")


@dataclass(frozen=True)
class ScoringWeights:
    """How a trial's total score mixes accuracy and the six health components.

    `total = accuracy_weight * accuracy + health_weight * sum(w_i * health_i)`, with
    `accuracy_weight + health_weight = 1` and the component weights summing to 1.
    """

    accuracy_weight: float = 1.0
    health_weight: float = 0.0
    health_components: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_HEALTH_PROPORTIONS)
    )

    def __post_init__(self) -> None:
        _require_float(self.accuracy_weight, "accuracy_weight", 0.0, 1.0)
        _require_float(self.health_weight, "health_weight", 0.0, 1.0)
        total = self.accuracy_weight + self.health_weight
        _require(
            abs(total - 1.0) <= _WEIGHT_TOLERANCE,
            "accuracy_weight + health_weight",
            "1 (within 1e-6)",
            round(total, 9),
        )
        unknown = sorted(set(self.health_components) - set(HEALTH_COMPONENTS))
        _require(
            not unknown, "health_components", "keys from " + ", ".join(HEALTH_COMPONENTS), unknown
        )
        for name, weight in self.health_components.items():
            _require_float(weight, f"health_components.{name}", 0.0, 1.0)
        component_total = sum(self.health_components.values())
        _require(
            abs(component_total - 1.0) <= _WEIGHT_TOLERANCE,
            "sum of health_components",
            "1 (within 1e-6)",
            round(component_total, 9),
        )

    @classmethod
    def for_mode(cls, mode: str | Mode) -> ScoringWeights:
        """The default weights of a mode: accuracy only, or seed 002's 70/30 split (which
        pareto mode uses to mix the components, and to choose when asked to)."""
        if Mode.parse(mode).scores_health:
            return cls(HEALTH_AWARE_ACCURACY_WEIGHT, 1.0 - HEALTH_AWARE_ACCURACY_WEIGHT)
        return cls()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture and training hyperparameters of one model (seed 002's ModelConfig).

    The CNN fields apply to image data, the LSTM fields to token sequences; the dense head,
    optimizer and batch size apply to both. These defaults build a sensible model when no
    search is involved; `HyperparameterSelector` overrides the ones it searches.
    """

    # CNN
    num_layers_conv: int = 2
    filters_per_conv_layer: int = 32
    kernel_size: int = 3
    activation: str = "relu"
    use_global_pooling: bool = False
    batch_normalization: bool = False
    conv_dropout: float = 0.0
    # Dense head
    num_layers_hidden: int = 1
    first_hidden_layer_nodes: int = 64
    hidden_dropout: float = 0.2
    # LSTM
    embedding_dim: int = 64
    lstm_units: int = 32
    use_bidirectional: bool = True
    # Training
    optimizer: str = "adam"
    learning_rate: float = 1e-3  # the initial rate when a schedule decays it
    momentum: float = 0.0  # SGD only; 0 is plain SGD, as before the field existed
    lr_schedule: str = "constant"
    batch_size: int = 32

    def __post_init__(self) -> None:
        _require_int(self.num_layers_conv, "num_layers_conv", 1, 6)
        _require_int(self.filters_per_conv_layer, "filters_per_conv_layer", 1, 1024)
        _require_int(self.kernel_size, "kernel_size", 1, 11)
        _require_choice(self.activation, "activation", ACTIVATIONS)
        _require(
            isinstance(self.use_global_pooling, bool),
            "use_global_pooling",
            "a boolean",
            self.use_global_pooling,
        )
        _require(
            isinstance(self.batch_normalization, bool),
            "batch_normalization",
            "a boolean",
            self.batch_normalization,
        )
        _require_float(self.conv_dropout, "conv_dropout", 0.0, 0.9)
        _require_int(self.num_layers_hidden, "num_layers_hidden", 0, 8)
        _require_int(self.first_hidden_layer_nodes, "first_hidden_layer_nodes", 1, 8192)
        _require_float(self.hidden_dropout, "hidden_dropout", 0.0, 0.9)
        _require_int(self.embedding_dim, "embedding_dim", 1, 2048)
        _require_int(self.lstm_units, "lstm_units", 1, 2048)
        _require(
            isinstance(self.use_bidirectional, bool),
            "use_bidirectional",
            "a boolean",
            self.use_bidirectional,
        )
        _require_choice(self.optimizer, "optimizer", OPTIMIZERS)
        _require_float(self.learning_rate, "learning_rate", 1e-7, 1e6)
        _require_float(self.momentum, "momentum", 0.0, 0.999)
        # Only Keras SGD takes this momentum; on another optimizer it would be silently unused.
        _require(
            self.momentum == 0.0 or self.optimizer == "sgd",
            "momentum",
            f"0 unless optimizer is 'sgd' (optimizer is {self.optimizer!r})",
            self.momentum,
        )
        _require_choice(self.lr_schedule, "lr_schedule", LR_SCHEDULES)
        _require_int(self.batch_size, "batch_size", 1, 65536)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Build from a (possibly partial) dict; unknown keys are an error, not ignored."""
        _reject_unknown_fields(cls, data)
        return cls(**data)


@dataclass(frozen=True)
class OptimizationConfig:
    """Everything that defines one optimization run, validated once and then immutable."""

    dataset_name: str = "digits"
    trials: int = 10
    max_epochs_per_trial: int = 10
    mode: Mode = Mode.SIMPLE
    scoring_weights: ScoringWeights | None = None  # None: the mode's defaults
    concurrent_workers: int = 1
    use_runpod_service: bool = False
    require_runpod: bool = False  # with use_runpod_service: fail instead of running locally
    target_gpus_per_worker: int = 1
    trial_timeout_seconds: float | None = None  # RunPod executionTimeout; None: from the epochs
    plot_generation: str = "best"
    seed: int = 0
    split_seed: int | None = None
    storage_url: str | None = None
    run_name: str | None = None
    output_dir: str = "optimization_results"
    timeout_seconds: float | None = None
    heartbeat_seconds: int = 10  # shared studies: a trial is stale after 3 missed heartbeats
    sampler: str = "tpe"
    pruner: str = "auto"  # auto: chosen for the budget by `optimize.search.make_pruner`
    health_pruning: bool = True  # stop a trial whose epochs show more training is pointless
    chance_patience_epochs: int = 3  # health pruning: epochs a model may stay at chance
    # Health-aware mode: trials within this much val accuracy of the best count as equally
    # accurate, and the healthiest of them is chosen (seed 002: 94.5 % against 93.8 %).
    accuracy_margin: float = 0.01
    # Pareto mode: the front member assembled: the knee of the front, or the best total
    # under `scoring_weights` (what the CLI and API pick when the user gives weights).
    pareto_choice: str = "knee"
    # A user's own model and search space, "module:function" naming build(hp)
    # (`healthopt.hypermodel`); None: the built-in space for the data's modality.
    model: str | None = None
    # Log every trial to this MLflow tracking URI (`healthopt.trackers.mlflow`); None: off.
    mlflow_uri: str | None = None
    # Layer monitoring (`healthopt.monitoring`) classes every N-th epoch and the last; None:
    # every epoch up to 20 epochs, about 20 monitored epochs beyond.
    monitor_every_epochs: int | None = None

    def __post_init__(self) -> None:
        _require(
            isinstance(self.dataset_name, str) and bool(self.dataset_name.strip()),
            "dataset_name",
            "a non-empty dataset name",
            self.dataset_name,
        )
        try:
            lookup(self.dataset_name)
        except DatasetError as exc:
            raise ConfigError(f"dataset_name: {exc}") from exc
        _require_int(self.trials, "trials", 1, 100_000)
        _require_int(self.max_epochs_per_trial, "max_epochs_per_trial", 1, 10_000)
        _require_choice(self.mode, "mode", MODES)
        object.__setattr__(self, "mode", Mode(self.mode))
        if self.scoring_weights is None:
            object.__setattr__(self, "scoring_weights", ScoringWeights.for_mode(self.mode))
        _require(
            isinstance(self.scoring_weights, ScoringWeights),
            "scoring_weights",
            "a ScoringWeights",
            self.scoring_weights,
        )
        if self.mode is Mode.SIMPLE:
            assert self.scoring_weights is not None  # filled in above when left out
            _require(
                self.scoring_weights.accuracy_weight == 1.0,
                "scoring_weights.accuracy_weight",
                "1.0 in simple mode (accuracy only)",
                self.scoring_weights.accuracy_weight,
            )
        _require_int(self.concurrent_workers, "concurrent_workers", 1, 256)
        for flag in ("use_runpod_service", "require_runpod"):
            value = getattr(self, flag)
            _require(isinstance(value, bool), flag, "a boolean", value)
        _require_int(self.target_gpus_per_worker, "target_gpus_per_worker", 1, 8)
        if self.trial_timeout_seconds is not None:
            _require_float(self.trial_timeout_seconds, "trial_timeout_seconds", 1.0, 86_400.0)
        _require_int(self.heartbeat_seconds, "heartbeat_seconds", 1, 3600)
        _require_choice(self.sampler, "sampler", SAMPLERS)
        _require_choice(self.pruner, "pruner", PRUNERS)
        _require(
            isinstance(self.health_pruning, bool),
            "health_pruning",
            "a boolean",
            self.health_pruning,
        )
        _require_int(self.chance_patience_epochs, "chance_patience_epochs", 1, 10_000)
        if self.monitor_every_epochs is not None:
            _require_int(self.monitor_every_epochs, "monitor_every_epochs", 1, 10_000)
        _require_float(self.accuracy_margin, "accuracy_margin", 0.0, 1.0)
        _require_choice(self.pareto_choice, "pareto_choice", PARETO_CHOICES)
        self._check_pareto()
        if self.model is not None:
            try:
                check_entry_point(self.model)
            except HypermodelError as exc:
                raise ConfigError(f"model: {exc}") from None
        if self.mlflow_uri is not None:
            _require(
                isinstance(self.mlflow_uri, str) and bool(self.mlflow_uri.strip()),
                "mlflow_uri",
                "an MLflow tracking URI such as file:./mlruns",
                self.mlflow_uri,
            )
            # The URI is written to config.json; credentials belong in MLflow's own variables.
            _require(
                urlsplit(self.mlflow_uri).password is None,
                "mlflow_uri",
                "a URI without a password (set MLFLOW_TRACKING_USERNAME and "
                "MLFLOW_TRACKING_PASSWORD instead)",
                "<redacted>",
            )
        _require_choice(self.plot_generation, "plot_generation", PLOT_MODES)
        _require_int(self.seed, "seed", 0, 2**32 - 1)
        if self.split_seed is None:
            # The splits follow the run's seed unless the caller pins them separately.
            object.__setattr__(self, "split_seed", self.seed)
        _require_int(self.split_seed, "split_seed", 0, 2**32 - 1)
        if self.run_name is not None:
            try:
                safe_name(self.run_name, "run_name")  # it names the run's folder
            except UnsafeName as exc:
                raise ConfigError(str(exc)) from None
        _require(
            isinstance(self.output_dir, str) and bool(self.output_dir),
            "output_dir",
            "a non-empty path",
            self.output_dir,
        )
        if self.timeout_seconds is not None:
            _require_float(self.timeout_seconds, "timeout_seconds", 1e-3, 1e9)

    def _check_pareto(self) -> None:
        """What a two-objective study cannot do, refused with the reason."""
        if self.mode is not Mode.PARETO:
            _require(
                self.sampler != "nsga2",
                "sampler",
                "tpe, random, gp or cmaes outside pareto mode (NSGA-II is multi-objective)",
                self.sampler,
            )
            return
        _require(
            self.sampler != "cmaes",
            "sampler",
            "tpe, nsga2, random or gp in pareto mode (Optuna's CMA-ES is single-objective)",
            self.sampler,
        )
        _require(
            self.pruner in ("auto", "none"),
            "pruner",
            "auto or none in pareto mode: Optuna's pruners compare one objective, and a "
            "two-objective trial reports none (health pruning still applies)",
            self.pruner,
        )

    @property
    def trial_budget_seconds(self) -> float:
        """How long one trial may run on a remote worker before it is stopped: the configured
        limit, or 10 minutes plus 2 per epoch (generous for a GPU, bounded for a stuck job)."""
        if self.trial_timeout_seconds is not None:
            return float(self.trial_timeout_seconds)
        return 600.0 + 120.0 * self.max_epochs_per_trial

    def with_run_name(self, run_name: str) -> OptimizationConfig:
        return replace(self, run_name=run_name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OptimizationConfig:
        _reject_unknown_fields(cls, data)
        values = dict(data)
        if isinstance(values.get("scoring_weights"), dict):
            values["scoring_weights"] = ScoringWeights(**values["scoring_weights"])
        return cls(**values)
