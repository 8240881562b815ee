"""create_app: the FastAPI application of `healthopt serve`, wired from one ServerSettings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import JSONResponse

from healthopt.api.db import TRANSIENT_ERRORS, JobStore, first_line
from healthopt.api.deps import ServerState, require_token
from healthopt.api.errors import install_error_handlers
from healthopt.api.jobs import JobManager
from healthopt.api.routers import (
    compare,
    export,
    jobs,
    meta,
    models,
    monitoring,
    pareto,
    plots,
    progress,
    recommendations,
    runs,
    studies,
    tensorboard,
    views,
)
from healthopt.api.security import BodySizeLimit
from healthopt.api.settings import ServerSettings
from healthopt.api.studies import StudyManager
from healthopt.api.tensorboard import TensorBoardManager
from healthopt.api.work import QueueFull, WorkRunner
from healthopt.optimize.executors.factory import runpod_problem

# Declared for every protected route, so generated clients know them.
_COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong bearer token (when the server has one)"},
    404: {"description": "no such job, or its file does not exist (yet)"},
    409: {"description": "the job is in a state that does not allow this"},
    413: {"description": "request body over the server's limit"},
    503: {"description": "the jobs database is unavailable for now; retry"},
}


def build_state(settings: ServerSettings) -> ServerState:
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    results_dir = settings.results_dir.resolve()
    store = JobStore(settings.jobs_database_url, results_dir)
    # One runner over the one table: jobs and studies are claimed, leased, queued and limited
    # alike, so a study waits its turn like a job.
    runner = WorkRunner(
        store,
        results_dir,
        capacity=settings.max_running_jobs,
        lease_seconds=settings.job_lease_seconds,
        max_queued=settings.max_queued_jobs,
    )
    manager = JobManager(
        store,
        results_dir,
        max_workers_per_job=settings.max_workers_per_job,
        runner=runner,
        max_trial_epochs=settings.max_trial_epochs,
        models=settings.registered_models,
    )
    studies_manager = StudyManager(
        results_dir,
        max_workers_per_job=settings.max_workers_per_job,
        runner=runner,
        max_trial_epochs=settings.max_trial_epochs,
    )
    return ServerState(
        settings,
        store,
        manager,
        TensorBoardManager(max_processes=settings.tensorboard_max_processes),
        studies_manager,
        runpod_problem(),
    )


async def _queue_full(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": "60"})


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    """An outage of the jobs database is 503, not 500: the client may retry, nothing is lost."""
    logging.getLogger(__name__).warning("jobs database unavailable: %s", first_line(exc))
    return JSONResponse(
        {"detail": "the jobs database is unavailable for now; retry shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The app. Jobs left running by an earlier server resume when it starts (lifespan)."""
    state = build_state(settings or ServerSettings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.studies.resume()  # gives older study folders their rows, then starts the runner
        try:
            yield
        finally:
            state.jobs.runner.shutdown()
            state.tensorboard.shutdown()
            state.store.close()

    app = FastAPI(
        title="healthopt",
        summary="Health-aware hyperparameter optimization of Keras models",
        lifespan=lifespan,
    )
    app.state.healthopt = state
    install_error_handlers(app)
    app.add_exception_handler(QueueFull, _queue_full)
    for error in TRANSIENT_ERRORS:
        app.add_exception_handler(error, _database_unavailable)
    protected = [Depends(require_token)]
    app.include_router(meta.router)  # /health stays open for load balancers and Docker
    for router in (
        compare.router,
        export.router,
        jobs.router,
        models.router,
        monitoring.router,
        pareto.router,
        plots.router,
        recommendations.router,
        runs.router,
        tensorboard.router,
        views.router,
    ):
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
    # Outermost, for HTTP and WebSocket alike: a DNS-rebound Host gets 400 before anything runs.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=state.settings.allowed_host_list)
    return app
