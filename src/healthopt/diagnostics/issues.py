"""Issue: one problem the diagnostics engine found, and the 0-100 score the issues add up to.

Severity points follow seed 004: a critical issue costs 20, a warning 7, an info 2. A few
findings also cap the score (`SCORE_CAPS`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class Category(StrEnum):
    LOSS = "loss"
    THROUGHPUT = "throughput"
    MEMORY = "memory"
    PROFILER = "profiler"
    LOGS = "logs"
    SYSTEM = "system"
    ARCHITECTURE = "architecture"
    SUSTAINABILITY = "sustainability"
    LAYERS = "layers"  # layer monitoring (seed 001): how each layer behaved while it trained
    INPUT = "input"  # the records themselves: nothing the engine could read


SEVERITY_POINTS = {Severity.CRITICAL: 20, Severity.WARNING: 7, Severity.INFO: 2}
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
# Findings that void the model whatever else is sound, and the most it may then score.
# Points add up independent faults; a model at chance has no fault to add, it has nothing:
# its loss, gradients and hardware use can all look fine (issue 20's example scored
# 89/100), and one critical's 20 points would still leave it yellow. 60 puts it in the
# report's red band (under 70), where a failed run belongs.
SCORE_CAPS = {"did_not_learn": 60}


@dataclass(frozen=True)
class Issue:
    """One finding. `check` is the seed's function name without `check_` (`loss_explosion`).

    `epoch_index` and `layer_id` say where it happened when that is known; `metric_key` and
    `metric_value` name the figure that tripped the check, so a reader can verify it.
    """

    check: str
    severity: Severity
    category: Category
    title: str
    description: str
    suggestion: str
    epoch_index: int | None = None
    layer_id: str | None = None
    metric_key: str | None = None
    metric_value: Any = None

    @property
    def points(self) -> int:
        return SEVERITY_POINTS[self.severity]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["category"] = self.category.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        values = dict(data)
        values["severity"] = Severity(values["severity"])
        values["category"] = Category(values["category"])
        return cls(**values)


def health_score(issues: list[Issue]) -> int:
    """100 minus the severity points of every issue, never below 0, and no higher than the
    cap of any issue in `SCORE_CAPS`."""
    caps = [SCORE_CAPS[issue.check] for issue in issues if issue.check in SCORE_CAPS]
    return max(0, min([100 - sum(issue.points for issue in issues), *caps]))
