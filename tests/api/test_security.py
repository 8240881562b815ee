"""Tokens, size limits, CORS and path confinement, on an app whose jobs are crafted folders."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from healthopt.api.app import create_app
from healthopt.api.security import RedactTokens
from healthopt.api.settings import ServerSettings, is_loopback

from .conftest import finished_job, make_settings

TOKEN = "s3cr3t-token-value"


@pytest.fixture
def secured(tmp_path: Path):
    settings = make_settings(tmp_path, api_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        job = finished_job(client.app.state.healthopt.store, settings.results_dir)
        yield client, job


def test_every_route_but_health_needs_the_token(secured):
    client, job = secured
    assert client.get("/health").status_code == 200
    for path in ("/jobs", f"/jobs/{job.id}/status", f"/jobs/{job.id}/best-model"):
        denied = client.get(path)
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.post("/optimize", json={"trials": 1}).status_code == 401


def test_the_websocket_takes_the_token_from_the_query(secured):
    client, job = secured
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(f"/ws/jobs/{job.id}") as socket:
            socket.receive_json()
    assert refused.value.code == 1008
    with client.websocket_connect(f"/ws/jobs/{job.id}?token={TOKEN}") as socket:
        snapshot = socket.receive_json()
    assert snapshot["kind"] == "status" and snapshot["status"] == "completed"


def test_no_response_carries_the_token(secured):
    client, job = secured
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/health", "/openapi.json", "/jobs", f"/jobs/{job.id}/best-model"):
        assert TOKEN not in client.get(path, headers=headers).text
    assert TOKEN not in repr(client.app.state.healthopt.settings)


def test_token_in_a_logged_websocket_path_is_redacted():
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", f"/ws/jobs/abc?token={TOKEN}&x=1"), None,
    )  # fmt: skip
    RedactTokens().filter(record)
    assert TOKEN not in record.getMessage() and "token=***&x=1" in record.getMessage()


def test_a_body_over_the_limit_is_refused_with_413(tmp_path: Path):
    with TestClient(create_app(make_settings(tmp_path, max_request_bytes=2048))) as client:
        big = {"dataset_name": "digits", "padding": "x" * 4096}
        response = client.post("/optimize", json=big)
        assert response.status_code == 413 and "2048 bytes" in response.json()["detail"]

        def chunks():  # no Content-Length: the limit must hold for a streamed body too
            yield b'{"dataset_name": "digits", "x": "'
            for _ in range(10):
                yield b"y" * 512
            yield b'"}'

        streamed = client.post(
            "/optimize", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        assert client.app.state.healthopt.store.list() == []


def test_cors_allows_only_the_configured_origins(tmp_path: Path):
    settings = make_settings(tmp_path, cors_origins="http://dash.example:3000")
    with TestClient(create_app(settings)) as client:
        allowed = client.options(
            "/jobs",
            headers={"Origin": "http://dash.example:3000", "Access-Control-Request-Method": "GET"},
        )
        assert allowed.headers["access-control-allow-origin"] == "http://dash.example:3000"
        other = client.get("/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        # A download's file name must be readable by the dashboard's script.
        simple = client.get("/health", headers={"Origin": "http://dash.example:3000"})
        assert simple.headers["access-control-expose-headers"] == "Content-Disposition"


def test_crafted_paths_never_reach_a_file_outside_the_results(client: TestClient, tmp_path: Path):
    state = client.app.state.healthopt
    job = finished_job(state.store, state.results_dir)
    secret = tmp_path / "outside.png"
    secret.write_bytes(b"outside the results folder")
    link_dir = Path(job.run_dir) / "plots" / "trial_0"
    os.symlink(secret, link_dir / "leak.png")
    assert client.get(f"/jobs/{job.id}/plots/0/training_history.png").status_code == 200
    for path in (
        f"/jobs/{job.id}/plots/0/leak.png",  # a link out of the folder
        f"/jobs/{job.id}/plots/0/..%2F..%2Fresults.json",
        f"/jobs/{job.id}/plots/0/%2e%2e%2foutside.png",
        f"/jobs/{job.id}/plots/-1/training_history.png",
        "/jobs/..%2F..%2Fetc/status",
        "/download/" + "../" * 4 + "etc/passwd",
        "/jobs/ABCDEF/status",
    ):
        response = client.get(path)
        assert response.status_code in (404, 422), path
        assert b"outside the results folder" not in response.content
    listed = [p["name"] for p in client.get(f"/jobs/{job.id}/plots").json()["plots"]]
    assert listed == ["training_history.png"]  # the link is not offered either


def test_a_job_row_pointing_outside_the_results_serves_nothing(client: TestClient, tmp_path):
    state = client.app.state.healthopt
    job = finished_job(state.store, tmp_path / "elsewhere")  # run folder outside results_dir
    assert client.get(f"/download/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}/plots").json() == {"plots": []}


def test_binding_beyond_loopback_requires_a_token(tmp_path: Path):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    with pytest.raises(ValueError, match="HEALTHOPT_API_TOKEN"):
        make_settings(tmp_path, host="0.0.0.0").check_exposure()
    make_settings(tmp_path, host="0.0.0.0", api_token=TOKEN).check_exposure()

    env = {k: v for k, v in os.environ.items() if k != "HEALTHOPT_API_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "healthopt.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "HEALTHOPT_API_TOKEN" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_settings_read_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("HEALTHOPT_RESULTS_DIR", str(tmp_path / "r"))
    monkeypatch.setenv("HEALTHOPT_API_TOKEN", TOKEN)
    monkeypatch.setenv("HEALTHOPT_CORS_ORIGINS", "http://a:1, http://b:2")
    settings = ServerSettings(_env_file=None)
    assert settings.results_dir == tmp_path / "r" and settings.token == TOKEN
    assert settings.cors_origin_list == ["http://a:1", "http://b:2"]
    assert settings.jobs_database_url.endswith("/r/jobs.db")
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())


# -- Host header: a page on an attacker's domain rebound to 127.0.0.1 must not read the API ---
@pytest.fixture
def tokenless(tmp_path: Path):
    settings = make_settings(tmp_path, allowed_hosts="testserver, dash.example")
    with TestClient(create_app(settings)) as client:
        yield client, finished_job(client.app.state.healthopt.store, settings.results_dir)


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1:8000", "[::1]:8000", "dash.example", "DASH.example:80"]
)
def test_loopback_and_allowed_hosts_are_answered(tokenless, host: str):
    client, job = tokenless
    assert client.get("/jobs", headers={"Host": host}).status_code == 200
    assert client.get("/health", headers={"Host": host}).status_code == 200
    with client.websocket_connect(f"/ws/jobs/{job.id}", headers={"Host": host}) as socket:
        assert socket.receive_json()["status"] == "completed"


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "dash.example.evil"])
def test_any_other_host_gets_400_on_http_and_websocket(tokenless, host: str):
    client, job = tokenless
    refused = client.get("/jobs", headers={"Host": host})
    assert refused.status_code == 400 and job.id not in refused.text
    with pytest.raises(WebSocketDenialResponse) as denied:
        with client.websocket_connect(f"/ws/jobs/{job.id}", headers={"Host": host}):
            pass
    assert denied.value.status_code == 400


def test_allowed_hosts_lists_loopback_the_bound_address_and_the_setting(tmp_path: Path):
    assert make_settings(tmp_path, allowed_hosts="").allowed_host_list == [
        "localhost", "127.0.0.1", "[::1]",
    ]  # fmt: skip
    bound = make_settings(tmp_path, host="10.0.0.5", allowed_hosts=" API.example , *.lan ")
    assert bound.allowed_host_list[3:] == ["10.0.0.5", "api.example", "*.lan"]
    assert make_settings(tmp_path, host="0.0.0.0").allowed_host_list[3:] == ["testserver"]
    for wrong in ("http://api.example", "a*.lan", "api.example/x"):
        with pytest.raises(ValueError, match="not a host name"):
            make_settings(tmp_path, allowed_hosts=wrong)


@pytest.mark.parametrize("weak", ["a", "   ", "  0123456789abcde  "])  # the last: 15 + spaces
def test_an_exposed_server_refuses_a_guessable_token(tmp_path: Path, weak: str):
    with pytest.raises(ValueError, match="too short to resist guessing.*at least 16 characters"):
        make_settings(tmp_path, host="0.0.0.0", api_token=weak).check_exposure()
    make_settings(tmp_path, host="127.0.0.1", api_token=weak).check_exposure()  # loopback: any
    make_settings(tmp_path, host="0.0.0.0", api_token="x" * 16).check_exposure()
