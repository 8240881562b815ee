"""`healthopt monitor TRIAL_DIR`: layer monitoring's report (seed 001) for any trial folder.

Reads the folder's observer.json and writes `TRIAL_DIR/monitoring/`: training_summary.json,
the layer visualizations, metrics_evolution.png, layer_classifications.png,
distribution_evolution.gif and monitoring_report.html, which opens from disk. A folder whose
records are missing or unreadable exits 2 with the reason.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.cli.common import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from rich.console import Console

    from healthopt.cli.common import Subcommands
    from healthopt.records.monitoring import MonitoringSummary


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of epochs, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 epoch, got {value}")
    return value


def add_parser(commands: Subcommands) -> None:
    monitor = commands.add_parser(
        "monitor",
        help="write a trial's layer-monitoring report (classes, anomalies, images)",
        description="Layer monitoring (seed 001) for a trial folder (RUN/trials/trial_N, or a "
        "folder HealthMonitor.save wrote): each layer's metrics and behaviour class per "
        "monitored epoch, anomalies, and FOLDER/monitoring/monitoring_report.html.",
    )
    monitor.add_argument("trial_dir", type=Path, metavar="TRIAL_DIR")
    monitor.add_argument(
        "--every",
        type=_positive,
        metavar="N",
        help="class the layers every N epochs and at the last (default: every epoch up to 20 "
        "epochs, about 20 monitored epochs beyond)",
    )
    monitor.add_argument(
        "--no-images",
        action="store_true",
        help="write only training_summary.json and an HTML report without images (fast)",
    )
    monitor.add_argument("--json", action="store_true", help="print training_summary.json")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console
    from healthopt.monitoring.folder import MonitoringInputError, monitor_folder
    from healthopt.monitoring.layout import MONITORING_DIR, REPORT_FILE

    try:
        files = monitor_folder(
            args.trial_dir,
            every=args.every,
            draw=not args.no_images,
            title=args.trial_dir.resolve().name,
        )
    except MonitoringInputError as exc:
        message = " ".join(str(exc).split())
        parser.exit(EXIT_BAD_INPUT, f"healthopt monitor: error: {message}\n")
    if args.json:
        print(files.summary.to_json_text())
        return 0
    console = output_console()
    print_summary(files.summary, console)
    for note in files.notes:
        console.print(f"note: {note}", markup=False)
    console.print(f"report: {args.trial_dir / MONITORING_DIR / REPORT_FILE}", markup=False)
    return 0


def print_summary(summary: MonitoringSummary, console: Console) -> None:
    """Each layer's summary class and the anomalies, as terminal text."""
    from rich.markup import escape
    from rich.table import Table

    epochs = summary.monitored_epochs
    console.print(
        f"[bold]Layer monitoring[/bold]: {len(summary.layers)} layers, {len(epochs)} monitored "
        f"epochs of {summary.epochs_recorded} (every {summary.monitor_every})"
    )
    table = Table("layer", "type", "class", "share", "changes", "priority")
    for layer in summary.layers:
        share = "" if layer.summary_share is None else f"{layer.summary_share:.0%}"
        table.add_row(
            escape(layer.name),
            escape(layer.type or ""),
            layer.summary_class or "not classed",
            share,
            str(layer.class_changes),
            layer.priority or "",
        )
    console.print(table)
    if not summary.anomalies:
        console.print("no anomalies")
    for anomaly in summary.anomalies:
        where = ", ".join(
            part
            for part in (
                f"layer {anomaly.layer}" if anomaly.layer else "model",
                f"epoch {anomaly.epoch}" if anomaly.epoch is not None else "",
            )
            if part
        )
        console.print(
            f"[yellow]{anomaly.type}[/yellow] ({escape(where)}, severity {anomaly.severity:.2f}): "
            f"{escape(anomaly.description)}"
        )
