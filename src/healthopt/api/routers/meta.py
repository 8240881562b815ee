"""Server-wide facts: liveness and the default scoring weights the dashboard's sliders start at."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from healthopt.api.db import OPTIMIZATION, PENDING, RUNNING
from healthopt.api.deps import StateDep
from healthopt.api.schemas.meta import DefaultScoringWeights, Health, ModeWeights
from healthopt.config import ScoringWeights
from healthopt.data import dataset_names
from healthopt.records import HealthComponent, Mode

router = APIRouter(tags=["meta"])


def _version() -> str:
    try:
        return version("healthopt")
    except PackageNotFoundError:
        return "unknown"


@router.get("/health", response_model=Health)
def health(state: StateDep) -> Health:
    waiting = state.store.list((RUNNING, PENDING), kind=OPTIMIZATION)
    # Running means a server holds it now (a live lease); a job whose server died counts as
    # waiting until some server resumes it.
    running = sum(1 for job in waiting if job.lease_live())
    return Health(
        status="ok",
        version=_version(),
        jobs_running=running,
        jobs_pending=len(waiting) - running,
        datasets=dataset_names(),
        models=sorted(state.settings.registered_models),
        tensorboard_available=state.settings.tensorboard_available,
        runpod_available=state.runpod_problem is None,
        runpod_problem=state.runpod_problem,
    )


def _shown(weight: float) -> float:
    """0.3 rather than 1 - 0.7 = 0.30000000000000004 on a slider."""
    return round(weight, 12)


def _mode_weights(weights: ScoringWeights) -> ModeWeights:
    return ModeWeights(
        accuracy_weight=_shown(weights.accuracy_weight),
        health_weight=_shown(weights.health_weight),
        health_component_weights={
            HealthComponent(k): _shown(v) for k, v in weights.health_components.items()
        },
    )


@router.get("/default-scoring-weights", response_model=DefaultScoringWeights)
def default_scoring_weights() -> DefaultScoringWeights:
    modes = {mode: _mode_weights(ScoringWeights.for_mode(mode)) for mode in Mode}
    return DefaultScoringWeights(
        **modes[Mode.HEALTH_AWARE].model_dump(),
        health_components=list(HealthComponent),
        modes=modes,
    )
