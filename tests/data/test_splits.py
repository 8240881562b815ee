from __future__ import annotations

import numpy as np
import pytest

from healthopt.data import load_dataset
from healthopt.data.splits import SPLIT_NAMES, stratified_split


def _indexed(n_per_class=(50, 30, 20)):
    y = np.concatenate([np.full(n, label) for label, n in enumerate(n_per_class)])
    x = np.arange(len(y))  # each sample is its own index, so overlaps are visible
    return x, y


def test_splits_cover_everything_without_overlap():
    x, y = _indexed()
    splits = stratified_split(x, y, seed=3)
    seen = np.concatenate([splits[name].x for name in SPLIT_NAMES])
    assert sorted(seen.tolist()) == list(range(len(x)))
    assert len(set(seen.tolist())) == len(seen)


def test_splits_are_60_20_10_10_and_stratified():
    x, y = _indexed((50, 30, 20))
    splits = stratified_split(x, y, seed=0)
    assert [len(splits[n]) for n in SPLIT_NAMES] == [60, 20, 10, 10]
    for name, fraction in zip(SPLIT_NAMES, (0.6, 0.2, 0.1, 0.1), strict=True):
        counts = np.bincount(splits[name].y, minlength=3)
        assert counts.tolist() == [round(50 * fraction), round(30 * fraction), round(20 * fraction)]
        assert np.array_equal(y[splits[name].x], splits[name].y)  # labels stay with inputs


def test_same_seed_same_splits_other_seed_other_splits():
    x, y = _indexed()
    first, again = stratified_split(x, y, seed=5), stratified_split(x, y, seed=5)
    other = stratified_split(x, y, seed=6)
    for name in SPLIT_NAMES:
        assert np.array_equal(first[name].x, again[name].x)
    assert not np.array_equal(first["train"].x, other["train"].x)


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError, match="differ in length"):
        stratified_split(np.zeros(5), np.zeros(4), seed=0)


def test_digits_is_offline_and_reproducible():
    first, again = load_dataset("digits", seed=1), load_dataset("digits", seed=1)
    assert first.modality == "image" and first.num_classes == 10
    assert first.input_shape == (8, 8, 1)
    assert first.train.x.dtype == np.float32
    assert 0.0 <= first.train.x.min() <= first.train.x.max() <= 1.0
    assert sum(len(s) for s in first.splits.values()) == 1797
    assert np.array_equal(first.test.x, again.test.x)
    assert np.array_equal(first["holdout"].y, again.holdout.y)
    with pytest.raises(KeyError, match="no split 'extra'"):
        first["extra"]


def test_a_sealed_holdout_raises_on_any_read_and_leaves_the_other_splits_alone():
    from healthopt.data import HoldoutSealed

    open_ = load_dataset("digits", seed=4)
    sealed = load_dataset("digits", seed=4, holdout=False)
    for name in ("train", "val", "test"):
        assert np.array_equal(open_[name].x, sealed[name].x)
    with pytest.raises(HoldoutSealed, match="sealed during optimization"):
        _ = sealed.holdout.x
    with pytest.raises(HoldoutSealed):
        len(sealed.holdout)
    assert len(open_.holdout) == 179  # about 10% of digits' 1797 samples, class by class


def test_vocabulary_size_is_counted_before_splitting(text_npz):
    data = np.load(text_npz)
    sealed = load_dataset(f"npz:{text_npz}", holdout=False)
    assert sealed.vocabulary_size == int(data["x"].max()) + 1
    assert load_dataset("digits").vocabulary_size == 0
