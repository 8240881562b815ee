"""results.json: a run and every finished trial, rebuilt from the Optuna study."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from healthopt.records.base import Finite, Record, VersionedRecord
from healthopt.records.baselines import RunBaselines
from healthopt.records.mode import Mode
from healthopt.records.pruning import ComputeSummary
from healthopt.records.trial import TrialRecord


class ScoringWeightsRecord(Record):
    """The weights a run scored with (validated where they are made: `config.ScoringWeights`)."""

    accuracy_weight: float
    health_weight: float
    health_components: dict[str, float]


class Selection(Record):
    """Which trial the run chose, and by which stated rule (`optimize.selection`)."""

    rule: str = Field(
        description='"best_score" (simple), "healthiest_within_margin" (health-aware), '
        '"pareto_weights" or "pareto_knee" (pareto)'
    )
    description: str
    trial: int | None = None
    accuracy_margin: Finite = None
    fallback_from: list[int] = Field(
        default_factory=list,
        description="trials the rule chose before `trial` whose saved model failed its "
        "integrity check, in the order they were passed over; each one's error says why",
    )


class RunResults(VersionedRecord):
    """The shape of results.json. Version 0 files (before versioning) load unchanged."""

    SCHEMA_VERSION = 1

    run_name: str
    dataset: str
    mode: Mode
    trials_requested: int
    scoring_weights: ScoringWeightsRecord
    best_trial: int | None = None
    best_value: Finite = None
    optimized_model_path: str | None = None
    optimized_model_sha256: str | None = Field(
        None, description="hex SHA-256 of the shipped model file, for downloads to check"
    )
    trials: list[TrialRecord] = Field(default_factory=list)
    compute: ComputeSummary | None = None  # epochs used and saved; None before pruning existed
    selection: Selection | None = None  # None before issue 20: best_trial had the top score
    ranking: list[int] = Field(
        default_factory=list, description="completed trial numbers, the chosen one first"
    )
    pareto_front: list[int] | None = None  # pareto mode: the front's trial numbers
    baselines: RunBaselines | None = Field(
        None,
        description="majority-class and logistic-regression accuracy on the run's own splits; "
        "None before they were measured (or for runs older than issue 22)",
    )

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Mode:
        return Mode.parse(value)

    def trial(self, number: int) -> TrialRecord | None:
        return next((t for t in self.trials if t.number == number), None)

    def best(self) -> TrialRecord | None:
        return None if self.best_trial is None else self.trial(self.best_trial)
