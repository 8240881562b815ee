"""`healthopt serve` as a real process: killed mid-job and restarted, and driven by the curl
scripts of seed 002's Test 1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from healthopt.api.db import JobStore

pytestmark = pytest.mark.slow
REPO = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One `healthopt serve` process on a results folder; start, kill and start again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.results = root / "results"
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHOPT_")}
        log = open(self.root / f"server_{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "healthopt.cli", "serve", "--port", str(self.port),
             "--results-dir", str(self.results)],
            cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if self.get("/health")["status"] == "ok":
                    return
            except OSError:
                assert self.process.poll() is None, self.log_tail()
                time.sleep(0.3)
        raise AssertionError("server did not answer /health\n" + self.log_tail())

    def log_tail(self) -> str:
        return (self.root / f"server_{self.starts}.log").read_text(errors="replace")[-3000:]

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def wait_status(self, job_id: str, done, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.get(f"/jobs/{job_id}/status")
            if done(status):
                return status
            time.sleep(0.2)
        raise AssertionError(f"gave up waiting: {status}\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("serve"))
    server.start()
    yield server
    server.stop()


def test_a_job_survives_sigkill_of_the_server_and_runs_its_trials_once(server: Server):
    body = {"dataset_name": "digits", "trials": 3, "max_epochs_per_trial": 3, "seed": 5}
    job_id = server.post("/optimize", body)["job_id"]
    server.wait_status(
        job_id,
        lambda s: s["trials_completed"] >= 1 and s["current_trial"] == 1 and s["current_epoch"],
    )
    workers = psutil.Process(server.process.pid).children(recursive=True)
    assert workers, "trials run in worker processes"
    run_dir = Path(JobStore(f"sqlite:///{server.results / 'jobs.db'}").get(job_id).run_dir)
    before = json.loads((run_dir / "results.json").read_text())["trials"]

    server.process.kill()  # SIGKILL: no cleanup of any kind
    server.process.wait()
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, "workers must die with the server, not train on as orphans"

    server.start()
    status = server.wait_status(job_id, lambda s: s["status"] not in ("pending", "running"))
    assert status["status"] == "completed", status
    assert (status["trials_completed"], status["trials_total"]) == (3, 3)

    trials = json.loads((run_dir / "results.json").read_text())["trials"]
    numbers = [t["number"] for t in trials]
    assert len(numbers) == len(set(numbers))  # no trial number was run twice
    counted = [t for t in trials if not t.get("interrupted")]
    assert [t["state"] for t in counted] == ["COMPLETE"] * 3
    interrupted = [t for t in trials if t.get("interrupted")]
    assert [t["number"] for t in interrupted] == [1]  # the one killed mid-training
    assert trials[0] == before[0]  # the finished trial is kept as it was
    assert server.get(f"/jobs/{job_id}/best-model")["model_ready"] is True
    store = JobStore(f"sqlite:///{server.results / 'jobs.db'}")
    assert store.get(job_id).attempts == 2


def test_seed_002_test_1_as_a_curl_script(server: Server, tmp_path: Path):
    out = tmp_path / "downloads"
    env = {
        **{k: v for k, v in os.environ.items() if k != "HEALTHOPT_API_TOKEN"},
        "BASE_URL": server.base,
        "EPOCHS": "2",
        "TIMEOUT": "300",
        "OUT": str(out),
    }
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "test_curl_local.sh")],
        env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    models = list(out.rglob("*.keras"))
    assert len(models) == 1 and models[0].stat().st_size > 10_000
    assert list(out.rglob("*.zip")) and len(list(out.rglob("*.png"))) >= 10
    best = json.loads(next(out.rglob("best_model.json")).read_text())
    assert best["architecture"]["cytoscape"]["elements"]
