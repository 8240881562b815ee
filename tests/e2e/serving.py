"""`healthopt serve` as a real process for end-to-end tests: start, kill, start again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ..http_server import unused_port


class Server:
    """One `healthopt serve` process on a results folder; start, kill and start again."""

    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.extra_env = env or {}
        self.results = root / "results"
        self.port = unused_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHOPT_")}
        env.update(self.extra_env)
        log = open(self.root / f"server_{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "healthopt.cli", "serve", "--port", str(self.port),
             "--results-dir", str(self.results)],
            cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if self.get("/health")["status"] == "ok":
                    return
            except OSError:
                assert self.process.poll() is None, self.log_tail()
                time.sleep(0.3)
        raise AssertionError("server did not answer /health\n" + self.log_tail())

    def log_tail(self) -> str:
        return (self.root / f"server_{self.starts}.log").read_text(errors="replace")[-3000:]

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def wait_status(self, job_id: str, done, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.get(f"/jobs/{job_id}/status")
            if done(status):
                return status
            time.sleep(0.2)
        raise AssertionError(f"gave up waiting: {status}\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
