"""The failure-cases module on real tiny models: categories partition the holdout, McNemar
counts the discordant samples, samples come from their category; severity on crafted labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from healthopt.records import Mode
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import failure_cases
from healthopt.study.modules.failure_cases import SEMANTIC_GROUPS, categorize, error_severity

PNG = b"\x89PNG"


def _predictions(context: AnalysisContext) -> dict[str, np.ndarray]:
    return {
        mode: context.holdout_probabilities(context.best[mode]).argmax(axis=1)
        for mode in context.modes
    }


def test_image_study_categories_partition_the_holdout(image_context):
    result = failure_cases.run(image_context)
    y = image_context.dataset.holdout.y
    pred = _predictions(image_context)
    a, b = pred[Mode.SIMPLE], pred[Mode.HEALTH_AWARE]

    assert result.available and result.name == "failure_cases" and result.title == "Failure cases"
    counts = result.data.counts
    assert list(counts) == list(failure_cases.CATEGORIES)
    assert sum(counts.values()) == len(y) == result.data.holdout_size
    assert sum(result.data.fractions.values()) == pytest.approx(1.0)
    assert counts["both_right"] == np.sum((a == y) & (b == y))
    assert counts["both_wrong_same"] == np.sum((a != y) & (a == b))
    assert counts["only_health_aware_right"] == np.sum((a != y) & (b == y))
    mcnemar = result.data.mcnemar
    assert mcnemar.name == "McNemar exact" and result.tests[0] == mcnemar
    assert mcnemar.statistic == counts["only_health_aware_right"]
    assert 0.0 <= mcnemar.p_value <= 1.0
    result.to_json_text()


def test_image_samples_come_from_their_category_and_are_drawn(image_context):
    result = failure_cases.run(image_context)
    y = image_context.dataset.holdout.y
    pred = _predictions(image_context)
    a, b = pred[Mode.SIMPLE], pred[Mode.HEALTH_AWARE]
    members = {
        "both_wrong": (a != y) & (b != y),
        "only_accuracy_only_right": (a == y) & (b != y),
        "only_health_aware_right": (a != y) & (b == y),
    }

    for kind, indices in result.data.samples.items():
        assert len(indices) == min(8, members[kind].sum())
        assert all(members[kind][i] for i in indices)
    assert result.data.samples == failure_cases.run(image_context).data.samples
    assert len(result.figures) == 1
    assert (image_context.paths.analysis_dir / result.figures[0].path).read_bytes()[:4] == PNG


def test_digits_has_no_semantic_groups(image_context):
    result = failure_cases.run(image_context)

    assert result.data.severity.measured is False
    assert "no semantic groups" in result.data.severity.reason
    assert any("not measured" in line for line in result.summary)
    assert [t.name for t in result.tests] == ["McNemar exact"]


def test_grouped_dataset_compares_error_severity(tiny_image_study):
    # Digits under fashion_mnist's name: ten classes, so its groups apply to the real models.
    metadata, paths = tiny_image_study
    context = AnalysisContext(metadata, paths)
    context = AnalysisContext(metadata, paths, replace(context.dataset, name="fashion_mnist"))
    y = context.dataset.holdout.y

    result = failure_cases.run(context)

    severity = result.data.severity
    assert severity.measured is True
    assert [t.metric for t in result.tests[1:]] == [
        "mean_severity",
        "mean_severity_of_errors",
    ]
    for mode in context.modes:
        for mut, measured in zip(context.models[mode], severity.models[mode], strict=True):
            pred = context.holdout_probabilities(mut).argmax(axis=1)
            expected = error_severity(y, pred, SEMANTIC_GROUPS["fashion_mnist"])
            assert measured.mean_severity == pytest.approx(expected.mean())
            assert measured.errors == np.sum(pred != y)
            assert measured.within_group_errors + measured.across_group_errors == np.sum(pred != y)
    result.to_json_text()


def test_error_severity_on_crafted_cifar10_labels():
    groups = SEMANTIC_GROUPS["cifar10"]
    # cat (3) right, cat as dog (5: animal), cat as airplane (0: vehicle), airplane as truck
    y = np.array([3, 3, 3, 0, 9])
    pred = np.array([3, 5, 0, 9, 2])

    severity = error_severity(y, pred, groups)

    assert severity.tolist() == [0, 1, 2, 1, 2]
    summary = failure_cases.severity_summary(severity)
    assert summary.mean_severity == pytest.approx(6 / 5)
    assert summary.mean_severity_of_errors == pytest.approx(6 / 4)
    assert (summary.within_group_errors, summary.across_group_errors) == (2, 2)
    assert failure_cases.severity_summary(np.zeros(3, dtype=int)).mean_severity_of_errors is None


def test_every_class_of_a_grouped_dataset_is_in_exactly_one_group():
    for groups in SEMANTIC_GROUPS.values():
        classes = sorted(c for members in groups.values() for c in members)
        assert classes == list(range(10))


def test_categorize_crafted_predictions():
    y = np.array([0, 1, 2, 3, 4])
    a = np.array([0, 0, 0, 3, 1])
    b = np.array([0, 0, 1, 0, 4])

    masks = categorize(y, a, b)

    assert {name: np.flatnonzero(m).tolist() for name, m in masks.items()} == {
        "both_right": [0],
        "both_wrong_same": [1],
        "both_wrong_different": [2],
        "only_accuracy_only_right": [3],
        "only_health_aware_right": [4],
    }


def test_text_study_lists_samples_in_tables(text_context):
    result = failure_cases.run(text_context)
    x, y = text_context.dataset.holdout.x, text_context.dataset.holdout.y

    assert result.available and result.figures == []
    assert sum(result.data.counts.values()) == len(y)
    assert result.data.severity.measured is False
    for table in result.tables[1:]:
        assert 1 <= len(table.rows) <= 8
        for index, label, _, _, tokens in table.rows:
            assert label == y[index] and tokens == np.count_nonzero(x[index])
    shown = sum(len(t.rows) for t in result.tables[1:])
    assert shown == sum(len(v) for v in result.data.samples.values())


def test_unavailable_without_a_health_aware_model(tiny_image_study):
    metadata, paths = tiny_image_study
    runs = [r for r in metadata.runs if r.mode is Mode.SIMPLE]
    context = AnalysisContext(metadata.with_updates(runs=runs), paths)

    result = failure_cases.run(context)

    assert not result.available and result.reason


def test_tabular_samples_show_their_features_not_tokens(tiny_tabular_study):
    result = failure_cases.run(AnalysisContext(*tiny_tabular_study))
    samples = [t for t in result.tables if t.title.startswith("Sample holdout")]
    assert samples and all(t.title.startswith("Sample holdout rows") for t in samples)
    assert all(t.columns[-1] == "Features" for t in samples)
    first = samples[0].rows[0][-1]
    assert isinstance(first, str) and first.count(",") == 4 and first.endswith("...")
