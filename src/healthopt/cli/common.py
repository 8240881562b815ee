"""What every subcommand shares: the parser class, exit codes and the flags of several commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.config import DEFAULT_HEALTH_PROPORTIONS, ConfigError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_NO_COMPLETE_TRIAL = 1
EXIT_INTERRUPTED = 130


class CliParser(argparse.ArgumentParser):
    """Bad flags exit 2 with one line that says what was wrong."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


if TYPE_CHECKING:
    from healthopt.runs.index import RunFolder

    # What each subcommand module's `add_parser` receives from `build_parser`.
    Subcommands = argparse._SubParsersAction[CliParser]

# Where `healthopt optimize` writes its runs (OptimizationConfig.output_dir's default), and so
# where the commands that read runs (report, export, compare) look a run's name up.
DEFAULT_RESULTS_DIR = Path("optimization_results")
RUN_HELP = "a run folder, or a run's name under --results-dir"


def add_results_dir_flag(command: argparse.ArgumentParser) -> None:
    """--results-dir, shared by the commands that read runs."""
    command.add_argument(
        "--results-dir",
        type=Path,
        default=DEFAULT_RESULTS_DIR,
        metavar="DIR",
        help=f"where run names are looked up (default: {DEFAULT_RESULTS_DIR})",
    )


def locate_run(run: str, results_dir: Path) -> RunFolder:
    """RUN as the user gave it: a run folder's path when one is there, else a run's name under
    `results_dir`; RunNotFound says which was tried and why it is not a run."""
    from healthopt.runs.index import RunFolder, RunNotFound, find_run, is_run_folder

    path = Path(run)
    if is_run_folder(path):
        return RunFolder(path.resolve().name, path)
    if path.is_dir() or path.is_absolute() or len(path.parts) > 1:
        raise RunNotFound(f"{run} is not a run folder (no results.json or config.json in it)")
    return find_run(results_dir, run)


def add_runpod_flags(command: argparse.ArgumentParser) -> None:
    """--runpod and --require-runpod, shared by optimize and worker."""
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


def default_health_weights() -> str:
    """The --health-weights default as the flag spells it."""
    return ",".join(f"{k}={v:g}" for k, v in DEFAULT_HEALTH_PROPORTIONS.items())


def parse_health_weights(text: str) -> dict[str, float]:
    """--health-weights NAME=W,... as a mapping (ScoringWeights checks names and sums)."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            weights[name.strip()] = float(value) if sep else float(sep)
        except ValueError:
            raise ConfigError(f"--health-weights: {part!r} is not NAME=NUMBER") from None
    return weights


def health_components(text: str | None) -> dict[str, float]:
    """The --health-weights split, or seed 002's default proportions when the flag is absent."""
    return dict(DEFAULT_HEALTH_PROPORTIONS) if text is None else parse_health_weights(text)
