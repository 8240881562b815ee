"""create_app: the FastAPI application of `healthopt serve`, wired from one ServerSettings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from healthopt.api.db import JobStore
from healthopt.api.deps import ServerState, require_token
from healthopt.api.jobs import JobManager
from healthopt.api.routers import (
    jobs,
    meta,
    models,
    pareto,
    plots,
    progress,
    studies,
    tensorboard,
)
from healthopt.api.security import BodySizeLimit
from healthopt.api.settings import ServerSettings
from healthopt.api.studies import StudyManager
from healthopt.api.tensorboard import TensorBoardManager
from healthopt.optimize.executors.factory import runpod_problem

# Declared for every protected route, so generated clients know them.
_COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong bearer token (when the server has one)"},
    404: {"description": "no such job, or its file does not exist (yet)"},
    409: {"description": "the job is in a state that does not allow this"},
    413: {"description": "request body over the server's limit"},
}


def build_state(settings: ServerSettings) -> ServerState:
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    store = JobStore(settings.jobs_database_url)
    manager = JobManager(
        store,
        settings.results_dir.resolve(),
        max_running=settings.max_running_jobs,
        max_workers_per_job=settings.max_workers_per_job,
    )
    studies_manager = StudyManager(
        settings.results_dir.resolve(), max_workers_per_job=settings.max_workers_per_job
    )
    return ServerState(
        settings, store, manager, TensorBoardManager(), studies_manager, runpod_problem()
    )


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The app. Jobs left running by an earlier server resume when it starts (lifespan)."""
    state = build_state(settings or ServerSettings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.jobs.resume()
        state.studies.resume()
        try:
            yield
        finally:
            state.studies.shutdown()
            state.jobs.shutdown()
            state.tensorboard.shutdown()
            state.store.close()

    app = FastAPI(
        title="healthopt",
        summary="Health-aware hyperparameter optimization of Keras models",
        lifespan=lifespan,
    )
    app.state.healthopt = state
    protected = [Depends(require_token)]
    app.include_router(meta.router)  # /health stays open for load balancers and Docker
    for router in (jobs.router, models.router, pareto.router, plots.router, tensorboard.router):
        app.include_router(router, dependencies=protected, responses=_COMMON_RESPONSES)
    app.include_router(studies.router, dependencies=protected, responses=studies.RESPONSES)
    app.include_router(progress.router)  # checks the token itself (browsers send it in ?token=)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=state.settings.cors_origin_list,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        # The dashboard names downloaded files as the server does.
        expose_headers=["Content-Disposition"],
    )
    app.add_middleware(BodySizeLimit, max_bytes=state.settings.max_request_bytes)
    return app
