"""`healthopt worker`: joins a shared study with the study's own settings and this machine's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from healthopt.cli import build_parser, worker_config
from healthopt.config import OptimizationConfig


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "healthopt.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_help_documents_the_runpod_and_worker_flags():
    optimize = _run_cli("optimize", "--help")
    for flag in ("--runpod", "--require-runpod", "--gpus-per-worker", "--trial-timeout", "--study"):
        assert flag in optimize.stdout
    worker = _run_cli("worker", "--help")
    assert worker.returncode == 0
    for flag in ("--storage", "--study", "--workers", "--output-dir", "--runpod"):
        assert flag in worker.stdout


def test_worker_without_storage_exits_2():
    completed = _run_cli("worker", "--study", "s1")
    assert completed.returncode == 2
    assert "the following arguments are required: --storage" in completed.stderr


def test_worker_for_a_missing_study_exits_2_with_one_line(tmp_path: Path):
    completed = _run_cli("worker", "--storage", f"sqlite:///{tmp_path / 'x.db'}", "--study", "nope")
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("healthopt worker: error: no study 'nope'")


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_worker_config_is_the_stored_config_with_this_machines_overrides(tmp_path: Path):
    from healthopt.optimize.study import open_study

    path = tmp_path / "shared.db"
    stored = OptimizationConfig(
        run_name="s1",
        storage_url=f"sqlite:///{path}",
        trials=5,
        max_epochs_per_trial=2,
        concurrent_workers=4,
        target_gpus_per_worker=2,
        use_runpod_service=True,
        output_dir=str(tmp_path / "orchestrator"),
        heartbeat_seconds=1,
    )
    open_study(stored, default_url="sqlite:///unused.db")
    # The same file under another spelling: the worker's own URL is the one it uses.
    url = f"sqlite:///{tmp_path}/./shared.db"
    parser = build_parser()

    args = parser.parse_args(
        ["worker", "--storage", url, "--study", "s1", "--workers", "2", "--output-dir", "here"]
    )
    config = worker_config(args)
    assert (config.concurrent_workers, config.output_dir, config.storage_url) == (2, "here", url)
    assert (config.trials, config.max_epochs_per_trial, config.target_gpus_per_worker) == (5, 2, 2)
    assert (config.run_name, config.use_runpod_service, config.heartbeat_seconds) == ("s1", True, 1)

    defaults = worker_config(parser.parse_args(["worker", "--storage", url, "--study", "s1"]))
    assert defaults.concurrent_workers == 1  # not the orchestrator's 4
    assert defaults.output_dir == str(tmp_path / "orchestrator")
    assert not defaults.require_runpod
    required = worker_config(
        parser.parse_args(["worker", "--storage", url, "--study", "s1", "--require-runpod"])
    )
    assert required.require_runpod and required.use_runpod_service
