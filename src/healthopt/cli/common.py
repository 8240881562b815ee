"""What every subcommand shares: the parser class, exit codes and the flags of several commands."""

from __future__ import annotations

import argparse
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
    # What each subcommand module's `add_parser` receives from `build_parser`.
    Subcommands = argparse._SubParsersAction[CliParser]


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
