"""LocalExecutor: runs trials in N long-lived worker processes on this machine.

With `log_dir`, each worker's stdout and stderr (TensorFlow's start-up chatter included) go
to `worker_{id}.log` there instead of the user's terminal; a trial's own errors come back in
its TrialResult either way.

Workers are started with `spawn` and import TensorFlow themselves, so the orchestrator's
process never does. A worker imports it as soon as it starts, before its first trial arrives,
so a caller that calls `start()` early overlaps those seconds with its own set-up. Each worker
keeps the datasets it loaded (`data.cache.DatasetCache`) for all its trials.

Only JSON crosses the process boundary (TrialSpec in, TrialResult and progress events out:
each record's `to_json()`, read back with its `from_json`). A trial submitted with a judge
waits after each epoch for its verdict on the same task pipe: the worker stops training
between epochs when told, with no process restart. A worker that dies mid-trial (killed, out
of memory) fails that one trial with the exit reason and is replaced; every other trial goes
on.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import cast

from healthopt.optimize.executors.base import (
    EpochJudge,
    EventCallback,
    emit_quietly,
    judge_quietly,
)
from healthopt.records import (
    EpochEndEvent,
    PruneInfo,
    RunEvent,
    SchemaError,
    TrialResult,
    TrialSpec,
    TrialStartedEvent,
    read_event,
)

log = logging.getLogger(__name__)
_POLL_SECONDS = 0.2
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def redirect_output(log_path: str) -> None:
    """Send this process's stdout/stderr (TensorFlow's C++ logging included) to a file."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the orchestrator dies, even by SIGKILL.

    Otherwise an orphaned worker trains its trial to the end, into a folder the resumed run
    has already written off as interrupted, and competes with the new run for the CPU.
    Linux counts the *thread* that started the worker as its parent: the executor starts
    workers from the submitting thread or its monitor thread, both alive until shutdown.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _worker_main(
    tasks: Connection, messages: Connection, threads: int | None, log_path: str | None
) -> None:
    """Entry point of a worker process: run specs from `tasks` until None or EOF arrives."""
    # Ctrl-C reaches the whole process group; the orchestrator alone decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if log_path:
        redirect_output(log_path)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads:
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
        os.environ["TF_NUM_INTEROP_THREADS"] = str(max(1, threads // 2))
    _import_trial_modules()
    from healthopt.data.cache import DatasetCache
    from healthopt.trial import run_trial

    datasets = DatasetCache()

    def await_verdict(event: EpochEndEvent) -> PruneInfo | None:
        """The orchestrator answers every epoch event of a judged trial: stop, or go on."""
        kind, payload = tasks.recv()
        if kind != "verdict":
            raise RuntimeError(f"expected a verdict after epoch {event.epoch}, got {kind!r}")
        return PruneInfo.from_json(payload) if payload else None

    try:
        while (item := tasks.recv()) is not None:
            spec = TrialSpec.from_json(item["spec"])
            result = run_trial(
                spec,
                on_event=lambda event: messages.send(("event", event.to_json())),
                judge=await_verdict if item["judged"] else None,
                datasets=datasets,
            )
            messages.send(("result", result.to_json()))
    except EOFError:  # the orchestrator is gone
        pass
    _exit_now()


def _exit_now() -> None:
    """End the worker without the interpreter's teardown. With TensorFlow loaded that takes
    seconds (about 3 s after a few digits trials), which a run waits for in `shutdown`, and
    there is nothing left to do: each trial wrote and closed its files before its result
    was sent."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _import_trial_modules() -> None:
    """Import what every trial imports (TensorFlow and Keras above all, seconds of it) while
    the worker waits for its first trial. A failure is left for that trial to meet and
    report as its own error, with its traceback, instead of killing the worker here."""
    try:
        import healthopt.analysis.analyzer  # noqa: F401
        import healthopt.models.builder  # noqa: F401
        import healthopt.training.tensorboard_logging  # noqa: F401
        import healthopt.training.trainer  # noqa: F401
    except Exception:
        pass


@dataclass(frozen=True)
class _Job:
    """A submitted trial: its spec, the future its result resolves, and its judge."""

    spec: TrialSpec
    future: Future[TrialResult]
    judge: EpochJudge | None = None


@dataclass
class _Worker:
    """One worker process and its own two pipes. Pipes are per worker on purpose: a worker
    killed mid-send can only break its own channel, never another worker's."""

    id: int
    process: mp.process.BaseProcess
    tasks: Connection  # orchestrator -> worker
    messages: Connection  # worker -> orchestrator
    job: _Job | None = field(default=None)


def exit_reason(exitcode: int | None) -> str:
    """Why a child process ended, as a person reads it ("killed by signal SIGKILL")."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


class LocalExecutor:
    """Runs up to `workers` trials at once in local worker processes."""

    def __init__(
        self,
        workers: int = 1,
        on_event: EventCallback | None = None,
        threads_per_worker: int | None = None,
        log_dir: Path | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 (got {workers})")
        self.capacity = workers
        self._on_event = on_event
        self._log_dir = log_dir
        self._threads = threads_per_worker or max(1, (os.cpu_count() or 1) // workers)
        self._ctx = mp.get_context("spawn")
        self._workers: dict[int, _Worker] = {}
        self._pending: deque[_Job] = deque()
        self._lock = threading.RLock()
        self._next_worker_id = 0
        self._closed = threading.Event()
        self._monitor = threading.Thread(
            target=self._monitor_loop, name="healthopt-local-executor", daemon=True
        )
        self._monitor.start()

    # -- public ------------------------------------------------------------------------
    def start(self) -> None:
        """Start every worker now rather than at the first `submit`, so their start-up (a
        process spawn and the TensorFlow import, about 5 s) runs beside the caller's own
        set-up, such as opening the study. Workers already running are kept. Call it from
        the thread that submits: Linux ends a worker when the thread that started it ends."""
        if self._closed.is_set():
            raise RuntimeError("executor is shut down")
        with self._lock:
            while len(self._workers) < self.capacity:
                self._start_worker()

    def submit(self, spec: TrialSpec, judge: EpochJudge | None = None) -> Future[TrialResult]:
        if self._closed.is_set():
            raise RuntimeError("executor is shut down")
        future: Future[TrialResult] = Future()
        with self._lock:
            self._pending.append(_Job(spec, future, judge))
            self._dispatch()
        return future

    def worker_pids(self) -> dict[int, int]:
        """Trial number -> pid of the worker running it (for monitoring and tests)."""
        with self._lock:
            return {
                w.job.spec.trial_number: w.process.pid
                for w in self._workers.values()
                if w.job is not None and w.process.pid is not None
            }

    def shutdown(self, cancel: bool = False) -> None:
        """Stop the workers. With `cancel`, running and queued trials fail as interrupted."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._monitor.join(timeout=5)
        with self._lock:
            jobs = [w.job for w in self._workers.values() if w.job] + list(self._pending)
            self._pending.clear()
            for worker in self._workers.values():
                if cancel or worker.job is not None:
                    worker.process.terminate()
                else:
                    _send_quietly(worker.tasks, None)
            for worker in self._workers.values():
                worker.process.join(timeout=10)
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join(timeout=5)
            self._workers.clear()
        for job in jobs:
            if not job.future.done():
                job.future.set_result(
                    TrialResult.failed(
                        job.spec.trial_number, "interrupted: the executor was shut down mid-trial"
                    )
                )

    # -- internals ---------------------------------------------------------------------
    def _start_worker(self) -> _Worker:
        task_reader, task_writer = self._ctx.Pipe(duplex=False)
        message_reader, message_writer = self._ctx.Pipe(duplex=False)
        worker_id = self._next_worker_id
        self._next_worker_id += 1
        log_path = str(self._log_dir / f"worker_{worker_id}.log") if self._log_dir else None
        process = self._ctx.Process(
            target=_worker_main,
            args=(task_reader, message_writer, self._threads, log_path),
            name=f"healthopt-worker-{worker_id}",
            daemon=True,
        )
        process.start()
        # The child has its own copies now; closing ours lets EOF tell each side the other
        # is gone.
        task_reader.close()
        message_writer.close()
        worker = _Worker(worker_id, process, task_writer, message_reader)
        self._workers[worker_id] = worker
        return worker

    def _dispatch(self) -> None:
        """Give queued specs to idle workers, starting workers up to capacity (lock held)."""
        while self._pending:
            idle = next((w for w in self._workers.values() if w.job is None), None)
            if idle is None and len(self._workers) < self.capacity:
                idle = self._start_worker()
            if idle is None:
                return
            job = idle.job = self._pending.popleft()
            task = {"spec": job.spec.to_json(), "judged": job.judge is not None}
            _send_quietly(idle.tasks, task)  # a dead worker is reaped next tick
            pid = idle.process.pid
            self._emit(TrialStartedEvent(trial_number=job.spec.trial_number, worker_pid=pid))

    def _emit(self, event: RunEvent) -> None:
        emit_quietly(self._on_event, event)

    def _monitor_loop(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                channels = {w.messages: w for w in self._workers.values()}
            if not channels:
                self._closed.wait(_POLL_SECONDS)
                continue
            for channel in wait(list(channels), timeout=_POLL_SECONDS):
                self._receive(channels[cast(Connection, channel)])  # wait() returns its inputs
            self._reap_dead_workers()

    def _receive(self, worker: _Worker) -> bool:
        """Read one message. False means the channel is broken: the worker is dead (or, if
        its end is garbled, is killed here) and the reaper fails its trial."""
        try:
            kind, payload = worker.messages.recv()
        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=5)
            return False
        if kind == "event":
            self._relay(worker, payload)
            return True
        with self._lock:
            job, worker.job = worker.job, None
            self._dispatch()
        if job is not None and not job.future.done():
            job.future.set_result(_read_result(job.spec, payload))
        return True

    def _relay(self, worker: _Worker, payload: object) -> None:
        """Hand a worker's event on; answer a judged trial's epoch with its verdict."""
        event: RunEvent | None
        try:
            event = read_event(payload if isinstance(payload, dict) else str(payload))
        except SchemaError as exc:  # progress is informative; the trial goes on
            log.warning("worker %s sent an unreadable event: %s", worker.id, exc)
            event = None
        if event is not None:
            self._emit(event)
        job = worker.job
        if job is None or job.judge is None or not isinstance(payload, dict):
            return
        if payload.get("kind") != "epoch_end":
            return
        # The worker waits for an answer to every epoch_end, even one we could not read.
        verdict = judge_quietly(job.judge, event) if isinstance(event, EpochEndEvent) else None
        _send_quietly(worker.tasks, ("verdict", verdict.to_json() if verdict else None))

    def _reap_dead_workers(self) -> None:
        with self._lock:
            dead = [w for w in self._workers.values() if not w.process.is_alive()]
        for worker in dead:
            # A result sent just before dying still counts.
            while worker.job is not None and _poll_quietly(worker.messages):
                if not self._receive(worker):
                    break
        failed = []
        with self._lock:
            for worker in dead:
                self._workers.pop(worker.id, None)
                worker.messages.close()
                worker.tasks.close()
                if worker.job is not None:
                    failed.append((worker.job, exit_reason(worker.process.exitcode)))
            self._dispatch()
        for job, reason in failed:
            if not job.future.done():
                log.warning("worker for trial %s %s", job.spec.trial_number, reason)
                job.future.set_result(
                    TrialResult.failed(
                        job.spec.trial_number, f"worker process {reason} while running the trial"
                    )
                )


def _read_result(spec: TrialSpec, payload: object) -> TrialResult:
    """The worker's result, or a FAIL naming why it could not be read (never an exception)."""
    try:
        return TrialResult.from_json(payload if isinstance(payload, dict) else {})
    except SchemaError as exc:
        return TrialResult.failed(spec.trial_number, f"the worker's result was unreadable: {exc}")


def _send_quietly(channel: Connection, item: object) -> None:
    try:
        channel.send(item)
    except (BrokenPipeError, OSError):
        pass  # the worker died; the monitor reaps it and fails its trial


def _poll_quietly(channel: Connection) -> bool:
    try:
        return channel.poll()
    except (EOFError, OSError):
        return False
