"""Field checks shared by the request bodies that start work (jobs and studies)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, field_validator

from healthopt.data import dataset_names
from healthopt.records import HEALTH_COMPONENTS

WEIGHT_TOLERANCE = 1e-6


class RequestBody(BaseModel):
    """The base of every request body: no unknown keys, no type coercion (`"2"` and `true` are
    not a count; a whole number is still a float) and only finite numbers, so each wrong value
    is a 422 naming its field."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _unicode_text(cls, value: object) -> object:
        # Before the fields' own checks: a message quoting a lone surrogate cannot even be
        # built (pydantic's errors are UTF-8), so that value would end in a 500.
        if has_lone_surrogate(value):
            raise ValueError("must be valid Unicode text (it holds a lone surrogate)")
        return value


def has_lone_surrogate(value: object) -> bool:
    """Whether any string in `value` (keys and items of nested dicts and lists included)
    holds half a UTF-16 surrogate pair, which JSON's \\uD800 escapes can smuggle in."""
    pending = [value]
    while pending:  # a loop, not recursion: the nesting depth is the sender's choice
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return False


def known_dataset(value: str) -> str:
    """A registered dataset name. Only these: an `npz:PATH` would let a request read any file
    on the server."""
    names = dataset_names()
    if value not in names:
        raise ValueError(f"unknown dataset {value!r}; choose one of {', '.join(names)}")
    return value


def health_component_shares(value: dict[str, float] | None) -> dict[str, float] | None:
    """The six components' shares of the health weight: known names, each in [0, 1], sum 1."""
    if value is None:
        return value
    unknown = sorted(set(value) - set(HEALTH_COMPONENTS))
    if unknown:
        raise ValueError(f"unknown health components {unknown}; use {', '.join(HEALTH_COMPONENTS)}")
    for name, weight in value.items():
        if not (math.isfinite(weight) and 0.0 <= weight <= 1.0):
            raise ValueError(f"{name} must be a number in [0, 1] (got {weight})")
    total = sum(value.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ValueError(f"the weights must sum to 1 (they sum to {total:.6g})")
    return value
