"""`healthopt` commands as real processes for end-to-end tests, each in its own session so a
test can kill it (and its workers) as a user's Ctrl-C or the OOM killer would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEALTHOPT = [sys.executable, "-m", "healthopt.cli"]


def start_healthopt(args: list[str], log: Path) -> subprocess.Popen:
    """`healthopt ARGS` with its output in `log`; TensorFlow kept to one thread per process."""
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    with log.open("w") as out:
        return subprocess.Popen(
            [*HEALTHOPT, *args], stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
