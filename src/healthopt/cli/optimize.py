"""`healthopt optimize`: flags into an OptimizationConfig, then one optimization with progress.

`run_optimizer` is shared with `healthopt worker`, which runs the same optimizer in the
worker role.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any, NamedTuple

from healthopt.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NO_COMPLETE_TRIAL,
    add_runpod_flags,
    default_health_weights,
    health_components,
)
from healthopt.config import (
    HEALTH_AWARE_ACCURACY_WEIGHT,
    PRUNERS,
    SAMPLERS,
    ConfigError,
    OptimizationConfig,
    ScoringWeights,
)
from healthopt.data import dataset_names
from healthopt.presets import PresetError, load_preset
from healthopt.records import Mode, RunResults

if TYPE_CHECKING:
    from healthopt.cli.common import Subcommands
    from healthopt.models.search_space import HyperparameterSelector
    from healthopt.optimize import ModelOptimizer


class Flag(NamedTuple):
    """One optimize flag: the OptimizationConfig field it sets, its type and help."""

    field: str
    kind: type
    help: str
    choices: tuple[str, ...] | None = None


_DEFAULTS = {f.name: f.default for f in fields(OptimizationConfig) if f.default is not MISSING}

# Defaults are read from OptimizationConfig, never repeated.
OPTIMIZE_FLAGS: dict[str, Flag] = {
    "--dataset": Flag(
        "dataset_name",
        str,
        f"dataset: {', '.join(dataset_names())}; npz:PATH with arrays x and y (2-D float x "
        "is tabular: a built-in MLP space), csv:PATH (with --label) or folder:PATH (one "
        "subfolder of images per class)",
    ),
    "--model": Flag(
        "model",
        str,
        "your own model and search space: module:function naming build(hp) -> keras.Model "
        "(default: the built-in space for the data)",
    ),
    "--mlflow-uri": Flag(
        "mlflow_uri",
        str,
        "log every trial to this MLflow tracking URI, e.g. file:./mlruns (needs "
        "healthopt[mlflow]; default: off)",
    ),
    "--trials": Flag("trials", int, "number of trials to finish"),
    "--epochs": Flag("max_epochs_per_trial", int, "training epochs per trial"),
    "--mode": Flag(
        "mode",
        str,
        "scoring mode: simple (val accuracy), health-aware (the healthiest within "
        "--accuracy-margin of the best) or pareto (val accuracy and health as two objectives; "
        "the knee of the front is assembled, or the best under --accuracy-weight/"
        "--health-weights when given)",
        choices=tuple(m.value for m in Mode),
    ),
    "--seed": Flag("seed", int, "seed of the sampler and of each trial's training"),
    "--split-seed": Flag(
        "split_seed", int, "seed of the train/val/test/holdout split (default: --seed)"
    ),
    "--workers": Flag(
        "concurrent_workers",
        int,
        "trials run at once: local processes, or RunPod jobs in flight with --runpod",
    ),
    "--gpus-per-worker": Flag(
        "target_gpus_per_worker",
        int,
        "RunPod: GPUs each worker trains on (MirroredStrategy above 1)",
    ),
    "--trial-timeout": Flag(
        "trial_timeout_seconds",
        float,
        "RunPod: executionTimeout of each trial's job (default: 600 + 120 per epoch)",
    ),
    "--plots": Flag("plot_generation", str, "which trials get plots: all, best or none"),
    "--output-dir": Flag("output_dir", str, "folder that holds run folders"),
    "--run-name": Flag(
        "run_name",
        str,
        "run folder and study name; an existing one is resumed (default: DATASET_MODE_TIMESTAMP)",
    ),
    "--storage": Flag(
        "storage_url",
        str,
        "Optuna storage URL; a postgresql:// one is shared with `healthopt worker`s "
        "(default: sqlite file in the run folder, one process)",
    ),
    "--timeout": Flag("timeout_seconds", float, "start no new trial after this many seconds"),
    "--heartbeat": Flag(
        "heartbeat_seconds",
        int,
        "shared studies: seconds between heartbeats of a running trial; after 3 missed, "
        "another process retries it",
    ),
    "--sampler": Flag(
        "sampler",
        str,
        "Optuna's sampler: tpe (multivariate, start-up scaled to the budget), random, "
        "gp (needs healthopt[gp]), cmaes, or nsga2 (pareto mode only)",
        choices=SAMPLERS,
    ),
    "--pruner": Flag(
        "pruner",
        str,
        "Optuna's pruner on each epoch's val accuracy; auto is hyperband from 4 epochs on, "
        "none below and in pareto mode (Optuna's pruners take one objective)",
        choices=PRUNERS,
    ),
    "--accuracy-margin": Flag(
        "accuracy_margin",
        float,
        "health-aware mode: trials within this much val accuracy of the best count as equally "
        "accurate, and the healthiest of them is chosen",
    ),
    "--chance-patience": Flag(
        "chance_patience_epochs",
        int,
        "health pruning: epochs a model may stay at chance accuracy before it is stopped",
    ),
    "--monitor-every": Flag(
        "monitor_every_epochs",
        int,
        "layer monitoring: class each layer every N epochs and at the last (default: every "
        "epoch up to 20 epochs, about 20 monitored epochs beyond)",
    ),
}


def add_parser(commands: Subcommands) -> None:
    optimize = commands.add_parser(
        "optimize",
        help="run an optimization",
        description="Run an Optuna optimization of Keras models and "
        "assemble the best one into RUN_DIR/optimized_model/.",
    )
    for flag, spec in OPTIMIZE_FLAGS.items():
        default = _DEFAULTS.get(spec.field)
        shown = "" if default is None or "default:" in spec.help else f" (default: {default})"
        optimize.add_argument(
            flag,
            dest=spec.field,
            type=spec.kind,
            default=None,
            choices=spec.choices,
            help=spec.help + shown,
            metavar=flag.lstrip("-").replace("-", "_").upper(),
        )
    add_runpod_flags(optimize)
    optimize.add_argument(
        "--preset",
        default=None,
        metavar="NAME|PATH",
        help="start from a preset's settings and narrowed search space: fast-debug, baseline, "
        "deep-regularized (`healthopt presets` describes them) or a TOML file of your own; "
        "flags given here override the preset",
    )
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
        help="health-aware and pareto modes: share of the score given to validation accuracy; "
        f"health gets 1 - W (default: {HEALTH_AWARE_ACCURACY_WEIGHT})",
    )
    optimize.add_argument(
        "--health-weights",
        default=None,
        metavar="NAME=W,...",
        help="health-aware and pareto modes: how the health share splits over the six "
        "components; "
        f"must sum to 1, unnamed components get 0 (default: {default_health_weights()})",
    )
    data = optimize.add_argument_group("your own data (csv:PATH and folder:PATH datasets)")
    data.add_argument("--label", metavar="COLUMN", help="csv: the column that holds the class")
    data.add_argument(
        "--text-column",
        metavar="COLUMN",
        help="csv: read this column as text (word tokens, the LSTM space) instead of the other "
        "columns as features (numbers as they are, other values one-hot encoded)",
    )
    data.add_argument(
        "--image-size", metavar="HxW", help="folder: resize every image to this (default: 32x32)"
    )
    data.add_argument(
        "--color-mode",
        choices=("rgb", "grayscale", "rgba"),
        help="folder: channels to read (default: rgb)",
    )
    optimize.add_argument(
        "--no-health-pruning",
        dest="health_pruning",
        action="store_false",
        default=None,
        help="do not stop trials whose epochs show more training is pointless (NaN or "
        "exploding loss, a wholly dead layer, vanishing gradients everywhere, chance accuracy)",
    )


def config_from_args(args: argparse.Namespace) -> OptimizationConfig:
    names = [spec.field for spec in OPTIMIZE_FLAGS.values()]
    flags: dict[str, Any] = {
        name: getattr(args, name)
        for name in [*names, "use_runpod_service", "require_runpod", "health_pruning"]
        if getattr(args, name) is not None
    }
    # A preset's settings first, so every flag given on the command line overrides them.
    preset = getattr(args, "preset", None)
    values = {**(load_preset(preset).settings if preset else {}), **flags}
    if any(getattr(args, o) is not None for o in _DATA_OPTIONS):
        dataset = values.get("dataset_name", _DEFAULTS["dataset_name"])
        values["dataset_name"] = _with_data_options(dataset, args)
    if args.accuracy_weight is not None or args.health_weights is not None:
        if values.get("mode") not in (Mode.HEALTH_AWARE, Mode.PARETO):
            raise ConfigError(
                "--accuracy-weight and --health-weights apply only with "
                f"--mode {Mode.HEALTH_AWARE} or {Mode.PARETO} (simple mode scores accuracy alone)"
            )
        if values["mode"] == Mode.PARETO:
            values["pareto_choice"] = "weights"  # the user's weights choose from the front
        accuracy = (
            HEALTH_AWARE_ACCURACY_WEIGHT if args.accuracy_weight is None else args.accuracy_weight
        )
        values["scoring_weights"] = ScoringWeights(
            accuracy, 1.0 - accuracy, health_components(args.health_weights)
        )
    return OptimizationConfig(**values)


_DATA_OPTIONS = ("label", "text_column", "image_size", "color_mode")


def _with_data_options(dataset: str, args: argparse.Namespace) -> str:
    """The dataset name with --label, --text-column, --image-size and --color-mode in it."""
    from healthopt.data import DatasetError
    from healthopt.data.registry import dataset_with_options

    size = None
    if args.image_size is not None:
        height, _, width = args.image_size.lower().partition("x")
        if not (height.isdigit() and width.isdigit()):
            raise ConfigError(f"--image-size must be HxW, e.g. 32x32 (got {args.image_size!r})")
        size = (int(height), int(width))
    try:
        return dataset_with_options(
            dataset,
            label=args.label,
            text=args.text_column,
            image_size=size,
            color_mode=args.color_mode,
        )
    except DatasetError as exc:
        raise ConfigError(f"dataset_name: {exc}") from None


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.optimize import ModelOptimizer

    try:
        config = config_from_args(args)
        selector, notes = _preset_space(args.preset, config)
        optimizer = ModelOptimizer(config, selector=selector)
    except ConfigError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt {args.command}: error: {exc}\n")
    for note in notes:
        print(note)
    return run_optimizer(optimizer, args.command, parser)


def _preset_space(
    name: str | None, config: OptimizationConfig
) -> tuple[HyperparameterSelector | None, list[str]]:
    """The search space a preset narrows for this run's data (None: the full space), and
    notes on narrowed parameters the data's space lacks."""
    if name is None:
        return None, []
    from healthopt.cli.presets import narrowed_selector
    from healthopt.data import lookup

    preset = load_preset(name)
    selector, notes = narrowed_selector(preset, lookup(config.dataset_name).modality)
    if selector is not None and config.model is not None:
        raise PresetError(
            f"{preset.path}: space narrows the built-in search space, but --model "
            f"{config.model} brings its own; use a preset without [space] entries"
        )
    return selector, notes


def run_optimizer(optimizer: ModelOptimizer, command: str, parser: argparse.ArgumentParser) -> int:
    """Run `optimizer` with a live progress display and print what it produced."""
    from healthopt.artifacts.integrity import ModelCorrupt
    from healthopt.display import ProgressDisplay, run_report

    display = ProgressDisplay()
    try:
        with display:
            optimizer.on_event = display
            result = optimizer.optimize_model()
    except ConfigError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt {command}: error: {exc}\n")
    except ModelCorrupt as exc:
        # No trial left a sound model: nothing was shipped, results.json says which and why.
        parser.exit(EXIT_FAILED, f"healthopt {command}: error: {exc}\n")
    except KeyboardInterrupt:
        display.console.print(
            f"\ninterrupted: finished trials are kept in {optimizer.run_dir}; resume with "
            f"--run-name {optimizer.config.run_name} and the same settings",
            soft_wrap=True,
        )
        return EXIT_INTERRUPTED
    # results.json holds the compute summary too (epochs run and saved), for every role.
    display.console.print(run_report(RunResults.from_json(result.results_path.read_bytes())))
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
    metrics = result.best_metrics
    display.console.print(
        f"best trial {result.best_trial}: val_acc {_fixed(metrics.val_accuracy)}, "
        f"test_acc {_fixed(metrics.test_accuracy)}\n"
        f"model: {result.optimized_model_path}\nresults: {result.results_path}",
        soft_wrap=True,
    )
    return 0


def _fixed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
