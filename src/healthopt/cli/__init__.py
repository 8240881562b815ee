"""The `healthopt` command line. Each subcommand is one module here that builds its own
subparser (`add_parser`) and runs it (`run`); the work happens elsewhere."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import ModuleType

from healthopt.cli import (
    analyze,
    compare,
    datasets,
    diagnose,
    export,
    monitor,
    optimize,
    presets,
    report,
    serve,
    study,
    worker,
)
from healthopt.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NO_COMPLETE_TRIAL,
    CliParser,
    parse_health_weights,
)
from healthopt.cli.optimize import config_from_args
from healthopt.cli.worker import worker_config

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_NO_COMPLETE_TRIAL",
    "build_parser",
    "config_from_args",
    "main",
    "parse_health_weights",
    "worker_config",
]

# In the order `healthopt --help` lists them.
SUBCOMMANDS: dict[str, ModuleType] = {
    "optimize": optimize,
    "presets": presets,
    "worker": worker,
    "datasets": datasets,
    "diagnose": diagnose,
    "monitor": monitor,
    "analyze": analyze,
    "report": report,
    "export": export,
    "compare": compare,
    "study": study,
    "serve": serve,
}
Runner = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(
        prog="healthopt", description="Health-aware hyperparameter optimization of Keras models."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    for module in SUBCOMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from healthopt.envfile import EnvFileError, load_env_file

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        load_env_file()  # RUNPOD_*, HEALTHOPT_S3_*, AWS_* may live in ./.env
    except (EnvFileError, OSError) as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt: error: .env: {exc}\n")
    run: Runner = SUBCOMMANDS[args.command].run
    return run(args, parser)
