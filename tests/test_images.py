"""Every image starts with the variables its README section sets.

No Docker engine runs here, so each Dockerfile's build is replayed: its COPY lines fill a
context folder, its `RUN pip install` line installs into a fresh venv (uv, the lock as
constraints), and what its entry point runs is started with the README's RunPod and S3
variables set. The install line is read from the Dockerfile, so the test follows the file.

The venvs share a uv cache under `.venv/` (UV_CACHE_DIR overrides it): a cold cache downloads
TensorFlow and the rest from PyPI, later runs link from the cache.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".venv" / "bin" / "uv"
UV_CACHE = Path(os.environ.get("UV_CACHE_DIR") or ROOT / ".venv" / "uv-cache")
INSTALL_MINUTES = 30  # a cold cache downloads TensorFlow twice over a slow line

# The README's "Run on RunPod" steps 2 and 3: the endpoint, its key, the S3 store and the AWS
# credentials. Nothing here is contacted: the server checks the configuration, not the network.
README_ENV = {
    "RUNPOD_ENDPOINT_ID": "image-test-endpoint",
    "RUNPOD_API_KEY": "image-test-key",
    "HEALTHOPT_S3_BUCKET": "healthopt-artifacts",
    "HEALTHOPT_S3_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ACCESS_KEY_ID": "image-test-access-key",
    "AWS_SECRET_ACCESS_KEY": "image-test-secret-key",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# The backend binds 0.0.0.0 in its image, which needs a token (README: Docker section).
TOKEN = "image-test-token-0123456789abcdef"


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per line of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _pip_install_args(dockerfile: Path) -> list[str]:
    """The arguments of the Dockerfile's one `RUN pip install --constraint ...` line."""
    lines = [
        args
        for word, args in _instructions(dockerfile)
        if word == "RUN" and args.startswith("pip install --constraint requirements/lock.txt")
    ]
    assert len(lines) == 1, f"{dockerfile.name}: expected one pip install line, found {lines}"
    return shlex.split(lines[0])[2:]


def _build_context(dockerfile: Path, app: Path) -> None:
    """Copy what the Dockerfile's COPY lines copy into `app` (its WORKDIR), as a build would:
    the install then sees only those files, and both images install the same src."""
    for word, args in _instructions(dockerfile):
        if word != "COPY":
            continue
        *sources, dest = shlex.split(args)
        target = app / dest
        for source in sources:
            path = ROOT / source
            into = target / path.name if dest.endswith("/") else target
            into.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
                shutil.copytree(path, into, ignore=ignore)
            else:
                shutil.copy2(path, into)


def _fresh_venv(folder: Path, app: Path, install_args: list[str]) -> Path:
    """A new venv with the image's install line applied, run from the image's WORKDIR."""
    subprocess.run(
        [str(UV), "venv", "--quiet", "--python", sys.executable, str(folder)],
        check=True,
        env=_uv_env(),
    )
    python = folder / "bin" / "python"
    started = time.monotonic()
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), *install_args],
        cwd=app,
        check=True,
        env=_uv_env(),
        timeout=INSTALL_MINUTES * 60,
    )
    print(f"{folder.name}: installed in {time.monotonic() - started:.0f} s")
    return python


def _uv_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    # uv hard-links from its cache where it can (same file system), so a warm install is quick.
    return env | {"UV_CACHE_DIR": str(UV_CACHE)}


def _image_env(venv_python: Path, home: Path, extra: dict[str, str]) -> dict[str, str]:
    """A container's environment: the venv first on PATH, the README's variables, no others."""
    path = f"{venv_python.parent}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return {"PATH": path, "HOME": str(home), "PYTHONUNBUFFERED": "1"} | README_ENV | extra


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cmd(dockerfile: Path) -> list[str]:
    cmds = [json.loads(args) for word, args in _instructions(dockerfile) if word == "CMD"]
    assert len(cmds) == 1
    return list(cmds[0])


def _get_health(port: int, deadline: float) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    while True:
        try:
            with urllib.request.urlopen(request, timeout=4) as answer:
                assert answer.status == 200
                return json.loads(answer.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.timeout(INSTALL_MINUTES * 60 + 300)
def test_the_backend_image_serves_health_with_runpod_and_s3_configured(tmp_path: Path):
    dockerfile = ROOT / "Dockerfile.backend"
    app, home = tmp_path / "app", tmp_path / "home"
    home.mkdir()
    _build_context(dockerfile, app)
    python = _fresh_venv(tmp_path / "backend-venv", app, _pip_install_args(dockerfile))

    port = _free_port()
    cmd = _cmd(dockerfile)
    cmd[cmd.index("--port") + 1] = str(port)  # the image's 8000 may be taken here
    env = _image_env(
        python,
        home,
        {"HEALTHOPT_RESULTS_DIR": str(tmp_path / "results"), "HEALTHOPT_API_TOKEN": TOKEN},
    )
    server = subprocess.Popen(
        cmd, cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        health = _get_health(port, time.monotonic() + 120)
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert health["status"] == "ok", log
    assert health["runpod_available"] is True, (health["runpod_problem"], log)
    assert "Traceback" not in log, log


@pytest.mark.timeout(INSTALL_MINUTES * 60 + 300)
def test_the_worker_image_imports_its_handler_with_the_store_configured(tmp_path: Path):
    dockerfile = ROOT / "runpod_service" / "Dockerfile"
    app, home = tmp_path / "app", tmp_path / "home"
    home.mkdir()
    _build_context(dockerfile, app)
    # tensorflow[and-cuda] adds gigabytes of CUDA wheels and no machine here has a GPU;
    # tensorflow itself is a base dependency, so the CPU build still comes with the install.
    args = [arg for arg in _pip_install_args(dockerfile) if arg != "tensorflow[and-cuda]"]
    python = _fresh_venv(tmp_path / "worker-venv", app, args)

    # The CMD is `python -u runpod_service/handler.py`; run_path under another name imports all
    # it imports without entering the SDK's job loop. Each job builds the store from the
    # environment and trains with TensorFlow, so both are checked too.
    check = (
        "import runpy, tensorflow\n"
        "from healthopt.artifacts import artifact_store_from_env\n"
        "handler = runpy.run_path('runpod_service/handler.py', run_name='image_check')\n"
        "assert callable(handler['handle'])\n"
        "print(type(artifact_store_from_env()).__name__)\n"
    )
    done = subprocess.run(
        [str(python), "-c", check],
        cwd=app,
        env=_image_env(python, home, {"TF_CPP_MIN_LOG_LEVEL": "2", "HEALTHOPT_WORK_DIR": "/tmp"}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "S3ArtifactStore", done.stdout


def test_both_images_install_healthopt_from_the_copied_source():
    """Both images copy the same files before installing, so both run the same src."""
    for dockerfile in (ROOT / "Dockerfile.backend", ROOT / "runpod_service" / "Dockerfile"):
        copies = [args for word, args in _instructions(dockerfile) if word == "COPY"]
        assert "src ./src" in copies and "pyproject.toml README.md LICENSE ./" in copies
        assert any(arg.startswith(".[") for arg in _pip_install_args(dockerfile))


_WITHOUT_BOTO3 = """
import sys
sys.modules["boto3"] = None  # as if `pip install healthopt[server,postgres]` left it out
from fastapi.testclient import TestClient
from healthopt.api.app import create_app
from healthopt.api.settings import ServerSettings

settings = ServerSettings(results_dir=sys.argv[1], database_url="", _env_file=None)
with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
    answer = client.get("/health")
print(answer.status_code, answer.text)
"""


def test_a_server_without_boto3_starts_and_says_runpod_is_unavailable(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEALTHOPT_", "RUNPOD_"))}
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_BOTO3, str(tmp_path / "results")],
        env=env | README_ENV,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    status, _, body = done.stdout.strip().splitlines()[-1].partition(" ")
    health = json.loads(body)
    assert status == "200" and health["runpod_available"] is False
    assert health["runpod_problem"] == "boto3 is not installed: pip install 'healthopt[cloud]'"
