"""JobManager: turns accepted requests into optimization runs that outlive the server process.

Each job is a row in the jobs table (kind "optimization") and a run folder under the results
directory. The server's one WorkRunner (`api.work`) claims the row and runs it on a thread
that drives a ModelOptimizer (whose trials run in worker processes, so the server never
imports TensorFlow); this manager validates requests, builds that optimizer, and turns its
events into progress and into the in-memory status its routes serve (`api.status_cache`).

Surviving restarts: a job's trials live in its Optuna storage inside its run folder. When the
server stops (gracefully or killed), jobs stay `running` in the table; the next runner to claim
one runs it again under the same run name, which keeps every finished trial, retires the
interrupted one, and runs only what the budget still needs. The final status is written once
(`JobStore.finish` ignores a second ending).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from healthopt.api.db import (
    COMPLETED,
    FAILED,
    OPTIMIZATION,
    JobRecord,
    JobStore,
)
from healthopt.api.files import RunFiles
from healthopt.api.progress import ProgressHub
from healthopt.api.schemas.jobs import OptimizeRequest
from healthopt.api.schemas.progress import JobFinishedEvent, JobStatusEvent
from healthopt.api.status_cache import JobSnapshot, StatusCache
from healthopt.api.work import Ending, WorkInvalid, WorkRunner, WorkStopped
from healthopt.config import ConfigError, OptimizationConfig
from healthopt.optimize import ModelOptimizer, RunStopped
from healthopt.optimize.executors import EventCallback
from healthopt.records import (
    ComputeSummary,
    RunEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialStartedEvent,
)

log = logging.getLogger(__name__)
JOB_ID_LENGTH = 32  # uuid4 hex


class RequestRejected(ValueError):
    """A request is valid on its own but not on this server; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class CannotCancel(ValueError):
    """The job has already ended."""


@dataclass(frozen=True)
class LiveProgress:
    """What a running job is doing now; too frequent (per epoch) to write to the table."""

    current_trial: int | None = None
    current_epoch: int | None = None
    epochs: int | None = None


# Builds a job's optimizer, given the config and where its events go. Tests give one that runs
# the optimizer on a scripted executor; the server's runs trials in worker processes.
OptimizerFactory = Callable[[OptimizationConfig, EventCallback], ModelOptimizer]


def default_optimizer(config: OptimizationConfig, on_event: EventCallback) -> ModelOptimizer:
    return ModelOptimizer(config, on_event=on_event)


def new_job_id() -> str:
    return uuid.uuid4().hex


def config_for(
    request: OptimizeRequest, run_name: str, results_dir: Path, model: str | None = None
) -> OptimizationConfig:
    """The OptimizationConfig a request asks for; ConfigError if it is not a valid run.
    `model` is the entry point the request's registered model name stands for."""
    return OptimizationConfig(
        model=model,
        dataset_name=request.dataset_name,
        trials=request.trials,
        max_epochs_per_trial=request.max_epochs_per_trial,
        mode=request.mode,
        scoring_weights=request.scoring_weights(),
        concurrent_workers=request.workers,
        use_runpod_service=request.use_runpod_service,
        target_gpus_per_worker=request.target_gpus_per_worker,
        plot_generation=request.plot_generation,
        seed=request.seed,
        sampler=request.sampler,
        pruner=request.pruner,
        health_pruning=request.health_pruning,
        monitor_every_epochs=request.monitor_every_epochs,
        accuracy_margin=request.accuracy_margin,
        pareto_choice=request.pareto_choice,
        run_name=run_name,
        output_dir=str(results_dir),
    )


class _OptimizationWork:
    """One claimed job: its ModelOptimizer, run to the end."""

    def __init__(self, optimizer: ModelOptimizer) -> None:
        self.optimizer = optimizer

    def run(self) -> Ending:
        try:
            result = self.optimizer.optimize_model()
        except RunStopped as exc:
            raise WorkStopped(str(exc)) from exc
        values = {"best_trial": result.best_trial, "best_score": result.best_value}
        if result.best_trial is None:
            return Ending(FAILED, "no trial completed; see the trials' errors", values)
        return Ending(COMPLETED, None, values)

    def request_stop(self) -> None:
        self.optimizer.request_stop()


class JobManager:
    """Optimization jobs: requests in, ModelOptimizers out, events into progress."""

    kind = OPTIMIZATION
    cancel_note = "cancelled by request; finished trials are kept"

    def __init__(
        self,
        store: JobStore,
        results_dir: Path,
        hub: ProgressHub | None = None,
        max_running: int = 1,
        max_workers_per_job: int = 1,
        runner: WorkRunner | None = None,
        max_trial_epochs: int | None = None,
        models: dict[str, str] | None = None,
        make_optimizer: OptimizerFactory = default_optimizer,
    ) -> None:
        self.store = store
        # The operator's registry (HEALTHOPT_MODELS): the only entry points a job may run.
        self.models = dict(models or {})
        self.results_dir = results_dir
        self.runner = runner or WorkRunner(store, results_dir, hub, capacity=max_running)
        self.hub = self.runner.hub
        self.max_workers_per_job = max_workers_per_job
        self.max_trial_epochs = max_trial_epochs
        self.make_optimizer = make_optimizer
        self.statuses = StatusCache()
        self.runner.register(self)

    # -- requests ------------------------------------------------------------------------
    def submit(self, request: OptimizeRequest) -> JobRecord:
        if request.workers > self.max_workers_per_job:
            raise RequestRejected(
                "concurrent_workers",
                f"concurrent_workers must be at most {self.max_workers_per_job} on this "
                f"server (got {request.workers})",
            )
        work = request.trials * request.max_epochs_per_trial
        if self.max_trial_epochs is not None and work > self.max_trial_epochs:
            raise RequestRejected(
                "trials",
                f"trials x max_epochs_per_trial is {work:,}; this server accepts at most "
                f"{self.max_trial_epochs:,} per request (HEALTHOPT_MAX_TRIAL_EPOCHS)",
            )
        self.runner.check_room("the job")
        job_id = new_job_id()
        run_name = f"{request.dataset_name}_{request.mode}_{job_id[:12]}"
        try:
            config = config_for(request, run_name, self.results_dir, self._entry_point(request))
        except ConfigError as exc:
            raise RequestRejected("body", str(exc)) from exc
        record = self.store.create(
            job_id,
            run_name=run_name,
            run_dir=run_name,  # relative: each server resolves it against its own results
            request=request.model_dump(mode="json"),
            config=config.to_dict(),
            trials_total=config.trials,
            kind=OPTIMIZATION,
        )
        log.info("job %s accepted: %s, %d trials", job_id, run_name, config.trials)
        self.runner.schedule()
        return self.store.get(record.id)

    def _entry_point(self, request: OptimizeRequest) -> str | None:
        """The registered entry point a request names. A request never names a module: it
        names a registered model, so nothing a client sends decides what is imported."""
        if request.model is None:
            return None
        if request.model not in self.models:
            known = ", ".join(sorted(self.models)) or "none are registered"
            raise RequestRejected(
                "model",
                f"model {request.model!r} is not registered on this server ({known}); the "
                "operator registers models with HEALTHOPT_MODELS=name=module:function",
            )
        return self.models[request.model]

    def cancel(self, job_id: str) -> JobRecord:
        record = self.store.get(job_id)
        if record.is_final:
            raise CannotCancel(f"job {job_id} has already ended ({record.status})")
        ended = self.runner.cancel(record)
        return ended if ended is not None else self.store.get(job_id)

    def snapshot(self, job_id: str) -> JobSnapshot | None:
        """The job as this process knows it in memory: one it runs or ran; None for any
        other (read those from the table)."""
        return self.statuses.get(job_id)

    def live(self, job_id: str) -> LiveProgress | None:
        """Where a job this process runs is now; None once it has ended, or if not here."""
        snapshot = self.statuses.get(job_id)
        if snapshot is None or snapshot.record.is_final:
            return None
        record = snapshot.record
        return LiveProgress(record.current_trial, record.current_epoch, snapshot.epochs)

    def running_count(self) -> int:
        return self.runner.running_count(OPTIMIZATION)

    # -- lifecycle (the runner's, shared with studies) -------------------------------------
    def resume(self) -> list[str]:
        return self.runner.resume()

    def shutdown(self, timeout: float = 60.0) -> None:
        self.runner.shutdown(timeout)

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        return self.runner.wait(job_id, timeout)

    # -- the runner's side -----------------------------------------------------------------
    def open(self, record: JobRecord) -> _OptimizationWork:
        try:
            config = OptimizationConfig.from_dict(
                # This server's own results folder, whatever the server that accepted it used.
                {**record.config, "output_dir": str(self.results_dir)}
            )
            # A row another server accepted runs here only with a model this operator
            # registered too: what this process imports is decided by its own settings.
            if config.model is not None and config.model not in self.models.values():
                raise ConfigError(
                    f"model {config.model!r} is not registered on this server "
                    "(HEALTHOPT_MODELS); servers sharing a jobs table register the same models"
                )
            optimizer = self.make_optimizer(config, lambda event: self._on_event(record.id, event))
        except (ConfigError, TypeError) as exc:
            raise WorkInvalid(f"invalid job config: {exc}") from exc
        # Before the status event: a client that hears "running" finds the snapshot.
        self.statuses.start(record)
        self._publish_status(record.id, record.status)
        return _OptimizationWork(optimizer)

    def ended(self, record: JobRecord, ending: Ending | None) -> None:
        """`record` is the row as the ending left it: the final row the status serves from
        now on, read once here with its results.json, not once per poll."""
        if ending is None:  # stopped, not ended: the row is the next server's to run
            self.statuses.drop(record.id)
            return
        self.statuses.end(record, self._compute(record))
        self._publish_status(record.id, ending.status)
        self.hub.publish(record.id, JobFinishedEvent(job_id=record.id, status=ending.status))

    def _compute(self, record: JobRecord) -> ComputeSummary | None:
        return RunFiles(self.results_dir, Path(record.run_dir)).compute()

    def _on_event(self, job_id: str, event: RunEvent) -> None:
        """Runs in the optimizer's and the executor's threads; never raises into them."""
        snapshot = self.statuses.get(job_id)
        if snapshot is not None and isinstance(event, RunStartedEvent | TrialFinishedEvent):
            # results.json was just written (or, on a resumed run, is an earlier attempt's):
            # its summary is read here, in the runner's thread, never by a poll.
            compute = self._compute(snapshot.record)
            self.statuses.apply(job_id, lambda s: replace(s.after(event), compute=compute))
        else:
            self.statuses.apply(job_id, lambda s: s.after(event))
        if isinstance(event, RunStartedEvent):
            self.runner.progress(job_id, {"trials_completed": event.trials_done})
        elif isinstance(event, TrialStartedEvent):
            self.runner.progress(job_id, {"current_trial": event.trial_number})
        elif isinstance(event, TrialFinishedEvent):
            self.runner.progress(
                job_id,
                {
                    "trials_completed": event.trials_done,
                    "best_trial": event.best_trial,
                    "best_score": event.best_value,
                },
            )
        self.hub.publish(job_id, event.model_copy(update={"job_id": job_id}))

    def _publish_status(self, job_id: str, status: str) -> None:
        self.hub.publish(job_id, JobStatusEvent(job_id=job_id, status=status))
