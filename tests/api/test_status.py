"""GET /jobs/{id}/status (api/status.py) through the app: a job this server runs is served from
memory, event by event, without reading the jobs table or results.json; its final row after
it ends; a job it does not run (another server's, or one from before it started) from the
table. The optimizer runs on the scripted executor, held after each event so the test can
poll in between."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import healthopt.api.app
from healthopt.api.db import RUNNING, JobStore
from healthopt.api.files import RunFiles
from healthopt.api.jobs import JobManager, new_job_id
from healthopt.api.status import job_status
from healthopt.config import OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.executors import EventCallback
from healthopt.records import (
    EpochEndEvent,
    RunEvent,
    RunFinishedEvent,
    RunResults,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialStartedEvent,
)

from ..optimize.scripted import ScriptedExecutor, complete
from .conftest import finished_job, make_settings

HOLD_SECONDS = 60.0  # a broken test fails after this instead of hanging the suite
EPOCHS = 2
JOB = {"dataset_name": "digits", "trials": 2, "max_epochs_per_trial": EPOCHS, "seed": 1}
JOB |= {"plot_generation": "none"}


class CountingStore(JobStore):
    """The real jobs table (SQLite in the test's folder), counting the reads a poll could make."""

    def __init__(self, url: str, results_dir=None) -> None:
        super().__init__(url, results_dir)
        self.reads = 0

    def get(self, job_id: str):
        self.reads += 1
        return super().get(job_id)

    def list(self, statuses=None, kind=None):
        self.reads += 1
        return super().list(statuses, kind)


class Stepper:
    """Holds the run after each event it passes on, until the test releases it; `free()` lets
    the rest of the run go by unheld."""

    def __init__(self) -> None:
        self._events: queue.Queue[RunEvent] = queue.Queue()
        self._go = threading.Semaphore(0)
        self._free = threading.Event()

    def wrap(self, on_event: EventCallback) -> EventCallback:
        def step(event: RunEvent) -> None:
            on_event(event)
            if self._free.is_set():
                return
            self._events.put(event)
            self._go.acquire(timeout=HOLD_SECONDS)

        return step

    def next(self) -> RunEvent:
        """The event the run is held at now."""
        return self._events.get(timeout=HOLD_SECONDS)

    def release(self) -> None:
        self._go.release()

    def free(self) -> None:
        self._free.set()
        for _ in range(8):  # whichever threads are held now
            self._go.release()


@dataclass
class Server:
    client: TestClient
    store: CountingStore
    jobs: JobManager
    stepper: Stepper
    compute_reads: list[int]

    def reads(self) -> tuple[int, int]:
        """Reads of the jobs table and of results.json's compute summary so far."""
        return self.store.reads, len(self.compute_reads)

    def poll(self, job_id: str) -> dict:
        """The job's status, asserting the poll read neither the table nor results.json."""
        before = self.reads()
        response = self.client.get(f"/jobs/{job_id}/status")
        assert response.status_code == 200, response.text
        assert self.reads() == before, "the status of a job run here touched the store"
        return response.json()


def scripted(stepper: Stepper, executors: list[ScriptedExecutor]):
    """The JobManager's optimizer factory: trials on the scripted executor, every event (the
    optimizer's and the executor's) held by `stepper` once the manager has seen it."""

    def make(config: OptimizationConfig, on_event: EventCallback) -> ModelOptimizer:
        step = stepper.wrap(on_event)
        executor = ScriptedExecutor([complete(0.8), complete(0.9)], on_event=step)
        executors.append(executor)
        return ModelOptimizer(config, executor=executor, on_event=step)

    return make


@pytest.fixture
def server(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setattr(healthopt.api.app, "JobStore", CountingStore)
    compute_reads: list[int] = []
    compute = RunFiles.compute

    def counted(files: RunFiles):
        compute_reads.append(1)
        return compute(files)

    monkeypatch.setattr(RunFiles, "compute", counted)
    app = healthopt.api.app.create_app(make_settings(tmp_path))
    state = app.state.healthopt
    stepper, executors = Stepper(), []
    state.jobs.make_optimizer = scripted(stepper, executors)
    assert isinstance(state.store, CountingStore)
    try:
        with TestClient(app) as client:
            yield Server(client, state.store, state.jobs, stepper, compute_reads)
            stepper.free()
    finally:
        for executor in executors:
            executor.shutdown(cancel=True)


def _expected(event: RunEvent, results: RunResults | None) -> Callable[[dict], bool]:
    """What the status must show while the run is held right after `event`; `results` is
    results.json as it stands then (the optimizer may let quick trials share a write)."""
    if isinstance(event, RunStartedEvent):
        return lambda s: s["trials_completed"] == event.trials_done and s["compute"] is None
    if isinstance(event, TrialStartedEvent):
        return lambda s: (s["current_trial"], s["current_epoch"]) == (event.trial_number, 0)
    if isinstance(event, EpochEndEvent):
        where = (event.trial_number, event.epoch)
        return lambda s: (s["current_trial"], s["current_epoch"]) == where
    if isinstance(event, TrialFinishedEvent):
        assert results is not None and results.compute is not None
        compute = results.compute.to_json()
        return lambda s: (
            (s["trials_completed"], s["best_trial"], s["best_score"])
            == (event.trials_done, event.best_trial, event.best_value)
            # results.json as the trial left it, read once in the runner's thread
            and s["compute"] == compute
        )
    return lambda s: True


def _results(server: Server, run_name: str) -> RunResults | None:
    """results.json as it stands, read by the test itself."""
    path = server.client.app.state.healthopt.results_dir / run_name / "results.json"
    return RunResults.from_json(path.read_bytes()) if path.is_file() else None


def test_a_running_job_is_served_from_memory_event_by_event_then_its_final_row(server):
    job_id = server.client.post("/optimize", json=JOB).json()["job_id"]
    seen: list[str] = []
    while True:
        event = server.stepper.next()
        seen.append(event.kind)
        status = server.poll(job_id)
        assert status["status"] == RUNNING and status["error"] is None
        expected = _expected(event, _results(server, status["run_name"]))
        assert expected(status), f"{event.kind} {status}"
        elapsed = status["elapsed_seconds"]
        assert server.poll(job_id)["elapsed_seconds"] > elapsed  # taken at each request
        if isinstance(event, TrialFinishedEvent) and event.trial_number == 0:
            assert status["compute"]["epochs_run"] == EPOCHS  # the first trial is written
            # The list and the socket give the same snapshot; neither reads results.json.
            before = len(server.compute_reads)
            listed = server.client.get("/jobs").json()["jobs"]
            with server.client.websocket_connect(f"/ws/jobs/{job_id}") as socket:
                first = socket.receive_json()
            assert len(server.compute_reads) == before
            for other in (listed[0], first):
                assert {k: v for k, v in other.items() if k not in ("elapsed_seconds", "kind")} == {
                    k: v for k, v in status.items() if k != "elapsed_seconds"
                }
        server.stepper.release()
        if isinstance(event, RunFinishedEvent):
            break
    assert seen[:4] == ["run_started", "trial_started", "epoch_end", "epoch_end"]
    assert seen.count("trial_finished") == 2

    row = server.jobs.wait(job_id, timeout=HOLD_SECONDS)
    final = server.poll(job_id)
    assert final["status"] == "completed" and final["current_trial"] is None
    assert (final["trials_completed"], final["best_trial"]) == (2, 1)
    assert final["compute"]["epochs_run"] == 2 * EPOCHS
    # Exactly what the table and results.json say, and it no longer ages.
    files = RunFiles(server.client.app.state.healthopt.results_dir, Path(row.run_dir))
    stored = job_status(row, None, files.compute())
    assert final == stored.model_dump(mode="json")
    assert server.poll(job_id) == final


def test_a_cancel_through_the_api_shows_at_once_and_the_cancelled_row_after(server):
    running = server.client.post("/optimize", json=JOB).json()["job_id"]
    while not isinstance(server.stepper.next(), EpochEndEvent):
        server.stepper.release()
    # Held mid-trial; the server runs one job at a time, so the next one waits.
    queued = server.client.post("/optimize", json=JOB).json()["job_id"]
    assert server.client.get(f"/jobs/{queued}/status").json()["status"] == "pending"
    assert server.client.post(f"/jobs/{queued}/cancel").json()["status"] == "cancelled"
    assert server.client.get(f"/jobs/{queued}/status").json()["status"] == "cancelled"

    assert server.client.post(f"/jobs/{running}/cancel").json()["status"] == RUNNING
    server.stepper.free()
    server.jobs.wait(running, timeout=HOLD_SECONDS)
    status = server.poll(running)
    assert status["status"] == "cancelled" and status["current_epoch"] is None
    assert status["error"] == server.jobs.cancel_note
    assert server.client.get(f"/jobs/{queued}/status").json()["status"] == "cancelled"


def test_jobs_this_server_does_not_run_are_read_from_the_table(server):
    state = server.client.app.state.healthopt
    # One that ended before this server started, and one another server runs right now.
    done = finished_job(server.store, state.results_dir)
    other = new_job_id()
    server.store.create(other, "digits_simple_other", "digits_simple_other", {}, {}, 5)
    claim = server.store.claim_next("otherhost:7:abc", lease_seconds=300)  # a live server's
    assert claim is not None and claim.id == other
    server.store.update(other, trials_completed=2, current_trial=2)

    before = server.store.reads
    status = server.client.get(f"/jobs/{other}/status").json()
    assert server.store.reads > before
    assert (status["status"], status["trials_completed"], status["current_trial"]) == (
        RUNNING,
        2,
        2,
    )
    server.store.update(other, trials_completed=3, best_trial=2, best_score=0.7)  # its progress
    status = server.client.get(f"/jobs/{other}/status").json()
    assert (status["trials_completed"], status["best_trial"], status["best_score"]) == (3, 2, 0.7)

    assert server.client.get(f"/jobs/{done.id}/status").json()["status"] == "completed"
    listed = {s["job_id"]: s["status"] for s in server.client.get("/jobs").json()["jobs"]}
    assert listed == {done.id: "completed", other: RUNNING}
    assert server.client.get(f"/jobs/{'f' * 32}/status").status_code == 404
    assert server.client.get("/jobs/not-a-job/status").status_code == 404
