"""`healthopt worker`: join a shared study and run its trials until it has its budget."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from healthopt.cli.common import EXIT_BAD_INPUT, add_runpod_flags
from healthopt.config import ConfigError, OptimizationConfig

if TYPE_CHECKING:
    from healthopt.cli.common import Subcommands

# Settings that are this machine's own; everything else comes from the shared study.
_LOCAL_SETTINGS = ("concurrent_workers", "output_dir", "use_runpod_service", "require_runpod")


def add_parser(commands: Subcommands) -> None:
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
    add_runpod_flags(worker)


def worker_config(args: argparse.Namespace) -> OptimizationConfig:
    """The shared study's own configuration, with this machine's workers, folder and executor."""
    from healthopt.optimize.study import load_shared_config

    stored = load_shared_config(args.storage, args.study)
    changes: dict[str, Any] = {"storage_url": args.storage, "run_name": args.study}
    for name in _LOCAL_SETTINGS:
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if "concurrent_workers" not in changes:
        changes["concurrent_workers"] = 1
    return OptimizationConfig.from_dict({**stored.to_dict(), **changes})


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.cli.optimize import run_optimizer
    from healthopt.optimize import ModelOptimizer

    try:
        optimizer = ModelOptimizer(worker_config(args), role="worker")
    except ConfigError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt {args.command}: error: {exc}\n")
    return run_optimizer(optimizer, args.command, parser)
