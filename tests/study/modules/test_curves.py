"""The shared per-model helpers: mode comparisons over model keys and their wording."""

from __future__ import annotations

import pytest

from healthopt.data.corruptions import IMAGE_SHIFTS
from healthopt.records import Mode
from healthopt.study.context import AnalysisContext
from healthopt.study.modules.curves import (
    compare_modes,
    comparison_row,
    evaluate_levels,
    significance_sentence,
)


def _values(context: AnalysisContext, accuracy_only, health_aware):
    models = context.models
    return {
        **{m.key: v for m, v in zip(models[Mode.SIMPLE], accuracy_only, strict=True)},
        **{m.key: v for m, v in zip(models[Mode.HEALTH_AWARE], health_aware, strict=True)},
    }


def test_compare_modes_pairs_runs_by_index(image_context):
    comparison = compare_modes(image_context, "m", _values(image_context, [0.5, 0.7], [0.6, 0.9]))
    assert comparison.paired and comparison.primary.name == "paired t-test"
    assert comparison.difference == pytest.approx(0.15)
    assert comparison_row("M", comparison)[:4] == ["M", 0.6, 0.75, pytest.approx(0.15)]


def test_a_missing_value_drops_the_design_to_unpaired(image_context):
    comparison = compare_modes(image_context, "m", _values(image_context, [0.5, None], [0.6, 0.9]))
    assert not comparison.paired and comparison.a.n == 1 and comparison.b.n == 2
    missing = _values(image_context, [None, None], [0.6, 0.9])
    assert compare_modes(image_context, "m", missing) is None
    assert comparison_row("M", None) == ["M", None, None, None, None]


def test_significance_sentence_names_the_smallest_p(image_context):
    same = compare_modes(image_context, "m", _values(image_context, [0.5, 0.7], [0.5, 0.7]))
    assert significance_sentence({"a": same, "b": None}, "per-x") == (
        "No per-x difference is significant (smallest p = 1, a)."
    )


def test_evaluate_levels_keeps_level_order_and_reuses_clean_predictions(image_context):
    contrast = IMAGE_SHIFTS["contrast"]
    curve = evaluate_levels(image_context, contrast)
    assert curve.values == (0.5, 0.75, 1.0, 1.25, 1.5) and curve.identity_index == 2
    for mut in image_context.models[Mode.SIMPLE]:
        assert curve.of(mut)[2] == image_context.holdout_accuracy(mut)
