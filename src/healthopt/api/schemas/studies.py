"""Request and response bodies of the comparison-study resource (seed 002's study API)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from healthopt.api.schemas.checks import (
    WEIGHT_TOLERANCE,
    RequestBody,
    health_component_shares,
    known_dataset,
)
from healthopt.config import (
    DEFAULT_HEALTH_PROPORTIONS,
    HEALTH_AWARE_ACCURACY_WEIGHT,
    ConfigError,
    ScoringWeights,
)

# results.json is served as written: its schema is the study's own records.
from healthopt.records.study import ExecutiveRow as ExecutiveRow
from healthopt.records.study import ExecutiveSummary as ExecutiveSummary
from healthopt.records.study import ModuleOutcome as ModuleOutcome
from healthopt.records.study import ResultFigure as ResultFigure
from healthopt.records.study import ResultTable as ResultTable
from healthopt.records.study import SelectedModel as SelectedModel
from healthopt.records.study import StudyDesign as StudyDesign
from healthopt.records.study import StudyResults as StudyResults
from healthopt.study.config import MODULES, StudyConfig, parse_modules

PhaseName = Literal["building", "built", "analyzing", "analyzed"]
StudyStateName = Literal["pending", "running", "completed", "failed", "cancelled", "interrupted"]


def _modules(value: list[str]) -> list[str]:
    """Known module names in MODULES order; ValueError (a 422) otherwise."""
    try:
        selected = parse_modules(value)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    if not selected:
        raise ValueError(f"choose at least one analysis module of {', '.join(MODULES)}")
    return list(selected)


class StudyStartRequest(RequestBody):
    """What `POST /comparison-study/start` accepts. Every check names the field it rejects."""

    dataset_name: str = Field("digits", description="a registered dataset name (GET /health)")
    runs_per_mode: int = Field(3, ge=1, le=20)
    trials_per_mode: int = Field(4, ge=1, le=200, description="trials of each optimization run")
    max_epochs_per_trial: int = Field(3, ge=1, le=100)
    concurrent_workers: int = Field(1, ge=1, le=256)
    use_runpod_service: bool = False
    accuracy_weight: float = Field(
        HEALTH_AWARE_ACCURACY_WEIGHT, ge=0.0, le=1.0, allow_inf_nan=False
    )
    health_overall_weight: float = Field(
        round(1.0 - HEALTH_AWARE_ACCURACY_WEIGHT, 12), ge=0.0, le=1.0, allow_inf_nan=False
    )
    health_components: dict[str, float] | None = Field(
        None, description="the six health components' shares of the health weight (sum 1)"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1)
    ablation_trials: int | None = Field(None, ge=1, le=200)
    modules_to_run: list[str] | None = Field(
        None,
        description="analysis modules phase 1b runs by itself once phase 1a has finished; "
        "null: stop after phase 1a",
    )

    @field_validator("dataset_name")
    @classmethod
    def _known_dataset(cls, value: str) -> str:
        return known_dataset(value)

    @field_validator("health_components")
    @classmethod
    def _known_components(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return health_component_shares(value)

    @field_validator("modules_to_run")
    @classmethod
    def _known_modules(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _modules(value)

    @model_validator(mode="after")
    def _weights_split(self) -> StudyStartRequest:
        total = self.accuracy_weight + self.health_overall_weight
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(
                "accuracy_weight + health_overall_weight must be 1 "
                f"(got {self.accuracy_weight} + {self.health_overall_weight})"
            )
        if self.health_overall_weight <= 0.0:
            raise ValueError(
                "health_overall_weight must be above 0: with accuracy alone both modes would "
                "run the same optimization"
            )
        return self

    def scoring_weights(self) -> ScoringWeights:
        components = self.health_components or dict(DEFAULT_HEALTH_PROPORTIONS)
        return ScoringWeights(self.accuracy_weight, self.health_overall_weight, dict(components))

    def study_config(self, study_id: str, output_dir: Path) -> StudyConfig:
        """The StudyConfig this request asks for; ConfigError if it is not a valid study."""
        return StudyConfig(
            dataset_name=self.dataset_name,
            runs_per_mode=self.runs_per_mode,
            trials_per_run=self.trials_per_mode,
            max_epochs_per_trial=self.max_epochs_per_trial,
            health_weights=self.scoring_weights(),
            concurrent_workers=self.concurrent_workers,
            use_runpod_service=self.use_runpod_service,
            seed=self.seed,
            ablation_trials=self.ablation_trials,
            output_dir=str(output_dir),
            study_id=study_id,
        )


class StudyAnalyzeRequest(RequestBody):
    """What `POST /comparison-study/{id}/analyze` accepts: the modules of phase 1b."""

    modules_to_run: list[str] = Field(default_factory=lambda: list(MODULES))

    @field_validator("modules_to_run")
    @classmethod
    def _known_modules(cls, value: list[str]) -> list[str]:
        return _modules(value)


class StudyStarted(BaseModel):
    study_id: str
    status_url: str


class ModeProgress(BaseModel):
    """Phase 1a of one mode: its runs, the run in progress and the best model so far."""

    runs_total: int
    runs_completed: int
    runs_failed: int
    current_run: int | None
    current_trials_done: int
    trials_per_run: int
    best_val_accuracy: float | None
    best_holdout_accuracy: float | None = Field(
        None, description="the mode's selected model on the holdout; null until analysed"
    )


class AblationProgress(BaseModel):
    """The ablation optimizations (one per health component) that phase 1b runs first."""

    components_completed: int
    components_total: int
    current_component: str | None = None


class AnalysisProgress(BaseModel):
    modules_requested: list[str]
    modules_completed: list[str]
    current_module: str | None


class HealthWeights(BaseModel):
    accuracy_weight: float
    health_weight: float
    health_components: dict[str, float]


class StudySettings(BaseModel):
    """The study's configuration (StudyConfig without server paths)."""

    model_config = ConfigDict(extra="ignore")

    dataset_name: str
    runs_per_mode: int
    trials_per_run: int
    max_epochs_per_trial: int
    health_weights: HealthWeights
    concurrent_workers: int
    use_runpod_service: bool
    seed: int
    split_seed: int
    ablation_trials: int | None
    transfer_dataset: str | None


class StudyStatus(BaseModel):
    """`GET /comparison-study/{id}/status`: where a study is, cheap enough to poll."""

    study_id: str
    dataset_name: str
    phase: PhaseName
    state: StudyStateName
    error: str | None
    accuracy_only_progress: ModeProgress
    health_aware_progress: ModeProgress
    ablation_progress: AblationProgress | None
    analysis: AnalysisProgress
    best_models_selected: bool = Field(description="phase 1a has finished")
    results_available: bool
    report_available: bool
    config: StudySettings
    created_at: str
    updated_at: str
