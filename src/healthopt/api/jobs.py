"""JobManager: turns accepted requests into optimization runs that outlive the server process.

Each job is a row in the jobs table and a run folder under the results directory. A runner
thread drives a ModelOptimizer (whose trials run in worker processes, so the server never
imports TensorFlow). At most `max_running` jobs run at once; the rest wait as `pending`.

Surviving restarts: a job's trials live in its Optuna storage inside its run folder. When the
server stops (gracefully or killed), jobs stay `running` in the table; on the next start
`resume()` runs them again under the same run name, which keeps every finished trial,
retires the interrupted one, and runs only what the budget still needs. The final status is
written once (`JobStore.finish` ignores a second ending).

Sharing a table: a server runs only jobs it has claimed (`JobStore.claim_next`) and renews its
lease from a keeper thread every third of the lease; the keeper also picks up jobs posted to
other servers and jobs whose owner's lease ran out. A server that finds its lease lost stops
its runner without touching the job. Database errors are retried with backoff; progress that
cannot be written waits for the next heartbeat, and a runner always ends its job (`failed`
with the reason) or leaves it for a lease takeover, never a silent zombie.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from healthopt.api.db import (
    CANCELLED,
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    TRANSIENT_ERRORS,
    Heartbeat,
    JobNotFound,
    JobRecord,
    JobStore,
    with_retries,
)
from healthopt.api.errors import relative_to_results
from healthopt.api.leases import new_owner_id, owner_is_dead, retire_owner
from healthopt.api.progress import ProgressHub
from healthopt.api.schemas.jobs import OptimizeRequest
from healthopt.api.schemas.progress import JobFinishedEvent, JobStatusEvent
from healthopt.api.workload import WorkloadGate
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
# How long a final status is retried through a database outage before the job is left for a
# lease takeover (which resumes it, finds the budget spent, and ends it).
FINISH_RETRY_SECONDS = 300.0


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
    lease_lost: bool = False  # another server took the job over; this one must not end it


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
        gate: WorkloadGate | None = None,
        lease_seconds: float = 30.0,
        max_trial_epochs: int | None = None,
    ) -> None:
        self.store = store
        self.results_dir = results_dir
        self.hub = hub or ProgressHub()
        self.max_workers_per_job = max_workers_per_job
        self.gate = gate or WorkloadGate(max_running)
        self.lease_seconds = lease_seconds
        self.max_trial_epochs = max_trial_epochs
        self.owner = new_owner_id()
        self._retired = False
        self._runners: dict[str, _Runner] = {}
        self._live: dict[str, LiveProgress] = {}
        self._unsaved: dict[str, dict[str, object]] = {}  # progress an outage kept from the table
        self._lock = threading.RLock()
        self._accepting = True
        self._keeper: threading.Thread | None = None
        self._keeper_stop = threading.Event()
        self.gate.register("jobs", self._oldest_waiting, self._queued, self._schedule)

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
        self.gate.check_room("the job")
        job_id = new_job_id()
        run_name = f"{request.dataset_name}_{request.mode}_{job_id[:12]}"
        try:
            config = config_for(request, run_name, self.results_dir)
        except ConfigError as exc:
            raise RequestRejected("body", str(exc)) from exc
        record = self.store.create(
            job_id,
            run_name=run_name,
            run_dir=run_name,  # relative: each server resolves it against its own results
            request=request.model_dump(mode="json"),
            config=config.to_dict(),
            trials_total=config.trials,
        )
        log.info("job %s accepted: %s, %d trials", job_id, run_name, config.trials)
        self.gate.offer()
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
        if record.lease_live():
            # Another server runs it: its owner stops it at its next heartbeat.
            return self.store.request_cancel(job_id)
        record = self.store.finish(job_id, CANCELLED, error="cancelled before it started")
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
        """Start-up: claim jobs a previous server left running, then pending ones, and keep
        claiming (other servers' posts, expired leases) from a keeper thread."""
        with self._lock:
            self._accepting = True  # an app may be started again after a shutdown (tests)
            if self._retired:  # started again after a shutdown: a new identity
                self.owner, self._retired = new_owner_id(), False
        interrupted = [
            job.id
            for job in self.store.list((RUNNING,))
            if not job.lease_live() or (job.owner is not None and owner_is_dead(job.owner))
        ]
        for job_id in interrupted:
            log.info("job %s was running when its server stopped; resuming it", job_id)
        self._schedule()
        self._start_keeper()
        return interrupted

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop every runner; their jobs stay `running`, released for the next server."""
        with self._lock:
            self._accepting = False
            runners = list(self._runners.values())
        self._keeper_stop.set()
        for runner in runners:
            runner.optimizer.request_stop()
        for runner in runners:
            runner.thread.join(timeout=timeout)
        if self._keeper is not None:
            self._keeper.join(timeout=timeout)
            self._keeper = None
        retire_owner(self.owner)
        self._retired = True

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until the job's runner thread ends (for tests and scripts)."""
        with self._lock:
            runner = self._runners.get(job_id)
        if runner is not None:
            runner.thread.join(timeout=timeout)
        return self.store.get(job_id)

    # -- the keeper: heartbeats, deferred progress, claims ---------------------------------
    def _start_keeper(self) -> None:
        with self._lock:
            if self._keeper is not None and self._keeper.is_alive():
                return
            self._keeper_stop.clear()
            self._keeper = threading.Thread(
                target=self._keep, name="healthopt-job-keeper", daemon=True
            )
            self._keeper.start()

    def _keep(self) -> None:
        interval = self.lease_seconds / 3
        while not self._keeper_stop.wait(interval):
            try:
                self.heartbeat()
                self.gate.offer()
            except Exception:  # noqa: BLE001 - the keeper must outlive any one bad tick
                log.exception("job keeper tick failed; trying again in %.0f s", interval)

    def heartbeat(self) -> None:
        """Renew the lease of every job this server runs; stop the ones it no longer owns."""
        with self._lock:
            runners = dict(self._runners)
        for job_id, runner in runners.items():
            try:
                beat = self.store.renew(job_id, self.owner, self.lease_seconds)
                self._flush_progress(job_id)
            except TRANSIENT_ERRORS as exc:
                log.warning("job %s: lease not renewed, database unavailable: %s", job_id, exc)
                continue
            if beat is Heartbeat.LOST:
                log.warning(
                    "job %s: another server has taken it over (this server's lease ran out); "
                    "stopping it here",
                    job_id,
                )
                runner.lease_lost = True
                runner.optimizer.request_stop()
            elif beat is Heartbeat.CANCEL and not runner.cancel_requested:
                log.info("job %s: cancelled on another server", job_id)
                runner.cancel_requested = True
                runner.optimizer.request_stop()

    # -- scheduling ----------------------------------------------------------------------
    def _queued(self) -> int:
        return self.store.count(PENDING)

    def _oldest_waiting(self) -> datetime | None:
        waiting = self.store.list((PENDING,))
        return waiting[0].created_at if waiting else None

    def _schedule(self) -> None:
        with self._lock:
            while self._accepting and self.gate.try_acquire():
                try:
                    job = self.store.claim_next(
                        self.owner, self.lease_seconds, set(self._runners), owner_is_dead
                    )
                except TRANSIENT_ERRORS as exc:
                    log.warning("jobs table unavailable, will try again: %s", exc)
                    job = None
                if job is None:
                    self.gate.release(offer=False)
                    return
                self._start(job)

    def _start(self, job: JobRecord) -> None:
        """Start a runner for a job this server has just claimed (and holds a gate slot for)."""
        try:
            config = OptimizationConfig.from_dict(
                # This server's own results folder, whatever the server that accepted it used.
                {**job.config, "output_dir": str(self.results_dir)}
            )
            optimizer = ModelOptimizer(config)
        except (ConfigError, TypeError) as exc:
            self.gate.release(offer=False)
            record = self.store.finish(job.id, FAILED, f"invalid job config: {exc}", self.owner)
            self._publish_status(record)
            return
        optimizer.on_event = lambda event: self._on_event(job.id, event)
        thread = threading.Thread(
            target=self._run, args=(job.id,), name=f"healthopt-job-{job.id[:8]}", daemon=True
        )
        self._runners[job.id] = _Runner(optimizer, thread)
        self._live[job.id] = LiveProgress()
        if job.attempts > 1:
            log.info("job %s: attempt %d, resuming its run", job.id, job.attempts)
        self._publish_status(job)
        thread.start()

    def _run(self, job_id: str) -> None:
        runner = self._runners[job_id]
        try:
            self._drive(job_id, runner)
        except Exception:  # noqa: BLE001 - the outcome could not be written even after retries
            log.exception(
                "job %s: its outcome could not be recorded; once its lease runs out a server "
                "resumes it and records it",
                job_id,
            )
        finally:
            with self._lock:
                self._runners.pop(job_id, None)
                self._live.pop(job_id, None)
                self._unsaved.pop(job_id, None)
            self.gate.release()

    def _drive(self, job_id: str, runner: _Runner) -> None:
        try:
            result = runner.optimizer.optimize_model()
        except RunStopped:
            if runner.lease_lost:
                return
            if runner.cancel_requested:
                self._end(job_id, CANCELLED, "cancelled by request; finished trials are kept")
            else:  # the server is stopping: the job stays running, free for the next server
                with_retries(
                    lambda: self.store.release(job_id, self.owner),
                    f"job {job_id}: release",
                    deadline_seconds=10,
                )
        except Exception as exc:  # noqa: BLE001 - any failure must end the job, not the server
            log.exception("job %s failed", job_id)
            if not runner.lease_lost:
                self._end(job_id, FAILED, f"{type(exc).__name__}: {exc}")
        else:
            if runner.lease_lost:
                return
            self._write(job_id, {"best_trial": result.best_trial, "best_score": result.best_value})
            if result.best_trial is None:
                self._end(job_id, FAILED, "no trial completed; see the trials' errors")
            else:
                self._end(job_id, COMPLETED, None)

    def _end(self, job_id: str, status: str, error: str | None) -> None:
        if error is not None:  # the status route serves it: no server paths in it
            error = relative_to_results(error, self.results_dir)
        self._flush_progress(job_id, quietly=True)
        record = with_retries(
            lambda: self.store.finish(job_id, status, error, self.owner),
            f"job {job_id}: recording {status}",
            deadline_seconds=FINISH_RETRY_SECONDS,
            on_retry=log.warning,
        )
        log.info("job %s %s", job_id, record.status)
        self._publish_status(record)
        self.hub.publish(job_id, JobFinishedEvent(job_id=job_id, status=status))

    def _write(self, job_id: str, values: dict[str, object]) -> None:
        with_retries(
            lambda: self.store.update(job_id, **values),
            f"job {job_id}: progress",
            deadline_seconds=FINISH_RETRY_SECONDS,
            on_retry=log.warning,
        )

    # -- progress ------------------------------------------------------------------------
    def _on_event(self, job_id: str, event: RunEvent) -> None:
        """Runs in the optimizer's and the executor's threads; never raises into them."""
        with self._lock:
            live = self._live.setdefault(job_id, LiveProgress())
            if isinstance(event, TrialStartedEvent):
                live.current_trial, live.current_epoch = event.trial_number, 0
            elif isinstance(event, EpochEndEvent):
                live.current_trial = event.trial_number
                live.current_epoch, live.epochs = event.epoch, event.epochs
        values: dict[str, object] = {}
        if isinstance(event, RunStartedEvent):
            values = {"trials_completed": event.trials_done}
        elif isinstance(event, TrialStartedEvent):
            values = {"current_trial": event.trial_number}
        elif isinstance(event, TrialFinishedEvent):
            values = {
                "trials_completed": event.trials_done,
                "best_trial": event.best_trial,
                "best_score": event.best_value,
            }
        if values:
            with self._lock:
                self._unsaved.setdefault(job_id, {}).update(values)
            try:
                self._flush_progress(job_id)
            except JobNotFound:
                return
            except TRANSIENT_ERRORS as exc:
                # Progress is a snapshot: the keeper writes the latest once the table is back.
                log.warning(
                    "job %s: progress kept for later, database unavailable: %s", job_id, exc
                )
        self.hub.publish(job_id, event.model_copy(update={"job_id": job_id}))

    def _flush_progress(self, job_id: str, quietly: bool = False) -> None:
        with self._lock:
            values = self._unsaved.pop(job_id, None)
        if not values:
            return
        try:
            self.store.update(job_id, **values)
        except Exception:
            with self._lock:  # keep them, newer values first
                self._unsaved[job_id] = {**values, **self._unsaved.get(job_id, {})}
            if not quietly:
                raise

    def _publish_status(self, record: JobRecord) -> None:
        self.hub.publish(record.id, JobStatusEvent(job_id=record.id, status=record.status))
