"""`healthopt analyze MODEL.keras`: the model analyzer as a tool for the user's own models.

Reads the flags, loads what they name with errors that say which file is wrong (exit 2),
runs `ModelAnalyzer` on the one model, saves the JSON and figures with `--output-dir`
(`plots.analyzer.report.save_analysis`), and prints a report or the JSON results.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from healthopt.analysis.config import ANALYSES, AnalysisConfig, DataInput
from healthopt.config import ConfigError

if TYPE_CHECKING:
    from healthopt.analysis.results import AnalysisResults
    from healthopt.progress import StepProgress

EXIT_BAD_INPUT = 2
# Array names read from --data, first pair found wins.
DATA_KEYS = (("x", "y"), ("x_test", "y_test"), ("x_val", "y_val"))


class AnalyzeFlagError(ValueError):
    """A flag names a file or value the command cannot use (the analyzer's own refusals are
    `analysis.inputs.AnalyzerInputError`)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `analyze` subcommand on `commands` (the main parser's subparsers)."""
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


def parse_only(text: str | None) -> set[str]:
    if text is None:
        return set(ANALYSES)
    names = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(ANALYSES))
    if unknown or not names:
        raise AnalyzeFlagError(
            f"--only: unknown analysis {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(ANALYSES)}"
        )
    return names


def load_data(path: Path) -> DataInput:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            for x_key, y_key in DATA_KEYS:
                if x_key in arrays and y_key in arrays:
                    x, y = arrays[x_key], arrays[y_key]
                    break
            else:
                raise AnalyzeFlagError(
                    f"{path}: needs arrays x and y (or x_test/y_test, x_val/y_val); "
                    f"found {', '.join(arrays.files) or 'none'}"
                )
    except (OSError, ValueError) as exc:
        if isinstance(exc, AnalyzeFlagError):
            raise
        raise AnalyzeFlagError(f"{path}: not a readable .npz file ({exc})") from exc
    if len(x) != len(y):
        raise AnalyzeFlagError(f"{path}: x has {len(x)} samples but y has {len(y)}")
    if len(x) == 0:
        raise AnalyzeFlagError(f"{path}: x and y are empty")
    return DataInput(x, y)


def load_history(path: Path) -> dict[str, list[float]]:
    try:
        history = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise AnalyzeFlagError(f"{path}: not a readable JSON file ({exc})") from exc
    valid = isinstance(history, dict) and all(
        isinstance(v, list) and all(isinstance(n, (int, float)) or n is None for n in v)
        for v in history.values()
    )
    if not valid or not history:
        raise AnalyzeFlagError(
            f"{path}: expected a Keras history object "
            '{"loss": [...], "val_loss": [...], ...} with one number per epoch'
        )
    return {key: [float("nan") if n is None else float(n) for n in v] for key, v in history.items()}


def build_config(only: set[str], samples: int, save_plots: bool) -> AnalysisConfig:
    return AnalysisConfig(
        n_samples=samples,
        save_plots=save_plots,
        verbose=False,
        analyze_weights="weights" in only,
        analyze_spectral="spectral" in only,
        analyze_calibration="calibration" in only,
        analyze_information_flow="information_flow" in only,
        analyze_training_dynamics="training_dynamics" in only,
    )


def _analyze(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    config: AnalysisConfig,
    data: DataInput | None,
    history: dict[str, list[float]] | None,
    steps: StepProgress,
) -> AnalysisResults:
    """Load the model, analyse it, and save the files, each a step of `steps`."""
    # TensorFlow loads only once the flags are known to be good.
    from healthopt.analysis.analyzer import ModelAnalyzer
    from healthopt.analysis.layers import ModelLoadError, load_model

    try:
        with steps.step("load model"):
            model = load_model(args.model)
    except ModelLoadError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt analyze: error: {exc}\n")
    name = Path(args.model).stem
    analyzer = ModelAnalyzer(
        {name: model}, training_history={name: history} if history else None, config=config
    )
    try:
        with steps.step("analyze"):
            results = analyzer.analyze(data)
    except ValueError as exc:  # data or history that does not fit the model: say so
        parser.exit(EXIT_BAD_INPUT, f"healthopt analyze: error: {exc}\n")
    if args.output_dir is not None:
        from healthopt.plots.analyzer.report import save_analysis

        with steps.step("save"):
            results = save_analysis(results, args.output_dir, config)
    return results


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        only = parse_only(args.only)
        config = build_config(only, args.samples, save_plots=args.output_dir is not None)
        data = load_data(args.data) if args.data else None
        history = load_history(args.history) if args.history else None
    except (AnalyzeFlagError, ConfigError) as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt analyze: error: {exc}\n")
    from healthopt.console import output_console
    from healthopt.progress import StepProgress

    # With --json stdout is the JSON alone, so the steps go to stderr.
    steps = StepProgress(
        "analyze",
        3 if args.output_dir is not None else 2,
        output_console(sys.stderr) if args.json else None,
    )
    with steps:
        results = _analyze(args, parser, config, data, history, steps)
    if args.json:
        print(json.dumps(results.to_json(config).to_json(), indent=2))
        return 0
    from healthopt.analysis.render import print_analysis

    print_analysis(results, Path(args.model).stem, output_console(), args.output_dir)
    return 0
