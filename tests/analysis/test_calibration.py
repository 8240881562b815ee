"""Calibration metrics against values computed by hand on crafted predictions."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from healthopt.analysis.calibration import (
    analyze_calibration,
    brier_score,
    entropies,
    expected_calibration_error,
    per_class_ece,
    reliability_bins,
)

# Five 3-class predictions; with 5 bins of width 0.2 their confidences fall as noted.
PROBS = np.array(
    [
        [0.95, 0.03, 0.02],  # conf .95, pred 0, label 0: right   -> bin 4
        [0.85, 0.10, 0.05],  # conf .85, pred 0, label 1: wrong   -> bin 4
        [0.10, 0.70, 0.20],  # conf .70, pred 1, label 1: right   -> bin 3
        [0.35, 0.45, 0.20],  # conf .45, pred 1, label 0: wrong   -> bin 2
        [0.28, 0.30, 0.42],  # conf .42, pred 2, label 2: right   -> bin 2
    ]
)
LABELS = np.array([0, 1, 1, 0, 2])


def test_ece_matches_hand_computation():
    # bin 4: 2 samples, accuracy 0.5, confidence 0.9   -> 2/5 * 0.4   = 0.16
    # bin 3: 1 sample,  accuracy 1.0, confidence 0.7   -> 1/5 * 0.3   = 0.06
    # bin 2: 2 samples, accuracy 0.5, confidence 0.435 -> 2/5 * 0.065 = 0.026
    assert expected_calibration_error(PROBS, LABELS, n_bins=5) == pytest.approx(0.246)


def test_brier_matches_hand_computation():
    per_sample = [
        0.05**2 + 0.03**2 + 0.02**2,
        0.85**2 + 0.90**2 + 0.05**2,
        0.10**2 + 0.30**2 + 0.20**2,
        0.65**2 + 0.45**2 + 0.20**2,
        0.28**2 + 0.30**2 + 0.58**2,
    ]
    assert brier_score(PROBS, LABELS) == pytest.approx(sum(per_sample) / 5)
    assert brier_score(PROBS, LABELS) == pytest.approx(0.56972)


def test_reliability_bins_hold_counts_confidence_and_accuracy():
    bins = reliability_bins(PROBS, LABELS, n_bins=5)
    assert [b.count for b in bins] == [0, 0, 2, 1, 2]
    assert [(b.lower, b.upper) for b in bins][2] == pytest.approx((0.4, 0.6))
    assert bins[0].mean_confidence is None and bins[0].accuracy is None
    assert bins[2].mean_confidence == pytest.approx(0.435)
    assert bins[2].accuracy == pytest.approx(0.5)
    assert bins[3].accuracy == 1.0
    assert bins[4].mean_confidence == pytest.approx(0.9)


def test_bins_are_closed_on_the_right():
    # Confidence exactly 0.5 belongs to (0.25, 0.5], not (0.5, 0.75].
    bins = reliability_bins([[0.5, 0.5], [1.0, 0.0]], [0, 0], n_bins=4)
    assert [b.count for b in bins] == [0, 1, 0, 1]


def test_perfect_calibration_gives_zero_ece():
    # 20 predictions at 0.65 of which 13 are right, 4 at 0.75 of which 3 are right.
    probs = np.array([[0.65, 0.35]] * 20 + [[0.25, 0.75]] * 4)
    labels = np.array([0] * 13 + [1] * 7 + [1] * 3 + [0])
    assert expected_calibration_error(probs, labels, n_bins=10) == pytest.approx(0.0, abs=1e-12)
    # The same predictions, all right, are underconfident: ECE = 0.35 * 20/24 + 0.25 * 4/24.
    right = np.array([0] * 20 + [1] * 4)
    expected = (0.35 * 20 + 0.25 * 4) / 24
    assert expected_calibration_error(probs, right, n_bins=10) == pytest.approx(expected)


def test_one_hot_labels_equal_integer_labels():
    one_hot = np.eye(3)[LABELS]
    for fn in (expected_calibration_error, per_class_ece):
        assert fn(PROBS, one_hot, n_bins=5) == pytest.approx(fn(PROBS, LABELS, n_bins=5))
    assert brier_score(PROBS, one_hot) == pytest.approx(brier_score(PROBS, LABELS))
    assert brier_score(PROBS, LABELS[:, None]) == pytest.approx(brier_score(PROBS, LABELS))


def test_per_class_ece_matches_hand_computation():
    probs = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.4, 0.6]])
    labels = np.array([0, 1, 1, 1])
    # Class 0, p = .9 .7 .2 .4 in 2 bins: (0, .5] holds .2 .4 (neither class 0): 2/4 * .3;
    # (.5, 1] holds .9 .7 (one class 0): 2/4 * |.5 - .8| -> 0.15 + 0.15 = 0.3.
    # Class 1, p = .1 .3 .8 .6: (0, .5] holds .1 .3 (one is 1): 2/4 * |.5 - .2| = 0.15;
    # (.5, 1] holds .8 .6 (both 1): 2/4 * |1 - .7| = 0.15 -> 0.3.
    assert per_class_ece(probs, labels, n_bins=2) == pytest.approx([0.3, 0.3])


def test_per_class_ece_is_defined_for_a_class_nobody_has():
    probs = np.array([[0.7, 0.1, 0.2], [0.1, 0.7, 0.2]])
    labels = np.array([0, 1])
    # Class 2 never occurs; both samples give it 0.2, in bin (0, .5]: |0 - 0.2| = 0.2.
    assert per_class_ece(probs, labels, n_bins=2)[2] == pytest.approx(0.2)


def test_entropy_uses_natural_log_and_zero_log_zero():
    ent = entropies(np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]]))
    expected = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert ent == pytest.approx([math.log(2), 0.0, expected])


def test_report_collects_every_metric():
    report = analyze_calibration(PROBS, LABELS, n_bins=5)
    assert report.ece == pytest.approx(0.246)
    assert report.brier == pytest.approx(0.56972)
    assert report.mce == pytest.approx(0.4)
    assert report.accuracy == pytest.approx(0.6)
    assert report.mean_confidence == pytest.approx((0.95 + 0.85 + 0.70 + 0.45 + 0.42) / 5)
    assert report.mean_entropy == pytest.approx(float(np.mean(entropies(PROBS))))
    assert report.num_samples == 5 and report.num_classes == 3 and report.n_bins == 5
    assert len(report.bins) == 5 and len(report.per_class_ece) == 3
    assert report.confidences == pytest.approx([0.95, 0.85, 0.70, 0.45, 0.42])


def test_report_to_json_is_json_and_per_sample_is_optional():
    report = analyze_calibration(PROBS, LABELS, n_bins=5)
    d = report.to_json().to_json()
    assert "confidences" not in d and "entropies" not in d
    assert d["bins"][0] == {
        "lower": 0.0,
        "upper": 0.2,
        "count": 0,
        "mean_confidence": None,
        "accuracy": None,
    }
    json.dumps(d, allow_nan=False)
    full = report.to_json(include_per_sample=True).to_json()
    assert len(full["confidences"]) == 5 and len(full["entropies"]) == 5
    json.dumps(full, allow_nan=False)


@pytest.mark.parametrize(
    ("probs", "labels", "message"),
    [
        (PROBS[:4], LABELS, "labels must have shape"),
        (PROBS, np.eye(4)[[0, 1, 1, 0, 2]], "do not match"),
        (PROBS * 0.9, LABELS, "sum to 1"),
        (np.array([[0.5, 0.5], [np.nan, 0.5]]), [0, 1], "NaN"),
        (PROBS, np.array([0, 1, 3, 0, 2]), r"labels must lie in \[0, 2\]"),
        (PROBS, np.array([0, 1, -1, 0, 2]), "labels must lie"),
        (PROBS, np.array([0, 1, 1.5, 0, 2]), "whole numbers"),
        (PROBS, np.array([0.0, 1, np.nan, 0, 2]), "NaN"),
        (PROBS, np.full((5, 3), 1 / 3), "one-hot"),
        (np.array([[1.2, -0.2]]), [0], r"\[0, 1\]"),
        (np.array([0.3, 0.7]), [1], "shape"),
        (np.zeros((0, 3)), np.zeros(0), "shape"),
    ],
)
def test_bad_inputs_raise_clear_errors(probs, labels, message):
    with pytest.raises(ValueError, match=message):
        analyze_calibration(probs, labels)


def test_bad_bin_count_raises():
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error(PROBS, LABELS, n_bins=0)
