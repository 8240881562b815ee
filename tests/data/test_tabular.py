"""Tabular `npz:` data: 2-D float x selects TABULAR, and everything named data works for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.data import TABULAR, DatasetError, load_dataset, lookup
from healthopt.data.corruptions import NoCorruptions, corruptions_for, shifts_for
from healthopt.data.fingerprint import fingerprint_dataset
from healthopt.data.splits import MIN_SAMPLES_PER_CLASS, _counts_per_split, stratified_split


def _tabular(path: Path, n_per_class: int = 20, features: int = 5, dtype=np.float32) -> str:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), n_per_class)
    x = (rng.normal(size=(len(y), features)) + y[:, None]).astype(dtype)
    np.savez(path, x=x, y=y)
    return f"npz:{path}"


def test_2d_float_x_is_tabular_and_keeps_its_values(tmp_path: Path):
    name = _tabular(tmp_path / "t.npz", dtype=np.float64)
    assert lookup(name).modality == TABULAR == "tabular"
    data = load_dataset(name, seed=0)
    assert data.modality == TABULAR and data.num_classes == 3
    assert data.input_shape == (5,) and data.train.x.dtype == np.float32
    assert data.vocabulary_size == 0
    assert [len(s) for s in data.splits.values()] == [36, 12, 6, 6]
    raw = np.load(tmp_path / "t.npz")["x"].astype(np.float32)
    # Features are neither scaled nor reordered: every train row is a row of the file.
    assert all((raw == row).all(axis=1).any() for row in data.train.x)


def test_2d_integer_x_stays_text(tmp_path: Path):
    assert lookup(_tabular(tmp_path / "i.npz", dtype=np.int32)).modality == "text"


def test_linear_classifier_parameters_count_every_feature(tmp_path: Path):
    data = load_dataset(_tabular(tmp_path / "t.npz", features=7))
    assert data.linear_classifier_parameters() == (7 + 1) * 3


def test_non_finite_features_are_refused(tmp_path: Path):
    path = tmp_path / "nan.npz"
    x = np.ones((12, 2), dtype=np.float32)
    x[4, 1] = np.nan
    np.savez(path, x=x, y=np.repeat([0, 1], 6))
    with pytest.raises(DatasetError, match="NaN or infinite features; healthopt imputes nothing"):
        load_dataset(f"npz:{path}")


def test_shapes_neither_kind_explain_how_to_get_tabular(tmp_path: Path):
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.zeros((4, 2), dtype=bool), y=np.zeros(4, dtype=int))
    with pytest.raises(DatasetError, match=r"store integer-valued tabular features as floats"):
        lookup(f"npz:{path}")


def test_fingerprint_covers_tabular_npz(tmp_path: Path):
    name = _tabular(tmp_path / "t.npz")
    fingerprint = fingerprint_dataset(name, 0)
    assert fingerprint is not None and fingerprint.num_classes == 3
    assert {a.name: a.shape for a in fingerprint.arrays}["train.x"] == (36, 5)
    _tabular(tmp_path / "t.npz", features=6)
    changed = fingerprint_dataset(name, 0)
    assert changed is not None and changed.changes_since(fingerprint)


def test_sealed_holdout_for_tabular(tmp_path: Path):
    from healthopt.data import HoldoutSealed

    data = load_dataset(_tabular(tmp_path / "t.npz"), holdout=False)
    with pytest.raises(HoldoutSealed):
        _ = data.holdout.x


def test_min_samples_per_class_is_the_least_that_fills_every_split():
    assert min(_counts_per_split(MIN_SAMPLES_PER_CLASS - 1)) == 0
    assert all(min(_counts_per_split(n)) > 0 for n in range(MIN_SAMPLES_PER_CLASS, 300))


def test_a_class_too_small_to_split_is_named():
    y = np.array([0] * 10 + [1] * 3 + [2] * 8)
    with pytest.raises(DatasetError, match="class 1 has 3; each class needs at least 6"):
        stratified_split(np.zeros((len(y), 2)), y, seed=0)


def test_no_corruptions_for_tabular_data_says_why():
    with pytest.raises(NoCorruptions, match="tabular features have none"):
        corruptions_for(TABULAR)
    with pytest.raises(NoCorruptions, match="do not apply to tabular data"):
        shifts_for(TABULAR)
