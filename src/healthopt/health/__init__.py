"""Model health: six components in [0, 1] from a trial's records, and the weighted score.

`evaluate` gives the components and the diagnostics report for a model trained outside
healthopt (with `healthopt.keras.HealthMonitor` recording its epochs).
"""

from healthopt.health.evaluate import HealthEvaluation, evaluate
from healthopt.health.metrics import HealthInputs, HealthReport, compute_health
from healthopt.health.scoring import ScoreBreakdown, total_score

__all__ = [
    "HealthEvaluation",
    "HealthInputs",
    "HealthReport",
    "ScoreBreakdown",
    "compute_health",
    "evaluate",
    "total_score",
]
