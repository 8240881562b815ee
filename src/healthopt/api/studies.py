"""StudyManager: comparison studies run by the server, as rows of the jobs table like any job.

A study is a folder under `results_dir/comparison_studies/` whose metadata.json records its
configuration, phase and runs. Each request to work on it (build its models, then analyse them
with the modules requested; or analyse again) is a row of kind "study" in the jobs table, run
by the server's one WorkRunner: so a study is claimed, leased, heartbeated, queued and limited
exactly like an optimization job, waits `pending` while a job holds the server, and streams its
events over `WS /ws/studies/{id}`. The study's optimizations run in worker processes and its
analysis in a spawned process, so the server never imports TensorFlow.

Surviving restarts: when the server stops, a running study is stopped, left `running` in
metadata.json and its row released; the next runner to claim the row builds again (finished
runs are kept) or analyses again with the modules requested before. Study folders written
before studies had rows are given one when a server starts.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from healthopt.api.db import CANCELLED, COMPLETED, FAILED, STUDY, JobRecord, JobStore
from healthopt.api.files import PLOT_NAME, FileCorrupt, FileMissing, confine
from healthopt.api.jobs import RequestRejected, new_job_id
from healthopt.api.schemas.progress import StudyEventMessage, StudyFinishedEvent
from healthopt.api.schemas.studies import StudyResults, StudyStartRequest, StudyStatus
from healthopt.api.study_status import LiveStudy, study_status
from healthopt.api.work import Ending, WorkInvalid, WorkRunner, WorkStopped
from healthopt.config import ConfigError
from healthopt.records import Record, SchemaError
from healthopt.study.config import STUDY_ID, default_study_id
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import StudyMetadata
from healthopt.study.runner import ComparisonStudy, StudyStopped

log = logging.getLogger(__name__)
STUDIES_DIR = "comparison_studies"
WAITING_STATES = ("pending", "running")  # a study some server has yet to finish


class StudyNotFound(LookupError):
    """No such study (or an id that cannot name one)."""


class StudyConflict(ValueError):
    """The study is in a state that does not allow the request."""


def new_study_id(dataset_name: str) -> str:
    # The timestamp orders folders for people; the suffix keeps two same-second starts apart.
    return f"{default_study_id(dataset_name)}_{uuid.uuid4().hex[:6]}"


class _StudyWork:
    """One claimed study row: phase 1a then 1b (modules requested), or 1b again."""

    def __init__(self, study: ComparisonStudy) -> None:
        self.study = study
        self._stop = threading.Event()

    def run(self) -> Ending:
        study = self.study
        try:
            metadata = study.metadata()
            if metadata.phase == "building":
                metadata = study.build_models()
                if metadata.modules_requested:
                    if self._stop.is_set():
                        raise StudyStopped("stopped between phase 1a and phase 1b")
                    study.analyze(metadata.modules_requested)
            else:
                study.analyze(metadata.modules_requested)
        except StudyStopped as exc:
            raise WorkStopped(str(exc)) from exc
        return Ending(COMPLETED)

    def request_stop(self) -> None:
        self._stop.set()
        self.study.request_stop()


class StudyManager:
    kind = STUDY
    cancel_note = "cancelled by request; finished runs are kept"

    def __init__(
        self,
        results_dir: Path,
        max_workers_per_job: int = 1,
        runner: WorkRunner | None = None,
        max_trial_epochs: int | None = None,
    ) -> None:
        self.results_dir = results_dir.resolve()
        self.root = self.results_dir / STUDIES_DIR
        self.max_workers_per_job = max_workers_per_job
        if runner is None:
            self.results_dir.mkdir(parents=True, exist_ok=True)
            store = JobStore(f"sqlite:///{self.results_dir / 'jobs.db'}", self.results_dir)
            runner = WorkRunner(store, self.results_dir)
        self.runner = runner
        self.store = runner.store
        self.hub = runner.hub
        self.max_trial_epochs = max_trial_epochs
        self._live: dict[str, LiveStudy] = {}
        self._lock = threading.RLock()
        self.runner.register(self)

    # -- files ---------------------------------------------------------------------------
    def paths(self, study_id: str) -> StudyPaths:
        if not STUDY_ID.match(study_id):
            raise StudyNotFound(study_id)
        return StudyPaths.of(self.root, study_id)

    def metadata(self, study_id: str) -> StudyMetadata:
        try:
            return StudyMetadata.read(confine(self.results_dir, self.paths(study_id).metadata))
        except (FileMissing, ValueError):
            raise StudyNotFound(study_id) from None

    def file(self, study_id: str, name: str) -> Path:
        """A file of the study's analysis_results: results.json, report.pdf or a figure."""
        paths = self.paths(study_id)
        if name in (paths.results.name, paths.report.name):
            return confine(self.results_dir, paths.analysis_dir / name)
        if not PLOT_NAME.match(name):
            raise FileMissing(name)
        return confine(self.results_dir, paths.figures_dir / name)

    def results(self, study_id: str) -> StudyResults:
        """analysis_results/results.json; FileMissing when it is not there, FileCorrupt (409)
        when it is there but not a study's results."""
        try:
            return StudyResults.from_json(self.file(study_id, "results.json").read_bytes())
        except SchemaError as exc:
            raise FileCorrupt(
                f"{study_id}/analysis_results/results.json is not readable: {exc}"
            ) from None

    def study_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return [p.name for p in self.root.iterdir() if STUDY_ID.match(p.name) and p.is_dir()]

    # -- requests ------------------------------------------------------------------------
    def submit(self, request: StudyStartRequest) -> StudyMetadata:
        if request.concurrent_workers > self.max_workers_per_job:
            raise RequestRejected(
                "concurrent_workers",
                f"concurrent_workers must be at most {self.max_workers_per_job} on this "
                f"server (got {request.concurrent_workers})",
            )
        # Both modes run runs_per_mode optimizations of trials_per_mode trials each.
        work = 2 * request.runs_per_mode * request.trials_per_mode * request.max_epochs_per_trial
        if self.max_trial_epochs is not None and work > self.max_trial_epochs:
            raise RequestRejected(
                "trials_per_mode",
                f"2 modes x runs_per_mode x trials_per_mode x max_epochs_per_trial is {work:,}; "
                f"this server accepts at most {self.max_trial_epochs:,} per request "
                "(HEALTHOPT_MAX_TRIAL_EPOCHS)",
            )
        self.runner.check_room("the study")
        study_id = new_study_id(request.dataset_name)
        try:
            config = request.study_config(study_id, self.root)
        except ConfigError as exc:
            raise RequestRejected("body", str(exc)) from exc
        study = ComparisonStudy(config)
        # Modules requested up front are analysed as soon as phase 1a ends, after a restart too.
        metadata = study.metadata().with_updates(
            state="pending", modules_requested=list(request.modules_to_run or [])
        )
        metadata.write(study.paths.metadata)
        self._queue(study_id, request.model_dump(mode="json"), metadata)
        log.info("study %s accepted: %s", study_id, config.dataset_name)
        self.runner.schedule()
        return self.metadata(study_id)

    def analyze(self, study_id: str, modules: list[str]) -> StudyMetadata:
        with self._lock:
            metadata = self.metadata(study_id)
            if metadata.state in WAITING_STATES or self._unfinished(study_id) is not None:
                raise StudyConflict(
                    f"study {study_id} is {metadata.state}; wait for it or cancel it"
                )
            if metadata.phase == "building":
                raise StudyConflict(
                    f"phase 1a of study {study_id} has not finished ({metadata.state}); "
                    "its models must be built before they are analysed"
                )
            self.runner.check_room("the analysis")
            metadata = metadata.with_updates(
                state="pending", error=None, modules_requested=list(modules)
            )
            metadata.write(self.paths(study_id).metadata)
            self._queue(study_id, {"modules_to_run": list(modules)}, metadata)
        self.runner.schedule()
        return self.metadata(study_id)

    def cancel(self, study_id: str) -> StudyMetadata:
        with self._lock:
            metadata = self.metadata(study_id)
            row = self._unfinished(study_id)
            if row is not None:
                self.runner.cancel(row)
                return self.metadata(study_id)
            if metadata.state not in WAITING_STATES:
                raise StudyConflict(f"study {study_id} is not running ({metadata.state})")
            # A waiting study no server has a row for (written before rows, or crafted).
            metadata = metadata.with_updates(state="cancelled", error="cancelled before it started")
            metadata.write(self.paths(study_id).metadata)
            return metadata

    def is_running(self, study_id: str) -> bool:
        row = self._unfinished(study_id)
        return row is not None and self.runner.is_running(row.id)

    def live(self, study_id: str) -> LiveStudy | None:
        return self._live.get(study_id) if self.is_running(study_id) else None

    def _unfinished(self, study_id: str) -> JobRecord | None:
        row = self.store.latest(STUDY, study_id)
        return row if row is not None and not row.is_final else None

    def _queue(self, study_id: str, request: dict[str, Any], metadata: StudyMetadata) -> None:
        self.store.create(
            new_job_id(),
            run_name=study_id,
            run_dir=f"{STUDIES_DIR}/{study_id}",
            request=request,
            config=metadata.config,
            trials_total=len(metadata.runs),
            kind=STUDY,
        )

    # -- lifecycle (the runner's, shared with jobs) ----------------------------------------
    def resume(self) -> list[str]:
        """Start-up: give a row to waiting studies that have none (folders written before
        studies had rows), then let the runner claim what waits."""
        adopted = []
        for study_id in self.study_ids():
            try:
                metadata = self.metadata(study_id)
            except StudyNotFound:
                continue
            if metadata.state in WAITING_STATES and self.store.latest(STUDY, study_id) is None:
                log.info("study %s was %s; resuming it", study_id, metadata.state)
                self._queue(study_id, {}, metadata)
                adopted.append(study_id)
        self.runner.resume()
        return adopted

    def shutdown(self, timeout: float = 60.0) -> None:
        self.runner.shutdown(timeout)

    def wait(self, study_id: str, timeout: float | None = None) -> StudyMetadata:
        """Block until the study's runner thread ends (for tests and scripts)."""
        row = self._unfinished(study_id)
        if row is not None:
            self.runner.wait(row.id, timeout)
        return self.metadata(study_id)

    # -- the runner's side -----------------------------------------------------------------
    def open(self, record: JobRecord) -> _StudyWork:
        study_id = record.run_name
        try:
            study = ComparisonStudy.open(
                self.root, study_id, on_event=lambda event: self._on_event(study_id, event)
            )
        except Exception as exc:  # noqa: BLE001 - a broken folder must not stop the queue
            log.error("study %s cannot be opened: %s", study_id, exc)
            raise WorkInvalid(f"invalid study: {type(exc).__name__}: {exc}") from exc
        self._live[study_id] = LiveStudy()
        return _StudyWork(study)

    def ended(self, record: JobRecord, ending: Ending | None) -> None:
        """Bring metadata.json in line with how the row ended, and tell the listeners."""
        study_id = record.run_name
        self._live.pop(study_id, None)
        try:
            metadata = self.metadata(study_id)
        except StudyNotFound:
            return
        if ending is None:
            # Stopped by a shutdown (the study runner records any stop as `cancelled`) or
            # taken over: it stays resumable.
            if metadata.state not in WAITING_STATES:
                metadata.with_updates(state="running").write(self.paths(study_id).metadata)
            return
        if ending.status == CANCELLED:
            before_start = ending.error == "cancelled before it started"
            phase = "built" if metadata.phase == "analyzing" else metadata.phase
            error = ending.error if before_start else self.cancel_note
            metadata = metadata.with_updates(phase=phase, state="cancelled", error=error)
            metadata.write(self.paths(study_id).metadata)
        elif ending.status == FAILED and metadata.state in WAITING_STATES:
            metadata.with_updates(state="failed", error=ending.error).write(
                self.paths(study_id).metadata
            )
        self.hub.publish(
            study_id, StudyFinishedEvent(study_id=study_id, state=self.metadata(study_id).state)
        )

    def _on_event(self, study_id: str, event: Mapping[str, Any] | Record) -> None:
        """Runs in the study's, the optimizers' and the executor's threads."""
        live = self._live.get(study_id)
        if live is not None:
            with self._lock:
                live.update(event)
        payload = event.to_json() if isinstance(event, Record) else dict(event)
        self.hub.publish(study_id, StudyEventMessage(study_id=study_id, event=payload))

    # -- status --------------------------------------------------------------------------
    def status(self, study_id: str, metadata: StudyMetadata | None = None) -> StudyStatus:
        metadata = metadata or self.metadata(study_id)
        return study_status(metadata, self.paths(study_id), self.live(study_id))

    def statuses(self) -> list[StudyStatus]:
        """Every study, newest first."""
        found = []
        for study_id in self.study_ids():
            try:
                found.append(self.metadata(study_id))
            except StudyNotFound:
                continue
        found.sort(key=lambda m: m.created_at, reverse=True)
        return [self.status(m.study_id, m) for m in found]
