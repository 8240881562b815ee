"""The `healthopt` entry point: one module per subcommand, wired in the order --help lists them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from healthopt.cli import SUBCOMMANDS, build_parser, main
from healthopt.records import Mode


def test_datasets_command_lists_the_registry(capsys):
    assert main(["datasets"]) == 0
    listing = capsys.readouterr().out
    assert "digits" in listing and "imdb" in listing and "npz:PATH" in listing


def test_python_dash_m_runs_the_same_command_line():
    completed = subprocess.run(
        [sys.executable, "-m", "healthopt.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0
    listed = completed.stdout.split("{", 1)[1].split("}", 1)[0].split(",")
    assert listed == [
        "optimize",
        "presets",
        "worker",
        "datasets",
        "diagnose",
        "monitor",
        "analyze",
        "report",
        "export",
        "compare",
        "study",
        "serve",
    ]
    assert listed == list(SUBCOMMANDS)


def test_mode_choices_come_from_the_mode_enum(capsys):
    for mode in Mode:
        assert build_parser().parse_args(["optimize", "--mode", mode.value]).mode == mode
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["optimize", "--mode", "health_aware"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid choice: 'health_aware'" in err[0]
    assert "'simple', 'health-aware'" in err[0]
