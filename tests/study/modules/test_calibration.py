"""The calibration module on real tiny models: ECE, Brier and separation are the analysis
library's numbers for each model, figures are written, and the text and unavailable paths."""

from __future__ import annotations

import numpy as np
import pytest

from healthopt.analysis.calibration import brier_score, expected_calibration_error
from healthopt.records import Mode
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import calibration
from healthopt.study.modules.calibration import confidence_separation

PNG = b"\x89PNG"


def _assert_figures(context: AnalysisContext, result) -> None:
    for figure in result.figures:
        path = context.paths.analysis_dir / figure.path
        assert path.read_bytes()[:4] == PNG
        assert figure.caption


def _assert_p_values(result) -> None:
    for record in result.tests:
        for test in (record.primary, record.secondary):
            assert test.p_value is None or 0.0 <= test.p_value <= 1.0


def test_image_study_measures_every_model_and_draws_both_figures(image_context):
    result = calibration.run(image_context)

    assert result.available and result.name == "calibration" and result.title == "Calibration"
    assert len(result.figures) == 2
    _assert_figures(image_context, result)
    assert [t.metric for t in result.tests] == ["ece", "brier", "separation"]
    _assert_p_values(result)
    assert 2 <= len(result.summary) <= 5
    result.to_json_text()
    assert [len(result.data.models[mode]) for mode in image_context.modes] == [2, 2]


def test_numbers_equal_the_calibration_library_on_holdout_predictions(image_context):
    result = calibration.run(image_context)
    y = image_context.dataset.holdout.y

    for mode in image_context.modes:
        for mut, measured in zip(image_context.models[mode], result.data.models[mode], strict=True):
            probs = image_context.holdout_probabilities(mut)
            assert measured.label == mut.label
            assert measured.ece == pytest.approx(expected_calibration_error(probs, y, 10))
            assert measured.brier == pytest.approx(brier_score(probs, y))
            conf, correct = probs.max(axis=1), probs.argmax(axis=1) == y
            assert measured.num_errors == int((~correct).sum())
            if correct.all():
                assert measured.separation is None
            else:
                expected = conf[correct].mean() - conf[~correct].mean()
                assert measured.separation == pytest.approx(expected)
            assert sum(b.count for b in measured.bins) == len(y)
        selected = result.data.selected[mode]
        assert selected.label == image_context.best[mode].label


def test_comparison_table_holds_the_mode_means(image_context):
    result = calibration.run(image_context)
    table = result.tables[0]
    ece = next(row for row in table.rows if row[0] == "ECE")

    for column, mode in ((1, Mode.SIMPLE), (2, Mode.HEALTH_AWARE)):
        values = [m.ece for m in result.data.models[mode]]
        assert ece[column] == pytest.approx(np.mean(values))
    assert ece[3] == pytest.approx(ece[2] - ece[1])


def test_confidence_separation_on_crafted_predictions():
    conf = np.array([0.9, 0.8, 0.6, 0.4])
    assert confidence_separation(conf, np.array([1, 1, 0, 0])) == pytest.approx(0.35)
    assert confidence_separation(conf, np.ones(4)) is None
    assert confidence_separation(conf, np.zeros(4)) is None


def test_text_study(text_context):
    result = calibration.run(text_context)

    assert result.available
    _assert_figures(text_context, result)
    _assert_p_values(result)
    for measured in result.data.models[Mode.HEALTH_AWARE]:
        assert 0.0 <= measured.ece <= 1.0 and 0.0 <= measured.brier <= 2.0


def test_unavailable_without_a_health_aware_model(tiny_image_study):
    metadata, paths = tiny_image_study
    runs = [r for r in metadata.runs if r.mode is Mode.SIMPLE]
    context = AnalysisContext(metadata.with_updates(runs=runs), paths)

    result = calibration.run(context)

    assert not result.available and result.reason and result.figures == []
