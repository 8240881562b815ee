"""WorkRunner: the one runner of the server's persisted work, optimizations and studies alike.

Every job, whatever its kind, is a row in the jobs table (`api.db`). The runner claims rows
(`JobStore.claim_next`: a compare-and-set, `FOR UPDATE SKIP LOCKED` on PostgreSQL), runs each
on a thread, renews its lease from a keeper thread every third of the lease, and writes the
ending once. What a row's work *is* comes from its kind's manager (`WorkKind.open`): the
JobManager builds a ModelOptimizer, the StudyManager a ComparisonStudy phase. So jobs and
studies share the claims, the leases, the retries, the limits (`capacity` running at once, a
bounded queue) and the progress channel (`ProgressHub`, served over WebSockets).

Surviving restarts and outages: a server that stops releases its rows (still `running`) for
the next server; one that is killed leaves them to run out their lease (or, on the same host,
to be seen dead at once). Database errors are retried with backoff; progress that cannot be
written waits for the next heartbeat; a runner always records its work's ending, or leaves it
for a lease takeover, never a silent zombie.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

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

log = logging.getLogger(__name__)
# How long an ending is retried through a database outage before the job is left for a lease
# takeover (which resumes it, finds nothing left to do, and ends it).
FINISH_RETRY_SECONDS = 300.0
# For the OpenAPI document of the routes that queue work.
QUEUE_FULL_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {"description": "the server's queue of waiting jobs and studies is full"}
}


class QueueFull(RuntimeError):
    """The server already holds as much waiting work as it accepts."""


class WorkStopped(Exception):
    """The work stopped because it was asked to (a cancel, or the server stopping)."""


class WorkInvalid(ValueError):
    """A claimed row cannot be turned into work (a config this version cannot read)."""


@dataclass(frozen=True)
class Ending:
    """How a piece of work ended, and the row values to record with it."""

    status: str
    error: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


class Work(Protocol):
    def run(self) -> Ending:
        """Run to the end; raise WorkStopped once `request_stop` has been called."""
        ...

    def request_stop(self) -> None: ...


class WorkKind(Protocol):
    """A manager of one kind of work: it turns that kind's rows into Work."""

    kind: str
    cancel_note: str  # the error a job of this kind records when cancelled while running

    def open(self, record: JobRecord) -> Work:
        """The work a claimed row asks for; WorkInvalid when it cannot be built."""
        ...

    def ended(self, record: JobRecord, ending: Ending | None) -> None:
        """After the runner has finished with a row: its ending, or None when the work was
        stopped by a shutdown or taken over (the row stays `running` for the next runner).
        With an ending, `record` is the row as recording it left it (final, unless another
        server had taken the job over first); without, the row as it was claimed."""
        ...


@dataclass
class _Running:
    work: Work
    record: JobRecord
    thread: threading.Thread
    cancel_requested: bool = False
    lease_lost: bool = False  # another server took the job over; this one must not end it


class WorkRunner:
    def __init__(
        self,
        store: JobStore,
        results_dir: Path,
        hub: ProgressHub | None = None,
        capacity: int = 1,
        lease_seconds: float = 30.0,
        max_queued: int | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1 (got {capacity})")
        self.store = store
        self.results_dir = results_dir
        self.hub = hub or ProgressHub()
        self.capacity = capacity
        self.lease_seconds = lease_seconds
        self.max_queued = max_queued
        self.owner = new_owner_id()
        self._retired = False
        self._kinds: dict[str, WorkKind] = {}
        self._running: dict[str, _Running] = {}
        self._unsaved: dict[str, dict[str, Any]] = {}  # progress an outage kept from the table
        self._lock = threading.RLock()
        self._accepting = True
        self._keeper: threading.Thread | None = None
        self._keeper_stop = threading.Event()

    def register(self, kind: WorkKind) -> None:
        with self._lock:
            self._kinds[kind.kind] = kind

    # -- requests ------------------------------------------------------------------------
    def check_room(self, what: str) -> None:
        """Raise QueueFull when as many jobs and studies wait as the server accepts."""
        if self.max_queued is None:
            return
        waiting = self.store.count(PENDING)
        if waiting >= self.max_queued:
            raise QueueFull(
                f"the server already has {waiting} jobs and studies waiting, its limit "
                f"(HEALTHOPT_MAX_QUEUED_JOBS={self.max_queued}); {what} was not queued, "
                "try again when some have run"
            )

    def cancel(self, record: JobRecord) -> JobRecord | None:
        """Stop a job here, ask its owner elsewhere, or end it before it starts.

        Returns the row after a cancel of work that had not started (its ending is final
        now), else None (the runner that has it records the ending).
        """
        with self._lock:
            running = self._running.get(record.id)
            if running is not None:
                running.cancel_requested = True
                running.work.request_stop()
                return None
        if record.lease_live():
            self.store.request_cancel(record.id)  # its owner stops it at its next heartbeat
            return None
        ended = self.store.finish(
            record.id, CANCELLED, error="cancelled before it started", unclaimed_only=True
        )
        if ended.lease_live():  # a server claimed it meanwhile: ask that one
            self.store.request_cancel(record.id)
            return None
        kind = self._kinds.get(ended.kind)
        if kind is not None and ended.status == CANCELLED:
            kind.ended(ended, Ending(CANCELLED, ended.error))
        return ended

    def is_running(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._running

    def running_count(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self._running.values() if kind in (None, r.record.kind))

    def progress(self, job_id: str, values: dict[str, Any]) -> None:
        """Record progress values; never raises into the work's threads. An outage keeps
        them (newest first) until the keeper can write them."""
        with self._lock:
            self._unsaved.setdefault(job_id, {}).update(values)
        try:
            self._flush_progress(job_id)
        except JobNotFound:
            return
        except Exception as exc:  # noqa: BLE001 - an outage must not reach the optimizer
            log.warning("job %s: progress kept for later, database down: %s", job_id, exc)

    # -- lifecycle -----------------------------------------------------------------------
    def resume(self) -> list[str]:
        """Start-up: claim the work a previous server left running, then pending work, and
        keep claiming (other servers' posts, run-out leases) from a keeper thread."""
        with self._lock:
            self._accepting = True  # an app may be started again after a shutdown (tests)
            if self._retired:  # started again after a shutdown: a new identity
                self.owner, self._retired = new_owner_id(), False
        interrupted = [
            job.id
            for job in self.store.list((RUNNING,))
            if job.kind in self._kinds
            and (not job.lease_live() or (job.owner is not None and owner_is_dead(job.owner)))
        ]
        for job_id in interrupted:
            log.info("job %s was running when its server stopped; resuming it", job_id)
        self.schedule()
        self._start_keeper()
        return interrupted

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop every runner; their rows stay `running`, released for the next server."""
        with self._lock:
            self._accepting = False
            running = list(self._running.values())
        self._keeper_stop.set()
        for item in running:
            item.work.request_stop()
        for item in running:
            item.thread.join(timeout=timeout)
        if self._keeper is not None:
            self._keeper.join(timeout=timeout)
            self._keeper = None
        retire_owner(self.owner)
        self._retired = True

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until the job's runner thread ends (for tests and scripts)."""
        with self._lock:
            running = self._running.get(job_id)
        if running is not None:
            running.thread.join(timeout=timeout)
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
                self.schedule()
            except Exception:  # noqa: BLE001 - the keeper must outlive any one bad tick
                log.exception("job keeper tick failed; trying again in %.0f s", interval)

    def heartbeat(self) -> None:
        """Renew the lease of every job this server runs; stop the ones it no longer owns."""
        with self._lock:
            running = dict(self._running)
        for job_id, item in running.items():
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
                item.lease_lost = True
                item.work.request_stop()
            elif beat is Heartbeat.CANCEL and not item.cancel_requested:
                log.info("job %s: cancelled on another server", job_id)
                item.cancel_requested = True
                item.work.request_stop()

    # -- scheduling ----------------------------------------------------------------------
    def schedule(self) -> None:
        """Claim and start work while there is room; oldest first, interrupted work first."""
        with self._lock:
            while self._accepting and len(self._running) < self.capacity:
                try:
                    record = self.store.claim_next(
                        self.owner,
                        self.lease_seconds,
                        set(self._running),
                        owner_is_dead,
                        kinds=tuple(self._kinds),
                    )
                except TRANSIENT_ERRORS as exc:
                    log.warning("jobs table unavailable, will try again: %s", exc)
                    return
                if record is None:
                    return
                self._start(record)

    def _start(self, record: JobRecord) -> None:
        kind = self._kinds[record.kind]
        try:
            work = kind.open(record)
        except WorkInvalid as exc:
            ending = Ending(FAILED, str(exc))
            kind.ended(self._record_ending(record, ending), ending)
            return
        thread = threading.Thread(
            target=self._run,
            args=(record.id,),
            name=f"healthopt-{record.kind}-{record.id[:8]}",
            daemon=True,
        )
        self._running[record.id] = _Running(work, record, thread)
        if record.attempts > 1:
            log.info("job %s: attempt %d, resuming its work", record.id, record.attempts)
        thread.start()

    def _run(self, job_id: str) -> None:
        item = self._running[job_id]
        kind = self._kinds[item.record.kind]
        ending: Ending | None = None
        row = item.record
        try:
            ending = self._drive(item)
            if ending is not None:
                row = self._record_ending(item.record, ending)
        except Exception:  # noqa: BLE001 - the ending could not be written even after retries
            ending, row = None, item.record
            log.exception(
                "job %s: its ending could not be recorded; once its lease runs out a server "
                "resumes it and records it",
                job_id,
            )
        finally:
            with self._lock:
                self._running.pop(job_id, None)
                self._unsaved.pop(job_id, None)
            try:
                kind.ended(row, ending)
            except Exception:  # noqa: BLE001 - bookkeeping must not stop the queue
                log.exception("job %s: its manager could not record the ending", job_id)
            self.schedule()

    def _drive(self, item: _Running) -> Ending | None:
        """Run the work; its ending, or None when it stopped without ending (a shutdown, or
        another server took it over)."""
        job_id = item.record.id
        try:
            ending = item.work.run()
        except WorkStopped:
            if item.lease_lost:
                return None
            if item.cancel_requested:
                return Ending(CANCELLED, self._kinds[item.record.kind].cancel_note)
            # The server is stopping: the job stays running, free for the next server.
            with_retries(
                lambda: self.store.release(job_id, self.owner),
                f"job {job_id}: release",
                deadline_seconds=10,
            )
            return None
        except Exception as exc:  # noqa: BLE001 - any failure must end the job, not the server
            log.exception("job %s failed", job_id)
            if item.lease_lost:
                return None
            return Ending(FAILED, f"{type(exc).__name__}: {exc}")
        return None if item.lease_lost else ending

    def _record_ending(self, record: JobRecord, ending: Ending) -> JobRecord:
        job_id = record.id
        error = ending.error
        if error is not None:  # the status routes serve it: no server paths in it
            error = relative_to_results(error, self.results_dir)
        # Progress an outage kept back goes in with the ending: the work may have finished
        # while the database was down.
        with self._lock:
            values = {**self._unsaved.pop(job_id, {}), **ending.values}
        if values:
            self._retry(lambda: self.store.update(job_id, **values), f"job {job_id}")
        ended = self._retry(
            lambda: self.store.finish(job_id, ending.status, error, self.owner),
            f"job {job_id}: recording {ending.status}",
        )
        log.info("job %s %s", job_id, ended.status)
        return ended

    @staticmethod
    def _retry(action: Callable[[], JobRecord], what: str) -> JobRecord:
        return with_retries(
            action, what, deadline_seconds=FINISH_RETRY_SECONDS, on_retry=log.warning
        )

    def _flush_progress(self, job_id: str) -> None:
        """Write the progress kept for `job_id`; on failure keep it and raise."""
        with self._lock:
            values = self._unsaved.pop(job_id, None)
        if not values:
            return
        try:
            self.store.update(job_id, **values)
        except Exception:
            with self._lock:  # keep them, newer values first
                self._unsaved[job_id] = {**values, **self._unsaved.get(job_id, {})}
            raise


__all__ = [
    "COMPLETED",
    "Ending",
    "QUEUE_FULL_RESPONSE",
    "QueueFull",
    "Work",
    "WorkInvalid",
    "WorkKind",
    "WorkRunner",
    "WorkStopped",
]
