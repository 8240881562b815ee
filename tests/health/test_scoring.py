from __future__ import annotations

import pytest

from healthopt.config import DEFAULT_HEALTH_PROPORTIONS, ScoringWeights
from healthopt.health.scoring import (
    ACCURACY_ONLY,
    NO_CHANCE_LEVEL,
    SKILL_GATED,
    SKILL_GATED_MISSING_AS_ZERO,
    component_mix,
    composite_health,
    health_term,
    skill,
    total_score,
)
from healthopt.records import HealthValues, ScoreParts, TrialRecord

HEALTH = HealthValues(
    neuron_utilization=0.9,
    parameter_efficiency=0.4,
    training_stability=0.8,
    gradient_health=0.7,
    convergence_quality=0.6,
    accuracy_consistency=0.95,
)
HEALTH_AWARE = ScoringWeights.for_mode("health-aware")
CHANCE = 0.1  # ten balanced classes


def _changed(**values):
    return HEALTH.model_copy(update=values)


def _mixed(health: HealthValues) -> float:
    return sum(DEFAULT_HEALTH_PROPORTIONS[n] * v for n, v in health.measured().items())


def test_skill_is_the_way_from_chance_to_perfect():
    assert skill(0.1, 0.1) == 0.0
    assert skill(0.05, 0.1) == 0.0  # below chance is no skill, never negative
    assert skill(0.55, 0.1) == pytest.approx(0.5)
    assert skill(1.0, 0.1) == 1.0
    assert skill(0.75, 0.5) == pytest.approx(0.5)  # a two-class split with even classes


def test_total_mixes_accuracy_with_health_gated_by_skill():
    result = total_score(0.92, HEALTH, HEALTH_AWARE, CHANCE)
    gate = (0.92 - 0.1) / 0.9
    assert result.raw_health == pytest.approx(_mixed(HEALTH))
    assert result.skill == pytest.approx(gate)
    assert result.health == pytest.approx(gate * _mixed(HEALTH))
    assert result.total == pytest.approx(0.7 * 0.92 + 0.3 * gate * _mixed(HEALTH))
    assert result.rule == SKILL_GATED and result.missing_components == []


def test_a_model_at_or_below_chance_has_no_health_however_its_components_read():
    for accuracy in (0.1, 0.067, 0.0):
        result = total_score(accuracy, HEALTH, HEALTH_AWARE, CHANCE)
        assert result.health == 0.0 and result.raw_health == pytest.approx(_mixed(HEALTH))
        assert result.total == pytest.approx(0.7 * accuracy)


def test_the_below_chance_counter_example_no_longer_outranks_a_model_above_it():
    # The digits run: trial 1 (val 0.067, components 0.632) outranked trial 2
    # (val 0.103, components 0.526) on main, 0.236 against 0.230.
    below = total_score(0.067, _flat(0.632), HEALTH_AWARE, CHANCE)
    above = total_score(0.103, _flat(0.526), HEALTH_AWARE, CHANCE)
    assert above.total > below.total


def _flat(value: float) -> HealthValues:
    return HealthValues.model_validate({name: value for name in DEFAULT_HEALTH_PROPORTIONS})


def test_simple_weights_score_accuracy_only():
    result = total_score(0.92, HEALTH, ScoringWeights.for_mode("simple"), CHANCE)
    assert result.total == 0.92 and result.rule == ACCURACY_ONLY


def test_a_missing_component_counts_as_zero_and_keeps_its_weight():
    health = _changed(training_stability=None)
    result = total_score(0.9, health, HEALTH_AWARE, CHANCE)
    assert result.missing_components == ["training_stability"]
    assert result.component_weights_used == DEFAULT_HEALTH_PROPORTIONS
    assert result.raw_health == pytest.approx(_mixed(health))  # its 0.2 share scores nothing
    assert result.rule == SKILL_GATED_MISSING_AS_ZERO
    assert result.total < total_score(0.9, HEALTH, HEALTH_AWARE, CHANCE).total
    parts = result.parts()
    assert parts.rule == SKILL_GATED_MISSING_AS_ZERO and parts.total == result.total
    assert ScoreParts.from_json(parts.to_json()) == parts


def test_missing_health_never_beats_measured_health():
    # The counter-example: accuracy 0.90 with no health scored 0.900 on main and
    # beat accuracy 0.92 with health 0.8 (0.884).
    unmeasured = total_score(0.90, HealthValues(), HEALTH_AWARE, CHANCE)
    measured = total_score(0.92, _flat(0.8), HEALTH_AWARE, CHANCE)
    assert unmeasured.health == 0.0 and unmeasured.rule == SKILL_GATED_MISSING_AS_ZERO
    assert measured.total > unmeasured.total
    # At equal accuracy any measured health beats none.
    assert total_score(0.9, _flat(0.01), HEALTH_AWARE, CHANCE).total > unmeasured.total


def test_without_a_chance_level_health_counts_nothing():
    result = total_score(0.9, HEALTH, HEALTH_AWARE, None)
    assert result.rule == NO_CHANCE_LEVEL and result.skill is None
    assert result.health == 0.0 and result.total == pytest.approx(0.7 * 0.9)


def test_a_single_component_weight_uses_only_that_component():
    weights = ScoringWeights(0.7, 0.3, {"gradient_health": 1.0})
    result = total_score(1.0, HEALTH, weights, CHANCE)
    assert result.total == pytest.approx(0.7 + 0.3 * 0.7)


def _record(**fields):
    """One results.json trial, as a file written today holds it."""
    return TrialRecord.from_json({"number": 0, "state": "COMPLETE", **fields})


def test_composite_health_is_the_scored_term_or_the_default_gated_one():
    scored = _record(score={"health": 0.42, "rule": SKILL_GATED}, health={"gradient_health": 1.0})
    assert composite_health(scored) == 0.42
    # Simple mode: health carried no weight; the default shares, gated by the trial's skill.
    two = {"neuron_utilization": 1.0, "gradient_health": 1.0}
    metrics = {"val_accuracy": 0.55, "chance_accuracy": 0.1}
    simple = _record(health=two, metrics=metrics)
    assert composite_health(simple) == pytest.approx(0.5 * (0.25 + 0.15))
    at_chance = _record(health=two, metrics={"val_accuracy": 0.1, "chance_accuracy": 0.1})
    assert composite_health(at_chance) == 0.0
    # A trial from before chance was recorded: its old, ungated health is not restated.
    assert composite_health(_record(score={"health": 0.9}, health=two)) is None
    assert composite_health(_record()) is None


def test_health_term_uses_the_weights_component_mix():
    record = _record(health=HEALTH.to_json(), metrics={"val_accuracy": 1.0, "chance_accuracy": 0.1})
    only_gradients = ScoringWeights(0.5, 0.5, {"gradient_health": 1.0})
    assert health_term(record, only_gradients) == pytest.approx(0.7)
    assert health_term(_record(), only_gradients) is None


def test_component_mix_is_the_default_shares_before_the_gate():
    assert component_mix(HEALTH) == pytest.approx(_mixed(HEALTH))
    assert component_mix(HealthValues(gradient_health=1.0)) == pytest.approx(0.15)
    assert component_mix(HealthValues()) is None
