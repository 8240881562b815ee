"""A local stand-in for RunPod's serverless control plane, for tests and benches.

The orchestrator talks to it as to `https://api.runpod.ai/v2` (REST API v2: run, status, cancel,
health) and real `runpod` SDK worker processes talk to its worker side (job-take, job-stop,
job-done, ping), so both halves of the distributed path run unmodified on 127.0.0.1. Faults the
real platform shows (rate limits, forgotten jobs, stuck queues, timeouts, dying or hanging
workers) can be switched on from Python.

The worker-side URLs mirror the shapes the SDK expects (runpod 1.12):
`/v2/{endpoint}/job-take/{worker}?gpu=emulated` (the SDK appends `&job_in_progress=0|1` and
derives the `/job-stop/` stop channel from it), `/v2/{endpoint}/job-done/{worker}/{job}` for
progress and results, `/v2/{endpoint}/ping/{worker}` for the heartbeat. Workers authenticate with
an internal key of their own, like RunPod's RUNPOD_AI_API_KEY, so the client's API key never
reaches a worker's environment.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

IN_QUEUE, IN_PROGRESS = "IN_QUEUE", "IN_PROGRESS"
COMPLETED, FAILED, CANCELLED, TIMED_OUT = "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED, TIMED_OUT})
CLIENT_ROUTES = frozenset({"run", "status", "cancel", "health"})
# Long-polls are held this long: short enough that a SIGTERMed worker and close() finish
# within a couple of seconds, long enough that idle workers do not spin.
POLL_HOLD_S = 1.0
SWEEP_INTERVAL_S = 0.1
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class JobRecord:
    """One job as the emulator sees it; timestamps are `time.monotonic()` seconds."""

    id: str
    status: str
    input: Any
    worker_id: str | None
    output: Any
    error: str | None
    progress: tuple[Any, ...]
    execution_timeout_ms: int | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    late_results: int  # results a worker posted after the job had ended; ignored


@dataclass
class _Job:
    id: str
    input: Any
    execution_timeout_ms: int | None
    created_at: float
    status: str = IN_QUEUE
    worker_id: str | None = None
    output: Any = None
    error: str | None = None
    progress: list[Any] = field(default_factory=list)
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float = 0.0  # last ping of its worker that listed this job
    late_results: int = 0

    def record(self) -> JobRecord:
        return JobRecord(
            self.id, self.status, self.input, self.worker_id, self.output, self.error,
            tuple(self.progress), self.execution_timeout_ms, self.created_at, self.started_at,
            self.finished_at, self.late_results,
        )  # fmt: skip

    def status_body(self, now: float) -> dict[str, Any]:
        """The `/status` answer: RunPod's fields, times in milliseconds."""
        started = self.started_at if self.started_at is not None else now
        body: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "delayTime": round((started - self.created_at) * 1000),
            "executionTime": 0,
        }
        if self.started_at is not None:
            ended = self.finished_at if self.finished_at is not None else now
            body["executionTime"] = round((ended - self.started_at) * 1000)
            body["workerId"] = self.worker_id
        if self.output is not None:
            body["output"] = self.output
        if self.error is not None:
            body["error"] = self.error
        return body


@dataclass
class _Worker:
    id: str
    process: subprocess.Popen | None = None  # set when the emulator launched it
    last_seen: float | None = None  # arrival of its latest request of any kind
    exit_code: int | None = None
    stop_ids: list[str] = field(default_factory=list)


class _ControlPlane:
    """The queue, the jobs and the workers behind one lock; the HTTP layer only translates."""

    def __init__(self, lost_after_s: float) -> None:
        self.lost_after_s = lost_after_s
        self._cond = threading.Condition()
        self._jobs: dict[str, _Job] = {}
        self._queue: deque[str] = deque()
        self._workers: dict[str, _Worker] = {}
        self._held = False
        self._closing = False
        self.created = 0
        # Called with (job_id, output) as a worker posts a final result, before it is recorded.
        self.result_hook: Callable[[str, Any], None] | None = None

    # --- the client side -------------------------------------------------------------------
    def submit(self, job_input: Any, execution_timeout_ms: int | None) -> _Job:
        with self._cond:
            job = _Job(str(uuid.uuid4()), job_input, execution_timeout_ms, time.monotonic())
            self._jobs[job.id] = job
            self._queue.append(job.id)
            self.created += 1
            self._cond.notify_all()
            return job

    def status(self, job_id: str) -> dict[str, Any] | None:
        with self._cond:
            job = self._jobs.get(job_id)
            return None if job is None else job.status_body(time.monotonic())

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        """Cancel a queued or running job; an ended job keeps (and reports) its status."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status == IN_QUEUE:
                self._queue.remove(job.id)
            if job.status in (IN_QUEUE, IN_PROGRESS):
                self._finish(job, CANCELLED, time.monotonic())
            return {"id": job.id, "status": job.status}

    def health(self) -> dict[str, Any]:
        with self._cond:
            now = time.monotonic()
            count = Counter(job.status for job in self._jobs.values())
            busy = {job.worker_id for job in self._jobs.values() if job.status == IN_PROGRESS}
            workers = {"idle": 0, "initializing": 0, "running": 0, "unhealthy": 0}
            for worker in self._workers.values():
                if worker.exit_code is not None:
                    continue
                if worker.last_seen is None:
                    workers["initializing"] += 1
                elif now - worker.last_seen > self.lost_after_s:
                    workers["unhealthy"] += 1
                else:
                    workers["running" if worker.id in busy else "idle"] += 1
            jobs = {
                "completed": count[COMPLETED],
                "failed": count[FAILED] + count[TIMED_OUT],
                "inProgress": count[IN_PROGRESS],
                "inQueue": count[IN_QUEUE],
                "retried": 0,  # lost jobs fail rather than go back to the queue
            }
            return {"jobs": jobs, "workers": workers}

    # --- the worker side -------------------------------------------------------------------
    def take_job(
        self, worker_id: str, hold_s: float, peer_closed: Callable[[], bool]
    ) -> dict[str, Any] | None:
        """Long-poll for a job; a caller that hung up while waiting is not handed one."""
        deadline = time.monotonic() + hold_s
        with self._cond:
            worker = self._see(worker_id, time.monotonic())
            while True:
                now = time.monotonic()
                if self._closing or worker.exit_code is not None:
                    return None
                if self._queue and not self._held and not peer_closed():
                    job = self._jobs[self._queue.popleft()]
                    job.status, job.worker_id = IN_PROGRESS, worker_id
                    job.started_at = job.heartbeat_at = now
                    return {"id": job.id, "input": job.input}
                if now >= deadline:
                    return None
                self._cond.wait(deadline - now)

    def undeliver(self, job_id: str) -> None:
        """Put back a job whose hand-over failed, at the head of the queue."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is not None and job.status == IN_PROGRESS:
                job.status, job.worker_id, job.started_at = IN_QUEUE, None, None
                self._queue.appendleft(job.id)
                self._cond.notify_all()

    def take_stop_signals(self, worker_id: str, hold_s: float) -> list[str]:
        deadline = time.monotonic() + hold_s
        with self._cond:
            worker = self._see(worker_id, time.monotonic())
            while True:
                now = time.monotonic()
                if worker.stop_ids:
                    ids, worker.stop_ids = worker.stop_ids, []
                    return ids
                if self._closing or now >= deadline:
                    return []
                self._cond.wait(deadline - now)

    def post_result(self, worker_id: str, job_id: str, body: dict[str, Any]) -> None:
        """Record a progress update or a final result; ended jobs keep their status."""
        hook = self.result_hook
        if hook is not None and body.get("status") != IN_PROGRESS:
            hook(job_id, body.get("output"))
        with self._cond:
            now = time.monotonic()
            self._see(worker_id, now)
            job = self._jobs.get(job_id)
            if job is None:
                return  # forgotten by lose(): the platform has nowhere to put it
            ours = job.status == IN_PROGRESS and job.worker_id == worker_id
            if body.get("status") == IN_PROGRESS:
                if ours:
                    job.progress.append(body.get("output"))
                    job.output, job.heartbeat_at = body.get("output"), now
                return
            if not ours:
                job.late_results += 1
                return
            job.output = body.get("output")
            if body.get("error"):
                self._finish(job, FAILED, now, str(body["error"]), stop=False)
            else:
                self._finish(job, COMPLETED, now, stop=False)

    def ping(self, worker_id: str, job_ids: list[str]) -> None:
        with self._cond:
            now = time.monotonic()
            self._see(worker_id, now)
            for job_id in job_ids:
                job = self._jobs.get(job_id)
                if job is not None and job.status == IN_PROGRESS and job.worker_id == worker_id:
                    job.heartbeat_at = now

    # --- the emulator's own controls -------------------------------------------------------
    def add_process(self, worker_id: str, process: subprocess.Popen) -> None:
        with self._cond:
            self._workers[worker_id] = _Worker(worker_id, process=process)

    def sweep(self) -> None:
        """End running jobs past their executionTimeout or on a lost worker."""
        with self._cond:
            now = time.monotonic()
            for worker in self._workers.values():
                if worker.process is not None and worker.exit_code is None:
                    worker.exit_code = worker.process.poll()
            for job in list(self._jobs.values()):
                if job.status != IN_PROGRESS:
                    continue
                worker = self._workers[job.worker_id]
                limit = job.execution_timeout_ms
                if limit is not None and now - job.started_at >= limit / 1000:
                    self._finish(job, TIMED_OUT, now, f"executionTimeout of {limit} ms exceeded")
                elif worker.exit_code is not None:
                    error = f"worker lost: {worker.id} exited with code {worker.exit_code}"
                    self._finish(job, FAILED, now, error)
                elif now - job.heartbeat_at > self.lost_after_s:
                    error = (
                        f"worker lost: {worker.id} sent no heartbeat listing this job "
                        f"for {self.lost_after_s:g} s"
                    )
                    self._finish(job, FAILED, now, error)

    def lose(self, job_id: str) -> None:
        with self._cond:
            job = self._jobs.pop(job_id)
            if job.status == IN_QUEUE:
                self._queue.remove(job_id)

    def hold(self, held: bool) -> None:
        with self._cond:
            self._held = held
            self._cond.notify_all()

    def records(self) -> list[JobRecord]:
        with self._cond:
            return [job.record() for job in self._jobs.values()]

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()

    def _see(self, worker_id: str, now: float) -> _Worker:
        worker = self._workers.setdefault(worker_id, _Worker(worker_id))
        worker.last_seen = now
        return worker

    def _finish(
        self, job: _Job, status: str, now: float, error: str | None = None, stop: bool = True
    ) -> None:
        """End a job; unless the worker itself reported the end, it is told to stop the job."""
        if stop and job.status == IN_PROGRESS:
            self._workers[job.worker_id].stop_ids.append(job.id)
        job.status, job.finished_at = status, now
        if error is not None:
            job.error = error
        self._cond.notify_all()


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # held long-polls must not keep close() waiting
    request_queue_size = 64

    def __init__(self, emulator: RunPodEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    """Routes `/v2/{endpoint}/{route}/...` to the control plane; HTTP/1.0, one request each."""

    server: _Server

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: every poll would log a line, and the job records say what happened."""

    def _dispatch(self, method: str) -> None:
        emulator = self.server.emulator
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        try:
            if len(parts) < 3 or parts[0] != "v2" or parts[1] != emulator.endpoint_id:
                raise _HTTPError(404, "no such endpoint")
            route, args = parts[2], parts[3:]
            if route in CLIENT_ROUTES:
                emulator._client_gate(route, self.headers.get("Authorization"))
                self._client(method, route, args)
            else:
                if not secrets.compare_digest(
                    self.headers.get("Authorization", ""), emulator._worker_key
                ):
                    raise _HTTPError(401, "unauthorized worker")
                self._worker(method, route, args, parse_qs(url.query))
        except _HTTPError as err:
            self._send(err.status, {"error": str(err)})

    def _client(self, method: str, route: str, args: list[str]) -> None:
        plane = self.server.emulator._plane
        if (method, route, len(args)) == ("POST", "run", 0):
            body = self._json_body()
            if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
                raise _HTTPError(400, "body must be a JSON object with an 'input' object")
            timeout = (body.get("policy") or {}).get("executionTimeout")
            if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
                raise _HTTPError(400, "policy.executionTimeout must be a positive int (ms)")
            job = plane.submit(body["input"], timeout)
            self._send(200, {"id": job.id, "status": IN_QUEUE})
        elif (method, route, len(args)) == ("GET", "health", 0):
            self._send(200, plane.health())
        elif (method, route, len(args)) in (("GET", "status", 1), ("POST", "cancel", 1)):
            answer = plane.status(args[0]) if route == "status" else plane.cancel(args[0])
            if answer is None:
                raise _HTTPError(404, "job not found")
            self._send(200, answer)
        else:
            raise _HTTPError(404, "no such route")

    def _worker(self, method: str, route: str, args: list[str], query: dict) -> None:
        plane = self.server.emulator._plane
        if (method, route, len(args)) == ("GET", "job-take", 1):
            job = plane.take_job(args[0], POLL_HOLD_S, self._peer_closed)
            if job is None:
                self._send(204, None)
                return
            try:
                self._send(200, job)
            except OSError:
                plane.undeliver(job["id"])
        elif (method, route, len(args)) == ("GET", "job-stop", 1):
            ids = plane.take_stop_signals(args[0], POLL_HOLD_S)
            self._send(200 if ids else 204, {"jobsToStop": ids} if ids else None)
        elif (method, route, len(args)) == ("POST", "job-done", 2):
            body = self._json_body()
            if not isinstance(body, dict):
                raise _HTTPError(400, "result must be a JSON object")
            plane.post_result(args[0], args[1], body)
            self._send(200, {})
        elif (method, route, len(args)) == ("GET", "ping", 1):
            listed = ",".join(query.get("job_id", []))
            plane.ping(args[0], [job_id for job_id in listed.split(",") if job_id])
            self._send(200, {})
        else:
            raise _HTTPError(404, "no such route")

    def _json_body(self) -> Any:
        # The SDK posts results as JSON text labelled form-urlencoded, so the label is ignored.
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            return json.loads(raw or b"null")
        except ValueError as err:
            raise _HTTPError(400, f"body is not JSON: {err}") from None

    def _peer_closed(self) -> bool:
        """Whether the poller hung up (a killed worker): its socket reads as EOF."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _send(self, status: int, body: Any) -> None:
        self.send_response(status)
        if body is None:
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class EmulatedWorker:
    """A `runpod` SDK worker process the emulator launched, in its own process group."""

    def __init__(self, name: str, process: subprocess.Popen, log_path: Path) -> None:
        self.name = name
        self.process = process
        self.pid = process.pid
        self.log_path = log_path

    def __repr__(self) -> str:
        return f"EmulatedWorker(name={self.name!r}, pid={self.pid})"

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group (SDK process and its ping process): a container dying."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, as a scale-down does: the SDK finishes its current job, then exits."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()  # whatever outlived it, the heartbeat process included
        return self.process.returncode

    def pause(self) -> None:
        """SIGSTOP the group: a hung worker that neither pings nor answers."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _signal_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass  # the group is already gone


class RunPodEmulator:
    """RunPod's control plane on 127.0.0.1:<free port>, plus a launcher for SDK workers."""

    def __init__(
        self,
        endpoint_id: str = "healthopt-test",
        api_key: str = "test-key",
        lost_after_s: float = 3.0,
        log_dir: Path | None = None,
    ) -> None:
        self.endpoint_id = endpoint_id
        self.api_key = api_key
        self._worker_key = secrets.token_urlsafe(24)
        self._plane = _ControlPlane(lost_after_s)
        self._failures: dict[str, deque[int]] = {route: deque() for route in CLIENT_ROUTES}
        self._failures_lock = threading.Lock()
        self._own_log_dir = log_dir is None
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="runpod-emulator-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._workers: dict[str, EmulatedWorker] = {}
        self._server = _Server(self)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v2"
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True),
            threading.Thread(target=self._sweep_loop, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def __enter__(self) -> RunPodEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RunPodEmulator(base_url={self.base_url!r}, endpoint_id={self.endpoint_id!r})"

    # --- workers -----------------------------------------------------------------------------
    def worker_env(self, worker_id: str) -> dict[str, str]:
        """The RUNPOD_* variables that point an SDK worker called `worker_id` at this emulator."""
        endpoint = f"{self.base_url}/{self.endpoint_id}"
        return {
            # The SDK appends `&job_in_progress=...`, so the URL must carry a query already.
            "RUNPOD_WEBHOOK_GET_JOB": f"{endpoint}/job-take/$ID?gpu=emulated",
            "RUNPOD_WEBHOOK_POST_OUTPUT": f"{endpoint}/job-done/$RUNPOD_POD_ID/$ID?gpu=emulated",
            "RUNPOD_WEBHOOK_PING": f"{endpoint}/ping/$RUNPOD_POD_ID",
            # Read in whole seconds by the SDK (interval // 1000); below 1000 it pings in a spin.
            "RUNPOD_PING_INTERVAL": "1000",
            "RUNPOD_POD_ID": worker_id,
            "RUNPOD_AI_API_KEY": self._worker_key,
            # The SDK's start-up fitness checks probe the host, not the worker: they need
            # 8.8.8.8:53 to be reachable (without a network the worker exits 1 after the probe),
            # at least 4 GB of free memory and 10% free disk, and on a GPU host they run a CUDA
            # binary. None of that is what the emulator tests, so they are skipped; pass these
            # as "false" in `env` to run them.
            "RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "true",
            "RUNPOD_SKIP_GPU_CHECK": "true",
        }

    def start_worker(
        self, handler: Path, env: dict[str, str] | None = None, name: str | None = None
    ) -> EmulatedWorker:
        """Launch `python handler` as a worker; its output goes to `log_dir/<name>.log`."""
        name = name or f"worker-{len(self._workers) + 1}"
        if not _NAME.fullmatch(name) or name in self._workers:
            raise ValueError(f"worker name {name!r} is taken or not URL-safe")
        # A real RUNPOD_* setting inherited from the caller must not point a worker elsewhere.
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_")}
        child_env.update(self.worker_env(name), PYTHONUNBUFFERED="1", RUNPOD_LOG_LEVEL="DEBUG")
        child_env.update(env or {})
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, str(handler)], env=child_env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        worker = EmulatedWorker(name, process, log_path)
        self._workers[name] = worker
        self._plane.add_process(name, process)
        return worker

    # --- fault injection and inspection ----------------------------------------------------
    def fail_next(self, route: str, status: int, count: int = 1) -> None:
        """Answer the next `count` calls to a client route with `status`, doing nothing else."""
        if route not in CLIENT_ROUTES:
            raise ValueError(f"route must be one of {sorted(CLIENT_ROUTES)}, not {route!r}")
        with self._failures_lock:
            self._failures[route].extend([status] * count)

    def lose(self, job_id: str) -> None:
        """Forget a job, as the platform does after its retention: later status -> 404."""
        self._plane.lose(job_id)

    def on_result(self, hook: Callable[[str, Any], None] | None) -> None:
        """Run `hook(job_id, output)` when a worker posts a final result, before the job shows
        COMPLETED: the moment to tamper with what the worker stored, as a corrupt upload."""
        self._plane.result_hook = hook

    def hold_queue(self, hold: bool) -> None:
        """While held, queued jobs are handed to no worker (a platform with no capacity)."""
        self._plane.hold(hold)

    def jobs(self) -> list[JobRecord]:
        return self._plane.records()

    def job(self, job_id: str) -> JobRecord:
        return next(record for record in self.jobs() if record.id == job_id)

    def run_requests(self) -> int:
        """How many `/run` calls created a job (injected failures and rejects excluded)."""
        return self._plane.created

    @staticmethod
    def wait_for(predicate: Callable[[], object], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        """Kill the workers first: an SDK worker whose server vanished retries in a tight loop."""
        for worker in self._workers.values():
            worker.kill()
        self._stopping.set()
        self._plane.close()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._own_log_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    # --- internals -----------------------------------------------------------------------
    def _client_gate(self, route: str, authorization: str | None) -> None:
        with self._failures_lock:
            injected = self._failures[route].popleft() if self._failures[route] else None
        if injected is not None:
            raise _HTTPError(injected, f"injected failure ({injected})")
        if not secrets.compare_digest(authorization or "", f"Bearer {self.api_key}"):
            raise _HTTPError(401, "unauthorized")

    def _sweep_loop(self) -> None:
        while not self._stopping.wait(SWEEP_INTERVAL_S):
            self._plane.sweep()
