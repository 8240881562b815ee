"""RunPodClient against a scripted HTTP server: what it sends, which answers it retries (and how
patiently), and which it turns into JobLost or a RunPodError that never shows the key."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from healthopt.runpod_serverless.client import JobLost, JobStatus, RunPodClient, RunPodError
from healthopt.runpod_serverless.settings import RunPodSettings

from ..http_server import serve_in_thread, unused_port

ENDPOINT = "ep-client"
KEY = "rp-key-VERY-SECRET-0123"


@dataclass
class _Script:
    """Answers to give, in order (then 200 `{}`), and the requests that came in."""

    answers: deque = field(default_factory=deque)
    seen: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, status: int, body=None, headers: dict[str, str] | None = None, count=1):
        for _ in range(count):
            self.answers.append((status, {} if body is None else body, headers or {}))


class _ScriptedHandler(BaseHTTPRequestHandler):
    def _serve(self) -> None:
        script: _Script = self.server.script
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with script.lock:
            script.seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "body": json.loads(raw) if raw else None,
                    "at": time.monotonic(),
                }
            )
            status, body, headers = script.answers.popleft() if script.answers else (200, {}, {})
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _serve

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def http_server() -> Iterator[ThreadingHTTPServer]:
    with serve_in_thread(_ScriptedHandler, script=_Script()) as server:
        yield server


@pytest.fixture
def script(http_server: ThreadingHTTPServer) -> _Script:
    http_server.script = _Script()
    return http_server.script


@pytest.fixture
def client(http_server: ThreadingHTTPServer) -> Iterator[RunPodClient]:
    settings = RunPodSettings(
        ENDPOINT,
        KEY,
        base_url=f"http://127.0.0.1:{http_server.server_address[1]}/v2",
        http_retries=2,
        backoff_base_s=0.01,
        backoff_max_s=0.02,
        request_timeout_s=5.0,
    )
    client = RunPodClient(settings)
    yield client
    client.close()


def test_run_sends_input_timeout_in_ms_and_the_bearer_key(client: RunPodClient, script: _Script):
    script.answer(200, {"id": "job-1", "status": "IN_QUEUE"})
    assert client.run({"trial_spec": {"trial_number": 4}}, execution_timeout_s=90.5) == "job-1"
    (request,) = script.seen
    assert (request["method"], request["path"]) == ("POST", f"/v2/{ENDPOINT}/run")
    assert request["authorization"] == f"Bearer {KEY}"
    assert request["body"] == {
        "input": {"trial_spec": {"trial_number": 4}},
        "policy": {"executionTimeout": 90500},
    }


def test_status_cancel_and_health_use_their_routes(client: RunPodClient, script: _Script):
    script.answer(200, {"id": "job-1", "status": "IN_PROGRESS", "output": {"epoch": 2}})
    script.answer(200, {"id": "job-1", "status": "CANCELLED"})
    script.answer(200, {"jobs": {"inQueue": 0}, "workers": {"idle": 1}})
    running = client.status("job-1")
    assert (running.status, running.output, running.final) == ("IN_PROGRESS", {"epoch": 2}, False)
    assert client.cancel("job-1").final
    assert client.health()["workers"] == {"idle": 1}
    routes = [(r["method"], r["path"]) for r in script.seen]
    assert routes == [
        ("GET", f"/v2/{ENDPOINT}/status/job-1"),
        ("POST", f"/v2/{ENDPOINT}/cancel/job-1"),
        ("GET", f"/v2/{ENDPOINT}/health"),
    ]


def test_a_429_is_retried_after_its_retry_after(client: RunPodClient, script: _Script):
    script.answer(429, {"error": "slow down"}, {"Retry-After": "0.3"})
    script.answer(200, {"jobs": {}, "workers": {}})
    assert client.health() == {"jobs": {}, "workers": {}}
    assert client.retries_used == 1 and len(script.seen) == 2
    # The backoff alone would be at most 0.02 s: the server's 0.3 s was honoured.
    assert script.seen[1]["at"] - script.seen[0]["at"] >= 0.29


def test_5xx_beyond_the_retries_is_an_error_saying_how_many_attempts(
    client: RunPodClient, script: _Script
):
    script.answer(503, "busy", count=5)
    with pytest.raises(RunPodError, match=r"GET /health: HTTP 503 after 3 attempts"):
        client.health()
    assert len(script.seen) == 3 and client.retries_used == 2


def test_a_404_is_a_lost_job_and_is_not_retried(client: RunPodClient, script: _Script):
    script.answer(404, {"error": "job not found"}, count=3)
    with pytest.raises(JobLost, match="404"):
        client.status("job-gone")
    assert len(script.seen) == 1 and client.retries_used == 0


def test_a_refused_key_names_the_variable_but_not_the_key(client: RunPodClient, script: _Script):
    script.answer(401, {"error": "unauthorized"}, count=3)
    with pytest.raises(RunPodError) as caught:
        client.run({}, 60)
    assert not isinstance(caught.value, JobLost)
    assert "401" in str(caught.value) and "RUNPOD_API_KEY" in str(caught.value)
    assert KEY not in str(caught.value) and len(script.seen) == 1


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, "bad input field", "POST /run: 400 bad input field"),
        (200, "<html>not json</html>", "/run answered 200 without JSON"),
        (200, [1, 2], "/run answered a list, not a JSON object"),
        (200, {"status": "IN_QUEUE"}, "/run answered without a job id"),
    ],
)
def test_unusable_answers_are_errors_without_retry(
    status: int, body, expected: str, client: RunPodClient, script: _Script
):
    script.answer(status, body)
    with pytest.raises(RunPodError) as caught:
        client.run({}, 60)
    assert expected in str(caught.value) and len(script.seen) == 1


def test_no_answer_at_all_is_retried_then_reported():
    port = unused_port()
    settings = RunPodSettings(
        ENDPOINT,
        KEY,
        base_url=f"http://127.0.0.1:{port}/v2",
        http_retries=1,
        backoff_base_s=0.01,
        backoff_max_s=0.02,
        request_timeout_s=2.0,
    )
    client = RunPodClient(settings)
    try:
        with pytest.raises(RunPodError, match=r"no answer \(ConnectionError\) after 2 attempts"):
            client.health()
        assert client.retries_used == 1
    finally:
        client.close()


def test_job_status_from_json_reads_runpods_field_names():
    status = JobStatus.from_json(
        {
            "id": "job-9",
            "status": "FAILED",
            "delayTime": 1200,
            "executionTime": 3400,
            "error": {"message": "worker lost"},
        }
    )
    assert (status.id, status.status, status.delay_ms, status.execution_ms) == (
        "job-9",
        "FAILED",
        1200,
        3400,
    )
    assert status.error == str({"message": "worker lost"}) and status.final
    assert status.output is None
    done = JobStatus.from_json({"id": "j", "status": "COMPLETED", "output": {"ok": True}})
    assert done.final and done.output == {"ok": True} and done.error is None
    for state in ("IN_QUEUE", "IN_PROGRESS"):
        assert not JobStatus.from_json({"id": "j", "status": state}).final
    for state in ("CANCELLED", "TIMED_OUT"):
        assert JobStatus.from_json({"id": "j", "status": state}).final
