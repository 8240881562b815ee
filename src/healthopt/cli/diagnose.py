"""`healthopt diagnose PATH`: the diagnostics engine over saved training records.

A file that is not a diagnostics input (wrong keys, malformed epoch records) exits 2 with
the one line `records.SchemaError` gives, naming what was wrong; so does hostile JSON (nesting
deeper than Python recurses, integers longer than it converts).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthopt.cli.common import EXIT_BAD_INPUT
from healthopt.jsonio import JSONFileError, json_problem, read_json
from healthopt.records import SchemaError

if TYPE_CHECKING:
    from healthopt.cli.common import Subcommands


def add_parser(commands: Subcommands) -> None:
    diagnose = commands.add_parser(
        "diagnose",
        help="run the diagnostics engine on saved training records",
        description="Diagnose a run folder (every trial), a trial folder, or a JSON file "
        '{"epochs": [...], "logs": [...], "architecture": {...}}.',
    )
    diagnose.add_argument("path", type=Path, metavar="PATH")
    diagnose.add_argument("--json", action="store_true", help="print the JSON report")
    diagnose.add_argument(
        "--thresholds",
        type=Path,
        metavar="FILE",
        help="JSON object overriding DiagnosticThresholds values",
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console
    from healthopt.diagnostics import DiagnosticThresholds, ThresholdError, run_diagnostics
    from healthopt.diagnostics.render import print_report
    from healthopt.diagnostics.sources import SourceError, load_sources

    try:
        thresholds = DiagnosticThresholds()
        if args.thresholds is not None:
            overrides = read_json(args.thresholds)
            if not isinstance(overrides, dict):
                raise ThresholdError(f"{args.thresholds} must hold a JSON object")
            thresholds = DiagnosticThresholds.from_dict(overrides)
        sources = load_sources(args.path)
    except (SourceError, SchemaError, ThresholdError, JSONFileError, OSError) as exc:
        message = " ".join(str(exc).split())  # one line, however the error was worded
        parser.exit(EXIT_BAD_INPUT, f"healthopt diagnose: error: {message}\n")
    except (RecursionError, ValueError) as exc:
        # Hostile JSON under PATH (nesting too deep, integers too long) that the reader let by.
        message = f"{args.path}: not readable JSON: {json_problem(exc)}"
        parser.exit(EXIT_BAD_INPUT, f"healthopt diagnose: error: {message}\n")
    reports = [(label, run_diagnostics(data, thresholds)) for label, data in sources]
    if args.json:
        payload: Any
        if len(reports) == 1:
            payload = reports[0][1].to_dict()
        else:
            payload = {
                "path": str(args.path),
                "trials": [{"trial": label, **report.to_dict()} for label, report in reports],
            }
        print(json.dumps(payload, indent=2))
        return 0
    console = output_console()
    for label, report in reports:
        print_report(report, console, label)
        console.print()
    return 0
