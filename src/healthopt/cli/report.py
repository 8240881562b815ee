"""`healthopt report RUN`: a run's views (optimization history, parameter importance for
accuracy and for health, parallel coordinates, the hyperparameter-impact heatmap, the Pareto
front of a pareto run) as one self-contained report.html and one PNG per view
(`healthopt.runs.report`).

RUN is a run folder's path or a run's name under --results-dir. A run that is not there, has
no results yet, or whose results.json is unreadable exits 2 with the reason.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from healthopt.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    RUN_HELP,
    add_results_dir_flag,
    locate_run,
)

if TYPE_CHECKING:
    from healthopt.cli.common import Subcommands

DEFAULT_FORMATS = "html,png"


def add_parser(commands: Subcommands) -> None:
    report = commands.add_parser(
        "report",
        help="write a run's views (history, importance, parallel coordinates, impact) as HTML/PNG",
        description="Optuna's views of a whole run: optimization history (score, accuracy and "
        "health), parameter importance by fANOVA and PED-ANOVA for accuracy and for health, "
        "parallel coordinates, the hyperparameter-impact heatmap (Spearman) and, in pareto "
        "runs, the Pareto front. Writes report.html (opens offline) and one PNG per view.",
    )
    report.add_argument("run", metavar="RUN", help=RUN_HELP)
    add_results_dir_flag(report)
    report.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="folder to write into (created; default: RUN/report)",
    )
    report.add_argument(
        "--format",
        default=DEFAULT_FORMATS,
        metavar="LIST",
        help=f"comma-separated: html, png (default: {DEFAULT_FORMATS})",
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console
    from healthopt.runs.index import RunNotFound
    from healthopt.runs.report import ReportError, parse_formats, write_report

    def bad_input(message: str) -> NoReturn:
        parser.exit(EXIT_BAD_INPUT, f"healthopt report: error: {' '.join(message.split())}\n")

    try:
        formats = parse_formats(args.format)
        folder = locate_run(args.run, args.results_dir)
    except (ReportError, RunNotFound) as exc:
        bad_input(str(exc))
    console = output_console()
    try:
        files = write_report(folder, args.output, formats, console=console)
    except ReportError as exc:
        bad_input(str(exc))
    except OSError as exc:
        parser.exit(EXIT_FAILED, f"healthopt report: error: cannot write the report: {exc}\n")
    for name, spec in files.views.figures.items():
        if spec.figure is None:
            console.print(f"not drawn: {name}: {spec.note}", markup=False)
    for note in files.views.notes:
        console.print(f"note: {note}", markup=False)
    if files.views.heatmap is not None:
        for finding in files.views.heatmap.strongest[:5]:
            console.print(f"impact: {finding.description}", markup=False)
    if files.html is not None:
        console.print(f"report: {files.html}", markup=False)
    if files.pngs:
        folder_of = next(iter(files.pngs.values())).parent
        console.print(f"{len(files.pngs)} PNGs in {folder_of}", markup=False)
    return 0
