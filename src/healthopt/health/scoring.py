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
from healthopt.records import HealthValues, ScoreParts, TrialRecord


@dataclass(frozen=True)
class ScoreBreakdown:
    total: float
    accuracy: float
    health: float | None  # the weighted health sum actually used, in [0, 1]
    component_weights_used: dict[str, float]
    missing_components: list[str]

    def parts(self) -> ScoreParts:
        """How the total was made, as results.json's trial `score` shows it."""
        return ScoreParts(
            health=self.health,
            component_weights_used=dict(self.component_weights_used),
            missing_components=list(self.missing_components),
        )

    def to_dict(self) -> dict[str, Any]:
        """Every field, total and accuracy included (what the optimizer stores on a trial)."""
        return asdict(self)


def total_score(accuracy: float, health: HealthValues, weights: ScoringWeights) -> ScoreBreakdown:
    values = health.measured()
    present = {
        name: weight
        for name, weight in weights.health_components.items()
        if weight > 0 and name in values
    }
    missing = sorted(
        name
        for name, weight in weights.health_components.items()
        if weight > 0 and name not in values
    )
    present_weight = sum(present.values())
    if weights.health_weight == 0 or present_weight == 0:
        return ScoreBreakdown(float(accuracy), float(accuracy), None, {}, missing)
    used = {name: weight / present_weight for name, weight in present.items()}
    health_sum = sum(used[name] * values[name] for name in used)
    total = weights.accuracy_weight * accuracy + weights.health_weight * health_sum
    return ScoreBreakdown(float(total), float(accuracy), float(health_sum), used, missing)


def default_health(health: HealthValues) -> float | None:
    """The six components mixed by seed 002's default shares: a health number that means the
    same whatever weights a run was scored with; None without health values."""
    return total_score(0.0, health, ScoringWeights(0.0, 1.0)).health


def composite_health(record: TrialRecord) -> float | None:
    """One health number for a trial record (results.json): the health part it was scored
    with, or, in simple mode where health carried no weight, the six components mixed by
    seed 002's default shares; None when the trial has no health values."""
    if record.score is not None and record.score.health is not None:
        return record.score.health
    return default_health(record.health)
