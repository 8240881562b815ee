"""`healthopt datasets`: the named datasets, one line each."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from healthopt.data import dataset_names

if TYPE_CHECKING:
    from healthopt.cli.common import Subcommands


def add_parser(commands: Subcommands) -> None:
    commands.add_parser("datasets", help="list the named datasets")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.data import lookup

    for name in dataset_names():
        info = lookup(name)
        print(f"{name:15} {info.modality:6} {info.description}")
    print(f"{'npz:PATH':15} {'either':6} your arrays x, y (x_train, ... also accepted)")
    return 0
