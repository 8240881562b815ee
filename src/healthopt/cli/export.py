"""`healthopt export RUN`: a run's trials as one flat table (CSV, Parquet or JSON), one row per
trial in every state, that one pandas call reads back (`healthopt.runs.export`).

RUN is a run folder's path or a run's name under --results-dir. A run that is not there, or
whose results.json is unreadable, exits 2 with the reason and writes nothing.
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

_FORMATS = ("csv", "parquet", "json")  # healthopt.runs.export.EXPORT_FORMATS, without pandas


def add_parser(commands: Subcommands) -> None:
    export = commands.add_parser(
        "export",
        help="write a run's trials as one flat table (CSV, Parquet or JSON)",
        description="One row per trial, every state (COMPLETE, PRUNED, FAIL): timestamps, "
        "params, metrics, health components, diagnostics score, prune or fail reason, fit "
        "time and epochs. pd.read_csv, pd.read_parquet or pd.read_json reads the file in one "
        "call; docs/export_columns.md lists the columns.",
    )
    export.add_argument("run", metavar="RUN", help=RUN_HELP)
    export.add_argument(
        "--format",
        choices=_FORMATS,
        help="file format (default: from --output's suffix, else csv)",
    )
    export.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="file to write, or an existing folder to write RUN_trials.FORMAT into "
        "(default: RUN_trials.FORMAT in the current folder)",
    )
    add_results_dir_flag(export)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console
    from healthopt.progress import StepProgress
    from healthopt.runs.export import NothingToExport, export_path, trial_table, write_table
    from healthopt.runs.index import RunNotFound, RunUnreadable, read_results

    def bad_input(message: str) -> NoReturn:
        parser.exit(EXIT_BAD_INPUT, f"healthopt export: error: {' '.join(message.split())}\n")

    fmt = args.format or _format_of(args.output)
    try:
        folder = locate_run(args.run, args.results_dir)
    except RunNotFound as exc:
        bad_input(str(exc))
    target = export_path(folder.name, args.output or Path.cwd(), fmt)
    if not target.parent.is_dir():
        bad_input(f"--output: folder {target.parent} does not exist")
    console = output_console()
    try:
        with StepProgress("export", 3, console) as progress:
            with progress.step("read"):
                results = read_results(folder)
                if results is None:
                    raise NothingToExport(
                        f"run {folder.name!r} has no results.json yet: no trial has finished"
                    )
            with progress.step("tabulate"):
                table = trial_table(results, folder.name)
            with progress.step("write"):
                write_table(table, target, fmt)
    except (RunUnreadable, NothingToExport) as exc:
        bad_input(str(exc))
    except OSError as exc:
        parser.exit(EXIT_FAILED, f"healthopt export: error: cannot write {target}: {exc}\n")
    rows, columns = table.shape
    console.print(f"wrote {target}: {rows} rows x {columns} columns ({fmt})", markup=False)
    return 0


def _format_of(output: Path | None) -> str:
    """The format --output's suffix names, csv when it names none."""
    suffix = output.suffix.lstrip(".").lower() if output is not None else ""
    return suffix if suffix in _FORMATS else "csv"
