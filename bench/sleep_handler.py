"""A RunPod worker whose trials sleep instead of training, for `bench_runpod_scaling --sleep-trial`.

It is runpod_service/handler.py with one part swapped: the real handler module's `run_trial`,
its only training, becomes a scripted trial (tests/optimize/scripted.py's ScriptedExecutor)
that waits BENCH_SLEEP_TRIAL_SECONDS spread over the spec's epochs, reports each epoch, writes
the files a trial leaves (history, architecture, a model stand-in with its SHA-256,
result.json) and completes. Everything around it is the real worker's: the SDK's job loop,
the job input's checks, progress updates, the ZIP and its upload to the artifact store, so
what scales or not with N workers is the orchestration, not the CPU.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import runpod

import healthopt.runpod_serverless.handler as worker
from healthopt.optimize.executors import EventCallback
from healthopt.records import TrialResult, TrialSpec

# The scripted executor is a test helper; tests/ is a namespace package off the root.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.optimize.scripted import ScriptedExecutor, complete  # noqa: E402

SECONDS_ENV = "BENCH_SLEEP_TRIAL_SECONDS"
VAL_ACCURACY = 0.9


def sleeping_trial(spec: TrialSpec, on_event: EventCallback | None = None) -> TrialResult:
    """`run_trial`'s contract (a result, never an exception), with a sleep for training.

    A cancelled job sleeps on to its end (the scripted executor ignores a raising callback);
    the benchmark cancels none.
    """
    seconds = float(os.environ[SECONDS_ENV])
    executor = ScriptedExecutor(lambda _: complete(VAL_ACCURACY, seconds), on_event=on_event)
    try:
        return executor.submit(spec).result()
    finally:
        executor.shutdown()


if __name__ == "__main__":
    worker.run_trial = sleeping_trial  # the handler looks it up at each job
    runpod.serverless.start({"handler": worker.handle})
