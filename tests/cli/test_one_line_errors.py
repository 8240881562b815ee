"""A corrupt database or hostile JSON ends the command with one line on stderr and exit 2.

Each case runs the real `healthopt` command in a subprocess, as a user would meet it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from healthopt.cli.common import EXIT_BAD_INPUT

HEALTHOPT = Path(sys.executable).with_name("healthopt")


def _run(args: list[str], cwd: Path) -> tuple[int, list[str]]:
    import subprocess

    # A developer's .env or HEALTHOPT_* variables must not change what the command sees.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEALTHOPT_", "RUNPOD_"))}
    done = subprocess.run(
        [str(HEALTHOPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    return done.returncode, done.stderr.strip().splitlines()


def _assert_one_line(code: int, lines: list[str], command: str, *words: str) -> None:
    assert code == EXIT_BAD_INPUT, lines
    assert len(lines) == 1, "\n".join(lines)
    assert lines[0].startswith(f"healthopt {command}: error: "), lines[0]
    assert "Traceback" not in lines[0]
    for word in words:
        assert word in lines[0], lines[0]


def test_serve_on_a_corrupt_jobs_db_says_so_in_one_line(tmp_path: Path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "jobs.db").write_bytes(os.urandom(4096))
    code, lines = _run(["serve", "--results-dir", str(results), "--port", "0"], tmp_path)
    _assert_one_line(
        code, lines, "serve", f"jobs table {results.resolve() / 'jobs.db'}: not a readable database"
    )


def test_resuming_a_run_whose_study_db_is_corrupt_says_so_in_one_line(tmp_path: Path):
    run_dir = tmp_path / "runs" / "resumed"
    run_dir.mkdir(parents=True)
    (run_dir / "study.db").write_bytes(os.urandom(4096))
    args = ["optimize", "--dataset", "digits", "--trials", "1", "--epochs", "1"]
    args += ["--output-dir", str(tmp_path / "runs"), "--run-name", "resumed"]
    code, lines = _run(args, tmp_path)
    _assert_one_line(code, lines, "optimize", f"{run_dir / 'study.db'}", "not a database")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"epochs": [{"loss": ' + "1" * 5001 + "}]}", "integer longer than"),
        ("1" * 5001, "integer longer than"),
    ],
    ids=["deep-nesting", "huge-integer-in-a-record", "huge-integer"],
)
def test_diagnose_on_hostile_json_names_the_file_and_the_problem(tmp_path: Path, text, why):
    path = tmp_path / "hostile.json"
    path.write_text(text)
    code, lines = _run(["diagnose", str(path)], tmp_path)
    _assert_one_line(code, lines, "diagnose", str(path), why)


@pytest.mark.parametrize("text", ["[" * 100_000, "1" * 5001])
def test_diagnose_on_hostile_thresholds_names_that_file(tmp_path: Path, text):
    records = tmp_path / "records.json"
    records.write_text(json.dumps({"epochs": []}))
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text(text)
    code, lines = _run(["diagnose", str(records), "--thresholds", str(thresholds)], tmp_path)
    _assert_one_line(code, lines, "diagnose", str(thresholds))
