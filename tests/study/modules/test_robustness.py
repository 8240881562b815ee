"""Robustness module on real tiny models: areas of known curves, clean accuracy at level 0,
the weighted overall score, the text corruptions and the unavailable path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.data.corruptions import IMAGE_CORRUPTIONS, TEXT_CORRUPTIONS
from healthopt.records import Mode
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import robustness
from healthopt.study.modules.robustness import IMAGE_WEIGHTS, normalized_auc, overall_weights

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def image_run(tiny_image_study):
    """One run of the module over the image study, shared by the structural checks."""
    context = AnalysisContext(*tiny_image_study)
    return context, robustness.run(context)


def test_auc_of_a_constant_curve_is_that_constant():
    levels = IMAGE_CORRUPTIONS["gaussian_noise"].levels
    assert normalized_auc(levels, [0.7] * len(levels)) == pytest.approx(0.7)
    assert normalized_auc([0.0], [0.42]) == pytest.approx(0.42)


def test_auc_integrates_over_levels_scaled_by_the_largest():
    assert normalized_auc([0.0, 1.0], [1.0, 0.0]) == pytest.approx(0.5)
    # levels 0, 0.1, 0.3 -> 0, 1/3, 1: 1/3 * 1 + 2/3 * (1 + 0) / 2
    assert normalized_auc([0.0, 0.1, 0.3], [1.0, 1.0, 0.0]) == pytest.approx(2 / 3)
    # the scale of the levels does not matter, their order is restored
    assert normalized_auc([0.0, 30.0, 10.0], [1.0, 0.0, 1.0]) == pytest.approx(2 / 3)


def test_overall_weights():
    image = overall_weights("image", list(IMAGE_CORRUPTIONS))
    assert image == IMAGE_WEIGHTS and sum(image.values()) == pytest.approx(1.0)
    assert overall_weights("text", list(TEXT_CORRUPTIONS)) == {
        "token_dropout": 0.5,
        "char_noise": 0.5,
    }


def test_image_result_measures_every_model_at_every_level(image_run):
    context, result = image_run
    assert result.available and result.name == "robustness"
    data = result.data
    holdout = context.dataset.holdout
    assert set(data.corruptions) == set(IMAGE_CORRUPTIONS)
    keys = {m.key for mode in context.modes for m in context.models[mode]}
    assert set(data.models) == keys and len(keys) == 4
    for name, curve in data.corruptions.items():
        assert curve.values == sorted(IMAGE_CORRUPTIONS[name].levels)
        assert curve.values[0] == 0.0
    for mode in context.modes:
        for mut in context.models[mode]:
            model = data.models[mut.key]
            predicted = mut.model.predict(holdout.x, verbose=0).argmax(axis=1)
            clean = float(np.mean(predicted == holdout.y))
            assert model.clean_accuracy == pytest.approx(clean)
            for name, accuracy in model.accuracy.items():
                assert accuracy[0] == pytest.approx(clean)  # level 0 is the clean holdout
                assert all(0.0 <= a <= 1.0 for a in accuracy)
                assert 0.0 <= model.auc[name] <= 1.0
            weighted = sum(IMAGE_WEIGHTS[n] * auc for n, auc in model.auc.items())
            assert model.overall == pytest.approx(weighted)
            assert model.relative == pytest.approx(model.overall / clean)


def test_a_corrupted_level_is_the_accuracy_on_that_seeded_corruption(image_run):
    context, result = image_run
    holdout = context.dataset.holdout
    noise = IMAGE_CORRUPTIONS["gaussian_noise"]
    x = noise.apply(holdout.x, 0.3, seed=context.seed)
    mut = context.models[Mode.HEALTH_AWARE][0]
    expected = float(np.mean(mut.model.predict(x, verbose=0).argmax(axis=1) == holdout.y))
    values = result.data.corruptions["gaussian_noise"].values
    accuracy = result.data.models[mut.key].accuracy["gaussian_noise"]
    assert accuracy[values.index(0.3)] == pytest.approx(expected)


def test_image_result_reports_comparisons_tables_and_figures(image_run):
    context, result = image_run
    metrics = {t.metric for t in result.tests}
    assert {"robustness overall AUC", "relative robustness"} <= metrics
    assert {f"robustness AUC {n}" for n in IMAGE_CORRUPTIONS} <= metrics
    for test in result.tests:
        assert test.paired is True  # both modes completed runs 0 and 1
        for p in (test.primary.p_value, test.secondary.p_value):
            assert p is None or 0.0 <= p <= 1.0
    table = result.tables[0]
    assert [row[0] for row in table.rows][-2:] == [
        "Overall (weighted)",
        "Relative (overall / clean)",
    ]
    assert len(table.rows) == len(IMAGE_CORRUPTIONS) + 2
    assert len(result.figures) == 2
    for figure in result.figures:
        path = context.paths.analysis_dir / figure.path
        assert Path(path).read_bytes()[:8] == PNG
    assert 2 <= len(result.summary) <= 5
    result.to_json_text()


def test_text_corruptions_score_the_plain_mean(text_context):
    result = robustness.run(text_context)
    assert result.available
    assert set(result.data.corruptions) == set(TEXT_CORRUPTIONS)
    for model in result.data.models.values():
        assert model.overall == pytest.approx(np.mean(list(model.auc.values())))
        for accuracy in model.accuracy.values():
            assert accuracy[0] == pytest.approx(model.clean_accuracy)
    result.to_json_text()


def test_unavailable_when_a_mode_has_no_model(tiny_image_study):
    metadata, paths = tiny_image_study
    kept = [r for r in metadata.runs if r.mode is Mode.SIMPLE]
    result = robustness.run(AnalysisContext(metadata.with_updates(runs=kept), paths))
    assert not result.available
    assert "both modes" in result.reason
    assert result.figures == [] and result.tests == []


def test_tabular_data_has_no_corruptions_and_says_so(tiny_tabular_study):
    result = robustness.run(AnalysisContext(*tiny_tabular_study))
    assert not result.available
    assert result.reason.startswith("Robustness does not apply:")
    assert "tabular" in result.reason
