"""The scoring mode, one spelling for config, CLI, API, study and dashboard."""

from __future__ import annotations

import warnings
from enum import StrEnum


class Mode(StrEnum):
    """How trials are scored and the run's model chosen: validation accuracy alone; accuracy
    mixed with health (the healthiest within an accuracy margin of the best wins); or both as
    two objectives, with the model chosen from the Pareto front."""

    SIMPLE = "simple"
    HEALTH_AWARE = "health-aware"
    PARETO = "pareto"

    @property
    def scores_health(self) -> bool:
        return self is not Mode.SIMPLE

    @classmethod
    def parse(cls, value: str | Mode) -> Mode:
        """The mode a spelling names. Older spellings (`health_aware` from API v1, the
        study's `accuracy_only`) are read with a DeprecationWarning for one release."""
        if isinstance(value, Mode):
            return value
        try:
            return cls(value)
        except ValueError:
            pass
        legacy = LEGACY_SPELLINGS.get(str(value))
        if legacy is None:
            choices = ", ".join(m.value for m in cls)
            raise ValueError(f"mode must be one of {choices}, got {value!r}")
        warnings.warn(
            f"mode {value!r} is a deprecated spelling of {legacy.value!r}; it will be refused "
            "from the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return legacy


LEGACY_SPELLINGS = {
    "health_aware": Mode.HEALTH_AWARE,
    "accuracy_only": Mode.SIMPLE,
    "accuracy-only": Mode.SIMPLE,
}
