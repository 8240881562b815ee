"""Response bodies of the server-wide endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field

from healthopt.records import HealthComponent, Mode


class Health(BaseModel):
    status: str
    version: str
    jobs_running: int
    jobs_pending: int
    datasets: list[str]
    models: list[str] = Field(
        description="the users' own models a request may name (HEALTHOPT_MODELS)"
    )
    tensorboard_available: bool = Field(
        description="the server can start TensorBoard and the browser can reach it (local use)"
    )
    runpod_available: bool = Field(
        description="RunPod and an artifact store are configured; otherwise runs stay local"
    )
    runpod_problem: str | None = Field(description="why RunPod is not available")


class ModeWeights(BaseModel):
    accuracy_weight: float
    health_weight: float
    health_component_weights: dict[HealthComponent, float]


class DefaultScoringWeights(BaseModel):
    """Seed 002's defaults for the three-tier weight sliders: the health-aware split and the
    six components' shares of the health weight, plus each mode's full weights."""

    accuracy_weight: float
    health_weight: float
    health_component_weights: dict[HealthComponent, float]
    health_components: list[HealthComponent] = Field(
        description="the six health components, in the order the dashboard shows them"
    )
    modes: dict[Mode, ModeWeights]
