"""`healthopt study`: build a comparison study's models (phase 1a) and analyse them (phase 1b).

The same study id resumes a study: finished runs are kept, the run in progress resumes from
its finished trials, and the analysis runs again. `--modules none` only builds the models;
`--analyze-only` analyses a built study again (e.g. with other modules).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import Progress, TaskID

from healthopt.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    default_health_weights,
    health_components,
)
from healthopt.config import (
    HEALTH_AWARE_ACCURACY_WEIGHT,
    HEALTH_COMPONENTS,
    ConfigError,
    ScoringWeights,
)
from healthopt.records import Mode
from healthopt.study.config import MODULES, StudyConfig, arm_name, parse_modules

if TYPE_CHECKING:
    from rich.console import Console

    from healthopt.cli.common import Subcommands
    from healthopt.records.study import StudyResults
    from healthopt.study.runner import StudyEvent


def add_parser(commands: Subcommands) -> None:
    study = commands.add_parser(
        "study",
        help="compare accuracy-only and health-aware optimization (comparison study)",
        description="Run RUNS_PER_MODE optimizations in each mode, then measure the selected "
        "models on the untouched holdout split with the chosen analysis modules; writes "
        "OUTPUT_DIR/STUDY_ID/analysis_results/results.json and report.pdf.",
    )
    defaults = StudyConfig(study_id="x")
    _add_budget_flags(study, defaults)
    _add_scoring_flags(study)
    _add_study_flags(study, defaults)


def _add_budget_flags(study: argparse.ArgumentParser, defaults: StudyConfig) -> None:
    """What is optimized, and how much."""
    add = study.add_argument
    add(
        "--dataset",
        default=defaults.dataset_name,
        help="dataset name or npz:PATH (default: digits)",
    )
    add(
        "--runs-per-mode",
        type=int,
        default=defaults.runs_per_mode,
        metavar="N",
        help=f"optimizations per mode (default: {defaults.runs_per_mode})",
    )
    add(
        "--trials",
        type=int,
        default=defaults.trials_per_run,
        metavar="N",
        help=f"trials per optimization (default: {defaults.trials_per_run})",
    )
    add(
        "--epochs",
        type=int,
        default=defaults.max_epochs_per_trial,
        metavar="N",
        help=f"training epochs per trial (default: {defaults.max_epochs_per_trial})",
    )
    add(
        "--modules",
        default="all",
        metavar="NAME,...",
        help=f"analysis modules: all, none, or some of {', '.join(MODULES)} (default: all)",
    )


def _add_scoring_flags(study: argparse.ArgumentParser) -> None:
    """How the health-aware mode scores (the accuracy-only mode scores accuracy alone)."""
    study.add_argument(
        "--accuracy-weight",
        type=float,
        default=HEALTH_AWARE_ACCURACY_WEIGHT,
        metavar="W",
        help=f"health-aware mode's accuracy share (default: {HEALTH_AWARE_ACCURACY_WEIGHT})",
    )
    study.add_argument(
        "--health-weights",
        default=None,
        metavar="NAME=W,...",
        help="health-aware mode's split of the health share over the six components "
        f"(default: {default_health_weights()})",
    )


def _add_study_flags(study: argparse.ArgumentParser, defaults: StudyConfig) -> None:
    """Where the study lives, its seeds, its extra analyses and how it runs."""
    add = study.add_argument
    add(
        "--output-dir",
        default=defaults.output_dir,
        metavar="DIR",
        help=f"where studies live (default: {defaults.output_dir})",
    )
    add(
        "--study-id",
        default=None,
        metavar="ID",
        help="name of the study; an existing id resumes it (default: study_DATASET_TIME)",
    )
    add(
        "--workers",
        type=int,
        default=defaults.concurrent_workers,
        metavar="N",
        help="trials run at once (default: 1)",
    )
    add(
        "--seed",
        type=int,
        default=defaults.seed,
        metavar="N",
        help="base seed: run i of both modes uses SEED + 1000 i (default: 0)",
    )
    add(
        "--split-seed",
        type=int,
        default=defaults.split_seed,
        metavar="N",
        help="seed of the train/val/test/holdout split, shared by every run (default: 0)",
    )
    add(
        "--ablation-trials",
        type=int,
        default=None,
        metavar="N",
        help="trials of each ablation optimization (default: --trials)",
    )
    add(
        "--transfer-dataset",
        default=None,
        metavar="NAME",
        help="related dataset for the transfer module (name or npz:PATH with the same labels)",
    )
    add(
        "--runpod",
        dest="use_runpod_service",
        action="store_true",
        help="run trials on RunPod (see `healthopt optimize --help`)",
    )
    add(
        "--analyze-only",
        action="store_true",
        help="analyse the existing study --study-id again without building models",
    )


def config_from_args(args: argparse.Namespace) -> StudyConfig:
    accuracy = args.accuracy_weight
    return StudyConfig(
        dataset_name=args.dataset,
        runs_per_mode=args.runs_per_mode,
        trials_per_run=args.trials,
        max_epochs_per_trial=args.epochs,
        health_weights=ScoringWeights(
            accuracy, 1.0 - accuracy, health_components(args.health_weights)
        ),
        concurrent_workers=args.workers,
        use_runpod_service=args.use_runpod_service,
        seed=args.seed,
        split_seed=args.split_seed,
        ablation_trials=args.ablation_trials,
        transfer_dataset=args.transfer_dataset,
        output_dir=args.output_dir,
        study_id=args.study_id,
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console
    from healthopt.study.runner import ComparisonStudy, StudyError, StudyStopped

    console = output_console()
    progress = _Progress(console)
    try:
        modules = parse_modules(args.modules)
        if args.analyze_only:
            if not args.study_id:
                raise ConfigError("--analyze-only needs --study-id of a built study")
            study = ComparisonStudy.open(args.output_dir, args.study_id, on_event=progress)
        else:
            study = ComparisonStudy(config_from_args(args), on_event=progress)
        console.print(f"study {study.config.study_id} in {study.paths.root}")
        with progress.shown(study.config.runs_per_mode):
            if not args.analyze_only:
                study.build_models()
            if not modules:
                console.print("models built; analyse later with --analyze-only --modules all")
                return 0
            clock = time.perf_counter()
            results = study.analyze(modules)
    except (ConfigError, StudyError) as exc:
        parser.exit(
            EXIT_BAD_INPUT if isinstance(exc, ConfigError) else EXIT_FAILED,
            f"healthopt study: error: {exc}\n",
        )
    except (StudyStopped, KeyboardInterrupt):
        console.print(
            f"\ninterrupted: finished runs are kept; resume with --study-id "
            f"{study.config.study_id} and the same settings"
        )
        return EXIT_INTERRUPTED
    _print_results(console, results, study.paths.root, time.perf_counter() - clock)
    return 0


class _Progress:
    """A study's progress. Off a terminal one line per run, per finished trial and per
    analysis module; on one, live bars instead (runs done per mode, the current run's trials,
    the analysis modules) with the run and module lines printed above them."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._bars: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._runs_per_mode = 0

    @contextmanager
    def shown(self, runs_per_mode: int) -> Iterator[None]:
        """The live bars while the block runs (on a terminal)."""
        from healthopt.progress import bar_columns

        self._runs_per_mode = runs_per_mode
        if self.console.is_terminal:
            self._bars = Progress(*bar_columns(), console=self.console)
            self._bars.start()
        try:
            yield
        finally:
            if self._bars is not None:
                self._bars.stop()
                self._bars = None
                self._tasks.clear()

    def __call__(self, event: StudyEvent) -> None:
        kind = event.get("kind")
        if kind == "study_run_started":
            what = event.get("ablation_component") or (
                f"{arm_name(Mode(event['study_mode']))} run {event['run_index']}"
            )
            self.console.print(f"[bold]{what}[/]: {event.get('trials_total')} trials")
            self._bar("trials", f"trials of {what}", event.get("trials_total"), 0)
        elif kind == "trial_finished":
            self._on_trial_finished(event)
        elif kind == "study_run_finished":
            from healthopt.study.metadata import RunRecord

            record = RunRecord.from_json(event["record"])
            val = record.val_accuracy
            detail = f"val_acc {val:.4f}" if val is not None else record.error or ""
            self.console.print(f"  -> {record.status}: {detail}")
            self._run_finished(event)
        elif kind == "module_started":
            self.console.print(
                f"analysis {event['position'] + 1}/{event['total']}: {event['module']}"
            )
            self._bar("analysis", f"analysis: {event['module']}", event["total"], event["position"])
        elif kind == "report_started":
            self.console.print("writing report.pdf")
        elif kind == "analysis_finished" and "analysis" in self._tasks and self._bars:
            task = self._tasks["analysis"]
            self._bars.update(task, description="analysis", completed=self._bars.tasks[task].total)
        elif kind == "notice":
            self.console.print(f"[yellow]{event.get('message')}[/]")

    def _on_trial_finished(self, event: StudyEvent) -> None:
        if self._bars is not None:  # the trials bar counts them
            self._bar("trials", None, event.get("trials_total"), event.get("trials_done"))
            return
        score, state = event.get("total_score"), event.get("state")
        if score is not None:
            shown = f"score {score:.4f}"
        elif state == "PRUNED":
            pruned = event.get("pruned")
            epoch = pruned.get("epoch") if isinstance(pruned, dict) else None
            shown = "pruned" + (f" at epoch {epoch}" if epoch is not None else "")
        else:
            shown = "failed"
        self.console.print(
            f"  trial {event.get('trial_number')}: {shown} "
            f"({event.get('trials_done')}/{event.get('trials_total')})"
        )

    def _run_finished(self, event: StudyEvent) -> None:
        """One more run done in its mode's bar (ablation runs have a bar of their own)."""
        if self._bars is None:
            return
        if event.get("ablation_component"):
            key, label, total = "ablation", "ablation runs", len(HEALTH_COMPONENTS)
        else:
            mode = Mode(event["study_mode"])
            key, label, total = str(mode), f"{arm_name(mode)} runs", self._runs_per_mode
        done = self._bars.tasks[self._tasks[key]].completed + 1 if key in self._tasks else 1
        self._bar(key, label, total, done)

    def _bar(self, key: str, label: str | None, total: object, done: object) -> None:
        """Create or move the bar `key` (no-op off a terminal)."""
        if self._bars is None:
            return
        size = total if isinstance(total, int) else None
        completed = done if isinstance(done, (int, float)) else 0
        if key not in self._tasks:
            self._tasks[key] = self._bars.add_task(label or key, total=size)
        self._bars.update(self._tasks[key], total=size, completed=completed, description=label)


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:+.2f}" if signed else f"{100 * value:.2f}%"


def _print_results(console: Console, results: StudyResults, root: Path, seconds: float) -> None:
    """The executive summary as a table, each module's state, and where the files are."""
    from rich.table import Table

    summary = results.executive_summary
    table = Table(title="Comparison study: mean over runs")
    for column in ("metric", "accuracy-only", "health-aware", "difference (pts)", "p"):
        table.add_column(column)
    for row in summary.rows:
        p = row.p_value
        table.add_row(
            row.metric,
            _pct(row.accuracy_only),
            _pct(row.health_aware),
            _pct(row.difference, signed=True),
            "n/a" if p is None else f"{p:.3g}" + (" *" if row.significant else ""),
        )
    console.print(table)
    console.print(f"[bold]{summary.verdict}[/]", soft_wrap=True)
    for module in results.modules.values():
        state = "" if module.available else f" (not measured: {module.reason})"
        console.print(f"- {module.title}{state}", soft_wrap=True)
    report_seconds = results.timings.get("report_seconds", 0.0)
    console.print(
        f"analysis {seconds:.0f} s (report {report_seconds:.1f} s)\n"
        f"results: {root / 'analysis_results' / 'results.json'}\n"
        f"report: {root / 'analysis_results' / 'report.pdf'}",
        soft_wrap=True,
    )
