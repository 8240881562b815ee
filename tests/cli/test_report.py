"""`healthopt report RUN`: a run named under --results-dir or given as a folder gets its
report.html and PNGs; a bad run or format exits 2 with the reason."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from healthopt.cli import report
from healthopt.cli.common import EXIT_BAD_INPUT, CliParser

from ..runs.view_scripts import driven_run


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    driven_run(root, "driven", trials=6)
    return root


def parser() -> argparse.ArgumentParser:
    main = CliParser(prog="healthopt")
    report.add_parser(main.add_subparsers(dest="command", parser_class=CliParser))
    return main


def report_main(*argv: str) -> int:
    main = parser()
    return report.run(main.parse_args(["report", *argv]), main)


def test_a_run_name_gets_html_and_pngs(
    results_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    code = report_main("driven", "--results-dir", str(results_dir), "--output", str(out))
    assert code == 0
    assert (out / "report.html").is_file()
    assert {p.name for p in out.glob("*.png")} >= {"history.png", "importance_accuracy.png"}
    printed = capsys.readouterr().out
    assert "report: step 5/5 png" in printed
    assert f"report: {out / 'report.html'}" in printed


def test_a_run_folder_path_and_one_format(results_dir: Path, tmp_path: Path):
    out = tmp_path / "html-only"
    assert report_main(str(results_dir / "driven"), "--output", str(out), "--format", "html") == 0
    assert [p.name for p in out.iterdir()] == ["report.html"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuchrun"], "no run 'nosuchrun'"),
        (["driven", "--format", "svg"], "svg is not one of html, png"),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    results_dir: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit) as exit_info:
        report_main(*argv, "--results-dir", str(results_dir))
    assert exit_info.value.code == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err


def test_a_run_without_results_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "pending").mkdir()
    (tmp_path / "pending" / "config.json").write_text("{}")
    with pytest.raises(SystemExit) as exit_info:
        report_main("pending", "--results-dir", str(tmp_path))
    assert exit_info.value.code == EXIT_BAD_INPUT
    assert "no results.json yet" in capsys.readouterr().err
