"""Trials on RunPod, end to end: the orchestrator's RunPodExecutor talks REST v2 to the
emulated control plane, real `runpod` SDK worker processes run `runpod_service/handler.py`,
and the trials' ZIPs travel through moto's S3 server with real boto3 clients.

One emulator, two workers and one S3 server serve the module; the fault tests (429/500
answers, a killed worker, a stuck job, a corrupt ZIP) each run a short optimization on them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import optuna
import pytest

from healthopt.artifacts import S3ArtifactStore, S3Settings, sha256_file
from healthopt.config import OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.executors import EventCallback, JobSubmitted
from healthopt.optimize.executors.runpod import RunPodExecutor
from healthopt.optimize.inflight import RUNPOD_JOBS_ATTR
from healthopt.optimize.results import RESULT_ATTR
from healthopt.records import (
    COMPLETE,
    FAIL,
    EpochEndEvent,
    NoticeEvent,
    RunEvent,
    RunResults,
    TrialResult,
)
from healthopt.runpod_serverless.client import RunPodClient
from healthopt.runpod_serverless.settings import RunPodSettings

from ..s3 import moto_s3_server
from .runpod_emulator import RunPodEmulator

HANDLER = Path(__file__).resolve().parents[2] / "runpod_service" / "handler.py"
# A user's own models; in a real worker image the user's package is installed (README).
USER_MODELS = Path(__file__).resolve().parents[1] / "hypermodel"
BUCKET = "healthopt-e2e"
pytestmark = pytest.mark.slow

_AWS = {
    "AWS_ACCESS_KEY_ID": "AKIAHEALTHOPTE2E",
    "AWS_SECRET_ACCESS_KEY": "e2e-secret-value",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The S3 server with its bucket, the emulator and two SDK workers running our handler."""
    logs = tmp_path_factory.mktemp("runpod-logs")
    with moto_s3_server() as endpoint, RunPodEmulator(lost_after_s=3.0, log_dir=logs) as emulator:
        s3_env = {**_AWS, "HEALTHOPT_S3_BUCKET": BUCKET, "HEALTHOPT_S3_ENDPOINT_URL": endpoint}
        admin = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id=_AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_AWS["AWS_SECRET_ACCESS_KEY"],
        )  # fmt: skip
        admin.create_bucket(Bucket=BUCKET)
        worker_env = {
            **s3_env,
            "HEALTHOPT_WORK_DIR": str(tmp_path_factory.mktemp("worker-scratch")),
            "TF_NUM_INTRAOP_THREADS": "1",
            "TF_NUM_INTEROP_THREADS": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONPATH": str(USER_MODELS),
        }
        workers = [emulator.start_worker(HANDLER, worker_env) for _ in range(2)]
        yield {
            "emulator": emulator,
            "workers": workers,
            "worker_env": worker_env,
            "admin": admin,
            "orchestrator_env": {
                **s3_env,
                "RUNPOD_API_BASE_URL": emulator.base_url,
                "RUNPOD_ENDPOINT_ID": emulator.endpoint_id,
                "RUNPOD_API_KEY": emulator.api_key,
                "RUNPOD_POLL_INTERVAL": "0.2",
            },
        }


@pytest.fixture
def orchestrator_env(cloud: dict, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in cloud["orchestrator_env"].items():
        monkeypatch.setenv(name, value)
    return cloud["orchestrator_env"]


def _config(tmp_path: Path, **changes) -> OptimizationConfig:
    values = dict(
        dataset_name="digits", trials=2, max_epochs_per_trial=1, plot_generation="none",
        seed=5, output_dir=str(tmp_path), run_name=f"r-{uuid.uuid4().hex[:8]}",
    )  # fmt: skip
    return OptimizationConfig(**{**values, **changes})


def _executor(
    cloud: dict,
    run_dir: Path,
    capacity: int = 2,
    on_event: EventCallback | None = None,
    on_control: Callable[[JobSubmitted], None] | None = None,
    **settings,
) -> RunPodExecutor:
    env = cloud["orchestrator_env"]
    base = RunPodSettings.from_env(env, backoff_base_s=0.05, backoff_max_s=0.2)
    client = RunPodClient(replace(base, **settings))
    store = S3ArtifactStore(
        S3Settings(bucket=BUCKET, endpoint_url=env["HEALTHOPT_S3_ENDPOINT_URL"])
    )
    return RunPodExecutor(
        client, store, run_dir, capacity=capacity, execution_timeout_s=300,
        on_event=on_event, on_control=on_control,
    )  # fmt: skip


def _file_names(folder: Path) -> set[str]:
    """The files under `folder`; a TensorBoard event file by its folder alone, since its name
    carries the time, host and process that wrote it."""
    names = set()
    for path in folder.rglob("*"):
        if path.is_file():
            name = str(path.relative_to(folder))
            names.add(name.split("tfevents")[0] + "tfevents" if "tfevents" in name else name)
    return names


def test_six_trials_on_two_workers_match_a_local_runs_layout(
    tmp_path: Path, cloud: dict, orchestrator_env: dict
):
    events: list[RunEvent] = []
    remote = ModelOptimizer(
        # Health pruning off: past the 2 random start-up trials TPE's draws follow the order
        # the two workers finish in, and one that collapses (every output unit dead) is
        # rightly stopped; this test compares the layout of completed trials.
        _config(tmp_path / "remote", trials=6, max_epochs_per_trial=2, plot_generation="all",
                use_runpod_service=True, concurrent_workers=2, run_name="six",
                health_pruning=False),
        on_event=events.append,
    ).optimize_model()  # fmt: skip
    local = ModelOptimizer(
        _config(tmp_path / "local", trials=1, max_epochs_per_trial=2, plot_generation="all",
                run_name="six", health_pruning=False)
    ).optimize_model()  # fmt: skip

    assert not [e for e in events if isinstance(e, NoticeEvent)]  # RunPod used, no fallback
    remote_json = json.loads(remote.results_path.read_text())
    local_json = json.loads(local.results_path.read_text())
    assert set(remote_json) == set(local_json)
    # The same record per trial, keys and all; only the remote one says where its ZIP is.
    assert set(remote_json["trials"][0]) == set(local_json["trials"][0])
    remote_results = RunResults.from_json(remote.results_path.read_text())
    local_results = RunResults.from_json(local.results_path.read_text())
    assert [t.state for t in remote_results.trials] == [COMPLETE] * 6
    assert local_results.trials[0].artifact is None
    # Trial 0 had the same parameters and seed in both runs: the same files, the same numbers.
    assert remote_results.trials[0].params == local_results.trials[0].params
    for sub in ("trials/trial_0", "plots/trial_0"):
        assert _file_names(remote.run_dir / sub) == _file_names(local.run_dir / sub), sub
    remote_accuracy = remote_results.trials[0].metrics.val_accuracy
    local_accuracy = local_results.trials[0].metrics.val_accuracy
    assert remote_accuracy is not None and local_accuracy is not None
    assert remote_accuracy == pytest.approx(local_accuracy, abs=0.02)
    assert remote.optimized_model_path is not None and remote.optimized_model_path.is_file()

    # Every trial came back through S3 from a worker, its digest checked against the object's.
    admin = cloud["admin"]
    workers_seen = set()
    for trial in remote_results.trials:
        artifact = trial.artifact
        assert artifact is not None and artifact.plot_count is not None, trial.number
        head = admin.head_object(Bucket=BUCKET, Key=artifact.key)
        assert head["Metadata"]["sha256"] == artifact.sha256
        assert head["ContentLength"] == artifact.size_bytes
        plots = remote.run_dir / "plots" / f"trial_{trial.number}"
        assert len(list(plots.glob("*.png"))) == artifact.plot_count - 1 > 5  # + plots.json
        assert (remote.run_dir / "trials" / f"trial_{trial.number}" / "model.keras").is_file()
        assert artifact.runpod_job_id is not None
        workers_seen.add(cloud["emulator"].job(artifact.runpod_job_id).worker_id)
    assert workers_seen == {w.name for w in cloud["workers"]}
    assert not (remote.run_dir / "downloads").exists() or not any(
        (remote.run_dir / "downloads").iterdir()
    )
    epochs = [e for e in events if isinstance(e, EpochEndEvent)]
    assert {(e.trial_number, e.epoch) for e in epochs} >= {(n, 2) for n in range(6)}
    study = optuna.load_study(study_name="six", storage=f"sqlite:///{remote.run_dir}/study.db")
    for trial in study.trials:
        stored = TrialResult.from_json(trial.system_attrs[RESULT_ATTR]).artifact
        assert stored is not None
        assert trial.user_attrs[RUNPOD_JOBS_ATTR] == [stored.runpod_job_id]


def test_a_users_hypermodel_runs_on_runpod_workers(
    tmp_path: Path, cloud: dict, orchestrator_env: dict, monkeypatch: pytest.MonkeyPatch
):
    """The worker imports the user's build by its entry point and replays the drawn values:
    the residual blocks it trains are the ones the orchestrator drew."""
    monkeypatch.syspath_prepend(str(USER_MODELS))
    events: list[RunEvent] = []
    result = ModelOptimizer(
        _config(tmp_path, trials=3, max_epochs_per_trial=2, plot_generation="all",
                use_runpod_service=True, concurrent_workers=2, run_name="own",
                model="user_hypermodels:build"),
        on_event=events.append,
    ).optimize_model()  # fmt: skip
    assert not [e for e in events if isinstance(e, NoticeEvent)]  # RunPod used, no fallback
    results = RunResults.from_json(result.results_path.read_text())
    assert [t.state for t in results.trials] == [COMPLETE] * 3
    for trial in results.trials:
        assert trial.artifact is not None and trial.artifact.runpod_job_id is not None
        folder = result.run_dir / "trials" / f"trial_{trial.number}"
        layers = json.loads((folder / "architecture.json").read_text())["layers"]
        assert sum(name.endswith("_add") for name in layers) == trial.params["residual_blocks"]
        assert trial.diagnostics.health_score is not None
        assert all(v is not None for v in trial.health.model_dump().values())
        assert trial.analysis.errors == {}
        plots = result.run_dir / "plots" / f"trial_{trial.number}"
        assert len(list(plots.glob("*.png"))) > 5
    assert result.optimized_model_path is not None and result.optimized_model_path.is_file()


def test_429_and_500_answers_are_retried_without_duplicate_jobs(
    tmp_path: Path, cloud: dict, orchestrator_env: dict
):
    emulator = cloud["emulator"]
    before = emulator.run_requests()
    emulator.fail_next("run", 429, 2)
    emulator.fail_next("status", 500, 3)
    config = _config(tmp_path)
    executor = _executor(cloud, tmp_path / config.run_name)
    result = ModelOptimizer(config, executor=executor).optimize_model()
    executor.shutdown()
    assert [t.state for t in result.trials] == [COMPLETE, COMPLETE], result.trials
    assert emulator.run_requests() - before == 2  # one job per trial
    assert executor._client.retries_used == 5


def test_a_worker_killed_mid_trial_has_its_trial_resubmitted_once(
    tmp_path: Path, cloud: dict, orchestrator_env: dict
):
    emulator = cloud["emulator"]
    config = _config(tmp_path, trials=1, max_epochs_per_trial=3)
    optimizer: ModelOptimizer  # made below, with the executor these callbacks serve
    optimizer_jobs: list[str] = []
    victims: list[str] = []

    def job_submitted(message: JobSubmitted) -> None:
        optimizer_jobs.append(message.runpod_job_id)
        optimizer._job_submitted(message)  # stores it in Optuna, as with the executor it builds

    def kill_the_first_runner(event: RunEvent) -> None:
        if isinstance(event, EpochEndEvent) and not victims:
            job_id = optimizer_jobs[-1]
            victims.append(emulator.job(job_id).worker_id)
            next(w for w in cloud["workers"] if w.name == victims[0]).kill()

    executor = _executor(
        cloud, tmp_path / config.run_name, capacity=1,
        on_event=lambda e: optimizer._emit(e), on_control=job_submitted,
    )  # fmt: skip
    optimizer = ModelOptimizer(config, executor=executor, on_event=kill_the_first_runner)
    try:
        result = optimizer.optimize_model()
    finally:
        executor.shutdown()
        # Keep two workers for the tests after this one.
        for index, worker in enumerate(cloud["workers"]):
            if not worker.alive():
                cloud["workers"][index] = emulator.start_worker(HANDLER, cloud["worker_env"])
    assert victims, "no epoch ended before the run finished"
    assert result.trials[0].state == COMPLETE
    assert len(optimizer_jobs) == 2
    first, second = (emulator.job(j) for j in optimizer_jobs)
    assert first.status == "FAILED" and "worker lost" in (first.error or "")
    assert second.status == "COMPLETED" and second.worker_id != victims[0]
    assert result.trials[0].timings["remote_resubmits"] == 1
    # Both jobs are kept on the trial, so either can be found from the study alone.
    study = optuna.load_study(
        study_name=config.run_name, storage=f"sqlite:///{result.run_dir}/study.db"
    )
    assert study.trials[0].user_attrs[RUNPOD_JOBS_ATTR] == optimizer_jobs


def test_a_job_the_endpoint_loses_is_resubmitted(
    tmp_path: Path, cloud: dict, orchestrator_env: dict
):
    emulator = cloud["emulator"]
    jobs: list[str] = []

    def lose_the_first_job(message: JobSubmitted) -> None:
        jobs.append(message.runpod_job_id)
        if len(jobs) == 1:
            emulator.lose(message.runpod_job_id)  # later /status answers 404

    config = _config(tmp_path, trials=1)
    executor = _executor(
        cloud, tmp_path / config.run_name, capacity=1, on_control=lose_the_first_job
    )
    try:
        result = ModelOptimizer(config, executor=executor).optimize_model()
    finally:
        executor.shutdown()
    assert result.trials[0].state == COMPLETE
    assert len(jobs) == 2 and emulator.job(jobs[1]).status == "COMPLETED"
    assert jobs[0] not in {job.id for job in emulator.jobs()}  # forgotten by the endpoint


def test_a_job_stuck_past_its_deadline_is_cancelled_and_fails(
    tmp_path: Path, cloud: dict, orchestrator_env: dict
):
    emulator = cloud["emulator"]
    config = _config(tmp_path, trials=1)
    executor = _executor(cloud, tmp_path / config.run_name, capacity=1, queue_timeout_s=1.0)
    executor._execution_timeout_s = 1.0
    emulator.hold_queue(True)
    try:
        result = ModelOptimizer(config, executor=executor).optimize_model()
    finally:
        emulator.hold_queue(False)
        executor.shutdown()
    trial = result.trials[0]
    assert trial.state == FAIL and trial.error is not None
    assert "deadline" in trial.error and "cancelled" in trial.error
    stuck = [j for j in emulator.jobs() if j.input["trial_spec"]["run_name"] == config.run_name]
    assert [j.status for j in stuck] == ["CANCELLED"]  # cancelled, not resubmitted


def test_a_corrupt_zip_fails_only_its_trial(tmp_path: Path, cloud: dict, orchestrator_env: dict):
    emulator, admin = cloud["emulator"], cloud["admin"]
    corrupted: list[int] = []

    def corrupt_the_first_upload(job_id: str, output: dict) -> None:
        if not corrupted and isinstance(output, dict) and output.get("artifact"):
            admin.put_object(Bucket=BUCKET, Key=output["artifact"]["key"], Body=b"not a zip")
            corrupted.append(output["trial_number"])

    config = _config(tmp_path)
    executor = _executor(cloud, tmp_path / config.run_name)
    emulator.on_result(corrupt_the_first_upload)
    try:
        result = ModelOptimizer(config, executor=executor).optimize_model()
    finally:
        emulator.on_result(None)
        executor.shutdown()
    states = {t.number: t for t in result.trials}
    bad = states[corrupted[0]]
    assert bad.state == FAIL and "sha256" in (bad.error or ""), bad.error
    good = [t for n, t in states.items() if n != corrupted[0]]
    assert [t.state for t in good] == [COMPLETE]
    assert not (result.run_dir / "trials" / f"trial_{corrupted[0]}").exists()


def test_the_worker_stores_artifacts_the_orchestrator_can_verify(
    tmp_path: Path, cloud: dict, orchestrator_env: dict
):
    """The handler's digest is the object's own: re-download and hash it independently."""
    env = cloud["orchestrator_env"]
    store = S3ArtifactStore(
        S3Settings(bucket=BUCKET, endpoint_url=env["HEALTHOPT_S3_ENDPOINT_URL"])
    )
    objects = cloud["admin"].list_objects_v2(Bucket=BUCKET, Prefix="six/")["Contents"]
    assert len(objects) == 6
    key = objects[0]["Key"]
    ref = store.stat(key)
    local = store.get_file(ref, tmp_path / "a.zip")
    assert sha256_file(local) == ref.sha256
