"""The `healthopt` command line. It only translates flags into an OptimizationConfig."""

from __future__ import annotations

import argparse
import sys
from dataclasses import MISSING, fields
from typing import Any

from healthopt.config import MODES, ConfigError, OptimizationConfig
from healthopt.data import dataset_names

EXIT_BAD_INPUT = 2
EXIT_NO_COMPLETE_TRIAL = 1
EXIT_INTERRUPTED = 130

_DEFAULTS = {f.name: f.default for f in fields(OptimizationConfig) if f.default is not MISSING}

# flag -> (config field, type, help). Defaults are read from OptimizationConfig, never repeated.
_OPTIMIZE_FLAGS: dict[str, tuple[str, Any, str]] = {
    "--dataset": ("dataset_name", str,
                  f"dataset: {', '.join(dataset_names())}, or npz:PATH with arrays x and y"),
    "--trials": ("trials", int, "number of trials to finish"),
    "--epochs": ("max_epochs_per_trial", int, "training epochs per trial"),
    "--mode": ("mode", str, f"scoring mode: {' or '.join(MODES)}"),
    "--seed": ("seed", int, "seed of the sampler and of each trial's training"),
    "--split-seed": ("split_seed", int, "seed of the train/val/test/holdout split "
                     "(default: --seed)"),
    "--workers": ("concurrent_workers", int, "trials run at once, one process each"),
    "--output-dir": ("output_dir", str, "folder that holds run folders"),
    "--run-name": ("run_name", str, "run folder and study name; an existing one is resumed "
                   "(default: DATASET_MODE_TIMESTAMP)"),
    "--storage": ("storage_url", str, "Optuna storage URL (default: sqlite file in the "
                  "run folder)"),
    "--timeout": ("timeout_seconds", float, "start no new trial after this many seconds"),
}


class _Parser(argparse.ArgumentParser):
    """Bad flags exit 2 with one line that says what was wrong."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="healthopt", description="Health-aware hyperparameter optimization "
                     "of Keras models.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    optimize = commands.add_parser("optimize", help="run an optimization",
                                   description="Run an Optuna optimization of Keras models and "
                                   "assemble the best one into RUN_DIR/optimized_model/.")
    for flag, (name, kind, text) in _OPTIMIZE_FLAGS.items():
        default = _DEFAULTS.get(name)
        shown = "" if default is None or "default:" in text else f" (default: {default})"
        optimize.add_argument(flag, dest=name, type=kind, default=None, help=text + shown,
                              metavar=flag.lstrip("-").replace("-", "_").upper())
    commands.add_parser("datasets", help="list the named datasets")
    return parser


def config_from_args(args: argparse.Namespace) -> OptimizationConfig:
    values = {name: getattr(args, name) for name, _, _ in _OPTIMIZE_FLAGS.values()
              if getattr(args, name) is not None}
    return OptimizationConfig(**values)


def _optimize(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.display import ProgressDisplay, trials_table
    from healthopt.optimize import ModelOptimizer

    try:
        config = config_from_args(args)
        optimizer = ModelOptimizer(config)
    except ConfigError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt optimize: error: {exc}\n")
    display = ProgressDisplay()
    try:
        with display:
            optimizer.on_event = display
            result = optimizer.optimize_model()
    except ConfigError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt optimize: error: {exc}\n")
    except KeyboardInterrupt:
        display.console.print(
            f"\ninterrupted: finished trials are kept in {optimizer.run_dir}; resume with "
            f"--run-name {optimizer.config.run_name} and the same settings", soft_wrap=True)
        return EXIT_INTERRUPTED
    display.console.print(trials_table(result.trials, result.best_trial))
    if result.optimized_model_path is None:
        display.console.print("no trial completed; see the errors above and "
                              f"{result.results_path}")
        return EXIT_NO_COMPLETE_TRIAL
    display.console.print(
        f"best trial {result.best_trial}: val_acc {result.best_metrics['val_accuracy']:.4f}, "
        f"test_acc {result.best_metrics['test_accuracy']:.4f}\n"
        f"model: {result.optimized_model_path}\nresults: {result.results_path}", soft_wrap=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "datasets":
        from healthopt.data import lookup

        for name in dataset_names():
            info = lookup(name)
            print(f"{name:15} {info.modality:6} {info.description}")
        print(f"{'npz:PATH':15} {'either':6} your arrays x, y (x_train, ... also accepted)")
        return 0
    return _optimize(args, parser)


if __name__ == "__main__":
    sys.exit(main())
