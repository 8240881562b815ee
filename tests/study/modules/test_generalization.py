from __future__ import annotations

import numpy as np

from healthopt.records import Mode
from healthopt.records.study import ModeComparison
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import generalization


def test_measures_every_run_on_the_holdout(image_context):
    result = generalization.run(image_context)
    assert result.available
    holdout = image_context.dataset.holdout
    for mode in image_context.modes:
        rows = result.data.runs[mode]
        assert [r.index for r in rows] == [0, 1]
        for row, mut in zip(rows, image_context.models[mode], strict=True):
            predicted = image_context.holdout_probabilities(mut).argmax(axis=1)
            assert row.holdout_accuracy == np.mean(predicted == holdout.y)
            assert row.gap == row.val_accuracy - row.holdout_accuracy
    comparison = result.data.comparisons["holdout_accuracy"]
    assert comparison.paired is True
    a = [r.holdout_accuracy for r in result.data.runs[Mode.SIMPLE]]
    assert comparison.a.mean == np.mean(a)
    # the fixture's runs all record trial 0 as their best: every pair selected the same trial
    assert result.data.identical_selections == 2
    assert any("In 2 of 2 seed-paired runs both modes selected" in x for x in result.summary)
    result.to_json_text()


def test_p_values_are_probabilities_and_the_figure_exists(image_context):
    result = generalization.run(image_context)
    for test in result.tests:
        tests = (test.primary, test.secondary) if isinstance(test, ModeComparison) else (test,)
        for p in (t.p_value for t in tests):
            assert p is None or 0.0 <= p <= 1.0
    figure = image_context.paths.analysis_dir / result.figures[0].path
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    mcnemar = result.data.best_models_mcnemar
    assert mcnemar.name == "McNemar exact"
    assert mcnemar.n_a == len(image_context.dataset.holdout)


def test_text_models_are_measured_too(text_context):
    result = generalization.run(text_context)
    assert result.available
    assert all(0.0 <= r.holdout_accuracy <= 1.0 for r in result.data.runs[Mode.HEALTH_AWARE])


def test_a_mode_without_models_makes_the_module_unavailable(tiny_image_study):
    metadata, paths = tiny_image_study
    only_one_mode = metadata.with_updates(
        runs=[r for r in metadata.runs if r.mode is Mode.HEALTH_AWARE]
    )
    result = generalization.run(AnalysisContext(only_one_mode, paths))
    assert not result.available and "no completed run" in result.reason


def test_a_failed_run_makes_the_comparison_unpaired(tiny_image_study):
    metadata, paths = tiny_image_study
    runs = [
        r.with_updates(status="failed", model_path=None)
        if (r.mode, r.index) == (Mode.SIMPLE, 1)
        else r
        for r in metadata.runs
    ]
    context = AnalysisContext(metadata.with_updates(runs=runs), paths)
    assert not context.paired
    result = generalization.run(context)
    comparison = result.data.comparisons["holdout_accuracy"]
    assert comparison.paired is False and comparison.primary.name == "Welch t-test"
    assert comparison.a.n == 1 and comparison.primary.p_value is None


def test_the_same_trial_number_with_other_parameters_is_not_the_same_model(tiny_image_study):
    """Past the sampler's random start-up the two modes' trial N are different models."""
    metadata, paths = tiny_image_study
    runs = [
        r.with_updates(params={"learning_rate": 0.01 if r.mode is Mode.SIMPLE else 0.02})
        if r.index == 1
        else r
        for r in metadata.runs
    ]
    context = AnalysisContext(metadata.with_updates(runs=runs), paths)
    assert generalization.identical_selections(context) == 1
