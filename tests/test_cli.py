from __future__ import annotations

import subprocess
import sys

import pytest

from healthopt.cli import build_parser, config_from_args, main


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "healthopt.cli", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--trials", "-2"], "trials must be an integer in [1, 100000] (got -2)"),
        (["--dataset", "mnits"], "unknown dataset 'mnits'"),
        (["--epochs", "three"], "argument --epochs: invalid int value: 'three'"),
        (["--workers", "0"], "concurrent_workers must be an integer"),
        (["--run-name", "a/b"], "run_name must be"),
        (["--colour", "red"], "unrecognized arguments: --colour"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args, reason):
    completed = _run_cli("optimize", *args)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0]


def test_help_documents_every_flag():
    completed = _run_cli("optimize", "--help")
    assert completed.returncode == 0
    for flag in ("--dataset", "--trials", "--epochs", "--mode", "--seed", "--split-seed",
                 "--workers", "--output-dir", "--run-name", "--storage", "--timeout"):
        assert flag in completed.stdout
    assert "(default: digits)" in completed.stdout


def test_flags_map_onto_config_and_defaults_come_from_it():
    args = build_parser().parse_args(["optimize", "--trials", "5", "--epochs", "3",
                                      "--workers", "2", "--run-name", "r"])
    config = config_from_args(args)
    assert (config.trials, config.max_epochs_per_trial, config.concurrent_workers,
            config.run_name) == (5, 3, 2, "r")
    assert config.dataset_name == "digits" and config.mode == "simple"


def test_datasets_command_lists_the_registry(capsys):
    assert main(["datasets"]) == 0
    listing = capsys.readouterr().out
    assert "digits" in listing and "imdb" in listing and "npz:PATH" in listing


def test_health_aware_mode_is_refused_with_a_reason():
    completed = _run_cli("optimize", "--mode", "health-aware", "--trials", "1")
    assert completed.returncode == 2
    assert "needs the health metrics" in completed.stderr
