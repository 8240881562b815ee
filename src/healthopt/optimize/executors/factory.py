"""Choose where a run's trials execute: a RunPod endpoint when asked for and usable, else here.

With `use_runpod_service`, RunPod is used only if its endpoint and an artifact store are
configured and the endpoint answers `/health`. Otherwise the run says why in one `notice`
event and runs its trials locally, or, with `require_runpod`, refuses to start. `on_control`
receives the executor's control messages (the RunPod job a trial was sent as).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.optimize.executors.base import ControlCallback, EventCallback, Executor
from healthopt.optimize.executors.local import LocalExecutor
from healthopt.records import NoticeEvent

if TYPE_CHECKING:
    from healthopt.artifacts import ArtifactStore
    from healthopt.runpod_serverless.settings import RunPodSettings

log = logging.getLogger(__name__)


def create_executor(
    config: OptimizationConfig,
    run_dir: Path,
    on_event: EventCallback,
    env: Mapping[str, str] | None = None,
    on_control: ControlCallback | None = None,
) -> Executor:
    if config.use_runpod_service:
        executor, problem = _runpod_executor(
            config, run_dir, on_event, on_control, os.environ if env is None else env
        )
        if executor is not None:
            return executor
        if config.require_runpod:
            raise ConfigError(f"require_runpod: RunPod cannot be used: {problem}")
        message = f"RunPod not used ({problem}); running trials locally"
        log.warning(message)
        on_event(NoticeEvent(message=message))
    return LocalExecutor(config.concurrent_workers, on_event=on_event, log_dir=run_dir / "logs")


def runpod_problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why RunPod cannot be used as configured (packages, endpoint, store), or None.

    Checks the configuration only; whether the endpoint answers is asked when a run starts.
    """
    parts = _runpod_parts(os.environ if env is None else env)
    return parts if isinstance(parts, str) else None


def _runpod_parts(env: Mapping[str, str]) -> tuple[RunPodSettings, ArtifactStore] | str:
    """(RunPodSettings, ArtifactStore) from the environment, or the one-line reason why not."""
    try:
        from healthopt.artifacts import artifact_store_from_env
        from healthopt.runpod_serverless import client  # noqa: F401  (needs requests)
        from healthopt.runpod_serverless.settings import RunPodConfigError, RunPodSettings
    except ImportError as exc:
        return _not_installed(exc)
    try:
        settings = RunPodSettings.from_env(env)
    except RunPodConfigError as exc:
        return str(exc)
    if settings is None:
        return "RUNPOD_ENDPOINT_ID and RUNPOD_API_KEY are not both set"
    try:
        store = artifact_store_from_env(env)
    except ImportError as exc:  # the S3 store imports boto3 only when it is built
        return _not_installed(exc)
    except ValueError as exc:
        return f"artifact store: {exc}"
    if store is None:
        return "no artifact store: set HEALTHOPT_S3_BUCKET (or HEALTHOPT_ARTIFACT_DIR)"
    return settings, store


def _not_installed(exc: ImportError) -> str:
    """The one line /health and the run's notice show for a missing optional package."""
    module = (exc.name or "a cloud package").split(".")[0]
    return f"{module} is not installed: pip install 'healthopt[cloud]'"


def _runpod_executor(
    config: OptimizationConfig,
    run_dir: Path,
    on_event: EventCallback,
    on_control: ControlCallback | None,
    env: Mapping[str, str],
) -> tuple[Executor | None, str]:
    """The RunPod executor, or None and the one-line reason it cannot be used."""
    parts = _runpod_parts(env)
    if isinstance(parts, str):
        return None, parts
    settings, store = parts
    try:
        from healthopt.optimize.executors.runpod import RunPodExecutor
        from healthopt.runpod_serverless.client import RunPodClient, RunPodError
    except ImportError as exc:
        return None, _not_installed(exc)

    probe = RunPodClient(replace(settings, http_retries=1, request_timeout_s=10.0))
    try:
        probe.health()
    except RunPodError as exc:
        return None, f"endpoint {settings.endpoint_id} is unreachable: {exc}"
    finally:
        probe.close()
    executor = RunPodExecutor(
        RunPodClient(settings),
        store,
        run_dir,
        capacity=config.concurrent_workers,
        execution_timeout_s=config.trial_budget_seconds,
        on_event=on_event,
        on_control=on_control,
    )
    log.info(
        "trials run on RunPod endpoint %s, artifacts in %s", settings.endpoint_id, store.describe()
    )
    return executor, ""
