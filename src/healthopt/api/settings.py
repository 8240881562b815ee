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
# Host headers a loopback server always answers; any other name could be an attacker's domain
# resolved to 127.0.0.1 (DNS rebinding), whose pages the browser would let read our answers.
LOOPBACK_HOST_HEADERS = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_BINDS = ("0.0.0.0", "::", "[::]", "")
# A token on an exposed server must hold out against guessing over the network.
MIN_TOKEN_LENGTH = 16


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
    # At most this many TensorBoard processes at once (one per job that asked for one).
    tensorboard_max_processes: int = Field(4, ge=1, le=64)
    # Jobs and studies waiting for their turn; one more request is refused with 429.
    max_queued_jobs: int = Field(100, ge=1, le=100_000)
    # A request may ask for at most this many trials x epochs (the work it can queue).
    max_trial_epochs: int = Field(20_000, ge=1)
    # A server owns a job for this long after its last heartbeat (every third of it); another
    # server sharing the jobs table takes the job over only once the lease has run out.
    job_lease_seconds: float = Field(30.0, ge=1.0, le=3600.0)
    # Comma-separated host names (the Host header, without port) answered besides loopback's,
    # e.g. the name the dashboard's HEALTHOPT_PUBLIC_API_URL uses; `*` answers any (behind a
    # proxy that checks Host itself). Any other Host gets 400.
    allowed_hosts: str = ""
    # The users' own models a request may name: "name=module:function,..." (`healthopt
    # .hypermodel`). The server imports only these; a request names one by its name.
    models: str = ""

    @field_validator("api_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names_only(cls, value: str) -> str:
        for name in _split(value):
            # Starlette's rule for wildcards: `*` alone or as the first label only.
            wildcard_misplaced = "*" in name[1:] or ("*" in name and name[:2] not in ("*", "*."))
            if "/" in name or wildcard_misplaced:
                raise ValueError(
                    f"{name!r} is not a host name: give names like api.example.org, "
                    "*.example.org or 10.0.0.5, without scheme, port or path"
                )
        return value

    @field_validator("models")
    @classmethod
    def _model_entry_points(cls, value: str) -> str:
        from healthopt.hypermodel import HypermodelError, registered_models

        try:
            registered_models(value)
        except HypermodelError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def registered_models(self) -> dict[str, str]:
        """{name: "module:function"} of the models requests may name."""
        from healthopt.hypermodel import registered_models

        return registered_models(self.models)

    @property
    def jobs_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.results_dir / 'jobs.db').resolve()}"

    @property
    def cors_origin_list(self) -> list[str]:
        return _split(self.cors_origins)

    @property
    def allowed_host_list(self) -> list[str]:
        """Host headers the server answers: loopback's, the address it is bound to (unless
        a wildcard), and `allowed_hosts`."""
        hosts = list(LOOPBACK_HOST_HEADERS)
        if self.host not in WILDCARD_BINDS:
            bound = self.host.strip("[]")
            hosts.append(f"[{bound}]" if ":" in bound else bound)
        hosts += [name.lower() for name in _split(self.allowed_hosts)]
        return list(dict.fromkeys(hosts))

    @property
    def token(self) -> str | None:
        return self.api_token.get_secret_value() if self.api_token else None

    @property
    def tensorboard_available(self) -> bool:
        return self.tensorboard_unavailable_reason is None

    @property
    def tensorboard_unavailable_reason(self) -> str | None:
        """Why this server offers no TensorBoard, or None when it does."""
        if not self.tensorboard:
            return "TensorBoard is turned off on this server (HEALTHOPT_TENSORBOARD=false)"
        if not is_loopback(self.host):
            return (
                f"TensorBoard listens on this machine's loopback only and the API is bound to "
                f"{self.host}, so its pages could not be reached"
            )
        if find_spec("tensorboard") is None:
            return "TensorBoard is not installed on this server: pip install 'healthopt[server]'"
        return None

    def check_exposure(self) -> None:
        """Refuse to serve beyond this machine without a strong token: anyone could start jobs."""
        if is_loopback(self.host):
            return
        if self.token is None:
            raise ValueError(
                f"--host {self.host} exposes the API beyond this machine; set "
                "HEALTHOPT_API_TOKEN so requests must carry 'Authorization: Bearer <token>'"
            )
        if len(self.token.strip()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"--host {self.host} exposes the API beyond this machine and HEALTHOPT_API_TOKEN "
                f"is too short to resist guessing; use at least {MIN_TOKEN_LENGTH} characters "
                "besides spaces, e.g. from: "
                "python -c 'import secrets; print(secrets.token_urlsafe())'"
            )


def _split(comma_separated: str) -> list[str]:
    return [item.strip() for item in comma_separated.split(",") if item.strip()]
