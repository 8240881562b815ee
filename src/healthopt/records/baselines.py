"""baselines.json: what a model that learned little scores on a run's own splits.

A search's best accuracy means little alone: 0.95 on digits is good, 0.95 on a dataset whose
majority class is 95 % is nothing. Each run therefore records a majority-class baseline and a
logistic regression on the flattened inputs, fitted on the same train split and scored on the
same validation and test splits its trials use (`optimize.baselines`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from healthopt.records.base import Finite, Record, VersionedRecord

BaselineName = Literal["majority_class", "logistic_regression"]
BASELINE_NAMES: tuple[BaselineName, ...] = ("majority_class", "logistic_regression")


class BaselineScore(Record):
    """One baseline's accuracy; `error` says why it has none (it never stops a run)."""

    name: BaselineName
    val_accuracy: Finite = None
    test_accuracy: Finite = None
    seconds: float = 0.0
    train_samples: int | None = Field(
        None, description="train samples it was fitted on (a subsample on large datasets)"
    )
    error: str | None = None


class RunBaselines(VersionedRecord):
    """The baselines of one run's data: its dataset, split seed and the scores."""

    SCHEMA_VERSION = 1

    dataset: str
    split_seed: int
    scores: list[BaselineScore] = Field(default_factory=list)

    def score(self, name: str) -> BaselineScore | None:
        return next((s for s in self.scores if s.name == name), None)
