"""/health's feature flags: what the dashboard shows or hides."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from healthopt.api.app import create_app

from .conftest import make_settings


def _health(settings) -> dict:
    with TestClient(create_app(settings)) as client:
        return client.get("/health").json()


def test_tensorboard_is_offered_on_a_loopback_server(tmp_path):
    assert _health(make_settings(tmp_path))["tensorboard_available"] is True


@pytest.mark.parametrize(
    "overrides",
    [{"host": "0.0.0.0", "api_token": "t0ken"}, {"tensorboard": False}],
    ids=["exposed-host", "turned-off"],
)
def test_tensorboard_is_hidden_where_the_browser_cannot_reach_it(tmp_path, overrides):
    assert _health(make_settings(tmp_path, **overrides))["tensorboard_available"] is False


def test_runpod_availability_says_what_is_missing(tmp_path, monkeypatch):
    for name in ("RUNPOD_ENDPOINT_ID", "RUNPOD_API_KEY", "HEALTHOPT_S3_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    health = _health(make_settings(tmp_path))
    assert health["runpod_available"] is False
    assert "RUNPOD_ENDPOINT_ID" in health["runpod_problem"]


def test_runpod_is_available_once_endpoint_and_store_are_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNPOD_ENDPOINT_ID", "ep123")
    monkeypatch.setenv("RUNPOD_API_KEY", "secret-key")
    monkeypatch.setenv("HEALTHOPT_ARTIFACT_DIR", str(tmp_path / "artifacts"))
    health = _health(make_settings(tmp_path))
    assert health["runpod_available"] is True and health["runpod_problem"] is None
    assert "secret-key" not in str(health)
