"""Request and response bodies of the jobs resource (seed 002's OptimizationRequest and status)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from healthopt.api.schemas.checks import (
    WEIGHT_TOLERANCE,
    RequestBody,
    health_component_shares,
    known_dataset,
)
from healthopt.config import (
    DEFAULT_HEALTH_PROPORTIONS,
    HEALTH_AWARE_ACCURACY_WEIGHT,
    ScoringWeights,
)
from healthopt.health.scoring import composite_health
from healthopt.records import ComputeSummary, Finite, Mode, TrialRecord

JobStatusName = Literal["pending", "running", "completed", "failed", "cancelled"]


class OptimizeRequest(RequestBody):
    """What `POST /optimize` accepts. Every check names the field it rejects."""

    dataset_name: str = Field("digits", description="a registered dataset name (GET /health)")
    trials: int = Field(10, ge=1, le=100_000)
    max_epochs_per_trial: int = Field(10, ge=1, le=10_000)
    mode: Mode = Field(
        Mode.SIMPLE,
        description='"simple", "health-aware" (the healthiest within accuracy_margin of the '
        'best) or "pareto" (val accuracy and health as two objectives; the knee of the front '
        "is assembled, or the best under the given weights). Deprecated: the old spelling "
        '"health_aware" is still accepted for one release.',
    )
    accuracy_margin: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="health-aware mode: trials within this much val accuracy of the best "
        "count as equally accurate, and the healthiest of them is chosen",
    )
    accuracy_weight: float | None = Field(None, ge=0.0, le=1.0, allow_inf_nan=False)
    health_weight: float | None = Field(None, ge=0.0, le=1.0, allow_inf_nan=False)
    health_component_weights: dict[str, float] | None = None
    use_runpod_service: bool = False
    concurrent: bool = False
    concurrent_workers: int = Field(1, ge=1, le=256)
    target_gpus_per_worker: int = Field(1, ge=1, le=8)
    plot_generation: Literal["all", "best", "none"] = "best"
    seed: int = Field(0, ge=0, le=2**32 - 1)
    sampler: Literal["tpe", "random", "gp", "cmaes", "nsga2"] = Field(
        "tpe",
        description="Optuna's sampler; gp needs PyTorch on the server; nsga2 is for pareto "
        "mode only, cmaes for the other modes",
    )
    pruner: Literal["auto", "none", "median", "percentile", "successive-halving", "hyperband"] = (
        Field(
            "auto",
            description="Optuna's pruner on each epoch's val accuracy; pareto mode takes auto "
            "or none (Optuna's pruners take one objective)",
        )
    )
    health_pruning: bool = Field(
        True, description="stop trials whose epochs show more training is pointless"
    )
    monitor_every_epochs: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="layer monitoring classes each layer every N epochs and at the last; "
        "null: every epoch up to 20 epochs, about 20 monitored epochs beyond",
    )
    model: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="a user's own model and search space, by the name this server's operator "
        "registered it under (HEALTHOPT_MODELS; GET /health lists them); null: the built-in "
        "space for the dataset",
    )

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        # Mode.parse reads "health_aware" (API v1) with a DeprecationWarning.
        return Mode.parse(value) if isinstance(value, str) else value

    @field_validator("dataset_name")
    @classmethod
    def _known_dataset(cls, value: str) -> str:
        return known_dataset(value)

    @field_validator("health_component_weights")
    @classmethod
    def _known_components(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return health_component_shares(value)

    @property
    def weights_given(self) -> bool:
        return (
            self.accuracy_weight is not None
            or self.health_weight is not None
            or self.health_component_weights is not None
        )

    @property
    def pareto_choice(self) -> str:
        """Pareto mode: the front member is chosen by the user's weights when given."""
        return "weights" if self.weights_given else "knee"

    @model_validator(mode="after")
    def _consistent(self) -> OptimizeRequest:
        if self.mode is Mode.SIMPLE and self.weights_given:
            accuracy = 1.0 if self.accuracy_weight is None else self.accuracy_weight
            health = 0.0 if self.health_weight is None else self.health_weight
            if accuracy != 1.0 or health != 0.0:
                raise ValueError(
                    "accuracy_weight/health_weight: simple mode scores accuracy alone; "
                    f"use mode '{Mode.HEALTH_AWARE}' to weight health"
                )
        accuracy, health = self.resolved_split()
        if abs(accuracy + health - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(
                f"accuracy_weight + health_weight must be 1 (got {accuracy} + {health})"
            )
        if self.target_gpus_per_worker > 1 and not self.use_runpod_service:
            raise ValueError(
                "target_gpus_per_worker: more than one GPU per worker applies to RunPod "
                "workers; set use_runpod_service or send 1"
            )
        return self

    def resolved_split(self) -> tuple[float, float]:
        """(accuracy weight, health weight), one derived from the other when only one is set."""
        if self.mode is Mode.SIMPLE:
            return 1.0, 0.0
        accuracy, health = self.accuracy_weight, self.health_weight
        if accuracy is None and health is None:
            return HEALTH_AWARE_ACCURACY_WEIGHT, 1.0 - HEALTH_AWARE_ACCURACY_WEIGHT
        if accuracy is None:
            assert health is not None
            return 1.0 - health, health
        if health is None:
            return accuracy, 1.0 - accuracy
        return accuracy, health

    def scoring_weights(self) -> ScoringWeights:
        accuracy, health = self.resolved_split()
        components = self.health_component_weights or dict(DEFAULT_HEALTH_PROPORTIONS)
        return ScoringWeights(accuracy, health, dict(components))

    @property
    def workers(self) -> int:
        """Trials run at once: `concurrent_workers` when concurrent, else one at a time."""
        return self.concurrent_workers if self.concurrent else 1


class JobCreated(BaseModel):
    job_id: str


class JobStatus(BaseModel):
    """`GET /jobs/{id}/status`: where a job is, cheap enough to poll every second."""

    job_id: str
    status: JobStatusName
    trials_completed: int
    trials_total: int
    current_trial: int | None
    current_epoch: int | None
    best_score: float | None
    elapsed_seconds: float | None
    error: str | None
    run_name: str
    dataset_name: str
    mode: Mode
    created_at: str
    best_trial: int | None
    compute: ComputeSummary | None = Field(
        None,
        description="epochs run against epochs budgeted and what pruning saved, from the run's "
        "results.json as it stands (energy saved is an estimate: see energy_note); null before "
        "the first trial finished",
    )


class JobList(BaseModel):
    jobs: list[JobStatus]


class TrialSummary(TrialRecord):
    """One finished trial as results.json records it, with its composite health."""

    health_score: Finite = Field(
        None, description="composite health in [0, 1] (healthopt.health.scoring.composite_health)"
    )

    @classmethod
    def of(cls, record: TrialRecord) -> TrialSummary:
        """A trial record as the API shows it: with its composite health."""
        return cls.model_validate({**record.to_json(), "health_score": composite_health(record)})


class TrialPageFields(BaseModel):
    """What every page of a trial list says (`healthopt.api.pagination`): its trials, how
    many pass the filter in all, and where this page and the next start."""

    total: int = Field(description="trials that pass the state filter, on every page")
    offset: int
    limit: int
    next_offset: int | None = Field(
        None, description="the offset of the next page; null on the last page"
    )
    trials: list[TrialSummary]


class TrialList(TrialPageFields):
    """One page of a job's finished trials (`limit` from `offset`, by number unless `order`
    says score), with its run's compute summary."""

    compute: ComputeSummary | None = Field(
        None, description="the same results.json's compute summary (see JobStatus.compute)"
    )
