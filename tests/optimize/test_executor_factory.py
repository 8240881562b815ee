"""create_executor: RunPod only when asked for, configured and answering; otherwise one notice
that says why and local trials, or a ConfigError with require_runpod. The environment is
passed as a dict, so the developer's own RUNPOD_* variables play no part. The RunPod executor
reports the jobs it sends on the control channel, which the optimizer keeps on the trial,
and never among the progress events."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import optuna
import pytest

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.executors import JobSubmitted, LocalExecutor, create_executor
from healthopt.optimize.executors.runpod import RunPodExecutor
from healthopt.optimize.inflight import RUNPOD_JOBS_ATTR
from healthopt.records import FAIL, NoticeEvent, RunEvent, TrialSpec, TrialStartedEvent

from ..http_server import serve_in_thread, unused_port

ENDPOINT = "ep-factory"
KEY = "rp-key-VERY-SECRET-0123"


class _HealthHandler(BaseHTTPRequestHandler):
    """Answers the endpoint's /health for the right key, 401 for another, 404 elsewhere.

    It also takes jobs: `/run` numbers them job-1, job-2, ..., and each one's `/status` says
    it FAILED, so a trial is sent, resubmitted once and fails without training anything."""

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        job = re.fullmatch(f"/v2/{ENDPOINT}/status/(job-[0-9]+)", self.path)
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            status, body = 401, {"error": "unauthorized"}
        elif self.path == f"/v2/{ENDPOINT}/health":
            status, body = 200, {"jobs": {}, "workers": {}}
        elif job:
            status, body = 200, {"id": job[1], "status": "FAILED", "error": "boom"}
        else:
            status, body = 404, {"error": "not found"}
        self._answer(status, body)

    def do_POST(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != f"/v2/{ENDPOINT}/run":
            self._answer(404, {"error": "not found"})
            return
        self.server.jobs += 1
        self._answer(200, {"id": f"job-{self.server.jobs}", "status": "IN_QUEUE"})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def health_server() -> Iterator[ThreadingHTTPServer]:
    with serve_in_thread(_HealthHandler, seen=[], jobs=0) as server:
        yield server


@pytest.fixture
def server(health_server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    health_server.seen.clear()
    health_server.jobs = 0
    return health_server


@pytest.fixture
def made() -> Iterator[list]:
    """Every executor a test creates, shut down afterwards."""
    executors: list = []
    yield executors
    for executor in executors:
        executor.shutdown()


def _base_url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v2"


def _config(**overrides) -> OptimizationConfig:
    values = dict(run_name="r", use_runpod_service=True, concurrent_workers=3)
    values.update(overrides)
    return OptimizationConfig(**values)


def _create(config, tmp_path: Path, env: dict[str, str], made: list, on_control=None):
    events: list[RunEvent] = []
    executor = create_executor(config, tmp_path / "run", events.append, env, on_control)
    made.append(executor)
    return executor, events


def _configured(server: ThreadingHTTPServer, tmp_path: Path) -> dict[str, str]:
    return {
        "RUNPOD_ENDPOINT_ID": ENDPOINT,
        "RUNPOD_API_KEY": KEY,
        "RUNPOD_API_BASE_URL": _base_url(server),
        "RUNPOD_POLL_INTERVAL": "0.01",
        "HEALTHOPT_ARTIFACT_DIR": str(tmp_path / "artifacts"),
    }


def test_without_use_runpod_service_trials_run_locally_and_nothing_is_probed(
    server, tmp_path: Path, made: list
):
    config = _config(use_runpod_service=False)
    executor, events = _create(config, tmp_path, _configured(server, tmp_path), made)
    assert isinstance(executor, LocalExecutor) and executor.capacity == 3
    assert events == [] and server.seen == []


UNUSABLE = [
    pytest.param(
        {"RUNPOD_API_KEY": KEY}, "RUNPOD_ENDPOINT_ID and RUNPOD_API_KEY", id="no-endpoint"
    ),
    pytest.param({"RUNPOD_ENDPOINT_ID": ENDPOINT}, "are not both set", id="no-key"),
    pytest.param(
        {"RUNPOD_ENDPOINT_ID": ENDPOINT, "RUNPOD_API_KEY": KEY},
        "no artifact store: set HEALTHOPT_S3_BUCKET",
        id="no-store",
    ),
    pytest.param(
        {"RUNPOD_ENDPOINT_ID": "a/b", "RUNPOD_API_KEY": KEY, "HEALTHOPT_ARTIFACT_DIR": "/tmp/x"},
        "RUNPOD_ENDPOINT_ID must be an endpoint id",
        id="bad-endpoint",
    ),
    pytest.param(
        {
            "RUNPOD_ENDPOINT_ID": ENDPOINT,
            "RUNPOD_API_KEY": KEY,
            "RUNPOD_API_BASE_URL": "ftp://runpod.example/v2",
            "HEALTHOPT_ARTIFACT_DIR": "/tmp/x",
        },
        "RUNPOD_API_BASE_URL must start with http",
        id="bad-base-url",
    ),
]


@pytest.mark.parametrize(("env", "reason"), UNUSABLE)
def test_unusable_runpod_settings_fall_back_with_one_notice(
    env: dict[str, str], reason: str, tmp_path: Path, made: list
):
    executor, events = _create(_config(), tmp_path, env, made)
    assert isinstance(executor, LocalExecutor) and executor.capacity == 3
    assert len(events) == 1 and isinstance(events[0], NoticeEvent)
    message = events[0].message
    assert reason in message and "running trials locally" in message
    assert KEY not in message and "\n" not in message


def test_an_empty_env_is_read_as_given_not_replaced_by_the_process_env(
    tmp_path: Path, made: list, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RUNPOD_ENDPOINT_ID", "from-os-environ")
    monkeypatch.setenv("RUNPOD_API_KEY", KEY)
    executor, events = _create(_config(), tmp_path, {}, made)
    assert isinstance(executor, LocalExecutor)
    assert isinstance(events[0], NoticeEvent) and "are not both set" in events[0].message


@pytest.mark.parametrize(("env", "reason"), UNUSABLE)
def test_require_runpod_refuses_to_start_and_says_why(
    env: dict[str, str], reason: str, tmp_path: Path, made: list
):
    events: list[RunEvent] = []
    with pytest.raises(ConfigError) as caught:
        made.append(create_executor(_config(require_runpod=True), tmp_path, events.append, env))
    assert reason in str(caught.value) and "require_runpod" in str(caught.value)
    assert KEY not in str(caught.value)
    assert events == []


def test_an_unreachable_endpoint_falls_back_and_says_so(tmp_path: Path, made: list):
    env = {
        "RUNPOD_ENDPOINT_ID": ENDPOINT,
        "RUNPOD_API_KEY": KEY,
        "RUNPOD_API_BASE_URL": f"http://127.0.0.1:{unused_port()}/v2",
        "HEALTHOPT_ARTIFACT_DIR": str(tmp_path / "artifacts"),
    }
    executor, events = _create(_config(), tmp_path, env, made)
    assert isinstance(executor, LocalExecutor)
    assert [e.kind for e in events] == ["notice"]
    assert isinstance(events[0], NoticeEvent)
    message = events[0].message
    assert f"endpoint {ENDPOINT} is unreachable" in message and "no answer" in message
    assert KEY not in message


def test_a_refused_key_falls_back_without_showing_the_key(server, tmp_path: Path, made: list):
    env = {**_configured(server, tmp_path), "RUNPOD_API_KEY": "rp-WRONG-key-4567"}
    executor, events = _create(_config(), tmp_path, env, made)
    assert isinstance(executor, LocalExecutor) and isinstance(events[0], NoticeEvent)
    message = events[0].message
    assert "401" in message and "RUNPOD_API_KEY" in message
    assert "rp-WRONG-key-4567" not in message and len(events) == 1


@pytest.mark.parametrize("require", [False, True])
def test_a_configured_answering_endpoint_gets_a_runpod_executor(
    require: bool, server, tmp_path: Path, made: list
):
    config = _config(require_runpod=require)
    executor, events = _create(config, tmp_path, _configured(server, tmp_path), made)
    assert isinstance(executor, RunPodExecutor) and executor.capacity == 3
    assert events == []
    assert server.seen == [(f"/v2/{ENDPOINT}/health", f"Bearer {KEY}")]  # one probe


def _spec(number: int) -> TrialSpec:
    return TrialSpec.create(
        run_name="r",
        trial_number=number,
        dataset_name="digits",
        split_seed=0,
        seed=number,
        epochs=1,
        model_settings={},
        params={},
        output_dir="/nowhere/the/job/never/runs",
    )


def test_each_job_sent_goes_on_the_control_channel_and_never_among_the_events(
    server, tmp_path: Path, made: list
):
    controls: list[JobSubmitted] = []
    env = _configured(server, tmp_path)
    executor, events = _create(_config(), tmp_path, env, made, on_control=controls.append)
    result = executor.submit(_spec(7)).result(timeout=30)

    assert result.state == FAIL
    assert (
        result.error == "RunPod: job job-1: ended FAILED: boom; then job job-2: ended FAILED: boom"
    )
    assert controls == [JobSubmitted(7, "job-1"), JobSubmitted(7, "job-2")]  # one resubmit
    assert events == [
        TrialStartedEvent(trial_number=7, attempt=1),
        TrialStartedEvent(trial_number=7, attempt=2),
    ]


def test_the_optimizer_keeps_each_trials_runpod_jobs_on_the_trial(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The optimizer wires the control channel itself: a run whose RunPod jobs fail (no
    training here) still finds every job it sent in the study, by trial."""
    for name, value in _configured(server, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HEALTHOPT_S3_BUCKET", raising=False)
    config = _config(trials=2, concurrent_workers=1, output_dir=str(tmp_path / "runs"))
    events: list[RunEvent] = []
    result = ModelOptimizer(config, on_event=events.append).optimize_model()

    assert [t.state for t in result.trials] == ["FAIL", "FAIL"] and result.best_trial is None
    study = optuna.load_study(
        study_name="r", storage=f"sqlite:///{tmp_path / 'runs' / 'r' / 'study.db'}"
    )
    jobs = {t.number: t.user_attrs[RUNPOD_JOBS_ATTR] for t in study.trials}
    assert jobs == {0: ["job-1", "job-2"], 1: ["job-3", "job-4"]}
    assert [e.kind for e in events if e.kind == "trial_started"] == ["trial_started"] * 4
    assert not [e for e in events if "runpod_job_id" in e.to_json()]
