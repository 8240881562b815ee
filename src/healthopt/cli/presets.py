"""`healthopt presets`: the shipped optimization presets with their descriptions, and
`--show NAME` to print one's file for a user to copy and edit. Also the narrowed search space
`healthopt optimize --preset` runs on (`narrowed_selector`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from healthopt.cli.common import EXIT_BAD_INPUT
from healthopt.models.search_space import HyperparameterSelector, SuggestsParameters
from healthopt.presets import (
    NarrowedTrial,
    ParamSeen,
    Preset,
    PresetError,
    SpaceNarrowing,
    builtin_presets,
    load_preset,
    preset_path,
    probe_space,
)

if TYPE_CHECKING:
    from healthopt.cli.common import Subcommands
    from healthopt.config import ModelConfig


def add_parser(commands: Subcommands) -> None:
    presets = commands.add_parser(
        "presets",
        help="list the optimization presets (healthopt optimize --preset NAME)",
        description="List the presets shipped with healthopt, or print one's TOML file with "
        "--show NAME; save it, edit it, and pass its path to `healthopt optimize --preset`.",
    )
    presets.add_argument(
        "--show", metavar="NAME", help="print this preset's file (a name or a path)"
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from healthopt.console import output_console

    console = output_console()
    try:
        if args.show is not None:
            path = preset_path(args.show)
            load_preset(str(path))  # a broken file is said to be broken, not printed as fine
            print(path.read_text(encoding="utf-8"), end="")
            return 0
        presets = [load_preset(str(path)) for path in builtin_presets()]
    except PresetError as exc:
        parser.exit(EXIT_BAD_INPUT, f"healthopt {args.command}: error: {exc}\n")
    for preset in presets:
        console.print(f"[bold]{preset.name}[/]: {preset.description}", soft_wrap=True)
        console.print(f"  {_summary(preset)}", soft_wrap=True, markup=False)
    console.print(
        "use: healthopt optimize --preset NAME (flags override it); copy one with "
        "healthopt presets --show NAME > my.toml",
        soft_wrap=True,
        markup=False,
    )
    return 0


def _summary(preset: Preset) -> str:
    settings = ", ".join(f"{key}={value}" for key, value in preset.settings.items())
    space = preset.space
    narrowed = [f"{k}={v}" for k, v in space.fixed.items()]
    narrowed += [f"{k} in [{low}, {high}]" for k, (low, high) in space.ranges.items()]
    narrowed += [f"{k} in {list(v)}" for k, v in space.choices.items()]
    return f"{settings}; space: {', '.join(narrowed) or 'the full built-in space'}"


class NarrowedSelector(HyperparameterSelector):
    """The built-in search space for a modality, narrowed as a preset says."""

    def __init__(self, modality: str, narrowing: SpaceNarrowing) -> None:
        super().__init__(modality)
        self.narrowing = narrowing

    def suggest(self, trial: SuggestsParameters) -> ModelConfig:
        return super().suggest(NarrowedTrial(trial, self.narrowing))


def builtin_spaces() -> dict[str, dict[str, ParamSeen]]:
    """Each modality's built-in search space: parameter -> how it is searched."""
    from healthopt.data import IMAGE, TABULAR, TEXT

    return {
        modality: probe_space(HyperparameterSelector(modality).suggest)
        for modality in (IMAGE, TABULAR, TEXT)
    }


def narrowed_selector(preset: Preset, modality: str) -> tuple[NarrowedSelector | None, list[str]]:
    """The selector a preset's [space] makes for data of `modality` (None when it narrows
    nothing), and a note per narrowed parameter this modality's space lacks. PresetError names
    the file and the field when the narrowing does not fit the built-in spaces."""
    if not preset.space:
        return None, []
    try:
        notes = preset.space.check(builtin_spaces(), modality)
    except ValueError as exc:
        raise PresetError(f"{preset.path}: {exc}") from None
    return NarrowedSelector(modality, preset.space), notes
