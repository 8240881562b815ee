"""Pareto front over models or trials with some objectives maximised and others minimised.

Point a dominates point b when a is at least as good as b in every objective and strictly
better in at least one. Equal points therefore never dominate each other: ties all stay on
the front. A point missing an objective (absent, None, NaN or inf) cannot be compared on it,
so it is left out of the comparison: it is not on the front, dominates nothing, has an empty
`dominated_by`, and `excluded` says which objectives it lacks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from healthopt.analysis.files import ParetoPointEntry, entry_from

DIRECTIONS = ("max", "min")


@dataclass(frozen=True)
class ParetoPoint:
    """One point: its objective values (NaN where missing), front membership, dominators."""

    name: str
    values: dict[str, float]
    on_front: bool
    dominated_by: list[str]
    excluded: str | None = None

    def to_json(self) -> ParetoPointEntry:
        return entry_from(self, ParetoPointEntry)


def _value(raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def pareto_front(
    points: Mapping[str, Mapping[str, Any]], objectives: Mapping[str, str]
) -> list[ParetoPoint]:
    """Each point with its front membership, in the input order.

    `objectives` maps an objective name to "max" or "min". `dominated_by` lists the names of
    every comparable point that dominates this one, in input order.
    """
    if not objectives:
        raise ValueError("pareto_front needs at least one objective")
    for name, direction in objectives.items():
        if direction not in DIRECTIONS:
            raise ValueError(f"objective {name!r} must be 'max' or 'min' (got {direction!r})")
    names = list(points)
    keys = list(objectives)
    raw = np.array(
        [[_value(points[n].get(k)) for k in keys] for n in names], dtype=np.float64
    ).reshape(len(names), len(keys))
    valid = np.all(np.isfinite(raw), axis=1)
    # Flip minimised objectives so "larger is better" everywhere.
    sign = np.array([1.0 if objectives[k] == "max" else -1.0 for k in keys])
    score = np.where(valid[:, None], raw * sign, 0.0)
    # dominates[i, j]: i is >= j everywhere and > j somewhere, both comparable.
    geq = np.all(score[:, None, :] >= score[None, :, :], axis=2)
    gt = np.any(score[:, None, :] > score[None, :, :], axis=2)
    dominates = geq & gt & valid[:, None] & valid[None, :]
    result = []
    for j, name in enumerate(names):
        values = {k: float(raw[j, i]) for i, k in enumerate(keys)}
        if not valid[j]:
            lacking = [k for i, k in enumerate(keys) if not math.isfinite(raw[j, i])]
            result.append(
                ParetoPoint(name, values, False, [], f"missing or non-finite: {', '.join(lacking)}")
            )
            continue
        dominators = [names[i] for i in np.flatnonzero(dominates[:, j])]
        result.append(ParetoPoint(name, values, not dominators, dominators))
    return result


def front_names(front: list[ParetoPoint]) -> list[str]:
    """Names of the points on the front, in order."""
    return [p.name for p in front if p.on_front]
