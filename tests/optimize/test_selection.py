"""The run's choice, on crafted trials: properties (a)-(c) of issue 20, and pareto's rules."""

from __future__ import annotations

import itertools

import pytest

from healthopt.config import DEFAULT_HEALTH_PROPORTIONS, OptimizationConfig, ScoringWeights
from healthopt.health.scoring import total_score
from healthopt.optimize.selection import knee, select
from healthopt.records import HealthValues, Mode, TrialMetrics, TrialRecord

CHANCE = 0.1


def _trial(number: int, accuracy: float, health: float | None, weights: ScoringWeights):
    """A completed trial scored as the optimizer scores it; `health` sets every component
    (None: none could be computed)."""
    values = HealthValues.model_validate(
        {name: health for name in DEFAULT_HEALTH_PROPORTIONS} if health is not None else {}
    )
    score = total_score(accuracy, values, weights, CHANCE)
    return TrialRecord(
        number=number,
        state="COMPLETE",
        value=score.total,
        total_score=score.total,
        metrics=TrialMetrics(val_accuracy=accuracy, chance_accuracy=CHANCE),
        health=values,
        score=score.parts(),
    )


def _config(mode: Mode = Mode.HEALTH_AWARE, weights: ScoringWeights | None = None, **extra):
    return OptimizationConfig(mode=mode, scoring_weights=weights, **extra)


def _chosen(records, config) -> int | None:
    return select(records, config, None)[0].trial


WEIGHT_GRID = [
    ScoringWeights(acc, round(1 - acc, 10), {name: 1.0})
    for acc in (0.0, 0.3, 0.7, 1.0)
    for name in ("gradient_health", "neuron_utilization")
] + [ScoringWeights(acc, round(1 - acc, 10)) for acc in (0.0, 0.1, 0.5, 0.9)]


@pytest.mark.parametrize("weights", WEIGHT_GRID)
def test_a_a_trial_at_chance_never_outranks_one_clearly_above_it(weights):
    for chance_health, learned_health, learned_accuracy in itertools.product(
        (1.0, 0.6, 0.0), (1.0, 0.3, 0.0, None), (0.3, 0.9)
    ):
        at_chance = _trial(0, CHANCE, chance_health, weights)
        below = _trial(1, 0.067, chance_health, weights)
        learned = _trial(2, learned_accuracy, learned_health, weights)
        assert learned.total_score >= at_chance.total_score
        assert learned.total_score >= below.total_score
        config = _config(weights=weights)
        ranking = select([at_chance, below, learned], config, None)[1]
        assert ranking[0] == 2, (weights, chance_health, learned_health, learned_accuracy)


def test_b_within_the_margin_the_healthier_ranks_first_under_the_default_weights():
    config = _config()
    assert config.accuracy_margin == 0.01
    weights = config.scoring_weights
    # Seed 002's example, and a health lead far too small to win a weighted sum.
    for (acc_a, health_a), (acc_b, health_b) in [
        ((0.945, 0.60), (0.938, 0.80)),
        ((0.950, 0.700), (0.940, 0.701)),
        ((0.990, 0.20), (0.985, 0.90)),
    ]:
        accurate = _trial(0, acc_a, health_a, weights)
        healthier = _trial(1, acc_b, health_b, weights)
        selection, ranking = select([accurate, healthier], config, None)
        assert ranking == [1, 0] and selection.trial == 1
        assert selection.rule == "healthiest_within_margin" and selection.accuracy_margin == 0.01


def test_b_beyond_the_margin_accuracy_decides_and_the_margin_is_a_setting():
    weights = ScoringWeights.for_mode("health-aware")
    accurate = _trial(0, 0.95, 0.5, weights)
    healthier = _trial(1, 0.93, 0.9, weights)
    assert _chosen([accurate, healthier], _config()) == 0
    assert _chosen([accurate, healthier], _config(accuracy_margin=0.03)) == 1
    # Outside the margin the rest follow by total score.
    worse = _trial(2, 0.80, 1.0, weights)
    worst = _trial(3, 0.50, 1.0, weights)
    assert select([worst, accurate, worse, healthier], _config(), None)[1] == [0, 1, 2, 3]


@pytest.mark.parametrize("mode", [Mode.HEALTH_AWARE, Mode.PARETO])
def test_c_missing_health_never_wins(mode):
    weights = ScoringWeights.for_mode("health-aware")
    unmeasured = _trial(0, 0.95, None, weights)
    measured = _trial(1, 0.945, 0.3, weights)
    config = _config(mode, pareto_choice="weights") if mode is Mode.PARETO else _config()
    # Both are on a front: 0 is more accurate, 1 healthier.
    front = [0, 1] if mode is Mode.PARETO else None
    assert select([unmeasured, measured], config, front)[0].trial == 1
    # The counter-example, in health-aware mode: 0.90 without health against 0.92.
    assert _chosen([_trial(0, 0.90, None, weights), _trial(1, 0.92, 0.8, weights)], _config()) == 1


def test_simple_mode_chooses_the_best_accuracy_and_the_earlier_of_a_tie():
    weights = ScoringWeights()
    records = [_trial(0, 0.9, 0.1, weights), _trial(1, 0.95, 0.0, weights)]
    records.append(_trial(2, 0.95, 1.0, weights))
    selection, ranking = select(records, _config(Mode.SIMPLE), None)
    assert selection.rule == "best_score" and ranking == [1, 2, 0]


def test_the_knee_is_the_front_member_nearest_the_ideal_point():
    weights = ScoringWeights.for_mode("pareto")
    front = [
        _trial(0, 0.99, 0.10, weights),
        _trial(1, 0.97, 0.70, weights),  # the knee: little accuracy for much health
        _trial(2, 0.90, 0.75, weights),
    ]
    assert knee(front).number == 1
    assert knee(front[:1]).number == 0
    # Two members are the two ends of the front; the tie goes to the more accurate.
    assert knee([front[2], front[0]]).number == 0


def test_pareto_chooses_by_weights_when_given_else_the_knee():
    weights = ScoringWeights(0.2, 0.8)
    records = [
        _trial(0, 0.99, 0.10, weights),
        _trial(1, 0.97, 0.70, weights),
        _trial(2, 0.90, 0.95, weights),
        _trial(3, 0.50, 0.20, weights),  # dominated
    ]
    front = [0, 1, 2]
    by_knee, ranking = select(records, _config(Mode.PARETO, weights), front)
    assert by_knee.rule == "pareto_knee" and by_knee.trial == 1 and ranking[0] == 1
    by_weights = select(records, _config(Mode.PARETO, weights, pareto_choice="weights"), front)
    assert by_weights[0].rule == "pareto_weights" and by_weights[0].trial == 2
    assert select([], _config(Mode.PARETO), [])[0].trial is None
