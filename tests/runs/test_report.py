"""`runs.report`: one self-contained report.html (plotly.js once, every view or the reason it
is missing) and one PNG per drawn view, its steps reported; a run with nothing to report is a
ReportError naming why."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console

from healthopt.runs.index import find_run
from healthopt.runs.report import REPORT_FILE, ReportError, parse_formats, write_report

from .view_scripts import driven_run

PLOTLY_JS_MARKER = "window.PlotlyConfig"  # once per embedded copy of plotly.js


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    driven_run(root, "driven", trials=8)
    driven_run(root, "short", trials=2)
    return root


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=200), out


def test_html_and_pngs_with_steps(results_dir: Path, tmp_path: Path):
    console, out = _console()
    files = write_report(find_run(results_dir, "driven"), tmp_path, console=console)
    assert files.html == tmp_path / REPORT_FILE
    page = files.html.read_text(encoding="utf-8")
    assert page.count(PLOTLY_JS_MARKER) == 1  # embedded once, offline
    assert "cdn.plot.ly/plotly" not in page
    drawn = [name for name, spec in files.views.figures.items() if spec.figure is not None]
    assert page.count("Plotly.newPlot") == len(drawn) == 5
    assert "Strongest effects" in page and "hidden_dropout" in page
    assert set(files.pngs) == set(drawn)
    for name, path in files.pngs.items():
        assert path == tmp_path / f"{name}.png"
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width > 300
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "report: step 1/5 read results",
        "report: step 2/5 views",
        "report: step 3/5 recommendations",
        "report: step 4/5 html",
        "report: step 5/5 png",
    ]
    # The baselines and the recommendations are in the page too, each with what it rests on.
    assert '<section id="baselines">' in page and "majority class" in page
    assert '<section id="recommendations">' in page
    assert files.recommendations is not None
    for recommendation in files.recommendations.recommendations:
        assert recommendation.title in page
    for entry in files.recommendations.insufficient:
        assert f"{entry.topic}:" in page


def test_missing_views_are_named_in_the_page_and_get_no_png(results_dir: Path, tmp_path: Path):
    console, _ = _console()
    files = write_report(find_run(results_dir, "short"), tmp_path, ["html", "png"], console=console)
    page = (tmp_path / REPORT_FILE).read_text(encoding="utf-8")
    assert "Not drawn: needs at least 5 complete trials; the run has 2" in page
    assert set(files.pngs) == {"history", "parallel_coordinates"}
    assert page.count(PLOTLY_JS_MARKER) == 1


def test_png_only_writes_no_html(results_dir: Path, tmp_path: Path):
    console, out = _console()
    files = write_report(find_run(results_dir, "short"), tmp_path, ["png"], console=console)
    assert files.html is None and not (tmp_path / REPORT_FILE).exists()
    assert "report: step 3/3 png" in out.getvalue()


def test_default_output_is_the_runs_report_folder(results_dir: Path):
    run = find_run(results_dir, "short")
    console, _ = _console()
    files = write_report(run, None, ["html"], console=console)
    assert files.html == run.path / "report" / REPORT_FILE
    shutil.rmtree(run.path / "report")


def test_a_run_without_results_is_a_report_error(results_dir: Path, tmp_path: Path):
    run_dir = results_dir / "short"
    shutil.copytree(run_dir, tmp_path / "pending")
    (tmp_path / "pending" / "results.json").unlink()
    with pytest.raises(ReportError, match="no results.json yet"):
        write_report(find_run(tmp_path, "pending"), tmp_path / "out", console=_console()[0])


def test_an_unreadable_results_file_is_a_report_error(results_dir: Path, tmp_path: Path):
    shutil.copytree(results_dir / "short", tmp_path / "broken")
    (tmp_path / "broken" / "results.json").write_text("{not json")
    with pytest.raises(ReportError, match="broken/results.json is not readable"):
        write_report(find_run(tmp_path, "broken"), tmp_path / "out", console=_console()[0])


def test_formats():
    assert parse_formats("png, html,png") == ("png", "html")
    with pytest.raises(ReportError, match="pdf is not one of html, png"):
        parse_formats("html,pdf")
    with pytest.raises(ReportError, match="empty"):
        parse_formats(" , ")


def test_a_pareto_run_gets_its_front_as_png(tmp_path: Path):
    driven_run(tmp_path, "front", trials=6, mode="pareto")
    files = write_report(
        find_run(tmp_path, "front"), tmp_path / "out", ["png"], console=_console()[0]
    )
    assert "pareto" in files.pngs
    with Image.open(files.pngs["pareto"]) as image:
        assert image.format == "PNG"
