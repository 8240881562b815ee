"""One preset file: its description, the OptimizationConfig settings it sets, and how it
narrows the search space; every error names the file and the field."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.presets.space import SpaceNarrowing, narrowing_from_table

PRESETS_DIR = Path(__file__).parent
SUFFIX = ".toml"
# The settings a preset may set: how much to spend and how to search. Where the data is, where
# the run goes and where it is logged belong to the command line, not to a shareable preset.
PRESET_SETTINGS = frozenset(
    {
        "trials",
        "max_epochs_per_trial",
        "mode",
        "sampler",
        "pruner",
        "health_pruning",
        "chance_patience_epochs",
        "accuracy_margin",
        "plot_generation",
        "timeout_seconds",
        "monitor_every_epochs",
        "concurrent_workers",
    }
)
_TOP_LEVEL = frozenset({"description", "settings", "space"})


class PresetError(ConfigError):
    """A preset that is unknown or whose file cannot be used; the message names the file and
    the field."""


@dataclass(frozen=True)
class Preset:
    """A loaded preset: `settings` are OptimizationConfig fields (explicit flags override
    them), `space` narrows the built-in search space."""

    name: str
    description: str
    path: Path
    settings: dict[str, Any]
    space: SpaceNarrowing


def builtin_presets() -> list[Path]:
    """The preset files shipped with healthopt, by name."""
    return sorted(PRESETS_DIR.glob(f"*{SUFFIX}"))


def preset_path(name_or_path: str) -> Path:
    """A shipped preset's file by its name, or the file a path names."""
    shipped = PRESETS_DIR / f"{name_or_path}{SUFFIX}"
    if "/" not in name_or_path and shipped.is_file():
        return shipped
    path = Path(name_or_path)
    if path.suffix == SUFFIX or path.exists():
        if not path.is_file():
            raise PresetError(f"{path}: no such preset file")
        return path
    names = ", ".join(p.stem for p in builtin_presets())
    raise PresetError(f"unknown preset {name_or_path!r}: choose {names}, or give a .toml file")


def load_preset(name_or_path: str) -> Preset:
    """The preset a name or a path names, checked: unknown fields, settings OptimizationConfig
    refuses and narrowings that are not ranges or choices are PresetErrors."""
    path = preset_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PresetError(f"{path}: not a readable TOML file ({exc})") from None
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise PresetError(
            f"{path}: unknown field {', '.join(unknown)} (a preset has description, "
            "[settings] and [space])"
        )
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise PresetError(f"{path}: description must be a non-empty string")
    settings = _settings(path, data.get("settings", {}))
    try:
        space = narrowing_from_table(data.get("space", {}))
    except ValueError as exc:
        raise PresetError(f"{path}: {exc}") from None
    return Preset(path.stem, description.strip(), path, settings, space)


def _settings(path: Path, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise PresetError(f"{path}: [settings] must be a table")
    known = {f.name for f in fields(OptimizationConfig)}
    for key in sorted(table):
        if key not in PRESET_SETTINGS:
            where = "not an OptimizationConfig field" if key not in known else "not for a preset"
            allowed = ", ".join(sorted(PRESET_SETTINGS))
            raise PresetError(f"{path}: settings.{key} is {where} (a preset sets {allowed})")
    try:
        OptimizationConfig(**table)  # the config's own checks, on the defaults of the rest
    except ConfigError as exc:
        raise PresetError(f"{path}: settings: {exc}") from None
    return dict(table)
