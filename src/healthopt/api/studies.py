"""StudyManager: comparison studies run by the server, one at a time, surviving restarts.

A study is a folder under `results_dir/comparison_studies/` whose metadata.json is the only
record of it: the manager keeps no table. A runner thread drives the study's
`ComparisonStudy` (phase 1a `build_models`, then phase 1b `analyze` when modules were
requested); its optimizations run in worker processes and its analysis in a spawned process,
so the server never imports TensorFlow. Studies share the server's WorkloadGate with jobs: a
study runs only when no job holds the slot, and waits `pending` like a job otherwise; waiting
studies start in the order they came.

Surviving restarts: metadata.json says where a study is. When the server stops, running
studies are stopped and left `running`; on the next start `resume()` builds again (finished
runs are kept) or analyses again with the modules requested before.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from healthopt.api.files import PLOT_NAME, FileCorrupt, FileMissing, confine
from healthopt.api.jobs import RequestRejected
from healthopt.api.schemas.studies import StudyResults, StudyStartRequest, StudyStatus
from healthopt.api.study_status import LiveStudy, study_status
from healthopt.api.workload import WorkloadGate
from healthopt.config import ConfigError
from healthopt.records import Record, SchemaError
from healthopt.study.config import STUDY_ID, default_study_id
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import StudyMetadata
from healthopt.study.runner import ComparisonStudy, StudyStopped

log = logging.getLogger(__name__)
STUDIES_DIR = "comparison_studies"
_WAITING = ("pending", "running")


class StudyNotFound(LookupError):
    """No such study (or an id that cannot name one)."""


class StudyConflict(ValueError):
    """The study is in a state that does not allow the request."""


@dataclass
class _Runner:
    study: ComparisonStudy
    thread: threading.Thread
    cancel_requested: bool = False


def new_study_id(dataset_name: str) -> str:
    # The timestamp orders folders for people; the suffix keeps two same-second starts apart.
    return f"{default_study_id(dataset_name)}_{uuid.uuid4().hex[:6]}"


class StudyManager:
    def __init__(
        self,
        results_dir: Path,
        max_workers_per_job: int = 1,
        gate: WorkloadGate | None = None,
        max_trial_epochs: int | None = None,
    ) -> None:
        self.results_dir = results_dir.resolve()
        self.root = self.results_dir / STUDIES_DIR
        self.max_workers_per_job = max_workers_per_job
        self.gate = gate or WorkloadGate(1)
        self.max_trial_epochs = max_trial_epochs
        self._queue: list[str] = []
        self._runners: dict[str, _Runner] = {}
        self._live: dict[str, LiveStudy] = {}
        self._lock = threading.RLock()
        self._accepting = True
        self.gate.register("studies", self._oldest_waiting, self._queued, self._schedule)

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
        self.gate.check_room("the study")
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
        log.info("study %s accepted: %s", study_id, config.dataset_name)
        with self._lock:
            self._queue.append(study_id)
        self.gate.offer()
        return self.metadata(study_id)

    def analyze(self, study_id: str, modules: list[str]) -> StudyMetadata:
        with self._lock:
            metadata = self.metadata(study_id)
            if metadata.state in _WAITING or study_id in self._runners:
                raise StudyConflict(
                    f"study {study_id} is {metadata.state}; wait for it or cancel it"
                )
            if metadata.phase == "building":
                raise StudyConflict(
                    f"phase 1a of study {study_id} has not finished ({metadata.state}); "
                    "its models must be built before they are analysed"
                )
            metadata = metadata.with_updates(
                state="pending", error=None, modules_requested=list(modules)
            )
            metadata.write(self.paths(study_id).metadata)
            self._queue.append(study_id)
        self.gate.offer()
        return self.metadata(study_id)

    def cancel(self, study_id: str) -> StudyMetadata:
        with self._lock:
            metadata = self.metadata(study_id)
            runner = self._runners.get(study_id)
            if runner is not None:
                runner.cancel_requested = True
                runner.study.request_stop()
                return metadata
            if metadata.state not in _WAITING:
                raise StudyConflict(f"study {study_id} is not running ({metadata.state})")
            if study_id in self._queue:
                self._queue.remove(study_id)
            metadata = metadata.with_updates(state="cancelled", error="cancelled before it started")
            metadata.write(self.paths(study_id).metadata)
            return metadata

    def is_running(self, study_id: str) -> bool:
        with self._lock:
            return study_id in self._runners

    def live(self, study_id: str) -> LiveStudy | None:
        with self._lock:
            return self._live.get(study_id) if study_id in self._runners else None

    # -- lifecycle -----------------------------------------------------------------------
    def resume(self) -> list[str]:
        """Start-up: queue studies a previous server left running, then pending ones."""
        found = []
        for study_id in self.study_ids():
            try:
                metadata = self.metadata(study_id)
            except StudyNotFound:
                continue
            if metadata.state in _WAITING:
                found.append(metadata)
        # Interrupted studies first, then pending ones in the order they were queued.
        found.sort(key=lambda m: (m.state != "running", m.updated_at))
        with self._lock:
            self._accepting = True  # an app may be started again after a shutdown (tests)
            for metadata in found:
                if metadata.study_id not in self._queue and metadata.study_id not in self._runners:
                    log.info("study %s was %s; resuming it", metadata.study_id, metadata.state)
                    self._queue.append(metadata.study_id)
        self._schedule()
        return [m.study_id for m in found]

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop the running study; it stays `running` and resumes at the next start."""
        with self._lock:
            self._accepting = False
            runners = list(self._runners.values())
        for runner in runners:
            runner.study.request_stop()
        for runner in runners:
            runner.thread.join(timeout=timeout)

    def wait(self, study_id: str, timeout: float | None = None) -> StudyMetadata:
        """Block until the study's runner thread ends (for tests and scripts)."""
        with self._lock:
            runner = self._runners.get(study_id)
        if runner is not None:
            runner.thread.join(timeout=timeout)
        return self.metadata(study_id)

    # -- scheduling ----------------------------------------------------------------------
    def _queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def _oldest_waiting(self) -> datetime | None:
        with self._lock:
            first = self._queue[0] if self._queue else None
        if first is None:
            return None
        try:
            arrived = datetime.fromisoformat(self.metadata(first).updated_at)
        except (StudyNotFound, ValueError):
            return None
        return arrived if arrived.tzinfo else arrived.replace(tzinfo=UTC)

    def _schedule(self) -> None:
        with self._lock:
            while self._accepting and self._queue and self.gate.try_acquire():
                self._start(self._queue.pop(0))

    def _start(self, study_id: str) -> None:
        try:
            study = ComparisonStudy.open(
                self.root, study_id, on_event=lambda event: self._on_event(study_id, event)
            )
        except Exception as exc:  # noqa: BLE001 - a broken folder must not stop the queue
            log.error("study %s cannot be opened: %s", study_id, exc)
            self.gate.release(offer=False)
            self._fail(study_id, f"invalid study: {type(exc).__name__}: {exc}")
            return
        thread = threading.Thread(
            target=self._run, args=(study_id,), name=f"healthopt-study-{study_id}", daemon=True
        )
        self._runners[study_id] = _Runner(study, thread)
        self._live[study_id] = LiveStudy()
        thread.start()

    def _run(self, study_id: str) -> None:
        runner = self._runners[study_id]
        study = runner.study
        try:
            metadata = study.metadata()
            if metadata.phase == "building":
                metadata = study.build_models()
                if metadata.modules_requested:
                    if runner.cancel_requested or not self._accepting:
                        raise StudyStopped("stopped between phase 1a and phase 1b")
                    study.analyze(metadata.modules_requested)
            else:
                study.analyze(metadata.modules_requested)
        except StudyStopped:
            self._stopped(study_id, runner.cancel_requested)
        except Exception as exc:  # noqa: BLE001 - any failure must end the study, not the server
            log.exception("study %s failed", study_id)
            self._fail(study_id, f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._runners.pop(study_id, None)
                self._live.pop(study_id, None)
            self.gate.release()

    def _stopped(self, study_id: str, cancelled: bool) -> None:
        """A cancelled study ends `cancelled`; one stopped by a shutdown stays `running`."""
        metadata = self.metadata(study_id)
        if cancelled:
            phase = "built" if metadata.phase == "analyzing" else metadata.phase
            metadata = metadata.with_updates(
                phase=phase, state="cancelled", error="cancelled by request; finished runs are kept"
            )
        else:
            # The runner records any stop as `cancelled`; a shutdown is not one.
            metadata = metadata.with_updates(state="running")
        metadata.write(self.paths(study_id).metadata)

    def _fail(self, study_id: str, error: str) -> None:
        """Mark the study failed unless the runner already recorded its own ending."""
        try:
            metadata = self.metadata(study_id)
        except StudyNotFound:
            return
        if metadata.state in _WAITING:
            metadata.with_updates(state="failed", error=error).write(self.paths(study_id).metadata)

    def _on_event(self, study_id: str, event: Mapping[str, Any] | Record) -> None:
        """Runs in the study's, the optimizers' and the executor's threads."""
        with self._lock:
            live = self._live.get(study_id)
            if live is not None:
                live.update(event)

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
