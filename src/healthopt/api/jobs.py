"""JobManager: turns accepted requests into optimization runs that outlive the server process.

Each job is a row in the jobs table and a run folder under the results directory. A runner
thread drives a ModelOptimizer (whose trials run in worker processes, so the server never
imports TensorFlow). At most `max_running` jobs run at once; the rest wait as `pending`.

Surviving restarts: a job's trials live in its Optuna storage inside its run folder. When the
server stops (gracefully or killed), jobs stay `running` in the table; on the next start
`resume()` runs them again under the same run name, which keeps every finished trial,
retires the interrupted one, and runs only what the budget still needs. The final status is
written once (`JobStore.finish` ignores a second ending).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from healthopt.api.db import FAILED, PENDING, RUNNING, JobNotFound, JobRecord, JobStore
from healthopt.api.progress import ProgressHub
from healthopt.api.schemas.jobs import OptimizeRequest
from healthopt.api.schemas.progress import JobFinishedEvent, JobStatusEvent
from healthopt.config import ConfigError, OptimizationConfig
from healthopt.optimize import ModelOptimizer, RunStopped
from healthopt.records import (
    EpochEndEvent,
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


@dataclass
class LiveProgress:
    """What a running job is doing now; too frequent (per epoch) to write to the table."""

    current_trial: int | None = None
    current_epoch: int | None = None
    epochs: int | None = None


@dataclass
class _Runner:
    optimizer: ModelOptimizer
    thread: threading.Thread
    cancel_requested: bool = False


def new_job_id() -> str:
    return uuid.uuid4().hex


def config_for(request: OptimizeRequest, run_name: str, results_dir: Path) -> OptimizationConfig:
    """The OptimizationConfig a request asks for; ConfigError if it is not a valid run."""
    return OptimizationConfig(
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
        accuracy_margin=request.accuracy_margin,
        pareto_choice=request.pareto_choice,
        run_name=run_name,
        output_dir=str(results_dir),
    )


class JobManager:
    def __init__(
        self,
        store: JobStore,
        results_dir: Path,
        hub: ProgressHub | None = None,
        max_running: int = 1,
        max_workers_per_job: int = 1,
    ) -> None:
        self.store = store
        self.results_dir = results_dir
        self.hub = hub or ProgressHub()
        self.max_running = max_running
        self.max_workers_per_job = max_workers_per_job
        self._runners: dict[str, _Runner] = {}
        self._live: dict[str, LiveProgress] = {}
        self._lock = threading.RLock()
        self._accepting = True

    # -- requests ------------------------------------------------------------------------
    def submit(self, request: OptimizeRequest) -> JobRecord:
        if request.workers > self.max_workers_per_job:
            raise RequestRejected(
                "concurrent_workers",
                f"concurrent_workers must be at most {self.max_workers_per_job} on this "
                f"server (got {request.workers})",
            )
        job_id = new_job_id()
        run_name = f"{request.dataset_name}_{request.mode}_{job_id[:12]}"
        try:
            config = config_for(request, run_name, self.results_dir)
        except ConfigError as exc:
            raise RequestRejected("body", str(exc)) from exc
        record = self.store.create(
            job_id,
            run_name=run_name,
            run_dir=str(self.results_dir / run_name),
            request=request.model_dump(mode="json"),
            config=config.to_dict(),
            trials_total=config.trials,
        )
        log.info("job %s accepted: %s, %d trials", job_id, run_name, config.trials)
        self._schedule()
        return self.store.get(record.id)

    def cancel(self, job_id: str) -> JobRecord:
        record = self.store.get(job_id)
        if record.is_final:
            raise CannotCancel(f"job {job_id} has already ended ({record.status})")
        with self._lock:
            runner = self._runners.get(job_id)
            if runner is not None:
                runner.cancel_requested = True
                runner.optimizer.request_stop()
                return self.store.get(job_id)
        record = self.store.finish(job_id, "cancelled", error="cancelled before it started")
        self._publish_status(record)
        return record

    def live(self, job_id: str) -> LiveProgress | None:
        with self._lock:
            return self._live.get(job_id)

    def running_count(self) -> int:
        with self._lock:
            return len(self._runners)

    # -- lifecycle -----------------------------------------------------------------------
    def resume(self) -> list[str]:
        """Start-up: restart jobs a previous server left running, then pending ones."""
        with self._lock:
            self._accepting = True  # an app may be started again after a shutdown (tests)
        resumed = [job.id for job in self.store.list((RUNNING,))]
        for job_id in resumed:
            log.info("job %s was running when the server stopped; resuming it", job_id)
        self._schedule()
        return resumed

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop every runner; their jobs stay `running` and resume at the next start."""
        with self._lock:
            self._accepting = False
            runners = list(self._runners.values())
        for runner in runners:
            runner.optimizer.request_stop()
        for runner in runners:
            runner.thread.join(timeout=timeout)

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until the job's runner thread ends (for tests and scripts)."""
        with self._lock:
            runner = self._runners.get(job_id)
        if runner is not None:
            runner.thread.join(timeout=timeout)
        return self.store.get(job_id)

    # -- scheduling ----------------------------------------------------------------------
    def _schedule(self) -> None:
        with self._lock:
            if not self._accepting:
                return
            waiting = [
                job for job in self.store.list((RUNNING, PENDING)) if job.id not in self._runners
            ]
            # Interrupted jobs first, then pending ones in the order they came.
            waiting.sort(key=lambda job: (job.status != RUNNING, job.created_at))
            for job in waiting:
                if len(self._runners) >= self.max_running:
                    return
                self._start(job)

    def _start(self, job: JobRecord) -> None:
        try:
            config = OptimizationConfig.from_dict(job.config)
            optimizer = ModelOptimizer(config)
        except (ConfigError, TypeError) as exc:
            self._publish_status(self.store.finish(job.id, FAILED, f"invalid job config: {exc}"))
            return
        optimizer.on_event = lambda event: self._on_event(job.id, event)
        thread = threading.Thread(
            target=self._run, args=(job.id,), name=f"healthopt-job-{job.id[:8]}", daemon=True
        )
        self._runners[job.id] = _Runner(optimizer, thread)
        self._live[job.id] = LiveProgress()
        self._publish_status(self.store.mark_started(job.id))
        thread.start()

    def _run(self, job_id: str) -> None:
        runner = self._runners[job_id]
        try:
            result = runner.optimizer.optimize_model()
        except RunStopped:
            if runner.cancel_requested:
                self._end(job_id, "cancelled", "cancelled by request; finished trials are kept")
            # else: the server is stopping; the job stays running and resumes at next start
        except Exception as exc:  # noqa: BLE001 - any failure must end the job, not the server
            log.exception("job %s failed", job_id)
            self._end(job_id, FAILED, f"{type(exc).__name__}: {exc}")
        else:
            self._record_result(job_id, result.best_trial, result.best_value)
            if result.best_trial is None:
                self._end(job_id, FAILED, "no trial completed; see the trials' errors")
            else:
                self._end(job_id, "completed", None)
        finally:
            with self._lock:
                self._runners.pop(job_id, None)
                self._live.pop(job_id, None)
            self._schedule()

    def _end(self, job_id: str, status: str, error: str | None) -> None:
        record = self.store.finish(job_id, status, error)
        log.info("job %s %s", job_id, record.status)
        self._publish_status(record)
        self.hub.publish(job_id, JobFinishedEvent(job_id=job_id, status=status))

    def _record_result(self, job_id: str, best_trial: int | None, best: float | None) -> None:
        self.store.update(job_id, best_trial=best_trial, best_score=best)

    # -- progress ------------------------------------------------------------------------
    def _on_event(self, job_id: str, event: RunEvent) -> None:
        """Runs in the optimizer's and the executor's threads."""
        with self._lock:
            live = self._live.setdefault(job_id, LiveProgress())
            if isinstance(event, TrialStartedEvent):
                live.current_trial, live.current_epoch = event.trial_number, 0
            elif isinstance(event, EpochEndEvent):
                live.current_trial = event.trial_number
                live.current_epoch, live.epochs = event.epoch, event.epochs
        try:
            if isinstance(event, RunStartedEvent):
                self.store.update(job_id, trials_completed=event.trials_done)
            elif isinstance(event, TrialStartedEvent):
                self.store.update(job_id, current_trial=event.trial_number)
            elif isinstance(event, TrialFinishedEvent):
                self.store.update(
                    job_id,
                    trials_completed=event.trials_done,
                    best_trial=event.best_trial,
                    best_score=event.best_value,
                )
        except JobNotFound:
            return
        self.hub.publish(job_id, event.model_copy(update={"job_id": job_id}))

    def _publish_status(self, record: JobRecord) -> None:
        self.hub.publish(record.id, JobStatusEvent(job_id=record.id, status=record.status))
