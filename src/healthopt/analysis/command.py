"""`healthopt analyze MODEL.keras`: the model analyzer as a tool for the user's own models.

Reads the flags, loads what they name with errors that say which file is wrong (exit 2),
runs `ModelAnalyzer` on the one model, and prints a report or the JSON results.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from healthopt.analysis.config import ANALYSES, AnalysisConfig, DataInput
from healthopt.config import ConfigError

EXIT_BAD_INPUT = 2
# Array names read from --data, first pair found wins.
DATA_KEYS = (("x", "y"), ("x_test", "y_test"), ("x_val", "y_val"))


class AnalyzeInputError(ValueError):
    """A flag names a file or value the analyzer cannot use."""


def parse_only(text: str | None) -> set[str]:
    if text is None:
        return set(ANALYSES)
    names = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(ANALYSES))
    if unknown or not names:
        raise AnalyzeInputError(
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
                raise AnalyzeInputError(
                    f"{path}: needs arrays x and y (or x_test/y_test, x_val/y_val); "
                    f"found {', '.join(arrays.files) or 'none'}"
                )
    except (OSError, ValueError) as exc:
        if isinstance(exc, AnalyzeInputError):
            raise
        raise AnalyzeInputError(f"{path}: not a readable .npz file ({exc})") from exc
    if len(x) != len(y):
        raise AnalyzeInputError(f"{path}: x has {len(x)} samples but y has {len(y)}")
    if len(x) == 0:
        raise AnalyzeInputError(f"{path}: x and y are empty")
    return DataInput(x, y)


def load_history(path: Path) -> dict[str, list[float]]:
    try:
        history = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise AnalyzeInputError(f"{path}: not a readable JSON file ({exc})") from exc
    valid = isinstance(history, dict) and all(
        isinstance(v, list) and all(isinstance(n, (int, float)) or n is None for n in v)
        for v in history.values()
    )
    if not valid or not history:
        raise AnalyzeInputError(
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


def run_analyze(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        only = parse_only(args.only)
        config = build_config(only, args.samples, save_plots=args.output_dir is not None)
        data = load_data(args.data) if args.data else None
        history = load_history(args.history) if args.history else None
    except (AnalyzeInputError, ConfigError) as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt analyze: error: {exc}\n")
    # TensorFlow loads only once the flags are known to be good.
    from healthopt.analysis.analyzer import ModelAnalyzer
    from healthopt.analysis.layers import ModelLoadError, load_model

    try:
        model = load_model(args.model)
    except ModelLoadError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt analyze: error: {exc}\n")
    name = Path(args.model).stem
    analyzer = ModelAnalyzer(
        {name: model},
        training_history={name: history} if history else None,
        config=config,
        output_dir=args.output_dir,
    )
    try:
        results = analyzer.analyze(data)
    except ValueError as exc:  # data or history that does not fit the model: say so
        parser.exit(EXIT_BAD_INPUT, f"healthopt analyze: error: {exc}\n")
    if args.json:
        print(json.dumps(results.to_dict(config), indent=2))
        return 0
    from healthopt.analysis.render import print_analysis
    from healthopt.console import output_console

    print_analysis(results, name, output_console(), args.output_dir)
    return 0
