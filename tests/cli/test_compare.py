"""`healthopt compare`: the table and the JSON for runs given by path or by name, and exit 2
with the reason for fewer than two runs, an unknown run or an unreadable results.json."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from healthopt.cli.common import EXIT_BAD_INPUT, CliParser
from healthopt.cli.compare import add_parser, run
from healthopt.records import TrialSpec
from healthopt.records.compare import RunComparison

from ..optimize.scripted import Outcome, complete
from ..runs.made_runs import made_run


def around(base: float):
    """A script: val accuracy `base` plus 0 to 0.03 by trial number, so every run has spread."""

    def script(spec: TrialSpec) -> Outcome:
        return complete(round(base + 0.01 * (spec.trial_number % 4), 6))

    return script


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    made_run(root, "good", around(0.85), trials=6)
    made_run(root, "bad", around(0.55), trials=6, epochs=2)
    (root / "broken").mkdir()
    (root / "broken" / "results.json").write_text("{not json")
    (root / "pending").mkdir()
    shutil.copy(root / "good" / "config.json", root / "pending" / "config.json")
    return root


def parser() -> argparse.ArgumentParser:
    main = CliParser(prog="healthopt")
    add_parser(main.add_subparsers(dest="command", parser_class=CliParser))
    return main


def compare(*argv: str) -> int:
    main = parser()
    return run(main.parse_args(["compare", *argv]), main)


def refused(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        compare(*argv)
    assert exit_info.value.code == EXIT_BAD_INPUT
    return capsys.readouterr().err


def test_table_shows_best_metrics_tests_and_differing_settings(results_dir: Path, capsys):
    assert compare("good", "bad", "--results-dir", str(results_dir)) == 0
    out = capsys.readouterr().out
    accuracy = next(line for line in out.splitlines() if "val_accuracy" in line)
    assert "0.8800" in accuracy and "0.5800" in accuracy  # each run's best trial
    assert "differs (p < 0.05)" in accuracy
    assert "95% CI of good - bad" in out
    settings = next(line for line in out.splitlines() if "max_epochs_per_trial" in line)
    assert "3" in settings and "2" in settings
    assert "no complete trial measured gradient_health" in out
    assert "note: run_name and output_dir are left out" in out


def test_json_for_a_run_by_path_and_one_by_name(results_dir: Path, capsys, tmp_path: Path):
    by_path = str(results_dir / "good")
    elsewhere = tmp_path / "nothing-here"  # the path needs no --results-dir
    assert compare(by_path, "bad", "--results-dir", str(results_dir), "--json") == 0
    comparison = RunComparison.from_json(capsys.readouterr().out)
    assert [side.name for side in comparison.runs] == ["good", "bad"]
    accuracy = next(m for m in comparison.metrics if m.metric == "val_accuracy")
    assert accuracy.values == {"good": 0.88, "bad": 0.58}
    assert accuracy.significant is True
    assert comparison.setting_differences == {"max_epochs_per_trial": {"good": 3, "bad": 2}}
    # Both by path: no results folder is read.
    assert compare(by_path, str(results_dir / "bad"), "--results-dir", str(elsewhere)) == 0
    assert "val_accuracy" in capsys.readouterr().out


def test_fewer_than_two_runs_exits_2(results_dir: Path, capsys):
    err = refused(capsys, "good", "--results-dir", str(results_dir))
    assert "compare needs at least two runs, got 1" in err


def test_an_unknown_run_exits_2_naming_it(results_dir: Path, capsys):
    err = refused(capsys, "good", "nope", "--results-dir", str(results_dir))
    assert "no run 'nope'" in err


def test_a_folder_that_is_not_a_run_exits_2(results_dir: Path, capsys, tmp_path: Path):
    err = refused(capsys, "good", str(tmp_path), "--results-dir", str(results_dir))
    assert f"{tmp_path} is not a run folder" in err


def test_an_unreadable_results_json_exits_2_naming_the_file(results_dir: Path, capsys):
    err = refused(capsys, "good", "broken", "--results-dir", str(results_dir))
    assert "broken/results.json is not readable" in err


def test_a_run_without_results_yet_exits_2(results_dir: Path, capsys):
    err = refused(capsys, "good", "pending", "--results-dir", str(results_dir))
    assert "run pending has no results.json yet" in err


def test_a_run_given_twice_exits_2(results_dir: Path, capsys):
    err = refused(capsys, "good", str(results_dir / "good"), "--results-dir", str(results_dir))
    assert "named more than once: ['good']" in err


def test_json_output_is_strict_json(results_dir: Path, capsys):
    assert compare("good", "bad", "--results-dir", str(results_dir), "--json") == 0
    text = capsys.readouterr().out
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-finite {name} in JSON"))
