"""A small client for the RunPod serverless REST API v2: run, status, cancel, health.

Every request is retried with exponential backoff (honouring Retry-After) when the API
answers 429 or 5xx or does not answer at all, up to `http_retries` times. A `/run` that is
retried was refused or never reached the API, so a retry cannot queue the trial twice; a
`/run` whose answer is lost after the API accepted it is the one case that could, and it
surfaces as an error after the retries rather than as a silent duplicate.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import requests

from healthopt.runpod_serverless.settings import RunPodSettings

log = logging.getLogger(__name__)

# RunPod's job states; the last four are final.
IN_QUEUE = "IN_QUEUE"
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
CANCELLED = "CANCELLED"
TIMED_OUT = "TIMED_OUT"
FINAL_STATES = frozenset({COMPLETED, FAILED, CANCELLED, TIMED_OUT})
_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class RunPodError(RuntimeError):
    """The API refused a request or could not be reached after the retries."""


class JobLost(RunPodError):
    """The API no longer knows the job (404): it expired or was never stored."""


@dataclass(frozen=True)
class JobStatus:
    """One `/status` answer. `output` is the handler's return value once COMPLETED, and the
    latest `progress_update` payload while IN_PROGRESS."""

    id: str
    status: str
    output: Any = None
    error: str | None = None
    delay_ms: int | None = None
    execution_ms: int | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATES

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobStatus:
        error = data.get("error")
        return cls(
            id=str(data.get("id", "")),
            status=str(data.get("status", "")),
            output=data.get("output"),
            error=None if error is None else str(error),
            delay_ms=data.get("delayTime"),
            execution_ms=data.get("executionTime"),
        )


class RunPodClient:
    """Talks to one endpoint. Thread-safe: each call uses its own pooled connection."""

    def __init__(self, settings: RunPodSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self._session = session or requests.Session()
        self._session.headers["Authorization"] = f"Bearer {settings.api_key}"
        self.retries_used = 0  # requests re-sent after 429/5xx/no answer (for tests and bench)

    def run(self, payload: dict[str, Any], execution_timeout_s: float) -> str:
        """Queue a job; returns its id. `execution_timeout_s` becomes `policy.executionTimeout`,
        after which RunPod stops the job (TIMED_OUT)."""
        body = {
            "input": payload,
            "policy": {"executionTimeout": int(execution_timeout_s * 1000)},
        }
        answer = self._request("POST", "run", json=body)
        job_id = answer.get("id")
        if not job_id:
            raise RunPodError(f"/run answered without a job id: {answer}")
        return str(job_id)

    def status(self, job_id: str) -> JobStatus:
        return JobStatus.from_json(self._request("GET", f"status/{job_id}"))

    def cancel(self, job_id: str) -> JobStatus:
        return JobStatus.from_json(self._request("POST", f"cancel/{job_id}"))

    def health(self) -> dict[str, Any]:
        return self._request("GET", "health")

    def close(self) -> None:
        self._session.close()

    # -- internals ---------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.settings.endpoint_url}/{path}"
        attempt = 0
        while True:
            problem: str
            retry_after: float | None = None
            try:
                response = self._session.request(
                    method, url, timeout=self.settings.request_timeout_s, **kwargs
                )
            except requests.RequestException as exc:
                problem = f"no answer ({type(exc).__name__})"
            else:
                if response.status_code < 400:
                    return _json_body(response, path)
                if response.status_code == 404:
                    raise JobLost(f"{method} /{path}: 404, the endpoint does not know this job")
                if response.status_code in (401, 403):
                    raise RunPodError(
                        f"{method} /{path}: {response.status_code}, the API key was refused "
                        "(check RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID)"
                    )
                if response.status_code not in _RETRIED_STATUSES:
                    raise RunPodError(
                        f"{method} /{path}: {response.status_code} {response.text[:200]}"
                    )
                problem = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
            if attempt >= self.settings.http_retries:
                raise RunPodError(f"{method} /{path}: {problem} after {attempt + 1} attempts")
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            log.info("RunPod %s /%s: %s; retrying in %.2f s", method, path, problem, delay)
            time.sleep(delay)
            attempt += 1
            self.retries_used += 1

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter, so many orchestrators do not retry in lockstep."""
        ceiling = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(60.0, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None


def _json_body(response: requests.Response, path: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise RunPodError(f"/{path} answered {response.status_code} without JSON") from None
    if not isinstance(body, dict):
        raise RunPodError(f"/{path} answered a {type(body).__name__}, not a JSON object")
    return body
