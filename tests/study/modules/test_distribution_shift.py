"""Distribution-shift module on real tiny models: the mean drop of a known curve, the
unshifted level at the clean accuracy, the text shifts and the unavailable path."""

from __future__ import annotations

import numpy as np
import pytest

from healthopt.data.corruptions import IMAGE_SHIFTS, TEXT_SHIFTS
from healthopt.records import Mode
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import distribution_shift
from healthopt.study.modules.curves import LevelCurve
from healthopt.study.modules.distribution_shift import mean_drop

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def image_run(tiny_image_study):
    context = AnalysisContext(*tiny_image_study)
    return context, distribution_shift.run(context)


def test_mean_drop_averages_the_shifted_levels_on_both_sides_of_the_identity():
    brightness = IMAGE_SHIFTS["brightness"]  # levels 1.0, 0.5, 0.75, 1.25, 1.5
    curve = LevelCurve(brightness, (0.5, 0.75, 1.0, 1.25, 1.5), {})
    assert curve.identity_index == 2
    assert mean_drop(curve, (0.5, 0.7, 0.9, 0.8, 0.6)) == pytest.approx(0.9 - 0.65)
    assert mean_drop(curve, (0.9, 0.9, 0.9, 0.9, 0.9)) == pytest.approx(0.0)
    # a shift that helps gives a negative drop
    assert mean_drop(curve, (1.0, 1.0, 0.8, 1.0, 1.0)) == pytest.approx(-0.2)


def test_image_shifts_measure_every_model_at_every_level(image_run):
    context, result = image_run
    assert result.available and result.name == "distribution_shift"
    data = result.data
    assert set(data.shifts) == set(IMAGE_SHIFTS)
    for name, shift in data.shifts.items():
        assert shift.values == sorted(IMAGE_SHIFTS[name].levels)
        assert shift.identity == IMAGE_SHIFTS[name].identity
    for mode in context.modes:
        for mut in context.models[mode]:
            model = data.models[mut.key]
            clean = context.holdout_accuracy(mut)
            assert model.clean_accuracy == pytest.approx(clean)
            for name, accuracy in model.accuracy.items():
                values = data.shifts[name].values
                identity = values.index(IMAGE_SHIFTS[name].identity)
                assert accuracy[identity] == pytest.approx(clean)
                shifted = [a for i, a in enumerate(accuracy) if i != identity]
                assert model.mean_drop[name] == pytest.approx(clean - np.mean(shifted))
            assert model.mean_drop_overall == pytest.approx(np.mean(list(model.mean_drop.values())))
    # a 90 degree rotation of digits costs every model accuracy
    for model in data.models.values():
        assert model.accuracy["rotation"][-1] < model.clean_accuracy


def test_image_shifts_compare_the_modes_and_draw_the_curves(image_run):
    context, result = image_run
    metrics = {t.metric for t in result.tests}
    assert "distribution shift mean accuracy drop" in metrics
    assert {f"mean accuracy drop {n}" for n in IMAGE_SHIFTS} <= metrics
    for test in result.tests:
        for p in (test.primary.p_value, test.secondary.p_value):
            assert p is None or 0.0 <= p <= 1.0
    assert len(result.tables[0].rows) == len(IMAGE_SHIFTS) + 1
    assert [row[0] for row in result.tables[1].rows] == [
        context.best[mode].label for mode in context.modes
    ]
    assert [f.path for f in result.figures] == [
        "figures/distribution_shift_curves.png",
        "figures/distribution_shift_drops.png",
    ]
    for figure in result.figures:
        assert (context.paths.analysis_dir / figure.path).read_bytes()[:8] == PNG
    assert 2 <= len(result.summary) <= 5
    result.to_json_text()


def test_text_shifts(text_context):
    result = distribution_shift.run(text_context)
    assert result.available
    assert set(result.data.shifts) == set(TEXT_SHIFTS)
    for model in result.data.models.values():
        for accuracy in model.accuracy.values():
            assert accuracy[0] == pytest.approx(model.clean_accuracy)  # identity is 0
    result.to_json_text()


def test_unavailable_when_a_mode_has_no_model(tiny_text_study):
    metadata, paths = tiny_text_study
    kept = [r for r in metadata.runs if r.mode is Mode.HEALTH_AWARE]
    result = distribution_shift.run(AnalysisContext(metadata.with_updates(runs=kept), paths))
    assert not result.available and "both modes" in result.reason


def test_tabular_data_has_no_corruptions_and_says_so(tiny_tabular_study):
    result = distribution_shift.run(AnalysisContext(*tiny_tabular_study))
    assert not result.available
    assert result.reason.startswith("Distribution shift does not apply:")
    assert "tabular" in result.reason
