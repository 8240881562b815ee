from __future__ import annotations

import pytest

from healthopt.config import DEFAULT_HEALTH_PROPORTIONS, ScoringWeights
from healthopt.health.scoring import composite_health, default_health, total_score
from healthopt.records import HealthValues, ScoreParts, TrialRecord

HEALTH = HealthValues(
    neuron_utilization=0.9,
    parameter_efficiency=0.4,
    training_stability=0.8,
    gradient_health=0.7,
    convergence_quality=0.6,
    accuracy_consistency=0.95,
)


def _changed(**values):
    return HEALTH.model_copy(update=values)


def test_total_is_the_three_tier_weighted_sum():
    weights = ScoringWeights.for_mode("health-aware")
    result = total_score(0.92, HEALTH, weights)
    health = sum(DEFAULT_HEALTH_PROPORTIONS[n] * v for n, v in HEALTH.measured().items())
    assert result.health == pytest.approx(health)
    assert result.total == pytest.approx(0.7 * 0.92 + 0.3 * health)
    assert result.missing_components == []


def test_simple_weights_score_accuracy_only():
    result = total_score(0.92, HEALTH, ScoringWeights.for_mode("simple"))
    assert result.total == 0.92 and result.health is None


def test_a_missing_component_shares_its_weight_among_the_others():
    health = _changed(training_stability=None)
    result = total_score(0.9, health, ScoringWeights.for_mode("health-aware"))
    assert result.missing_components == ["training_stability"]
    assert "training_stability" not in result.component_weights_used
    assert sum(result.component_weights_used.values()) == pytest.approx(1.0)
    assert result.component_weights_used["neuron_utilization"] == pytest.approx(0.25 / 0.8)
    expected = sum(
        result.component_weights_used[n] * getattr(health, n) for n in result.component_weights_used
    )
    assert result.total == pytest.approx(0.7 * 0.9 + 0.3 * expected)
    # results.json's `score` for the trial: how the total was made.
    parts = result.parts()
    assert parts == ScoreParts(
        health=result.health,
        component_weights_used=result.component_weights_used,
        missing_components=["training_stability"],
    )
    assert ScoreParts.from_json(parts.to_json()) == parts


def test_no_usable_component_leaves_accuracy_alone():
    weights = ScoringWeights(0.6, 0.4, {"gradient_health": 1.0})
    result = total_score(0.8, _changed(gradient_health=None), weights)
    assert result.total == 0.8 and result.health is None
    assert result.missing_components == ["gradient_health"]


def test_a_single_component_weight_uses_only_that_component():
    weights = ScoringWeights(0.7, 0.3, {"gradient_health": 1.0})
    assert total_score(0.9, HEALTH, weights).total == pytest.approx(0.7 * 0.9 + 0.3 * 0.7)


def _record(**fields):
    """One results.json trial, as a file written today holds it."""
    return TrialRecord.from_json({"number": 0, "state": "COMPLETE", **fields})


def test_composite_health_prefers_the_scored_health_then_default_shares():
    scored = _record(score={"health": 0.42}, health={"gradient_health": 1.0})
    assert composite_health(scored) == 0.42
    # Simple mode: no scored health; two components mixed by their default shares 0.25/0.15.
    two = {"neuron_utilization": 1.0, "gradient_health": 0.0}
    assert composite_health(_record(health=two)) == pytest.approx(0.25 / 0.40)
    assert composite_health(_record(score={"health": None}, health=two)) == pytest.approx(
        0.25 / 0.40
    )
    assert composite_health(_record(health={})) is None
    assert composite_health(_record()) is None


def test_default_health_ignores_how_a_run_was_scored():
    two = HealthValues(neuron_utilization=1.0, gradient_health=0.0)
    assert default_health(two) == pytest.approx(0.25 / 0.40)
    assert default_health(HealthValues()) is None
