"""The per-class module on real tiny models: per-class accuracies and confusion matrices match
a direct computation from the holdout predictions; balance and weak classes on crafted cases."""

from __future__ import annotations

import numpy as np
import pytest

from healthopt.records import Mode
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import per_class

PNG = b"\x89PNG"


def _direct(context: AnalysisContext, mut) -> list[float]:
    y = context.dataset.holdout.y
    pred = context.holdout_probabilities(mut).argmax(axis=1)
    return [float(np.mean(pred[y == k] == k)) for k in range(context.dataset.num_classes)]


def test_image_study_structure_and_figures(image_context):
    result = per_class.run(image_context)

    assert result.available and result.name == "per_class"
    assert result.title == "Per-class performance"
    assert len(result.figures) == 3
    for figure in result.figures:
        assert (image_context.paths.analysis_dir / figure.path).read_bytes()[:4] == PNG
    assert [t.metric for t in result.tests] == ["balance", "worst_class_accuracy"]
    for record in result.tests:
        p = record.primary.p_value
        assert p is None or 0.0 <= p <= 1.0
    assert 2 <= len(result.summary) <= 5
    result.to_json_text()


def test_per_class_accuracy_matches_numpy_for_every_model(image_context):
    result = per_class.run(image_context)

    for mode in image_context.modes:
        for mut, measured in zip(image_context.models[mode], result.data.models[mode], strict=True):
            expected = _direct(image_context, mut)
            assert measured.per_class_accuracy == pytest.approx(expected)
            assert measured.balance == pytest.approx(np.std(expected))
            assert measured.worst_class_accuracy == pytest.approx(min(expected))
            assert measured.accuracy == pytest.approx(image_context.holdout_accuracy(mut))


def test_confusion_matrices_and_their_difference(image_context):
    result = per_class.run(image_context)
    y = image_context.dataset.holdout.y
    confusion = {mode: np.array(m) for mode, m in result.data.confusion.items()}

    for mode, matrix in confusion.items():
        assert matrix.sum() == len(y)
        assert matrix.sum(axis=1).tolist() == np.bincount(y, minlength=10).tolist()
        pred = image_context.holdout_probabilities(image_context.best[mode]).argmax(axis=1)
        assert matrix[3, 5] == np.sum((y == 3) & (pred == 5))
    difference = np.array(result.data.confusion_difference)
    np.testing.assert_array_equal(difference, confusion[Mode.HEALTH_AWARE] - confusion[Mode.SIMPLE])
    table = result.tables[1]
    assert [row[0] for row in table.rows] == list(range(10))
    for row in table.rows:
        assert row[3] == pytest.approx(row[2] - row[1])


def test_crafted_confusion_balance_and_weak_classes():
    y = np.array([0, 0, 1, 1, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 1, 0, 0, 0])
    matrix = per_class.confusion_matrix(y, pred, 4)

    assert matrix.tolist() == [[1, 1, 0, 0], [1, 3, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0]]
    accs = per_class.per_class_accuracy(matrix)
    assert accs == [0.5, 0.75, 0.0, None]  # class 3 never occurs: no recall
    assert per_class.balance(accs) == pytest.approx(np.std([0.5, 0.75, 0.0]))
    assert per_class.weak_classes(accs) == [2]  # mean 0.4167
    assert per_class.balance([0.8, 0.8]) == 0.0
    assert per_class.weak_classes([0.8, 0.8]) == []


def test_text_study(text_context):
    result = per_class.run(text_context)

    assert result.available
    for mode in text_context.modes:
        for mut, measured in zip(text_context.models[mode], result.data.models[mode], strict=True):
            assert measured.per_class_accuracy == pytest.approx(_direct(text_context, mut))
    assert len(result.tables[1].rows) == 3


def test_unavailable_without_an_accuracy_only_model(tiny_image_study):
    metadata, paths = tiny_image_study
    runs = [r for r in metadata.runs if r.mode is Mode.HEALTH_AWARE]
    context = AnalysisContext(metadata.with_updates(runs=runs), paths)

    result = per_class.run(context)

    assert not result.available and result.reason and result.tests == []
