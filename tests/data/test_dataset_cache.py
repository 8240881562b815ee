from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.data import SealedSplit, load_dataset
from healthopt.data.cache import DatasetCache


def test_a_dataset_is_loaded_once_per_name_seed_and_holdout(image_npz: Path):
    cache = DatasetCache()
    name = f"npz:{image_npz}"
    first = cache.load(name, seed=1, holdout=False)
    assert cache.load(name, seed=1, holdout=False) is first
    assert cache.loads == 1
    # The same arrays load_dataset gives, split the same way.
    fresh = load_dataset(name, seed=1, holdout=False)
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(first[split].x, fresh[split].x)
        np.testing.assert_array_equal(first[split].y, fresh[split].y)
    assert isinstance(first.holdout, SealedSplit)  # still sealed for optimization
    other_seed = cache.load(name, seed=2, holdout=False)
    opened = cache.load(name, seed=1, holdout=True)
    assert cache.loads == 3 and other_seed is not first and opened is not first
    assert len(opened.holdout) == len(fresh.test)  # 10% each


def test_cached_arrays_cannot_be_written(image_npz: Path):
    dataset = DatasetCache().load(f"npz:{image_npz}", seed=0, holdout=True)
    for split in (dataset.train, dataset.val, dataset.test, dataset.holdout):
        assert not split.x.flags.writeable and not split.y.flags.writeable
    before = dataset.train.x.copy()
    with pytest.raises(ValueError, match="read-only"):
        dataset.train.x[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        dataset.val.y[:] = 0
    with pytest.raises(ValueError, match="read-only"):
        np.multiply(dataset.test.x, 2.0, out=dataset.test.x)
    np.testing.assert_array_equal(dataset.train.x, before)
    # Reading, slicing and copying work as before; a copy is the caller's to change.
    copy = dataset.train.x[:4].copy()
    copy[0] = 1.0
    assert copy.flags.writeable


def test_the_least_recently_used_dataset_is_dropped_beyond_capacity(image_npz: Path):
    cache = DatasetCache(capacity=1)
    name = f"npz:{image_npz}"
    cache.load(name, seed=0)
    cache.load("digits", seed=0)
    assert len(cache) == 1
    cache.load(name, seed=0)  # dropped when digits came in: loaded again
    assert cache.loads == 3
    with pytest.raises(ValueError, match="capacity"):
        DatasetCache(capacity=0)
