"""RunPodSettings.from_env: None until both the endpoint and the key are set, clear errors that
name the variable, and an API key that never shows in a repr or a message."""

from __future__ import annotations

import pytest

from healthopt.runpod_serverless.settings import (
    DEFAULT_API_BASE_URL,
    RunPodConfigError,
    RunPodSettings,
)

KEY = "rp-key-VERY-SECRET-0123"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"RUNPOD_API_KEY": KEY},
        {"RUNPOD_ENDPOINT_ID": "ep1"},
        {"RUNPOD_ENDPOINT_ID": "  ", "RUNPOD_API_KEY": KEY},
        {"RUNPOD_ENDPOINT_ID": "ep1", "RUNPOD_API_KEY": ""},
    ],
)
def test_none_until_both_endpoint_and_key_are_set(env: dict[str, str]):
    assert RunPodSettings.from_env(env) is None


def test_defaults_when_only_endpoint_and_key_are_set():
    settings = RunPodSettings.from_env({"RUNPOD_ENDPOINT_ID": " ep1 ", "RUNPOD_API_KEY": KEY})
    assert settings is not None
    assert (settings.endpoint_id, settings.api_key) == ("ep1", KEY)
    assert settings.base_url == DEFAULT_API_BASE_URL == "https://api.runpod.ai/v2"
    assert settings.endpoint_url == "https://api.runpod.ai/v2/ep1"
    assert settings.poll_interval_s == 2.0


def test_base_url_poll_interval_and_overrides_are_read():
    settings = RunPodSettings.from_env(
        {
            "RUNPOD_ENDPOINT_ID": "ep1",
            "RUNPOD_API_KEY": KEY,
            "RUNPOD_API_BASE_URL": "http://127.0.0.1:8123/v2/",
            "RUNPOD_POLL_INTERVAL": " 0.25 ",
        },
        http_retries=0,
        max_resubmits=3,
    )
    assert settings.endpoint_url == "http://127.0.0.1:8123/v2/ep1"  # no doubled slash
    assert settings.poll_interval_s == 0.25
    assert (settings.http_retries, settings.max_resubmits) == (0, 3)


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        ({"RUNPOD_POLL_INTERVAL": "fast"}, "RUNPOD_POLL_INTERVAL"),
        ({"RUNPOD_POLL_INTERVAL": "0"}, "RUNPOD_POLL_INTERVAL"),
        ({"RUNPOD_POLL_INTERVAL": "nan"}, "RUNPOD_POLL_INTERVAL"),
        ({"RUNPOD_POLL_INTERVAL": "inf"}, "RUNPOD_POLL_INTERVAL"),
        ({"RUNPOD_API_BASE_URL": "api.runpod.ai/v2"}, "RUNPOD_API_BASE_URL"),
        ({"RUNPOD_API_BASE_URL": "ftp://api.runpod.ai/v2"}, "RUNPOD_API_BASE_URL"),
        ({"RUNPOD_ENDPOINT_ID": "ep1/run"}, "RUNPOD_ENDPOINT_ID"),
    ],
)
def test_malformed_values_name_their_variable_and_hide_the_key(
    extra: dict[str, str], variable: str
):
    env = {"RUNPOD_ENDPOINT_ID": "ep1", "RUNPOD_API_KEY": KEY, **extra}
    with pytest.raises(RunPodConfigError) as caught:
        RunPodSettings.from_env(env)
    assert variable in str(caught.value) and KEY not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_out_of_range_settings_are_refused():
    with pytest.raises(RunPodConfigError, match="http_retries must be >= 0"):
        RunPodSettings("ep1", KEY, max_resubmits=0, http_retries=-1)
    with pytest.raises(RunPodConfigError, match="request_timeout_s must be positive"):
        RunPodSettings("ep1", KEY, request_timeout_s=0)


def test_the_key_is_absent_from_repr_and_str():
    settings = RunPodSettings.from_env({"RUNPOD_ENDPOINT_ID": "ep1", "RUNPOD_API_KEY": KEY})
    for text in (repr(settings), str(settings)):
        assert KEY not in text and "ep1" in text
