"""What `GET /runs/{run}/recommendations` serves: statistically backed suggestions for a run.

Each `Recommendation` carries the test behind it (`Evidence`: the test's name, statistic,
p-value, an effect size and/or a 95 % interval, and how many observations it saw). A topic
that could not be judged, for too little data or because its test found no signal, is an
`InsufficientData` entry with the reason instead: a recommendation is never a guess.
`runs.recommendations` computes them; the shapes are fixed by issue 22's contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from healthopt.records.base import Finite, Record

# The topics, in the order the report lists them.
LEARNING_RATE = "learning_rate"
OVERFITTING = "overfitting"
BATCH_SIZE = "batch_size"
CONVERGENCE = "convergence"
HISTORICAL = "historical"
TOPICS = (LEARNING_RATE, OVERFITTING, BATCH_SIZE, CONVERGENCE, HISTORICAL)

Level = Literal["high", "medium", "low"]


class Evidence(Record):
    """The statistical test behind one recommendation; numbers it could not give are None."""

    test: str = Field(description="the test, as scipy.stats names it, and its alternative")
    statistic: Finite = None
    p_value: Finite = None
    effect_size: Finite = None
    effect_name: str | None = None
    ci_low: Finite = None
    ci_high: Finite = None
    ci_name: str | None = Field(None, description="what the 95 % interval is an interval of")
    n: int = Field(description="observations the test used (trials, epochs or points)")
    # Added to the contract's fields: where several tests were run for one topic (historical
    # patterns) the p-value the confidence rests on is the Benjamini-Hochberg adjusted one.
    p_value_adjusted: Finite = None
    adjustment: str | None = None


class Recommendation(Record):
    """One suggestion: what the run did (`current`), what to try, how sure and how much it
    matters (`confidence` from the p-value, `priority` from the expected gain or risk)."""

    topic: str
    title: str
    current: str | None = None
    suggested: str
    confidence: Level
    priority: Level
    rationale: str
    evidence: Evidence
    # Added: the expected accuracy gain (or risk, or time saved) the priority was read from,
    # in the unit `expected_gain_unit` names; None where the topic has no such figure.
    expected_gain: Finite = None
    expected_gain_unit: str | None = None


class InsufficientData(Record):
    """A topic with no recommendation, and why: too few trials or epochs, a figure the run did
    not record, or a test that found no significant signal."""

    topic: str
    reason: str


class RecommendationReport(Record):
    """Every topic of one run: either among `recommendations` or among `insufficient`."""

    run: str
    recommendations: list[Recommendation] = []
    insufficient: list[InsufficientData] = []
    # Added: what the historical topic read (past runs on the same dataset) and what it could
    # not (an unreadable run folder is named here, never silently left out).
    past_runs: list[str] = []
    notes: list[str] = []
