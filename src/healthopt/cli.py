"""The `healthopt` command line. It translates flags into an OptimizationConfig (optimize,
worker), a diagnostics run over saved records (diagnose), a model analysis (analyze), a
comparison study (study) or server settings (serve); the work happens elsewhere."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from healthopt.analysis.config import ANALYSES
from healthopt.config import (
    DEFAULT_HEALTH_PROPORTIONS,
    HEALTH_AWARE_ACCURACY_WEIGHT,
    MODES,
    ConfigError,
    OptimizationConfig,
    ScoringWeights,
)
from healthopt.data import dataset_names
from healthopt.study.command import add_study_parser

EXIT_BAD_INPUT = 2
EXIT_NO_COMPLETE_TRIAL = 1
EXIT_INTERRUPTED = 130

_DEFAULTS = {f.name: f.default for f in fields(OptimizationConfig) if f.default is not MISSING}

# flag -> (config field, type, help). Defaults are read from OptimizationConfig, never repeated.
_OPTIMIZE_FLAGS: dict[str, tuple[str, Any, str]] = {
    "--dataset": (
        "dataset_name",
        str,
        f"dataset: {', '.join(dataset_names())}, or npz:PATH with arrays x and y",
    ),
    "--trials": ("trials", int, "number of trials to finish"),
    "--epochs": ("max_epochs_per_trial", int, "training epochs per trial"),
    "--mode": ("mode", str, f"scoring mode: {' or '.join(MODES)}"),
    "--seed": ("seed", int, "seed of the sampler and of each trial's training"),
    "--split-seed": (
        "split_seed",
        int,
        "seed of the train/val/test/holdout split (default: --seed)",
    ),
    "--workers": (
        "concurrent_workers",
        int,
        "trials run at once: local processes, or RunPod jobs in flight with --runpod",
    ),
    "--gpus-per-worker": (
        "target_gpus_per_worker",
        int,
        "RunPod: GPUs each worker trains on (MirroredStrategy above 1)",
    ),
    "--trial-timeout": (
        "trial_timeout_seconds",
        float,
        "RunPod: executionTimeout of each trial's job (default: 600 + 120 per epoch)",
    ),
    "--plots": ("plot_generation", str, "which trials get plots: all, best or none"),
    "--output-dir": ("output_dir", str, "folder that holds run folders"),
    "--run-name": (
        "run_name",
        str,
        "run folder and study name; an existing one is resumed (default: DATASET_MODE_TIMESTAMP)",
    ),
    "--storage": (
        "storage_url",
        str,
        "Optuna storage URL; a postgresql:// one is shared with `healthopt worker`s "
        "(default: sqlite file in the run folder, one process)",
    ),
    "--timeout": ("timeout_seconds", float, "start no new trial after this many seconds"),
    "--heartbeat": (
        "heartbeat_seconds",
        int,
        "shared studies: seconds between heartbeats of a running trial; after 3 missed, "
        "another process retries it",
    ),
}


class _Parser(argparse.ArgumentParser):
    """Bad flags exit 2 with one line that says what was wrong."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="healthopt", description="Health-aware hyperparameter optimization of Keras models."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    optimize = commands.add_parser(
        "optimize",
        help="run an optimization",
        description="Run an Optuna optimization of Keras models and "
        "assemble the best one into RUN_DIR/optimized_model/.",
    )
    for flag, (name, kind, text) in _OPTIMIZE_FLAGS.items():
        default = _DEFAULTS.get(name)
        shown = "" if default is None or "default:" in text else f" (default: {default})"
        optimize.add_argument(
            flag,
            dest=name,
            type=kind,
            default=None,
            help=text + shown,
            metavar=flag.lstrip("-").replace("-", "_").upper(),
        )
    _add_runpod_flags(optimize)
    optimize.add_argument(
        "--study",
        dest="run_name",
        default=None,
        metavar="NAME",
        help="same as --run-name: the study `healthopt worker --study NAME` joins",
    )
    optimize.add_argument(
        "--accuracy-weight",
        type=float,
        default=None,
        metavar="W",
        help="health-aware mode: share of the score given to validation accuracy; health "
        f"gets 1 - W (default: {HEALTH_AWARE_ACCURACY_WEIGHT})",
    )
    optimize.add_argument(
        "--health-weights",
        default=None,
        metavar="NAME=W,...",
        help="health-aware mode: how the health share splits over the six components; "
        "must sum to 1, unnamed components get 0 (default: "
        + ",".join(f"{k}={v:g}" for k, v in DEFAULT_HEALTH_PROPORTIONS.items())
        + ")",
    )
    worker = commands.add_parser(
        "worker",
        help="join a shared study and run its trials",
        description="Join a study that `healthopt optimize --storage URL --study NAME` "
        "started, and run trials until the study has its budget. Any number of workers on any "
        "machines may join; a trial of a worker that dies is retried once by another.",
    )
    worker.add_argument("--storage", required=True, metavar="URL", help="the study's storage URL")
    worker.add_argument("--study", required=True, metavar="NAME", help="the study's name")
    worker.add_argument(
        "--workers",
        dest="concurrent_workers",
        type=int,
        default=None,
        metavar="N",
        help="trials this worker runs at once (default: 1)",
    )
    worker.add_argument(
        "--output-dir", default=None, metavar="DIR", help="folder that holds run folders"
    )
    _add_runpod_flags(worker)
    commands.add_parser("datasets", help="list the named datasets")
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
    analyze = commands.add_parser(
        "analyze",
        help="analyse a saved Keras model: weights, spectra, calibration, flow, dynamics",
        description="Run the model analyzer on MODEL.keras. Calibration and information "
        "flow need --data; training dynamics needs --history. Files (analysis_results.json "
        "and the figures) are written only with --output-dir.",
    )
    analyze.add_argument("model", type=Path, metavar="MODEL.keras")
    analyze.add_argument(
        "--data", type=Path, metavar="FILE.npz", help="arrays x and y (x_test/y_test also read)"
    )
    analyze.add_argument(
        "--history",
        type=Path,
        metavar="FILE.json",
        help="a Keras history dict, e.g. a trial's history.json",
    )
    analyze.add_argument(
        "--only",
        metavar="NAME,...",
        help=f"run only these analyses: {', '.join(ANALYSES)}",
    )
    analyze.add_argument("--json", action="store_true", help="print the JSON results")
    analyze.add_argument(
        "--output-dir", type=Path, metavar="DIR", help="write analysis_results.json and plots"
    )
    analyze.add_argument(
        "--samples", type=int, default=1000, metavar="N", help="data samples used (default: 1000)"
    )
    add_study_parser(commands)
    serve = commands.add_parser(
        "serve",
        help="start the HTTP API server (needs the server extra)",
        description="Serve the HTTP API: start optimizations, watch progress, download "
        "results. Settings also come from HEALTHOPT_* variables or .env (see .env.example); "
        "binding beyond loopback requires HEALTHOPT_API_TOKEN.",
    )
    serve.add_argument("--host", default=None, help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: 8000)")
    serve.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="run folders and the jobs database (default: HEALTHOPT_RESULTS_DIR or "
        "./optimization_results)",
    )
    return parser


def _add_runpod_flags(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--runpod",
        dest="use_runpod_service",
        action="store_true",
        default=None,
        help="run trials on the RunPod endpoint named by RUNPOD_ENDPOINT_ID/RUNPOD_API_KEY, "
        "artifacts in HEALTHOPT_S3_BUCKET; runs locally, saying why, when they are unusable",
    )
    command.add_argument(
        "--require-runpod",
        action="store_true",
        default=None,
        help="with --runpod: stop with an error instead of running locally",
    )


def parse_health_weights(text: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            weights[name.strip()] = float(value) if sep else float(sep)
        except ValueError:
            raise ConfigError(f"--health-weights: {part!r} is not NAME=NUMBER") from None
    return weights


def config_from_args(args: argparse.Namespace) -> OptimizationConfig:
    names = [name for name, _, _ in _OPTIMIZE_FLAGS.values()]
    values = {
        name: getattr(args, name)
        for name in [*names, "use_runpod_service", "require_runpod"]
        if getattr(args, name) is not None
    }
    if args.accuracy_weight is not None or args.health_weights is not None:
        if values.get("mode") != "health-aware":
            raise ConfigError(
                "--accuracy-weight and --health-weights apply only with "
                "--mode health-aware (simple mode scores accuracy alone)"
            )
        accuracy = (
            HEALTH_AWARE_ACCURACY_WEIGHT if args.accuracy_weight is None else args.accuracy_weight
        )
        components = (
            dict(DEFAULT_HEALTH_PROPORTIONS)
            if args.health_weights is None
            else parse_health_weights(args.health_weights)
        )
        values["scoring_weights"] = ScoringWeights(accuracy, 1.0 - accuracy, components)
    return OptimizationConfig(**values)


def worker_config(args: argparse.Namespace) -> OptimizationConfig:
    """The shared study's own configuration, with this machine's workers, folder and executor."""
    from healthopt.optimize.study import load_shared_config

    stored = load_shared_config(args.storage, args.study)
    changes: dict[str, Any] = {"storage_url": args.storage, "run_name": args.study}
    for name in ("concurrent_workers", "output_dir", "use_runpod_service", "require_runpod"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if "concurrent_workers" not in changes:
        changes["concurrent_workers"] = 1
    return OptimizationConfig.from_dict({**stored.to_dict(), **changes})


def _optimize(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.display import ProgressDisplay, trials_table
    from healthopt.optimize import ModelOptimizer

    command = f"healthopt {args.command}"
    try:
        if args.command == "worker":
            optimizer = ModelOptimizer(worker_config(args), role="worker")
        else:
            optimizer = ModelOptimizer(config_from_args(args))
    except ConfigError as exc:
        parser.exit(EXIT_BAD_INPUT, f"{command}: error: {exc}\n")
    display = ProgressDisplay()
    try:
        with display:
            optimizer.on_event = display
            result = optimizer.optimize_model()
    except ConfigError as exc:
        parser.exit(EXIT_BAD_INPUT, f"{command}: error: {exc}\n")
    except KeyboardInterrupt:
        display.console.print(
            f"\ninterrupted: finished trials are kept in {optimizer.run_dir}; resume with "
            f"--run-name {optimizer.config.run_name} and the same settings",
            soft_wrap=True,
        )
        return EXIT_INTERRUPTED
    display.console.print(trials_table(result.trials, result.best_trial))
    if optimizer.role == "worker":
        display.console.print(
            f"study {optimizer.config.run_name} has its trials; `healthopt optimize --storage "
            f"URL --study {optimizer.config.run_name}` assembles the best model",
            soft_wrap=True,
        )
        return 0
    if result.optimized_model_path is None:
        display.console.print(f"no trial completed; see the errors above and {result.results_path}")
        return EXIT_NO_COMPLETE_TRIAL
    display.console.print(
        f"best trial {result.best_trial}: val_acc {result.best_metrics['val_accuracy']:.4f}, "
        f"test_acc {result.best_metrics['test_accuracy']:.4f}\n"
        f"model: {result.optimized_model_path}\nresults: {result.results_path}",
        soft_wrap=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    from healthopt.envfile import EnvFileError, load_env_file

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        load_env_file()  # RUNPOD_*, HEALTHOPT_S3_*, AWS_* may live in ./.env
    except (EnvFileError, OSError) as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt: error: .env: {exc}\n")
    if args.command == "datasets":
        from healthopt.data import lookup

        for name in dataset_names():
            info = lookup(name)
            print(f"{name:15} {info.modality:6} {info.description}")
        print(f"{'npz:PATH':15} {'either':6} your arrays x, y (x_train, ... also accepted)")
        return 0
    if args.command == "diagnose":
        return _diagnose(args, parser)
    if args.command == "serve":
        try:
            from healthopt.api.serve import run_serve
        except ImportError as exc:
            parser.exit(
                EXIT_BAD_INPUT,
                f"healthopt serve: error: {exc.name} is missing; install the server extra: "
                "pip install 'healthopt[server]'\n",
            )
        return run_serve(args, parser, EXIT_BAD_INPUT)
    if args.command == "analyze":
        from healthopt.analysis.command import run_analyze

        return run_analyze(args, parser)
    if args.command == "study":
        from healthopt.study.command import run_study

        return run_study(args, parser)
    return _optimize(args, parser)


def _diagnose(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console
    from healthopt.diagnostics import DiagnosticThresholds, ThresholdError, run_diagnostics
    from healthopt.diagnostics.render import print_report
    from healthopt.diagnostics.sources import SourceError, load_sources

    try:
        thresholds = DiagnosticThresholds()
        if args.thresholds is not None:
            overrides = json.loads(args.thresholds.read_text())
            if not isinstance(overrides, dict):
                raise ThresholdError(f"{args.thresholds} must hold a JSON object")
            thresholds = DiagnosticThresholds.from_dict(overrides)
        sources = load_sources(args.path)
    except (SourceError, ThresholdError, OSError, json.JSONDecodeError) as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt diagnose: error: {exc}\n")
    reports = [(label, run_diagnostics(data, thresholds)) for label, data in sources]
    if args.json:
        if len(reports) == 1:
            payload: Any = reports[0][1].to_dict()
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


if __name__ == "__main__":
    sys.exit(main())
