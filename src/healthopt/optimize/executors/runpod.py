"""RunPodExecutor: runs each trial as a job on a RunPod serverless endpoint.

A trial's TrialSpec goes to `/run` with `policy.executionTimeout` set from the trial budget;
one thread per trial in flight (`capacity` of them) polls `/status`, turns the handler's
per-epoch `progress_update`s into epoch_end events, and on COMPLETED downloads the trial's
ZIP from the artifact store, verifies its sha256 and extracts it into the run folder
(`trials/trial_{n}/`, `plots/trial_{n}/`), exactly where a local trial writes.

What can go wrong is bounded: a FAILED, TIMED_OUT or lost (404) job is resubmitted up to
`max_resubmits` times; a job still unfinished at its deadline (execution budget plus queue
allowance) is cancelled and the trial fails; a ZIP that is missing or whose digest does not
match fails that trial alone. A future always resolves to a TrialResult, never an exception.

Each job sent is reported as a `JobSubmitted` control message (`on_control`), not as progress:
the optimizer records it on the trial so the job can be cancelled from the study alone.

Pruning: each relayed epoch is put to the trial's judge; a trial it stops has its job
cancelled through the API's `cancel` (the handler stops training at its next epoch end) and
resolves to PRUNED with the figures of the judged epoch. Its files stay on the worker: the
partial records of a RunPod trial are the epochs its progress reported.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from healthopt.artifacts import ArtifactError, ArtifactStore
from healthopt.optimize.assembly import fetch_trial_files
from healthopt.optimize.executors.base import (
    ControlCallback,
    EpochJudge,
    EventCallback,
    JobSubmitted,
    control_quietly,
    emit_quietly,
    judge_quietly,
)
from healthopt.records import (
    EpochEndEvent,
    PruneInfo,
    RunEvent,
    SchemaError,
    TrialMetrics,
    TrialResult,
    TrialSpec,
    TrialStartedEvent,
    read_event,
)
from healthopt.runpod_serverless.client import (
    CANCELLED,
    COMPLETED,
    IN_PROGRESS,
    JobLost,
    JobStatus,
    RunPodClient,
    RunPodError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Attempt:
    """How one RunPod job of a trial ended: its final status, or why we stopped following."""

    job_id: str
    status: JobStatus | None
    reason: str  # "" when COMPLETED
    retryable: bool
    pruned: tuple[PruneInfo, EpochEndEvent] | None = None  # the verdict and the epoch judged


class RunPodExecutor:
    """Runs up to `capacity` trials at once on one RunPod endpoint."""

    def __init__(
        self,
        client: RunPodClient,
        store: ArtifactStore,
        run_dir: Path,
        capacity: int = 1,
        execution_timeout_s: float = 1800.0,
        on_event: EventCallback | None = None,
        on_control: ControlCallback | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1 (got {capacity})")
        self.capacity = capacity
        self._client = client
        self._store = store
        self._run_dir = run_dir
        self._execution_timeout_s = execution_timeout_s
        self._on_event = on_event
        self._on_control = on_control
        self._settings = client.settings
        self._pool = ThreadPoolExecutor(capacity, thread_name_prefix="healthopt-runpod")
        self._cancel = threading.Event()
        self._closed = False

    # -- public ------------------------------------------------------------------------
    def submit(self, spec: TrialSpec, judge: EpochJudge | None = None) -> Future[TrialResult]:
        if self._closed:
            raise RuntimeError("executor is shut down")
        return self._pool.submit(self._run_guarded, spec, judge)

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the trials in flight; with `cancel`, cancel their RunPod jobs first."""
        if self._closed:
            return
        self._closed = True
        if cancel:
            self._cancel.set()
        self._pool.shutdown(wait=True)
        self._client.close()

    # -- one trial ---------------------------------------------------------------------
    def _run_guarded(self, spec: TrialSpec, judge: EpochJudge | None) -> TrialResult:
        try:
            return self._run(spec, judge)
        except Exception as exc:  # one broken trial must not end the study
            log.exception("RunPod trial %s failed in the executor", spec.trial_number)
            return TrialResult.failed(spec.trial_number, f"RunPod executor: {exc}")

    def _run(self, spec: TrialSpec, judge: EpochJudge | None) -> TrialResult:
        payload = {"trial_spec": spec.to_json()}
        history: list[str] = []
        timings = {"remote_submit_seconds": 0.0, "remote_poll_seconds": 0.0}
        started = time.perf_counter()
        for attempt in range(self._settings.max_resubmits + 1):
            if self._cancel.is_set():
                break
            clock = time.perf_counter()
            job_id = self._client.run(payload, self._execution_timeout_s)
            timings["remote_submit_seconds"] += time.perf_counter() - clock
            control_quietly(self._on_control, JobSubmitted(spec.trial_number, job_id))
            self._emit(TrialStartedEvent(trial_number=spec.trial_number, attempt=attempt + 1))
            outcome = self._follow(spec, job_id, timings, judge)
            if outcome.pruned is not None:
                verdict, event = outcome.pruned
                timings["remote_wall_seconds"] = time.perf_counter() - started
                return TrialResult.pruned_at(
                    spec.trial_number,
                    verdict,
                    metrics=TrialMetrics(val_accuracy=event.val_accuracy, val_loss=event.val_loss),
                    timings=timings,
                    epochs_run=event.epoch,
                )
            if outcome.status is not None and outcome.status.status == COMPLETED:
                timings["remote_wall_seconds"] = time.perf_counter() - started
                return self._collect(spec, outcome, timings, history)
            history.append(f"job {job_id}: {outcome.reason}")
            if not outcome.retryable:
                break
            if attempt < self._settings.max_resubmits:
                log.warning(
                    "trial %s: RunPod job %s %s; resubmitting",
                    spec.trial_number,
                    job_id,
                    outcome.reason,
                )
        if self._cancel.is_set() and not history:
            history.append("interrupted: the executor was shut down before the job started")
        return TrialResult.failed(
            spec.trial_number, "RunPod: " + "; then ".join(history), timings=timings
        )

    def _follow(
        self, spec: TrialSpec, job_id: str, timings: dict[str, float], judge: EpochJudge | None
    ) -> _Attempt:
        """Poll one job until it is final, lost, past its deadline, pruned, or we are
        cancelled."""
        deadline = time.monotonic() + self._execution_timeout_s + self._settings.queue_timeout_s
        last_epoch = 0
        while True:
            if self._cancel.is_set():
                self._cancel_quietly(job_id)
                return _Attempt(job_id, None, "interrupted: the run was stopped", False)
            clock = time.perf_counter()
            try:
                status = self._client.status(job_id)
            except JobLost:
                return _Attempt(job_id, None, "was lost by the endpoint (404)", True)
            finally:
                timings["remote_poll_seconds"] += time.perf_counter() - clock
            if status.status == COMPLETED:
                return _Attempt(job_id, status, "", False)
            if status.final:
                detail = f": {status.error}" if status.error else ""
                return _Attempt(
                    job_id, status, f"ended {status.status}{detail}", status.status != CANCELLED
                )
            if status.status == IN_PROGRESS:
                event = self._relay_progress(spec, status.output, last_epoch)
                if event is not None:
                    last_epoch = event.epoch
                    verdict = judge_quietly(judge, event)
                    if verdict is not None:
                        self._cancel_quietly(job_id)
                        return _Attempt(job_id, status, verdict.reason, False, (verdict, event))
            if time.monotonic() > deadline:
                self._cancel_quietly(job_id)
                return _Attempt(
                    job_id,
                    status,
                    f"was still {status.status} at its deadline "
                    f"({self._execution_timeout_s + self._settings.queue_timeout_s:.0f} s) "
                    "and was cancelled",
                    False,
                )
            self._cancel.wait(self._settings.poll_interval_s)

    def _relay_progress(
        self, spec: TrialSpec, output: object, last_epoch: int
    ) -> EpochEndEvent | None:
        """Relay the handler's latest epoch_end once and return it; None when there is no
        new one (anything else in `output` is ignored)."""
        if not isinstance(output, dict):
            return None
        try:
            event = read_event({**output, "trial_number": spec.trial_number})
        except SchemaError:
            return None
        if not isinstance(event, EpochEndEvent) or event.epoch <= last_epoch:
            return None
        self._emit(event)
        return event

    def _collect(
        self, spec: TrialSpec, outcome: _Attempt, timings: dict[str, float], history: list[str]
    ) -> TrialResult:
        """Turn a COMPLETED job into the trial's result, with its files in the run folder."""
        assert outcome.status is not None
        output = outcome.status.output
        try:
            result = TrialResult.from_json(output if isinstance(output, dict) else {})
        except SchemaError as exc:
            return TrialResult.failed(
                spec.trial_number,
                f"RunPod job {outcome.job_id} returned output that is not a trial result: {exc}",
                timings=timings,
            )
        if not result.artifact:
            return TrialResult.failed(
                spec.trial_number,
                f"RunPod job {outcome.job_id} returned no artifact reference",
                timings=timings,
            )
        try:
            timings.update(
                fetch_trial_files(
                    self._store,
                    result.artifact,
                    self._run_dir,
                    spec.trial_number,
                    f"trial_{spec.trial_number}_{outcome.job_id}.zip",
                )
            )
        except (ArtifactError, OSError, KeyError, TypeError, ValueError) as exc:
            return TrialResult.failed(
                spec.trial_number,
                f"the ZIP of RunPod job {outcome.job_id} could not be used: {exc}",
                timings={**result.timings, **timings},
                artifact=result.artifact,
            )
        merged = {**result.timings, **timings}
        if history:
            merged["remote_resubmits"] = float(len(history))
        return result.model_copy(update={"timings": merged})

    def _cancel_quietly(self, job_id: str) -> None:
        try:
            self._client.cancel(job_id)
        except RunPodError as exc:
            log.warning("could not cancel RunPod job %s: %s", job_id, exc)

    def _emit(self, event: RunEvent) -> None:
        emit_quietly(self._on_event, event)
