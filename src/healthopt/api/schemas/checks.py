"""Field checks shared by the request bodies that start work (jobs and studies)."""

from __future__ import annotations

import math

from healthopt.data import dataset_names
from healthopt.records import HEALTH_COMPONENTS

WEIGHT_TOLERANCE = 1e-6


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
