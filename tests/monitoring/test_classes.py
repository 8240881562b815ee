"""Seed 001's seven behaviour classes: each rule on crafted metrics, the seed's order, the
Alchemist guard that lets Trickster fire, and the summary class over a run."""

from __future__ import annotations

import itertools

import pytest

from healthopt.monitoring.classes import RULES, changes, classify, summary_class
from healthopt.records.monitoring import LAYER_CLASSES, LayerMetrics

from .crafted import BALANCED


def classed(**figures: float) -> str | None:
    return classify(LayerMetrics(**{**BALANCED, **figures}))[0]


def seed_literal(m: dict[str, float]) -> str:
    """Seed 001's `classify_layer`, as the seed writes it."""
    L, FD, H, rho = m["luminosity"], m["fracture_density"], m["entropy"], m["resilience"]
    if H > 0.8 and FD > 0.7:
        return "Oracle"
    elif rho > 0.9 and L > 0.7:
        return "Sentinel"
    elif m["variance"] > 0.8:
        return "Alchemist"
    elif H < 0.3 and rho > 0.8:
        return "Archivist"
    elif m["variance"] > 0.9 and rho < 0.5:
        return "Trickster"
    elif L > 0.9:
        return "Luminary"
    else:
        return "Wanderer"


def test_entropy_above_0_8_and_fracture_above_0_7_is_oracle():
    assert classify(LayerMetrics(**{**BALANCED, "entropy": 0.85, "fracture_density": 0.75})) == (
        "Oracle",
        "entropy > 0.8 and fracture_density > 0.7",
    )


def test_resilience_above_0_9_and_luminosity_above_0_7_is_sentinel():
    assert classed(resilience=0.95, luminosity=0.75) == "Sentinel"


def test_variance_above_0_8_with_resilience_at_least_0_5_is_alchemist():
    assert classed(variance=0.85, resilience=0.6) == "Alchemist"
    assert classed(variance=0.95, resilience=0.5) == "Alchemist"  # the guard includes 0.5


def test_entropy_below_0_3_and_resilience_above_0_8_is_archivist():
    assert classed(entropy=0.2, resilience=0.85) == "Archivist"


def test_variance_above_0_9_and_resilience_below_0_5_is_trickster():
    assert classify(LayerMetrics(**{**BALANCED, "variance": 0.95, "resilience": 0.4})) == (
        "Trickster",
        "variance > 0.9 and resilience < 0.5",
    )


def test_luminosity_above_0_9_is_luminary():
    assert classed(luminosity=0.95) == "Luminary"


def test_balanced_metrics_are_wanderer():
    assert classify(LayerMetrics(**BALANCED)) == (
        "Wanderer",
        "no rule above fired (balanced metrics)",
    )


def test_the_seven_rules_are_tried_in_the_seeds_order():
    assert tuple(rule.layer_class for rule in RULES) == LAYER_CLASSES


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"entropy": 0.85, "fracture_density": 0.75, "luminosity": 0.95}, "Oracle"),  # Luminary
        (
            {"entropy": 0.85, "fracture_density": 0.75, "resilience": 0.95, "luminosity": 0.8},
            "Oracle",
        ),
        ({"resilience": 0.95, "luminosity": 0.95}, "Sentinel"),  # not Luminary
        ({"variance": 0.85, "entropy": 0.2, "resilience": 0.85}, "Alchemist"),  # not Archivist
        ({"variance": 0.95, "resilience": 0.4, "luminosity": 0.95}, "Trickster"),  # not Luminary
    ],
    ids=[
        "oracle_before_luminary",
        "oracle_before_sentinel",
        "sentinel_before_luminary",
        "alchemist_before_archivist",
        "trickster_before_luminary",
    ],
)
def test_a_layer_meeting_two_rules_gets_the_earlier_one(figures, expected):
    assert classed(**figures) == expected


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"entropy": 0.8, "fracture_density": 0.75}, "Wanderer"),  # Oracle needs entropy > 0.8
        ({"entropy": 0.85, "fracture_density": 0.7}, "Wanderer"),  # and fracture > 0.7
        ({"resilience": 0.9, "luminosity": 0.75}, "Wanderer"),  # Sentinel: resilience > 0.9
        ({"resilience": 0.95, "luminosity": 0.7}, "Wanderer"),  # and luminosity > 0.7
        ({"variance": 0.8, "resilience": 0.6}, "Wanderer"),  # Alchemist: variance > 0.8
        ({"entropy": 0.3, "resilience": 0.85}, "Wanderer"),  # Archivist: entropy < 0.3
        ({"entropy": 0.2, "resilience": 0.8}, "Wanderer"),  # and resilience > 0.8
        ({"variance": 0.9, "resilience": 0.4}, "Wanderer"),  # Trickster: variance > 0.9
        ({"luminosity": 0.9}, "Wanderer"),  # Luminary: luminosity > 0.9
    ],
    ids=[
        "entropy_0_8",
        "fracture_0_7",
        "resilience_0_9",
        "luminosity_0_7",
        "variance_0_8",
        "entropy_0_3",
        "resilience_0_8",
        "variance_0_9",
        "luminosity_0_9",
    ],
)
def test_a_metric_exactly_at_its_threshold_does_not_fire_the_rule(figures, expected):
    assert classed(**figures) == expected


def test_the_seeds_literal_rules_never_reach_trickster_and_ours_differ_only_there():
    """Over a grid straddling every threshold: the seed's order as written gives Trickster
    nowhere (Alchemist takes every layer with variance > 0.8 first); ours gives it, and
    agrees with the seed everywhere except where the seed said Alchemist with resilience
    under 0.5."""
    grid = {
        "entropy": (0.2, 0.5, 0.85),
        "fracture_density": (0.5, 0.75),
        "resilience": (0.3, 0.5, 0.85, 0.95),
        "luminosity": (0.5, 0.75, 0.95),
        "variance": (0.5, 0.85, 0.95),
    }
    ours_anywhere, seed_anywhere = set(), set()
    for values in itertools.product(*grid.values()):
        figures = dict(zip(grid, values, strict=True))
        seed, ours = seed_literal(figures), classed(**figures)
        seed_anywhere.add(seed)
        ours_anywhere.add(ours)
        if seed != ours:
            assert seed == "Alchemist" and figures["resilience"] < 0.5, figures
            assert ours in {"Trickster", "Luminary", "Wanderer"}, figures
    assert "Trickster" not in seed_anywhere
    assert ours_anywhere == set(LAYER_CLASSES)


def test_missing_metrics_leave_the_layer_unclassed_with_the_reason():
    assert classify(LayerMetrics(luminosity=0.5, fracture_density=0.5, variance=0.5)) == (
        None,
        "not classed: entropy, resilience not recorded",
    )


@pytest.mark.parametrize("sparsity", [None, 0.0, 1.0])
def test_sparsity_is_not_read_by_any_rule(sparsity):
    oracle = {**BALANCED, "entropy": 0.85, "fracture_density": 0.75}
    assert classify(LayerMetrics(**oracle, sparsity=sparsity))[0] == "Oracle"


def test_the_summary_class_is_the_most_frequent_with_its_share():
    assert summary_class(["Oracle", "Wanderer", "Oracle", "Oracle"]) == ("Oracle", 0.75)


def test_a_tie_goes_to_the_class_held_last():
    assert summary_class(["Oracle", "Oracle", "Sentinel", "Sentinel"]) == ("Sentinel", 0.5)
    assert summary_class(["Sentinel", "Oracle", "Oracle", "Sentinel"]) == ("Sentinel", 0.5)


def test_unclassed_epochs_count_in_the_share_but_never_win():
    assert summary_class([None, None, "Archivist"]) == ("Archivist", pytest.approx(1 / 3))
    assert summary_class([None, None]) == (None, None)


def test_class_changes_count_each_switch_between_classed_epochs():
    assert changes(["Oracle", "Oracle", "Sentinel", "Oracle"]) == 2
    assert changes(["Oracle", None, "Oracle"]) == 0  # an unclassed epoch is no change
    assert changes([]) == 0
