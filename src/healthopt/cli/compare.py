"""`healthopt compare RUN_A RUN_B ...`: runs side by side, and which differences exceed noise.

A RUN is a run folder's path or a run's name under --results-dir. The table shows each run's
best metrics, each metric's test (p-value and verdict), and the params and settings that
differ; --json prints the same comparison as `GET /compare` serves it. Fewer than two runs,
an unknown run or an unreadable results.json exits 2 with the reason.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from healthopt.cli.common import EXIT_BAD_INPUT, RUN_HELP, add_results_dir_flag, locate_run

if TYPE_CHECKING:
    from rich.console import Console

    from healthopt.cli.common import Subcommands
    from healthopt.records.compare import MetricComparison, RunComparison
    from healthopt.records.run import RunResults
    from healthopt.runs.index import RunFolder


class RunArgumentError(ValueError):
    """A RUN argument names no readable run; the message says which and why."""


def add_parser(commands: Subcommands) -> None:
    compare = commands.add_parser(
        "compare",
        help="compare runs side by side: best metrics, health, params, settings",
        description="Compare two or more runs: each run's best metrics and health, the params "
        "and settings that differ, and per metric whether the runs' complete trials differ by "
        "more than run-to-run noise (Welch's t-test for two runs, Kruskal-Wallis for more).",
    )
    compare.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help=RUN_HELP,
    )
    add_results_dir_flag(compare)
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")


def resolve_run(text: str, results_dir: Path) -> RunFolder:
    """The run a RUN argument names (`cli.common.locate_run`); RunArgumentError otherwise."""
    from healthopt.runs.index import RunNotFound

    try:
        return locate_run(text, results_dir)
    except RunNotFound as exc:
        raise RunArgumentError(str(exc)) from None


def read_run(run: RunFolder) -> RunResults:
    """The run's results; RunArgumentError when it has none yet or they are unreadable."""
    from healthopt.runs.index import RESULTS_FILE, RunUnreadable, read_results

    try:
        results = read_results(run)
    except RunUnreadable as exc:
        raise RunArgumentError(str(exc)) from None
    if results is None:
        raise RunArgumentError(
            f"run {run.name} has no {RESULTS_FILE} yet: no trial of it has finished"
        )
    return results


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console
    from healthopt.runs.compare import ComparisonError, compare_runs

    def fail(message: str) -> NoReturn:
        parser.exit(EXIT_BAD_INPUT, f"healthopt compare: error: {' '.join(message.split())}\n")

    if len(args.runs) < 2:
        fail(f"compare needs at least two runs, got {len(args.runs)}")
    try:
        folders = [resolve_run(text, args.results_dir) for text in args.runs]
        comparison = compare_runs([(folder, read_run(folder)) for folder in folders])
    except (RunArgumentError, ComparisonError) as exc:
        fail(str(exc))
    if args.json:
        print(comparison.to_json_text())
        return 0
    print_comparison(comparison, output_console())
    return 0


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _p_value(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}" if value >= 1e-4 else f"{value:.1e}"  # 0.0000 would read as exact


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def verdict(metric: MetricComparison, alpha: float) -> str:
    """The test's answer in words: differs, within noise, or why it cannot tell."""
    if metric.significant is None:
        return f"cannot tell: {metric.reason}" if metric.reason else "cannot tell"
    if metric.p_value is None:  # no test was needed (every trial had the same value)
        return f"same: {metric.reason}" if metric.reason else "same"
    if metric.significant:
        return f"differs (p < {alpha:g})"
    return f"within noise (p >= {alpha:g})"


def print_comparison(comparison: RunComparison, console: Console) -> None:
    """The comparison as terminal tables: best metrics with tests, then differing params and
    settings, then the notes."""
    from rich.markup import escape
    from rich.table import Table

    names = [run.name for run in comparison.runs]
    runs = Table("", *(escape(name) for name in names), title="Runs")
    for label, cell in (
        ("dataset", lambda r: r.dataset or "-"),
        ("mode", lambda r: r.mode or "-"),
        ("complete trials", lambda r: str(r.trials_complete)),
        ("best trial", lambda r: _value(r.best_trial)),
    ):
        runs.add_row(label, *(escape(cell(run)) for run in comparison.runs))
    console.print(runs)

    test_name = "Welch's t" if len(names) == 2 else "Kruskal-Wallis"
    metrics = Table(
        "metric (best trial)",
        *(escape(name) for name in names),
        "p-value",
        "verdict",
        title=f"Best metrics; {test_name} test over complete trials",
    )
    if len(names) == 2:
        metrics.add_column(f"95% CI of {escape(names[0])} - {escape(names[1])}")
    for metric in comparison.metrics:
        row = [metric.metric, *(_number(metric.values.get(name)) for name in names)]
        row += [_p_value(metric.p_value), escape(verdict(metric, comparison.alpha))]
        if len(names) == 2:
            interval = (
                f"[{metric.ci_low:.4f}, {metric.ci_high:.4f}]"
                if metric.ci_low is not None and metric.ci_high is not None
                else ""
            )
            row.append(interval)
        metrics.add_row(*row)
    console.print(metrics)

    for title, table in (
        ("Best params that differ", comparison.param_differences),
        ("Settings that differ", comparison.setting_differences),
    ):
        if not table:
            console.print(f"{title}: none")
            continue
        shown = Table("", *(escape(name) for name in names), title=title)
        for key, by_run in table.items():
            shown.add_row(escape(key), *(escape(_value(by_run.get(name))) for name in names))
        console.print(shown)
    for note in comparison.notes:
        console.print(f"note: {note}", markup=False)
