"""The RunPod worker's job: a TrialSpec in, the trial's result and the key of its ZIP out.

`runpod_service/handler.py` hands `handle` to `runpod.serverless.start`. For each job it
runs the same `run_trial` the local executor runs, in a thread so the SDK's event loop stays
free to take stop signals; a cancelled job stops at the next epoch end. The trial's folder and
plots are zipped and uploaded to the artifact store named by the environment (S3 in
production), with the sha256 in the object's metadata, and the TrialResult comes back with
the key, digest, sizes and file counts in its `artifact` field (`records.StoredArtifact`).
Input the handler cannot use and artifacts it cannot store come back in RunPod's error shape,
`{"error": "..."}`. Job, input and output are RunPod's JSON objects, hence the plain dicts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthopt.artifacts import ArtifactError, ArtifactStore, artifact_store_from_env, bundle_trial
from healthopt.records import (
    EpochEndEvent,
    RunEvent,
    SchemaError,
    StoredArtifact,
    TrialResult,
    TrialSpec,
)
from healthopt.safe_names import UnsafeName, safe_name
from healthopt.trial import run_trial

log = logging.getLogger(__name__)
RunPodJob = dict[str, Any]  # the job as the runpod SDK hands it: {"id", "input", ...}
ProgressSink = Callable[[RunPodJob, EpochEndEvent], None]


class JobInputError(ValueError):
    """`job["input"]` is not a trial this worker can run."""


class TrialCancelled(Exception):
    """Raised inside the training thread at an epoch end after RunPod stopped the job."""


@dataclass(frozen=True)
class TrialJob:
    """A RunPod job that carries one trial: `{"input": {"trial_spec": {...}}}`."""

    job_id: str
    spec: TrialSpec

    @classmethod
    def from_job(cls, job: RunPodJob) -> TrialJob:
        payload = job.get("input")
        if not isinstance(payload, dict) or not isinstance(payload.get("trial_spec"), dict):
            raise JobInputError('input must be {"trial_spec": {...}} as the orchestrator sends it')
        try:
            spec = TrialSpec.from_json(payload["trial_spec"])
        except SchemaError as exc:
            raise JobInputError(f"trial_spec: {exc}") from None
        try:
            # The job id names the work folder, the run name the artifact key's first folder.
            job_id = safe_name(str(job.get("id") or "local"), "job id")
            safe_name(spec.run_name, "trial_spec.run_name")
        except UnsafeName as exc:
            raise JobInputError(str(exc)) from None
        return cls(job_id, spec)

    def artifact_key(self) -> str:
        """One object per attempt, so a resubmitted trial never overwrites the first ZIP."""
        return f"{self.spec.run_name}/trial_{self.spec.trial_number}/{self.job_id}.zip"


def _work_root() -> Path:
    return Path(os.environ.get("HEALTHOPT_WORK_DIR") or tempfile.gettempdir()) / "healthopt-jobs"


def _runpod_progress(job: RunPodJob, event: EpochEndEvent) -> None:
    if not os.environ.get("RUNPOD_WEBHOOK_POST_OUTPUT"):
        # The SDK's local --test_input mode has nowhere to send progress to.
        log.info("progress: %s", event.to_json())
        return
    from runpod.serverless import progress_update

    progress_update(job, event.to_json())


def build_handler(
    store_factory: Callable[[], ArtifactStore | None] = artifact_store_from_env,
    progress: ProgressSink = _runpod_progress,
) -> Callable[[RunPodJob], Awaitable[dict[str, Any]]]:
    """The async handler; the store and the progress channel are injectable for tests."""

    async def handle(job: RunPodJob) -> dict[str, Any]:
        try:
            trial_job = TrialJob.from_job(job)
        except JobInputError as exc:
            return {"error": f"invalid job input: {exc}"}
        store = store_factory()
        if store is None:
            return {
                "error": "no artifact store configured on the worker: set HEALTHOPT_S3_BUCKET "
                "(and HEALTHOPT_S3_ENDPOINT_URL for S3-compatible stores) or HEALTHOPT_ARTIFACT_DIR"
            }
        workdir = _work_root() / trial_job.job_id
        spec = trial_job.spec.model_copy(
            update={
                "output_dir": str(workdir / "trial"),
                "plots_dir": str(workdir / "plots") if trial_job.spec.plots_dir else None,
            }
        )
        cancelled = threading.Event()

        def on_event(event: RunEvent) -> None:
            if cancelled.is_set():
                raise TrialCancelled("the RunPod job was cancelled or timed out")
            if isinstance(event, EpochEndEvent):
                progress(job, event)

        def train() -> TrialResult:
            try:
                return run_trial(spec, on_event)
            finally:
                if cancelled.is_set():  # nobody awaits this result any more
                    shutil.rmtree(workdir, ignore_errors=True)

        try:
            result = await asyncio.to_thread(train)
        except asyncio.CancelledError:
            cancelled.set()  # the training thread stops at its next epoch end
            raise
        try:
            return await asyncio.to_thread(_store_result, trial_job, spec, result, store)
        except (ArtifactError, OSError) as exc:
            return {"error": f"trial {spec.trial_number}: storing its ZIP failed: {exc}"}
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    return handle


def _store_result(
    trial_job: TrialJob, spec: TrialSpec, result: TrialResult, store: ArtifactStore
) -> dict[str, Any]:
    workdir = Path(spec.output_dir).parent
    zip_path = workdir / "trial.zip"
    plots = Path(spec.plots_dir) if spec.plots_dir else None
    info = bundle_trial(Path(spec.output_dir), plots, zip_path)
    ref = store.put_file(trial_job.artifact_key(), zip_path)
    log.info("trial %s: stored %s (%d bytes)", spec.trial_number, ref.key, ref.size_bytes)
    artifact = StoredArtifact(
        key=ref.key,
        sha256=ref.sha256,
        size_bytes=ref.size_bytes,
        store=store.describe(),
        file_count=info.file_count,
        plot_count=info.plot_count,
        uncompressed_bytes=info.uncompressed_bytes,
        runpod_job_id=trial_job.job_id,  # provenance only: the orchestrator learnt it on /run
    )
    return result.model_copy(update={"artifact": artifact}).to_json()


handle = build_handler()
