"""ServerSettings: every knob of `healthopt serve`, read once from flags, the environment and .env.

Each field is read from `HEALTHOPT_<NAME>` (e.g. `HEALTHOPT_RESULTS_DIR`) or a `.env` file in
the working directory; flags given to `healthopt serve` win over both. The API token is a
`SecretStr` so it never shows in a repr, a log line or a response.
"""

from __future__ import annotations

import ipaddress
import os
from importlib.util import find_spec
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`: the only binds that may run without a token."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServerSettings(BaseSettings):
    """How the API server runs. Defaults suit one user on their own machine."""

    model_config = SettingsConfigDict(
        env_prefix="HEALTHOPT_", env_file=".env", extra="ignore", frozen=True
    )

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    results_dir: Path = Path("optimization_results")
    # SQLAlchemy URL of the jobs table; empty means a SQLite file beside the results.
    database_url: str = ""
    api_token: SecretStr | None = None
    # Comma-separated origins allowed to call the API from a browser (the dashboard).
    cors_origins: str = "http://localhost:3000,http://127.0.0.1:3000"
    max_request_bytes: int = Field(64 * 1024, ge=1024)
    # Jobs run at once; later ones wait as `pending` and start in order.
    max_running_jobs: int = Field(1, ge=1, le=64)
    # Upper bound on a request's `concurrent_workers` (one training process each).
    max_workers_per_job: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    # TensorBoard listens on this machine's loopback only, so the dashboard offers it only when
    # the API is bound to loopback too (a local deployment); `false` hides it everywhere.
    tensorboard: bool = True

    @field_validator("api_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def jobs_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.results_dir / 'jobs.db').resolve()}"

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def token(self) -> str | None:
        return self.api_token.get_secret_value() if self.api_token else None

    @property
    def tensorboard_available(self) -> bool:
        return self.tensorboard and is_loopback(self.host) and find_spec("tensorboard") is not None

    def check_exposure(self) -> None:
        """Refuse to serve beyond this machine without a token: anyone could start jobs."""
        if not is_loopback(self.host) and self.token is None:
            raise ValueError(
                f"--host {self.host} exposes the API beyond this machine; set "
                "HEALTHOPT_API_TOKEN so requests must carry 'Authorization: Bearer <token>'"
            )
