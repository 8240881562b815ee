"""TensorBoard for a job: one process per job on a free loopback port, stopped with the server.

The server calls `TensorBoardManager.start` when a user asks to see a job's curves; it refreshes
the job's event files (`write_event_logs`) and launches TensorBoard on them, and `shutdown` when
the server stops, so no TensorBoard outlives it. A run whose trials wrote their own event files
is served from its run folder (`trials/trial_N/tensorboard/...` and the rebuilt
`tensorboard/summary`); an older run from the event files rebuilt under `tensorboard/`.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from healthopt.api.tensorboard_logs import TensorBoardError, write_event_logs

__all__ = ["TensorBoardError", "TensorBoardManager", "TensorBoardStatus", "write_event_logs"]

HOST = "127.0.0.1"
DEFAULT_PORTS = range(6006, 7000)
# Never handed to TensorBoard: the API token, cloud credentials, the jobs database URL.
SECRET_PREFIXES = ("HEALTHOPT_", "AWS_", "RUNPOD_")
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD")

# TensorBoard's own hook for running without TensorFlow: when `tensorboard.compat.notf` imports,
# it uses its stub instead of importing TensorFlow, and starts in about 2 s and 95 MB instead of
# 9 s and 810 MB (measured on one trial's own event files). The scalars, histograms,
# distributions and HParams dashboards need nothing from TensorFlow; tests/api/test_tensorboard.py
# reads each through this launcher. (tensorboard/main.py invites swapping itself out like this.)
LAUNCHER = """\
import sys, types
sys.modules["tensorboard.compat.notf"] = types.ModuleType("tensorboard.compat.notf")
sys.argv[0] = "tensorboard"
from tensorboard.main import run_main
run_main()
"""


@dataclass(frozen=True)
class TensorBoardStatus:
    """Where a job's TensorBoard is, or how it ended."""

    job_id: str
    running: bool
    port: int | None = None
    pid: int | None = None
    logdir: Path | None = None
    exit_code: int | None = None

    @property
    def url(self) -> str | None:
        return f"http://{HOST}:{self.port}/" if self.running and self.port else None

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["logdir"] = str(self.logdir) if self.logdir else None
        record["url"] = self.url
        return record


@dataclass
class _Process:
    popen: subprocess.Popen[bytes]
    port: int
    logdir: Path


class TensorBoardManager:
    """Starts, reports and stops one TensorBoard process per job; safe to call from threads.

    At most `max_processes` run at once: each holds about 80 MB and a port, and every job may
    ask for one.
    """

    def __init__(
        self, ports: range = DEFAULT_PORTS, stop_timeout: float = 5.0, max_processes: int = 4
    ) -> None:
        self.ports = ports
        self.stop_timeout = stop_timeout
        self.max_processes = max_processes
        self._processes: dict[str, _Process] = {}
        self._lock = threading.Lock()

    def start(self, job_id: str, run_dir: Path) -> TensorBoardStatus:
        """Refresh the job's event files and make sure its TensorBoard runs."""
        # Outside the lock: writing logs can take a moment and other jobs need not wait.
        logdir = write_event_logs(Path(run_dir))
        with self._lock:
            status = self._status(job_id)
            if status.running:
                return status
            self._check_capacity()
            port = self._free_port()
            log_path = Path(run_dir) / "logs" / "tensorboard.log"
            log_path.parent.mkdir(exist_ok=True)
            with log_path.open("ab") as log_file:
                popen = _launch(logdir, port, log_file)
            self._processes[job_id] = _Process(popen, port, logdir)
            return self._status(job_id)

    def status(self, job_id: str) -> TensorBoardStatus:
        with self._lock:
            return self._status(job_id)

    def stop(self, job_id: str) -> TensorBoardStatus:
        with self._lock:
            process = self._processes.pop(job_id, None)
        if process is None:
            return TensorBoardStatus(job_id, running=False)
        code = _terminate(process.popen, self.stop_timeout)
        return TensorBoardStatus(
            job_id, False, process.port, process.popen.pid, process.logdir, code
        )

    def shutdown(self) -> None:
        """Stop every TensorBoard this manager started."""
        with self._lock:
            job_ids = list(self._processes)
        for job_id in job_ids:
            self.stop(job_id)

    def wait_ready(self, job_id: str, timeout: float = 30.0) -> bool:
        """Wait until the job's TensorBoard answers HTTP; False if it exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(job_id)
            if not status.running or status.port is None:
                return False
            if _answers(status.port):
                return True
            time.sleep(0.2)
        return False

    def _status(self, job_id: str) -> TensorBoardStatus:
        process = self._processes.get(job_id)
        if process is None:
            return TensorBoardStatus(job_id, running=False)
        code = process.popen.poll()
        if code is not None:
            # Reported once with how it ended, then forgotten, so a later start makes a new one.
            del self._processes[job_id]
        return TensorBoardStatus(
            job_id, code is None, process.port, process.popen.pid, process.logdir, code
        )

    def _check_capacity(self) -> None:
        running = [job_id for job_id in list(self._processes) if self._status(job_id).running]
        if len(running) >= self.max_processes:
            raise TensorBoardError(
                f"{len(running)} TensorBoards are running, this server's limit "
                f"(HEALTHOPT_TENSORBOARD_MAX_PROCESSES={self.max_processes}); "
                "stop another job's TensorBoard first"
            )

    def _free_port(self) -> int:
        # A TensorBoard still starting has not bound its port yet, so ours are skipped by name.
        taken = {process.port for process in self._processes.values()}
        for port in self.ports:
            if port not in taken and _can_bind(port):
                return port
        raise TensorBoardError(
            f"no free port for TensorBoard in {self.ports.start}-{self.ports.stop - 1}"
        )


def _launch(logdir: Path, port: int, log_file: IO[bytes]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", LAUNCHER, "--logdir", str(logdir)]
    command += ["--host", HOST, "--port", str(port)]
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=child_environment(os.environ),
    )


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment TensorBoard gets: ours without secrets."""
    return {
        name: value
        for name, value in environ.items()
        if not name.upper().startswith(SECRET_PREFIXES)
        and not any(word in name.upper() for word in SECRET_WORDS)
    }


def _terminate(popen: subprocess.Popen[bytes], timeout: float) -> int:
    popen.terminate()
    try:
        return popen.wait(timeout)
    except subprocess.TimeoutExpired:
        popen.kill()
        return popen.wait()


def _can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _answers(port: int) -> bool:
    # http.client, not urllib: urllib would honour an http_proxy setting even for loopback.
    connection = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()
