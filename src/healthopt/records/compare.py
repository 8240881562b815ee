"""Runs side by side (`healthopt compare`, `GET /compare`): each run's best trial, and for each
metric whether the runs differ by more than run-to-run noise."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from healthopt.records.base import Finite, Record
from healthopt.records.trial import ParamValue


class ComparedRun(Record):
    """One run of a comparison: its best trial's metrics, params and learning curves."""

    name: str
    dataset: str | None = None
    mode: str | None = None
    trials_complete: int = 0
    trials_finished: int = 0
    best_trial: int | None = None
    best_val_accuracy: Finite = None
    best_test_accuracy: Finite = None
    best_health_score: Finite = Field(
        None, description="the best trial's composite health (health.scoring.composite_health)"
    )
    best_total_score: Finite = None
    best_health_components: dict[str, float | None] = Field(
        default_factory=dict, description="the best trial's six health components"
    )
    best_params: dict[str, ParamValue] = Field(default_factory=dict)
    learning_curves: dict[str, list[float | None]] = Field(
        default_factory=dict,
        description="the best trial's history.json: Keras metric -> one value per epoch",
    )


class MetricComparison(Record):
    """One metric across the runs: each best trial's value, and a test of whether the runs'
    complete trials differ by more than noise (Welch's t for two runs, Kruskal-Wallis for
    more). `significant` is None, with the `reason`, when there are too few trials to tell."""

    metric: str
    values: dict[str, float | None] = Field(description="run -> its best trial's value")
    test: str | None = Field(None, description='"welch_t" or "kruskal_wallis"; None: untested')
    statistic: Finite = None
    p_value: Finite = None
    significant: bool | None = None
    ci_low: Finite = Field(
        None, description="two runs: 95% CI of mean(first run) - mean(second run), low end"
    )
    ci_high: Finite = None
    reason: str | None = None
    means: dict[str, float | None] = Field(
        default_factory=dict, description="run -> mean over its complete trials"
    )
    n: dict[str, int] = Field(
        default_factory=dict, description="run -> complete trials that measured the metric"
    )


class RunComparison(Record):
    """Two or more runs compared: best metrics, tests, and what differs in params and settings."""

    runs: list[ComparedRun]
    metrics: list[MetricComparison]
    param_differences: dict[str, dict[str, ParamValue]] = Field(
        default_factory=dict,
        description="param -> run -> the best trial's value (None: the param was not sampled); "
        "only params whose values differ",
    )
    setting_differences: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="config key (nested keys dotted) -> run -> value; only keys that differ",
    )
    alpha: float = Field(0.05, description="the significance level of every test")
    min_trials: int = Field(3, description="complete trials each run needs for a test")
    notes: list[str] = Field(default_factory=list)
