from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from healthopt.config import ModelConfig
from healthopt.optimize.executors import LocalExecutor
from healthopt.records import COMPLETE, FAIL, EpochEndEvent, RunEvent, TrialSpec, TrialStartedEvent


def _spec(tmp_path: Path, number: int, epochs: int, dataset_name: str = "digits") -> TrialSpec:
    return TrialSpec.create(
        run_name="x",
        trial_number=number,
        dataset_name=dataset_name,
        split_seed=0,
        seed=number,
        epochs=epochs,
        model_settings=ModelConfig(num_layers_conv=1, filters_per_conv_layer=8).to_dict(),
        params={},
        output_dir=str(tmp_path / f"trial_{number}"),
    )


def test_a_killed_worker_fails_only_its_trial(tmp_path: Path):
    first_epoch = threading.Event()
    events: list[RunEvent] = []

    def on_event(event: RunEvent) -> None:
        events.append(event)
        if isinstance(event, EpochEndEvent) and event.trial_number == 0:
            first_epoch.set()

    executor = LocalExecutor(workers=1, on_event=on_event, log_dir=tmp_path / "logs")
    try:
        doomed = executor.submit(_spec(tmp_path, 0, epochs=500))
        assert first_epoch.wait(timeout=120), "the worker never reported an epoch"
        pid = executor.worker_pids()[0]
        assert pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        result = doomed.result(timeout=60)
        assert result.state == FAIL
        assert "killed by signal SIGKILL" in result.error
        survivor = executor.submit(_spec(tmp_path, 1, epochs=1)).result(timeout=180)
        assert survivor.state == COMPLETE
    finally:
        executor.shutdown()
    assert any(isinstance(e, TrialStartedEvent) and e.trial_number == 1 for e in events)
    # Epochs cross the process boundary as JSON and arrive as typed events, in order.
    epochs = [e.epoch for e in events if isinstance(e, EpochEndEvent) and e.trial_number == 1]
    assert epochs == [1]
    assert (tmp_path / "logs" / "worker_0.log").exists()


def test_shutdown_with_cancel_fails_running_and_queued_trials(tmp_path: Path):
    started = threading.Event()
    executor = LocalExecutor(
        workers=1, on_event=lambda e: isinstance(e, EpochEndEvent) and started.set()
    )
    running = executor.submit(_spec(tmp_path, 0, epochs=500))
    queued = executor.submit(_spec(tmp_path, 1, epochs=1))
    assert started.wait(timeout=120)
    begin = time.monotonic()
    executor.shutdown(cancel=True)
    assert time.monotonic() - begin < 30
    for future in (running, queued):
        result = future.result(timeout=1)
        assert result.state == FAIL and result.error.startswith("interrupted")


def test_started_workers_wait_warm_and_keep_their_data_across_trials(
    tmp_path: Path, image_npz: Path
):
    executor = LocalExecutor(workers=1, log_dir=tmp_path / "logs")
    try:
        executor.start()
        executor.start()  # idempotent: still the one worker
        assert len(executor._workers) == 1
        (worker,) = executor._workers.values()
        assert worker.process.is_alive() and worker.job is None
        name = f"npz:{image_npz}"
        first = executor.submit(_spec(tmp_path, 0, epochs=1, dataset_name=name))
        assert first.result(timeout=180).state == COMPLETE
        # The data file is gone, so only the worker's own copy can serve the second trial.
        image_npz.unlink()
        second = executor.submit(_spec(tmp_path, 1, epochs=1, dataset_name=name)).result(
            timeout=180
        )
        assert second.state == COMPLETE, second.error
        assert list(executor._workers.values()) == [worker]  # the same process ran both
    finally:
        executor.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        executor.start()
