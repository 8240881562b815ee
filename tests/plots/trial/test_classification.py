"""The numbers behind the confusion matrix and the reliability diagram, on crafted predictions."""

from __future__ import annotations

import numpy as np
import pytest

from healthopt.analysis.calibration import ReliabilityBin
from healthopt.plots.trial.classification import (
    CALIBRATION_BINS,
    confusion_counts,
    expected_calibration_error,
    reliability_bins,
)


def test_confusion_counts_and_row_normalisation():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predicted = np.array([0, 0, 1, 1, 0, 2])
    counts, normalised = confusion_counts(labels, predicted, classes=4)
    assert counts.tolist() == [[2, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    np.testing.assert_allclose(normalised[0], [2 / 3, 1 / 3, 0, 0])
    np.testing.assert_allclose(normalised[3], [0, 0, 0, 0])  # a class with no samples


def test_reliability_bins_and_ece_match_a_hand_computed_case():
    # Two samples at confidence 0.9 (one right), two at 0.6 (both right).
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.4, 0.6]])
    labels = np.array([0, 1, 1, 1])
    bins = reliability_bins(probs, labels)
    assert len(bins) == CALIBRATION_BINS
    filled = [b for b in bins if b.count]
    assert [b.count for b in filled] == [2, 2]
    assert filled[0].mean_confidence == pytest.approx(0.6) and filled[0].accuracy == 1.0
    assert filled[1].mean_confidence == pytest.approx(0.9) and filled[1].accuracy == 0.5
    assert filled[0].lower < 0.6 <= filled[0].upper
    # ECE = 0.5 * |0.6 - 1.0| + 0.5 * |0.9 - 0.5| = 0.4
    assert expected_calibration_error(bins) == pytest.approx(0.4)


def test_confidence_on_a_bin_edge_goes_to_the_lower_bin_and_one_to_the_last():
    edge = 1 / CALIBRATION_BINS
    probs = np.array([[edge, 1 - edge], [1.0, 0.0]])
    bins = reliability_bins(probs, np.array([1, 0]))
    counts = [b.count for b in bins]
    # Bins are (lower, upper]: 1 - edge is bin 13's upper edge, so it stays in bin 13.
    assert counts[13] == 1 and counts[14] == 1
    probs = np.array([[0.2, 0.2, 0.2, 0.2, 0.2]])  # max confidence exactly 3/15
    assert [b.count for b in reliability_bins(probs, np.array([0]))][2] == 1


def test_ece_without_samples_is_none():
    assert expected_calibration_error([ReliabilityBin(0.0, 1.0, 0, None, None)]) is None
