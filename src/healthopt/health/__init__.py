"""Model health: six components in [0, 1] from a trial's records, and the weighted score."""

from healthopt.health.metrics import HealthInputs, HealthReport, compute_health
from healthopt.health.scoring import ScoreBreakdown, total_score

__all__ = ["HealthInputs", "HealthReport", "ScoreBreakdown", "compute_health", "total_score"]
