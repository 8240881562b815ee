"""`healthopt serve`: the HTTP API server (its settings and startup live in `api.serve`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.cli.common import EXIT_BAD_INPUT

if TYPE_CHECKING:
    from healthopt.cli.common import Subcommands


def add_parser(commands: Subcommands) -> None:
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


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        from healthopt.api.serve import run_serve
    except ImportError as exc:
        parser.exit(
            EXIT_BAD_INPUT,
            f"healthopt serve: error: {exc.name} is missing; install the server extra: "
            "pip install 'healthopt[server]'\n",
        )
    return run_serve(args, parser, EXIT_BAD_INPUT)
