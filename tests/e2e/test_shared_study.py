"""Several processes on one PostgreSQL study: `healthopt optimize` and `healthopt worker` share
the trials; an orchestrator killed with SIGKILL mid-trial loses nothing but time, because the
worker sees its heartbeat stop, fails the trial and runs it once more.

Each process writes into its own output folder, so a trial folder present in both would be a
trial number run twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from healthopt.records import COMPLETE, RunResults

HEALTHOPT = [sys.executable, "-m", "healthopt.cli"]
TRIALS = 4
pytestmark = pytest.mark.slow


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    with log.open("w") as out:
        return subprocess.Popen(
            [*HEALTHOPT, *args], stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip


def _trial_folders(output_dir: Path, study: str) -> set[int]:
    trials = output_dir / study / "trials"
    return {int(p.name.split("_")[1]) for p in trials.glob("trial_*")} if trials.is_dir() else set()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_orchestrators_trial_is_retried_by_a_worker(tmp_path: Path, postgres_url: str):
    study_name = "shared-kill"
    # The URL as a user writes it (psycopg 3 reads the bare scheme).
    plain_url = postgres_url
    orchestrator_dir, worker_dir = tmp_path / "orchestrator", tmp_path / "worker"
    common = ["--storage", plain_url, "--study", study_name]
    orchestrator = _start(
        ["optimize", *common, "--trials", str(TRIALS), "--epochs", "4", "--plots", "none",
         "--heartbeat", "1", "--output-dir", str(orchestrator_dir)],
        tmp_path / "orchestrator.log",
    )  # fmt: skip
    worker = None
    try:
        # The orchestrator has a trial running (its local worker process started training).
        _wait(lambda: _trial_folders(orchestrator_dir, study_name), 120, "a running trial")
        worker = _start(
            ["worker", *common, "--output-dir", str(worker_dir)], tmp_path / "worker.log"
        )
        time.sleep(1.0)
        os.killpg(orchestrator.pid, signal.SIGKILL)
        orchestrator.wait(timeout=10)
        assert worker.wait(timeout=400) == 0, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        for process in (orchestrator, worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

    study = optuna.load_study(study_name=study_name, storage=postgres_url)
    trials = {t.number: t for t in study.get_trials()}
    stale = [t for t in trials.values() if t.state == TrialState.FAIL]
    assert len(stale) == 1, [(t.number, t.state) for t in trials.values()]
    retry = [t for t in trials.values() if t.system_attrs.get("failed_trial") == stale[0].number]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE
    assert retry[0].params == stale[0].params
    assert sum(t.state == TrialState.COMPLETE for t in trials.values()) == TRIALS
    assert not any(t.state in (TrialState.RUNNING, TrialState.WAITING) for t in trials.values())

    # No trial number was trained by both processes.
    ran_here, ran_there = (
        _trial_folders(orchestrator_dir, study_name),
        _trial_folders(worker_dir, study_name),
    )
    assert not ran_here & ran_there
    assert stale[0].number in ran_here and retry[0].number in ran_there

    results = RunResults.from_json((worker_dir / study_name / "results.json").read_text())
    shown = {t.number: t for t in results.trials}
    assert f"retried as trial {retry[0].number}" in (shown[stale[0].number].error or "")
    assert sum(t.state == COMPLETE for t in shown.values()) == TRIALS
