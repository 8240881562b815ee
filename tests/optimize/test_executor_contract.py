"""The Executor contract, run over every executor: scripted, local, and RunPod (emulated).

What the optimizer relies on from any executor: `submit` returns a future that resolves to a
TrialResult for the spec's trial (never an exception), an error in the trial's setup resolves
to FAIL with the reason, `shutdown(cancel=True)` returns promptly with the trials in flight
failed as interrupted, and results survive their JSON form. The real executors run the
smallest trial there is (digits, one conv layer of 8 filters, one epoch); RunPod's runs on
the emulator's control plane with one SDK worker and a folder as its artifact store.

Pruning is part of the contract: a trial submitted with a judge is stopped between epochs at
the judge's verdict and resolves to PRUNED there. A local worker stops without a restart; a
RunPod job is cancelled and the SDK worker stops training at its next epoch end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from healthopt.config import ModelConfig
from healthopt.data import lookup
from healthopt.optimize.assembly import trial_dir
from healthopt.optimize.executors import Executor, LocalExecutor
from healthopt.records import (
    COMPLETE,
    FAIL,
    PRUNED,
    EpochEndEvent,
    PruneInfo,
    RunEvent,
    TrialResult,
    TrialSpec,
    TrialStartedEvent,
)

from .scripted import Outcome, ScriptedExecutor, complete

HANDLER = Path(__file__).resolve().parents[2] / "runpod_service" / "handler.py"
KINDS = [
    "scripted",
    pytest.param("local", marks=pytest.mark.slow),
    pytest.param("runpod", marks=pytest.mark.slow),
]
RESULT_TIMEOUT_S = 300


def _script(spec: TrialSpec) -> Outcome:
    """A trial that loads its data first, as a real one does, then takes 10 ms an epoch."""
    lookup(spec.dataset_name)  # an unknown dataset raises here, inside the executor
    return complete(0.9, seconds=0.01 * spec.epochs)


def _spec(run_dir: Path, number: int, dataset: str = "digits", epochs: int = 1) -> TrialSpec:
    return TrialSpec.create(
        run_name="contract",
        trial_number=number,
        dataset_name=dataset,
        split_seed=0,
        seed=number,
        epochs=epochs,
        model_settings=ModelConfig(num_layers_conv=1, filters_per_conv_layer=8).to_dict(),
        params={"learning_rate": 0.001},
        output_dir=str(trial_dir(run_dir, number).resolve()),
    )


@dataclass
class Case:
    """An executor under test, the run folder its trials write into, and what it reported."""

    kind: str
    executor: Executor
    run_dir: Path
    events: list[RunEvent] = field(default_factory=list)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The emulated RunPod endpoint with one SDK worker running our handler."""
    from ..e2e.runpod_emulator import RunPodEmulator

    store = tmp_path_factory.mktemp("artifacts")
    scratch = tmp_path_factory.mktemp("worker-scratch")
    with RunPodEmulator(log_dir=tmp_path_factory.mktemp("runpod-logs")) as emulator:
        emulator.start_worker(
            HANDLER,
            {
                "HEALTHOPT_ARTIFACT_DIR": str(store),
                "HEALTHOPT_WORK_DIR": str(scratch),
                "TF_NUM_INTRAOP_THREADS": "1",
                "TF_NUM_INTEROP_THREADS": "1",
                "TF_CPP_MIN_LOG_LEVEL": "2",
            },
        )
        yield {"emulator": emulator, "store": store, "scratch": scratch}


def _make(kind: str, run_dir: Path, request: pytest.FixtureRequest) -> Case:
    events: list[RunEvent] = []
    executor: Executor
    if kind == "scripted":
        executor = ScriptedExecutor(_script, on_event=events.append)
    elif kind == "local":
        executor = LocalExecutor(workers=1, on_event=events.append, log_dir=run_dir / "logs")
    else:
        from healthopt.artifacts import FileSystemArtifactStore
        from healthopt.optimize.executors.runpod import RunPodExecutor
        from healthopt.runpod_serverless.client import RunPodClient
        from healthopt.runpod_serverless.settings import RunPodSettings

        cloud = request.getfixturevalue("cloud")
        emulator = cloud["emulator"]
        settings = RunPodSettings(
            endpoint_id=emulator.endpoint_id,
            api_key=emulator.api_key,
            base_url=emulator.base_url,
            poll_interval_s=0.2,
            backoff_base_s=0.05,
            backoff_max_s=0.2,
            queue_timeout_s=120.0,
        )
        executor = RunPodExecutor(
            RunPodClient(settings),
            FileSystemArtifactStore(cloud["store"]),
            run_dir,
            execution_timeout_s=RESULT_TIMEOUT_S,
            on_event=events.append,
        )
    return Case(kind, executor, run_dir, events)


@pytest.fixture(scope="module", params=KINDS)
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One executor per kind for the tests that only submit, so a worker starts once."""
    case = _make(request.param, tmp_path_factory.mktemp(f"run-{request.param}"), request)
    yield case
    case.executor.shutdown()


@pytest.fixture(params=KINDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path):
    """An executor of its own, for a test that shuts it down."""
    case = _make(request.param, tmp_path / "run", request)
    yield case
    case.executor.shutdown(cancel=True)


def _round_trips(result: TrialResult) -> None:
    assert TrialResult.from_json(result.to_json()) == result
    assert TrialResult.from_json(result.to_json_text()) == result


def test_a_submitted_trial_resolves_to_its_result(shared: Case):
    spec = _spec(shared.run_dir, number=7)
    future = shared.executor.submit(spec)
    assert shared.executor.capacity >= 1
    result = future.result(timeout=RESULT_TIMEOUT_S)
    assert isinstance(result, TrialResult)
    assert result.trial_number == 7
    assert result.state == COMPLETE, result.error
    assert result.error is None and result.metrics.val_accuracy is not None
    assert result.epochs_run == 1
    # The trial's files are where the spec said, wherever it ran.
    assert result.artifacts["model"] == "model.keras"
    for name in result.artifacts.values():
        assert (Path(spec.output_dir) / name).is_file(), name
    _round_trips(result)
    started = [e for e in shared.events if isinstance(e, TrialStartedEvent)]
    assert 7 in {e.trial_number for e in started}
    epochs = [e for e in shared.events if isinstance(e, EpochEndEvent) and e.trial_number == 7]
    seen = [(e.epoch, e.epochs) for e in epochs]
    if shared.kind == "runpod":  # RunPod relays only the progress its polls happen to see
        assert seen in ([], [(1, 1)])
    else:
        assert seen == [(1, 1)]


def test_an_error_in_the_trial_resolves_to_fail_with_the_reason(shared: Case):
    future = shared.executor.submit(_spec(shared.run_dir, number=8, dataset="no-such-dataset"))
    result = future.result(timeout=RESULT_TIMEOUT_S)
    assert isinstance(result, TrialResult)
    assert result.trial_number == 8 and result.state == FAIL
    assert result.error is not None and "unknown dataset 'no-such-dataset'" in result.error
    _round_trips(result)


def test_shutdown_with_cancel_returns_and_fails_the_trial_in_flight(fresh: Case):
    future = fresh.executor.submit(_spec(fresh.run_dir, number=9, epochs=1000))
    begin = time.monotonic()
    fresh.executor.shutdown(cancel=True)
    assert time.monotonic() - begin < 60
    result = future.result(timeout=5)
    assert result.trial_number == 9 and result.state == FAIL
    assert result.error is not None and "interrupted" in result.error
    _round_trips(result)
    with pytest.raises(RuntimeError, match="shut down"):
        fresh.executor.submit(_spec(fresh.run_dir, number=10))
    fresh.executor.shutdown(cancel=True)  # a second shutdown is harmless


# -- pruning: a judged trial stops between epochs ---------------------------------------------
PRUNE_AT = 2
MANY_EPOCHS = 300  # far more than a pruned trial runs: a worker that ignored a stop shows


@dataclass
class Judge:
    """An EpochJudge that answers with `verdict(event)` and remembers what it was asked."""

    verdict: Callable[[EpochEndEvent], PruneInfo | None]
    asked: list[int] = field(default_factory=list)
    given: list[PruneInfo] = field(default_factory=list)

    def __call__(self, event: EpochEndEvent) -> PruneInfo | None:
        self.asked.append(event.epoch)
        answer = self.verdict(event)
        if answer is not None:
            self.given.append(answer)
        return answer


def _median_from_epoch_2(event: EpochEndEvent) -> PruneInfo | None:
    """A verdict as the median pruner gives it, from epoch 2 on (RunPod's progress polling may
    skip epoch 2, so a later first sighting is pruned at that epoch)."""
    if event.epoch < PRUNE_AT:
        return None
    return PruneInfo(
        pruned_by="pruner",
        pruner="median",
        epoch=event.epoch,
        reason=f"val accuracy below the median at epoch {event.epoch}",
    )


def _started(case: Case, trial_number: int) -> TrialStartedEvent:
    return next(
        e
        for e in case.events
        if isinstance(e, TrialStartedEvent) and e.trial_number == trial_number
    )


def _job_of(cloud: dict, trial_number: int):
    """The emulator's record of the (only) job that carried `trial_number`."""
    (job,) = [
        j for j in cloud["emulator"].jobs() if j.input["trial_spec"]["trial_number"] == trial_number
    ]
    return job


def test_a_judged_trial_stops_between_epochs_at_the_verdict(
    shared: Case, request: pytest.FixtureRequest
):
    judge = Judge(_median_from_epoch_2)
    future = shared.executor.submit(_spec(shared.run_dir, 20, epochs=MANY_EPOCHS), judge)
    result = future.result(timeout=RESULT_TIMEOUT_S)
    assert result.trial_number == 20 and result.state == PRUNED, result.error
    assert judge.given and result.pruned == judge.given[-1]
    assert result.error is None and "model" not in result.artifacts
    _round_trips(result)
    if shared.kind == "runpod":
        # The judge sees the epochs the polls relayed; the job is stopped at the first one
        # from epoch 2 on, and the result reports that epoch.
        assert judge.asked == sorted(set(judge.asked))
        assert all(epoch < PRUNE_AT for epoch in judge.asked[:-1])
        assert judge.asked[-1] >= PRUNE_AT
        assert result.epochs_run == result.pruned.epoch == judge.asked[-1]
    else:
        assert judge.asked == [1, 2]
        assert result.epochs_run == PRUNE_AT == result.pruned.epoch
        assert result.metrics.val_accuracy is not None

    if shared.kind == "runpod":
        cloud = request.getfixturevalue("cloud")
        job = _job_of(cloud, 20)
        assert job.status == "CANCELLED"
        # The SDK worker stops training at its next epoch end: the job's scratch folder,
        # removed when its training thread ends, goes within seconds, where the 298 epochs
        # left (0.2 s or more each here) would take a minute or more.
        scratch = cloud["scratch"] / "healthopt-jobs" / job.id
        assert cloud["emulator"].wait_for(lambda: not scratch.exists(), timeout=20)

    # The executor goes on: the next trial on it runs to the end.
    after = shared.executor.submit(_spec(shared.run_dir, 21, epochs=1))
    next_result = after.result(timeout=RESULT_TIMEOUT_S)
    assert next_result.state == COMPLETE, next_result.error
    if shared.kind == "local":
        # Stopped between epochs, not by a restart: the same worker process ran both.
        pid = _started(shared, 20).worker_pid
        assert pid is not None and _started(shared, 21).worker_pid == pid
    if shared.kind == "runpod":  # the same SDK worker took the next job and completed it
        next_job = _job_of(cloud, 21)
        assert next_job.status == "COMPLETED" and next_job.worker_id == job.worker_id


def test_a_judge_that_never_prunes_is_asked_once_per_epoch(shared: Case):
    judge = Judge(lambda event: None)
    result = shared.executor.submit(_spec(shared.run_dir, 22, epochs=3), judge).result(
        timeout=RESULT_TIMEOUT_S
    )
    assert result.state == COMPLETE and result.pruned is None, result.error
    assert result.epochs_run == 3 and result.artifacts["model"] == "model.keras"
    if shared.kind == "runpod":  # only the epochs the polls saw, each once
        assert judge.asked and judge.asked == sorted(set(judge.asked))
        assert set(judge.asked) <= {1, 2, 3}
    else:
        assert judge.asked == [1, 2, 3]
    _round_trips(result)


def test_a_judge_that_raises_lets_the_trial_go_on(shared: Case):
    def broken(event: EpochEndEvent) -> PruneInfo | None:
        raise RuntimeError("the study's storage is unreachable")

    judge = Judge(broken)
    result = shared.executor.submit(_spec(shared.run_dir, 23, epochs=3), judge).result(
        timeout=RESULT_TIMEOUT_S
    )
    assert result.state == COMPLETE and result.pruned is None, result.error
    assert result.epochs_run == 3
    # Each epoch's progress stays up until the next (the last, through evaluation and
    # upload), so RunPod's polls relay at least one.
    assert judge.asked if shared.kind == "runpod" else judge.asked == [1, 2, 3]
