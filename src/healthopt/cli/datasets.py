"""`healthopt datasets`: the named datasets, one line each, then the forms of your own data."""

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
        print(f"{name:15} {info.modality:7} {info.description}")
    for form, modality, description in USER_DATA:
        print(f"{form:15} {modality:7} {description}")
    return 0


# Your own data: its form, the modality it selects, and what it reads.
USER_DATA = (
    (
        "npz:PATH",
        "any",
        "your arrays x, y (x_train, ... also accepted): 3-D/4-D x images, "
        "2-D integer x token ids, 2-D float x tabular",
    ),
    (
        "csv:PATH",
        "tabular",
        "your table, ?label=COLUMN required (--label): numbers as features, "
        "other columns one-hot; &text=COLUMN (--text-column) makes it text",
    ),
    (
        "folder:PATH",
        "image",
        "one image subfolder per class; ?size=HxW (--image-size, default 32x32), "
        "&color=rgb|grayscale|rgba (--color-mode)",
    ),
)
