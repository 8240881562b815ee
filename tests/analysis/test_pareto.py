"""Pareto fronts on crafted point sets, including ties and missing values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from healthopt.analysis.pareto import front_names, pareto_front

OBJECTIVES = {"accuracy": "max", "loss": "min"}


def _by_name(front):
    return {p.name: p for p in front}


def test_mixed_directions():
    points = {
        "a": {"accuracy": 0.9, "loss": 0.3},
        "b": {"accuracy": 0.8, "loss": 0.2},
        "c": {"accuracy": 0.7, "loss": 0.4},  # worse than a, b and d in both
        "d": {"accuracy": 0.85, "loss": 0.35},  # worse than a; b has lower loss
    }
    front = pareto_front(points, OBJECTIVES)
    assert [p.name for p in front] == ["a", "b", "c", "d"]
    assert front_names(front) == ["a", "b"]
    got = _by_name(front)
    assert got["c"].dominated_by == ["a", "b", "d"]
    assert got["d"].dominated_by == ["a"]
    assert got["a"].dominated_by == [] and got["a"].excluded is None


def test_ties_stay_on_the_front_and_equal_in_one_objective_still_dominates():
    points = {
        "a": {"accuracy": 0.9, "loss": 0.3},
        "twin": {"accuracy": 0.9, "loss": 0.3},
        "worse_loss": {"accuracy": 0.9, "loss": 0.5},
    }
    got = _by_name(pareto_front(points, OBJECTIVES))
    assert got["a"].on_front and got["twin"].on_front
    assert got["worse_loss"].dominated_by == ["a", "twin"]


def test_missing_values_are_excluded_and_dominate_nothing():
    points = {
        "a": {"accuracy": 0.5, "loss": 0.5},
        "none": {"accuracy": 1.0, "loss": None},
        "nan": {"accuracy": 1.0, "loss": float("nan")},
        "absent": {"accuracy": 1.0},
        "inf": {"accuracy": math.inf, "loss": 0.0},
    }
    got = _by_name(pareto_front(points, OBJECTIVES))
    assert got["a"].on_front and got["a"].dominated_by == []
    for name in ("none", "nan", "absent", "inf"):
        assert not got[name].on_front and got[name].dominated_by == []
    assert got["absent"].excluded == "missing or non-finite: loss"
    assert got["inf"].excluded == "missing or non-finite: accuracy"


def test_single_objective_front_is_the_best_values():
    points = {"a": {"s": 1.0}, "b": {"s": 3.0}, "c": {"s": 3.0}, "d": {"s": 2.0}}
    assert front_names(pareto_front(points, {"s": "max"})) == ["b", "c"]
    assert front_names(pareto_front(points, {"s": "min"})) == ["a"]


def test_matches_a_brute_force_definition_on_random_ties():
    rng = np.random.default_rng(0)
    objectives = {"x": "max", "y": "min", "z": "max"}
    points = {
        f"p{i}": {k: float(v) for k, v in zip(objectives, rng.integers(0, 4, size=3), strict=True)}
        for i in range(40)
    }

    def better(a, b):
        sign = {"max": 1, "min": -1}
        ge = all(sign[d] * a[k] >= sign[d] * b[k] for k, d in objectives.items())
        gt = any(sign[d] * a[k] > sign[d] * b[k] for k, d in objectives.items())
        return ge and gt

    for point in pareto_front(points, objectives):
        expected = [n for n, p in points.items() if better(p, points[point.name])]
        assert point.dominated_by == expected
        assert point.on_front == (not expected)


def test_bad_objectives_raise():
    with pytest.raises(ValueError, match="'max' or 'min'"):
        pareto_front({"a": {"x": 1.0}}, {"x": "maximize"})
    with pytest.raises(ValueError, match="at least one objective"):
        pareto_front({"a": {"x": 1.0}}, {})


def test_empty_input_and_json():
    assert pareto_front({}, OBJECTIVES) == []
    front = pareto_front({"a": {"accuracy": 0.9, "loss": 0.1}, "b": {"accuracy": None}}, OBJECTIVES)
    out = [p.to_json().to_json() for p in front]
    assert out[1]["values"] == {"accuracy": None, "loss": None}
    assert json.loads(json.dumps(out, allow_nan=False)) == out
