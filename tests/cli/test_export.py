"""`healthopt export RUN`: a run named under --results-dir or given as a folder is written in
the chosen format with its steps reported; a bad run exits 2 with the reason and writes
nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

from healthopt.cli import export
from healthopt.cli.common import CliParser
from healthopt.runs.export import EXPORT_FORMATS

from ..optimize.scripted import complete, fail
from ..runs.made_runs import made_run

TRIALS = 3


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    made_run(root, "small", [complete(0.8), fail("crafted"), complete(0.6)], trials=TRIALS)
    return root


def parser() -> argparse.ArgumentParser:
    main = CliParser(prog="healthopt")
    export.add_parser(main.add_subparsers(dest="command", parser_class=CliParser))
    return main


def export_main(*argv: str) -> int:
    main = parser()
    return export.run(main.parse_args(["export", *argv]), main)


def test_a_run_name_is_exported_with_its_steps_and_size(
    results_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "trials.json"
    assert export_main("small", "--results-dir", str(results_dir), "--output", str(out)) == 0
    frame = pd.read_json(out)  # the format follows --output's suffix
    assert list(frame["state"]) == ["COMPLETE", "FAIL", "COMPLETE"]
    printed = capsys.readouterr().out
    for number, step in enumerate(("read", "tabulate", "write"), start=1):
        assert f"export: step {number}/3 {step}" in printed
    assert f"wrote {out}: {TRIALS} rows x {frame.shape[1]} columns (json)" in printed


def test_a_run_folder_path_and_an_output_folder(results_dir: Path, tmp_path: Path):
    code = export_main(str(results_dir / "small"), "--format", "parquet", "--output", str(tmp_path))
    assert code == 0
    frame = pd.read_parquet(tmp_path / "small_trials.parquet")
    assert list(frame["trial"]) == [0, 1, 2] and frame.loc[1, "error"] == "crafted"


def test_the_default_is_csv_in_the_current_folder(
    results_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    assert export_main("small", "--results-dir", str(results_dir)) == 0
    assert len(pd.read_csv(tmp_path / "small_trials.csv")) == TRIALS


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        export_main(*argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_bad_runs_exit_2_with_the_reason_and_write_nothing(
    results_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    out.mkdir()
    missing = _refused(capsys, "nope", "--results-dir", str(results_dir), "--output", str(out))
    assert "healthopt export: error: no run 'nope' in" in missing

    not_a_run = tmp_path / "plain"
    not_a_run.mkdir()
    error = _refused(capsys, str(not_a_run), "--output", str(out))
    assert f"{not_a_run} is not a run folder" in error

    damaged = tmp_path / "results" / "damaged"
    damaged.mkdir(parents=True)
    (damaged / "results.json").write_text("{not json")
    error = _refused(capsys, "damaged", "--results-dir", str(damaged.parent), "--output", str(out))
    assert "damaged/results.json is not readable" in error

    waiting = tmp_path / "results" / "waiting"
    waiting.mkdir()
    (waiting / "config.json").write_text("{}")
    error = _refused(capsys, str(waiting), "--output", str(out))
    assert "'waiting' has no results.json yet" in error

    error = _refused(capsys, "small", "--results-dir", str(results_dir), "--format", "xlsx")
    assert "invalid choice: 'xlsx'" in error
    assert list(out.iterdir()) == []


def test_an_output_in_a_missing_folder_exits_2(
    results_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    target = tmp_path / "missing" / "t.csv"
    error = _refused(capsys, "small", "--results-dir", str(results_dir), "--output", str(target))
    assert f"--output: folder {target.parent} does not exist" in error
    assert not target.parent.exists()


def test_the_flag_offers_every_export_format():
    # The CLI spells the formats out so that `healthopt --help` does not import pandas.
    assert export._FORMATS == EXPORT_FORMATS
