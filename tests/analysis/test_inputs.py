"""The analyzer's input checks, sampling and fingerprints, on plain arrays (no TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest

from healthopt.analysis.config import DataInput
from healthopt.analysis.inputs import (
    AnalyzerInputError,
    check_data,
    check_histories,
    digest,
    sample_data,
)


def test_sample_keeps_class_shares_order_and_seed() -> None:
    y = np.repeat([0, 1, 2], [200, 60, 40])
    x = np.arange(300)
    sample = sample_data(DataInput(x, y), 50, seed=4)
    # quotas 33.3, 10, 6.7 -> largest remainder gives the last seat to class 2
    assert np.bincount(sample.y_data).tolist() == [33, 10, 7]
    assert np.all(np.diff(sample.x_data) > 0)  # original order, no repeats
    np.testing.assert_array_equal(y[sample.x_data], sample.y_data)
    again = sample_data(DataInput(x, y), 50, seed=4)
    np.testing.assert_array_equal(again.x_data, sample.x_data)
    other = sample_data(DataInput(x, y), 50, seed=5)
    assert not np.array_equal(other.x_data, sample.x_data)


def test_one_hot_labels_are_stratified_too() -> None:
    y = np.eye(4)[np.repeat([0, 1, 2, 3], [10, 10, 10, 70])]
    sample = sample_data(DataInput(np.arange(100), y), 20)
    assert sample.y_data.shape == (20, 4)
    assert sample.y_data.sum(axis=0).tolist() == [2, 2, 2, 14]


def test_small_data_is_returned_as_is_and_regression_targets_sampled_plainly() -> None:
    data = DataInput(np.zeros((5, 2)), np.arange(5))
    assert sample_data(data, 10) is data
    y = np.linspace(0, 1, 40)  # not class labels: a plain random draw
    sample = sample_data(DataInput(np.arange(40), y), 10)
    np.testing.assert_array_equal(y[sample.x_data], sample.y_data)


def test_multi_input_samples_take_the_same_rows_of_each_input() -> None:
    x = [np.arange(60), np.arange(60) * 10]
    sample = sample_data(DataInput(x, np.arange(60) % 3), 12)
    np.testing.assert_array_equal(sample.x_data[1], sample.x_data[0] * 10)


def test_check_data_names_the_mismatch() -> None:
    with pytest.raises(AnalyzerInputError, match="x_data has 4 samples but y_data has shape"):
        check_data(DataInput(np.zeros((4, 2)), np.zeros(3)))
    with pytest.raises(AnalyzerInputError, match=r"differ in length: \[3, 4\]"):
        check_data(DataInput([np.zeros((4, 2)), np.zeros((3, 2))], np.zeros(4)))
    with pytest.raises(AnalyzerInputError, match="data is empty"):
        check_data(DataInput(np.zeros((0, 2)), np.zeros(0)))
    with pytest.raises(AnalyzerInputError, match=r"DataInput\(x_data, y_data\)"):
        check_data(np.zeros(3))


def test_histories_accept_history_objects_and_refuse_unknown_names() -> None:
    class History:
        history = {"loss": [1, 0.5]}

    checked = check_histories({"a": History()}, ["a", "b"])
    assert checked == {"a": {"loss": [1.0, 0.5]}}
    with pytest.raises(AnalyzerInputError, match="no model named 'c'.*'a', 'b'"):
        check_histories({"a": {}, "c": {}}, ["a", "b"])


def test_digest_tells_arrays_apart_by_values_shape_and_type() -> None:
    a = np.arange(6, dtype=np.float32)
    assert digest([a]) == digest([a.copy()])
    assert digest([a]) != digest([a.reshape(2, 3)])
    assert digest([a]) != digest([a.astype(np.float64)])
    b = a.copy()
    b[3] += 1
    assert digest([a]) != digest([b])
