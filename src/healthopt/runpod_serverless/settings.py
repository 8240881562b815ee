"""Where the RunPod endpoint is and how patiently to talk to it, read from the environment.

The API key is kept out of `repr`, logs and error messages: it only ever travels in the
Authorization header.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_API_BASE_URL = "https://api.runpod.ai/v2"


class RunPodConfigError(ValueError):
    """The RunPod settings are missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class RunPodSettings:
    """One serverless endpoint and the client's patience with it.

    `max_resubmits` bounds how often a FAILED, TIMED_OUT or lost job is sent again;
    `http_retries` bounds retries of one request answered 429/5xx or not answered at all;
    `queue_timeout_s` is how long a job may wait for a worker on top of its execution budget
    before the orchestrator cancels it.
    """

    endpoint_id: str
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_API_BASE_URL
    poll_interval_s: float = 2.0
    max_resubmits: int = 1
    http_retries: int = 6
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    request_timeout_s: float = 30.0
    queue_timeout_s: float = 900.0

    def __post_init__(self) -> None:
        if not self.endpoint_id or "/" in self.endpoint_id:
            raise RunPodConfigError("RUNPOD_ENDPOINT_ID must be an endpoint id, without slashes")
        if not self.api_key:
            raise RunPodConfigError("RUNPOD_API_KEY is empty")
        if not self.base_url.startswith(("http://", "https://")):
            raise RunPodConfigError(
                f"RUNPOD_API_BASE_URL must start with http:// or https:// (got {self.base_url!r})"
            )
        for name in ("poll_interval_s", "backoff_base_s", "request_timeout_s", "queue_timeout_s"):
            if getattr(self, name) <= 0:
                raise RunPodConfigError(f"{name} must be positive")
        if self.max_resubmits < 0 or self.http_retries < 0:
            raise RunPodConfigError("max_resubmits and http_retries must be >= 0")

    @property
    def endpoint_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.endpoint_id}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> RunPodSettings | None:
        """The endpoint named by RUNPOD_ENDPOINT_ID and RUNPOD_API_KEY (and optionally
        RUNPOD_API_BASE_URL, RUNPOD_POLL_INTERVAL); None when either of the two is unset."""
        env = os.environ if env is None else env
        endpoint_id = env.get("RUNPOD_ENDPOINT_ID", "").strip()
        api_key = env.get("RUNPOD_API_KEY", "").strip()
        if not endpoint_id or not api_key:
            return None
        values: dict = {"endpoint_id": endpoint_id, "api_key": api_key}
        if base_url := env.get("RUNPOD_API_BASE_URL", "").strip():
            values["base_url"] = base_url
        if poll := env.get("RUNPOD_POLL_INTERVAL", "").strip():
            try:
                seconds = float(poll)
            except ValueError:
                seconds = math.nan
            if not (math.isfinite(seconds) and seconds > 0):
                raise RunPodConfigError(
                    f"RUNPOD_POLL_INTERVAL must be a positive number of seconds (got {poll!r})"
                )
            values["poll_interval_s"] = seconds
        values.update(overrides)
        return cls(**values)
