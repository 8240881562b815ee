"""Issue 19's probes that held, kept holding, against real processes: 150 WebSockets and 100
concurrent status polls on one `healthopt serve`, raw `../` paths sent unnormalised, a CLI
killed with SIGKILL mid-trial and resumed, and a shared-study worker killed mid-trial.

The other held probes are tested elsewhere: body-size limit and crafted paths in
tests/api/test_security.py, absolute paths, links out and tokens in
tests/api/test_held_probes.py, SIGKILL-and-restart of one server in test_serve.py.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from websockets.sync.client import connect

from healthopt.records import COMPLETE, RunResults

from .processes import HEALTHOPT, start_healthopt
from .serving import Server

pytestmark = pytest.mark.slow
SOCKETS = 150
POLLERS = 100


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """One real server with one small job posted to it (it runs while the probes poll)."""
    server = Server(tmp_path_factory.mktemp("held"))
    server.start()
    body = {"dataset_name": "digits", "trials": 2, "max_epochs_per_trial": 2, "seed": 3}
    job_id = server.post("/optimize", body)["job_id"]
    yield server, job_id
    server.stop()


def _status_code(server: Server, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path)  # sent as written: no dot segments removed
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_100_concurrent_status_polls_are_all_answered(served: tuple[Server, str]):
    server, job_id = served
    start = threading.Barrier(POLLERS)

    def poll(_: int) -> list[int]:
        start.wait(timeout=30)
        return [_status_code(server, f"/jobs/{job_id}/status") for _ in range(5)]

    with ThreadPoolExecutor(POLLERS) as pool:
        codes = [code for codes in pool.map(poll, range(POLLERS)) for code in codes]
    assert codes == [200] * POLLERS * 5
    assert server.get("/health")["status"] == "ok"


def test_150_websockets_each_get_the_jobs_status(served: tuple[Server, str]):
    server, job_id = served
    url = f"ws://127.0.0.1:{server.port}/ws/jobs/{job_id}"
    everyone_has_one = threading.Barrier(SOCKETS + 1)
    started = time.monotonic()

    def listen(_: int) -> dict:
        with connect(url, open_timeout=30, close_timeout=5) as socket:
            first = json.loads(socket.recv(timeout=30))
            everyone_has_one.wait(timeout=60)  # all connections open at once
            everyone_has_one.wait(timeout=60)  # until the server was asked for its health
        return first

    with ThreadPoolExecutor(SOCKETS) as pool:
        firsts = [pool.submit(listen, n) for n in range(SOCKETS)]
        everyone_has_one.wait(timeout=60)
        assert server.get("/health")["status"] == "ok"  # answered with 150 sockets open
        assert _status_code(server, f"/jobs/{job_id}/status") == 200
        everyone_has_one.wait(timeout=60)
        messages = [future.result() for future in firsts]
    assert all(m["kind"] == "status" and m["job_id"] == job_id for m in messages)
    assert time.monotonic() - started < 30
    assert server.get("/health")["status"] == "ok"


def test_raw_dot_dot_paths_reach_no_file(served: tuple[Server, str]):
    server, job_id = served
    (server.root / "secret.txt").write_text("outside the results folder")
    up = "../" * 6
    for path in (
        f"/jobs/{job_id}/plots/0/{up}secret.txt",
        f"/jobs/{job_id}/plots/0/..%2F..%2F..%2F..%2Fsecret.txt",
        f"/jobs/{job_id}/trials/0/{up}secret.txt",
        f"/download/{up}secret.txt",
        f"/jobs/{up}etc/passwd/status",
        f"/{up}etc/passwd",
    ):
        assert _status_code(server, path) in (400, 404, 422), path


# -- killed processes ----------------------------------------------------------------------
def _wait(predicate: Callable[[], bool], process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if predicate():
            return
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(0.1)
    raise AssertionError("timed out\n" + log.read_text()[-3000:])


def _trials(folder: Path) -> set[int]:
    trials = folder / "trials"
    return {int(p.name.split("_")[1]) for p in trials.glob("trial_*")} if trials.is_dir() else set()


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def test_a_cli_killed_mid_trial_resumes_and_keeps_its_finished_trial(tmp_path: Path):
    args = ["optimize", "--trials", "2", "--epochs", "5", "--seed", "2", "--plots", "none",
            "--output-dir", str(tmp_path), "--run-name", "killed"]  # fmt: skip
    run_dir, log = tmp_path / "killed", tmp_path / "first.log"
    first = start_healthopt(args, log)
    try:
        _wait(lambda: 1 in _trials(run_dir), first, log)  # trial 0 done, trial 1 training
        before = RunResults.from_json((run_dir / "results.json").read_text()).trials
    finally:
        _kill(first)  # SIGKILL to the CLI and its trial worker: no cleanup of any kind

    resumed = subprocess.run([*HEALTHOPT, *args], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    trials = RunResults.from_json((run_dir / "results.json").read_text()).trials
    assert trials[0] == before[0]  # the finished trial is kept as it was
    assert [t.number for t in trials if t.interrupted] == [1]
    assert [t.state for t in trials if not t.interrupted] == [COMPLETE, COMPLETE]
    assert (run_dir / "optimized_model").is_dir()


def test_a_killed_shared_study_worker_loses_only_time(tmp_path: Path, postgres_url: str):
    """The orchestrator sees the killed worker's heartbeat stop, fails its trial and runs it
    once more; the study ends with its budget of complete trials."""
    study_name, trials = "held-worker-kill", 4
    here, there = tmp_path / "orchestrator", tmp_path / "worker"
    common = ["--storage", postgres_url, "--study", study_name]
    orchestrator_log, worker_log = tmp_path / "orchestrator.log", tmp_path / "worker.log"
    orchestrator = start_healthopt(
        ["optimize", *common, "--trials", str(trials), "--epochs", "4", "--plots", "none",
         "--pruner", "none", "--heartbeat", "1", "--output-dir", str(here)],
        orchestrator_log,
    )  # fmt: skip
    worker = None
    try:
        _wait(lambda: bool(_trials(here / study_name)), orchestrator, orchestrator_log)
        worker = start_healthopt(["worker", *common, "--output-dir", str(there)], worker_log)
        _wait(lambda: bool(_trials(there / study_name)), worker, worker_log)
        _kill(worker)  # mid-trial, heartbeat and all
        assert orchestrator.wait(timeout=400) == 0, orchestrator_log.read_text()[-3000:]
    finally:
        for process in (orchestrator, worker):
            if process is not None:
                _kill(process)

    study = optuna.load_study(study_name=study_name, storage=postgres_url)
    by_number = {t.number: t for t in study.get_trials()}
    stale = [t for t in by_number.values() if t.state == TrialState.FAIL]
    assert len(stale) == 1 and stale[0].number in _trials(there / study_name)
    retry = [t for t in by_number.values() if t.system_attrs.get("failed_trial") == stale[0].number]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE
    assert retry[0].params == stale[0].params
    assert sum(t.state == TrialState.COMPLETE for t in by_number.values()) == trials
    assert not any(t.state in (TrialState.RUNNING, TrialState.WAITING) for t in by_number.values())
