"""Several processes on one PostgreSQL study: `healthopt optimize` and `healthopt worker` share
the trials; an orchestrator killed with SIGKILL mid-trial loses nothing but time, because the
worker sees its heartbeat stop, fails the trial and runs it once more; and a worker's trial is
pruned against the trials the orchestrator completed.

Each process writes into its own output folder, so a trial folder present in both would be a
trial number run twice."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from healthopt.cli import worker_config
from healthopt.config import OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.optimizer import OptimizationResult
from healthopt.records import (
    COMPLETE,
    PRUNED,
    RunEvent,
    RunResults,
    TrialFinishedEvent,
    TrialSpec,
)

from ..optimize.scripted import Outcome, ScriptedExecutor, learning
from .processes import start_healthopt

TRIALS = 4


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


@pytest.mark.slow
def test_a_killed_orchestrators_trial_is_retried_by_a_worker(tmp_path: Path, postgres_url: str):
    study_name = "shared-kill"
    # The URL as a user writes it (psycopg 3 reads the bare scheme).
    plain_url = postgres_url
    orchestrator_dir, worker_dir = tmp_path / "orchestrator", tmp_path / "worker"
    common = ["--storage", plain_url, "--study", study_name]
    orchestrator = start_healthopt(
        ["optimize", *common, "--trials", str(TRIALS), "--epochs", "4", "--plots", "none",
         "--heartbeat", "1", "--output-dir", str(orchestrator_dir)],
        tmp_path / "orchestrator.log",
    )  # fmt: skip
    worker = None
    try:
        # The orchestrator has a trial running (its local worker process started training).
        _wait(lambda: _trial_folders(orchestrator_dir, study_name), 120, "a running trial")
        worker = start_healthopt(
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


# Optuna's heartbeat and TPE switches are experimental, and it notes that heartbeats are meant
# for Study.optimize (healthopt uses ask/tell on purpose: `optimize.study`).
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_a_workers_trial_is_pruned_against_the_orchestrators_trials(
    tmp_path: Path, postgres_url: str
):
    """The median pruner in a shared study: the orchestrator completes two trials and holds a
    third open, so the worker (its own process in real use; a thread here, with scripted
    trials) runs the fourth, which falls behind their median at epoch 2 and is pruned."""
    study_name = "shared-prune"
    config = OptimizationConfig(
        dataset_name="digits",
        trials=4,
        max_epochs_per_trial=3,
        seed=1,
        pruner="median",  # 2 start-up trials for a budget of 4
        plot_generation="none",
        storage_url=postgres_url,
        run_name=study_name,
        output_dir=str(tmp_path / "orchestrator"),
        heartbeat_seconds=1,
    )
    good = learning((0.5, 0.9, 0.9))
    holding, worker_finished = threading.Event(), threading.Event()

    def orchestrated(spec: TrialSpec) -> Outcome:
        if spec.trial_number >= 2:
            # Keep this trial running until the worker's trial is over, so the worker takes
            # the last slot of the budget and is judged against trials 0 and 1 alone.
            holding.set()
            worker_finished.wait(60)
        return good

    ran: list[OptimizationResult | BaseException] = []
    orchestrator_executor = ScriptedExecutor(orchestrated)

    def orchestrate() -> None:
        try:
            ran.append(ModelOptimizer(config, executor=orchestrator_executor).optimize_model())
        except BaseException as exc:  # re-raised by the test's thread below
            ran.append(exc)
        finally:
            orchestrator_executor.shutdown()

    orchestrator = threading.Thread(target=orchestrate, daemon=True)
    orchestrator.start()
    try:
        assert holding.wait(60), "the orchestrator never started its third trial"

        def on_event(event: RunEvent) -> None:
            if isinstance(event, TrialFinishedEvent):
                worker_finished.set()

        # The configuration a `healthopt worker` reads from the study, with its own folder.
        args = argparse.Namespace(
            storage=postgres_url,
            study=study_name,
            concurrent_workers=None,
            output_dir=str(tmp_path / "worker"),
            use_runpod_service=None,
            require_runpod=None,
        )
        worker_executor = ScriptedExecutor([learning((0.5, 0.2, 0.1))])
        try:
            ModelOptimizer(
                worker_config(args), executor=worker_executor, on_event=on_event, role="worker"
            ).optimize_model()
        finally:
            worker_executor.shutdown()
    finally:
        worker_finished.set()
        orchestrator.join(60)
    assert not orchestrator.is_alive()
    (outcome,) = ran
    if isinstance(outcome, BaseException):
        raise outcome

    (spec,) = worker_executor.specs
    assert [s.trial_number for s in orchestrator_executor.specs] == [0, 1, 2]
    study = optuna.load_study(study_name=study_name, storage=postgres_url)
    trials = {t.number: t for t in study.get_trials()}
    pruned = trials[spec.trial_number]
    assert pruned.state == TrialState.PRUNED
    assert pruned.user_attrs["pruned_by"] == "pruner" and pruned.user_attrs["prune_epoch"] == 2
    assert pruned.user_attrs["prune_check"] == "median"  # the pruner, for pruned_by pruner
    assert pruned.intermediate_values == {1: 0.5, 2: 0.2}
    assert [trials[n].state for n in (0, 1, 2)] == [TrialState.COMPLETE] * 3

    results = outcome.trials
    record = next(t for t in results if t.number == spec.trial_number)
    assert record.state == PRUNED and record.pruned is not None
    assert record.pruned.pruner == "median" and record.pruned.epoch == 2
    assert outcome.best_trial in (0, 1, 2)


@pytest.mark.slow
def test_a_shared_study_of_a_users_hypermodel_runs_on_both_processes(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
):
    """The worker learns the entry point from the shared study's stored config, imports the
    user's build itself and replays each trial's draw."""
    import json

    user_models = Path(__file__).resolve().parents[1] / "hypermodel"
    monkeypatch.setenv("PYTHONPATH", str(user_models))
    study_name = "shared-own-model"
    orchestrator_dir, worker_dir = tmp_path / "orchestrator", tmp_path / "worker"
    common = ["--storage", postgres_url, "--study", study_name]
    orchestrator = start_healthopt(
        ["optimize", *common, "--trials", "6", "--epochs", "1", "--plots", "none",
         "--model", "user_hypermodels:build", "--output-dir", str(orchestrator_dir)],
        tmp_path / "orchestrator.log",
    )  # fmt: skip
    worker = None
    try:
        _wait(lambda: _trial_folders(orchestrator_dir, study_name), 120, "a running trial")
        worker = start_healthopt(
            ["worker", *common, "--output-dir", str(worker_dir)], tmp_path / "worker.log"
        )
        assert worker.wait(timeout=400) == 0, (tmp_path / "worker.log").read_text()[-3000:]
        assert orchestrator.wait(timeout=400) == 0, (tmp_path / "orchestrator.log").read_text()[
            -3000:
        ]
    finally:
        for process in (orchestrator, worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    worker_trials = _trial_folders(worker_dir, study_name)
    assert worker_trials, "the worker ran no trial"
    results = RunResults.from_json((orchestrator_dir / study_name / "results.json").read_bytes())
    assert sorted(t.number for t in results.trials if t.state == COMPLETE) == list(range(6))
    for number in worker_trials:
        record = results.trial(number)
        assert record is not None
        folder = worker_dir / study_name / "trials" / f"trial_{number}"
        layers = json.loads((folder / "architecture.json").read_text())["layers"]
        assert sum(name.endswith("_add") for name in layers) == record.params["residual_blocks"]
