"""Presets: named optimization settings (budget, pruner, sampler, a narrowed search space) in
TOML files shipped with healthopt, for `healthopt optimize --preset NAME|PATH`.

A user copies one (`healthopt presets --show NAME`), edits it and passes its path.
"""

from __future__ import annotations

from healthopt.presets.preset import (
    PRESET_SETTINGS,
    Preset,
    PresetError,
    builtin_presets,
    load_preset,
    preset_path,
)
from healthopt.presets.space import (
    NarrowedTrial,
    ParamSeen,
    SpaceNarrowing,
    probe_space,
)

__all__ = [
    "PRESET_SETTINGS",
    "NarrowedTrial",
    "ParamSeen",
    "Preset",
    "PresetError",
    "SpaceNarrowing",
    "builtin_presets",
    "load_preset",
    "preset_path",
    "probe_space",
]
