"""The total score Optuna maximises: accuracy and health mixed by the user's weights.

`total = w_acc * accuracy + w_health * sum_i(w_i * health_i)` (seed 002's three tiers). When
a health component is None its weight is shared out over the components that have a value,
in proportion to their own weights; when none with a positive weight has a value, the health
part is dropped and accuracy carries the whole score. The breakdown records which rule
applied, so anyone can recompute the total from results.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from healthopt.config import ScoringWeights


@dataclass(frozen=True)
class ScoreBreakdown:
    total: float
    accuracy: float
    health: float | None  # the weighted health sum actually used, in [0, 1]
    component_weights_used: dict[str, float]
    missing_components: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def total_score(
    accuracy: float, health: dict[str, float | None], weights: ScoringWeights
) -> ScoreBreakdown:
    values = {name: value for name, value in health.items() if value is not None}
    present = {
        name: weight
        for name, weight in weights.health_components.items()
        if weight > 0 and name in values
    }
    missing = sorted(
        name
        for name, weight in weights.health_components.items()
        if weight > 0 and health.get(name) is None
    )
    present_weight = sum(present.values())
    if weights.health_weight == 0 or present_weight == 0:
        return ScoreBreakdown(float(accuracy), float(accuracy), None, {}, missing)
    used = {name: weight / present_weight for name, weight in present.items()}
    health_sum = sum(used[name] * float(values[name]) for name in used)
    total = weights.accuracy_weight * accuracy + weights.health_weight * health_sum
    return ScoreBreakdown(float(total), float(accuracy), float(health_sum), used, missing)


def default_health(health: dict[str, Any]) -> float | None:
    """The six components mixed by seed 002's default shares: a health number that means the
    same whatever weights a run was scored with; None without health values."""
    return total_score(0.0, health, ScoringWeights(0.0, 1.0)).health


def composite_health(record: dict[str, Any]) -> float | None:
    """One health number for a trial record (results.json): the health part it was scored
    with, or, in simple mode where health carried no weight, the six components mixed by
    seed 002's default shares; None when the trial has no health values."""
    scored = (record.get("score") or {}).get("health")
    if scored is not None:
        return float(scored)
    return default_health(record.get("health") or {})
