"""StudyConfig: what a comparison study runs, validated once like OptimizationConfig.

A study builds `runs_per_mode` optimizations in each of two modes, accuracy-only
(`Mode.SIMPLE`) and health-aware, then analyses their best models on the holdout split. Run i
of both modes uses the same seed (sampler and training), so the two modes' runs pair up by
index; every run uses the same split seed, so all of them are measured on one and the same
holdout.

In code a study's arms are `records.Mode`. Outside it, in the run folders
(`accuracy_only/run_0`), metadata.json, results.json (which the API serves as is) and the
report, an arm keeps the name studies have always had: `ARM_NAMES` (from `records.study`,
whose `ArmMode` fields write it) is that one mapping, so studies written before still load
and resume, and results.json keeps its shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from healthopt.config import (
    HEALTH_COMPONENTS,
    ConfigError,
    OptimizationConfig,
    ScoringWeights,
)
from healthopt.data import DatasetError, lookup
from healthopt.records import Mode

# The arm names on disk live with the records that write them; re-exported here, where
# studies have always looked them up.
from healthopt.records.study import ARM_NAMES as ARM_NAMES
from healthopt.records.study import StudyConfigRecord
from healthopt.records.study import arm_mode as arm_mode
from healthopt.records.study import arm_name as arm_name

# The two arms, in the order they run and are shown.
STUDY_MODES: tuple[Mode, Mode] = (Mode.SIMPLE, Mode.HEALTH_AWARE)
# An arm as the report, the figures and the terminal name it for people.
MODE_LABELS: dict[Mode, str] = {Mode.SIMPLE: "Accuracy-only", Mode.HEALTH_AWARE: "Health-aware"}
MODULES = (
    "generalization",
    "robustness",
    "distribution_shift",
    "calibration",
    "transfer",
    "ablation",
    "per_class",
    "failure_cases",
    "trial_level",
)
# Runs of different seeds stay apart even with many trials (trial seeds are seed + number).
RUN_SEED_STRIDE = 1000
# What a study id may be: it names a folder, so no separators and no leading dot.
STUDY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def parse_modules(names: str | Sequence[str]) -> tuple[str, ...]:
    """`all`, `none`, or module names (a list or comma-separated), in MODULES order."""
    if isinstance(names, str):
        items = [n.strip() for n in names.split(",") if n.strip()]
    else:
        items = [str(n).strip() for n in names]
    if items == ["all"]:
        return MODULES
    if items in (["none"], []):
        return ()
    unknown = sorted(set(items) - set(MODULES))
    if unknown:
        raise ConfigError(
            f"unknown analysis module(s) {', '.join(unknown)}; "
            f"choose from all, none, {', '.join(MODULES)}"
        )
    return tuple(m for m in MODULES if m in items)


def default_study_id(dataset: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", dataset.replace("npz:", "npz_"))
    return f"study_{slug}_{datetime.now():%Y%m%d_%H%M%S}"


@dataclass(frozen=True)
class StudyConfig:
    """Everything that defines a comparison study."""

    dataset_name: str = "digits"
    runs_per_mode: int = 3
    trials_per_run: int = 4
    max_epochs_per_trial: int = 3
    # Health-aware mode's weights (accuracy-only always scores accuracy alone).
    health_weights: ScoringWeights = field(
        default_factory=lambda: ScoringWeights.for_mode(Mode.HEALTH_AWARE)
    )
    concurrent_workers: int = 1
    use_runpod_service: bool = False
    seed: int = 0
    split_seed: int = 0
    # Ablation: one optimization per health component with this many trials (None: trials_per_run).
    ablation_trials: int | None = None
    # Cross-dataset transfer: a related dataset (registered name or npz:PATH); None: the
    # dataset's own related datasets where any are known.
    transfer_dataset: str | None = None
    output_dir: str = "comparison_studies"
    study_id: str | None = None

    def __post_init__(self) -> None:
        # OptimizationConfig validates the shared settings with the same messages.
        try:
            for mode in STUDY_MODES:
                self.optimization_config(mode, 0)
        except ConfigError as exc:
            raise ConfigError(f"study: {exc}") from exc
        _check_int(self.runs_per_mode, "runs_per_mode", 1, 100)
        if self.ablation_trials is not None:
            _check_int(self.ablation_trials, "ablation_trials", 1, 100_000)
        if self.health_weights.health_weight <= 0.0:
            raise ConfigError(
                "health_weights.health_weight must be above 0 in a comparison study: with "
                "accuracy alone both modes would run the same optimization"
            )
        if self.transfer_dataset is not None:
            try:
                lookup(self.transfer_dataset)
            except DatasetError as exc:
                raise ConfigError(f"transfer_dataset: {exc}") from exc
        if self.study_id is None:
            object.__setattr__(self, "study_id", default_study_id(self.dataset_name))
        if not isinstance(self.study_id, str) or not STUDY_ID.match(self.study_id):
            raise ConfigError(
                "study_id must be 1-128 characters of letters, digits, '.', '_' or '-' "
                f"starting with a letter or digit (got {self.study_id!r})"
            )

    def run_seed(self, index: int) -> int:
        """Seed of run `index`; the same in both modes, which is what pairs the runs."""
        return self.seed + RUN_SEED_STRIDE * index

    def optimization_config(
        self,
        mode: Mode,
        index: int,
        output_dir: str | None = None,
        weights: ScoringWeights | None = None,
        trials: int | None = None,
        run_name: str | None = None,
    ) -> OptimizationConfig:
        """The OptimizationConfig of one run of the study (or of an ablation run)."""
        if weights is None:
            weights = self.health_weights if mode is Mode.HEALTH_AWARE else ScoringWeights()
        return OptimizationConfig(
            dataset_name=self.dataset_name,
            trials=trials or self.trials_per_run,
            max_epochs_per_trial=self.max_epochs_per_trial,
            mode=Mode(mode),
            scoring_weights=weights,
            concurrent_workers=self.concurrent_workers,
            use_runpod_service=self.use_runpod_service,
            seed=self.run_seed(index),
            split_seed=self.split_seed,
            run_name=run_name or f"run_{index}",
            output_dir=output_dir or self.output_dir,
        )

    def ablation_weights(self, component: str) -> ScoringWeights:
        """Health-aware weights with the whole health weight on one component (seed 002)."""
        if component not in HEALTH_COMPONENTS:
            raise ConfigError(f"no health component {component!r}")
        return ScoringWeights(
            self.health_weights.accuracy_weight,
            self.health_weights.health_weight,
            {name: 1.0 if name == component else 0.0 for name in HEALTH_COMPONENTS},
        )

    @property
    def ablation_trial_count(self) -> int:
        return self.ablation_trials or self.trials_per_run

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def record(self) -> StudyConfigRecord:
        """The config as results.json writes it."""
        return StudyConfigRecord.from_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudyConfig:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown StudyConfig fields: {', '.join(unknown)}")
        values = dict(data)
        if isinstance(values.get("health_weights"), dict):
            values["health_weights"] = ScoringWeights(**values["health_weights"])
        return cls(**values)


def _check_int(value: Any, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be an integer in [{low}, {high}] (got {value!r})")
