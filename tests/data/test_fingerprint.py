from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.data import DatasetError, load_dataset
from healthopt.data.fingerprint import DataFingerprint, array_digest, fingerprint_dataset


def _write(path: Path, x: np.ndarray, y: np.ndarray) -> str:
    np.savez(path, x=x, y=y)
    return f"npz:{path}"


def _images(n_per_class: int = 50, classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(classes), n_per_class)
    x = rng.integers(0, 256, size=(len(y), 4, 4)).astype(np.uint8)
    return x, y


def test_the_fingerprint_is_the_same_for_every_load_of_the_same_file(tmp_path: Path):
    name = _write(tmp_path / "d.npz", *_images())
    first, second = fingerprint_dataset(name, 0), fingerprint_dataset(name, 0)
    assert first == second and first.digest == second.digest
    assert first.changes_since(second) == []
    # 100 samples split 60/20/10/10 per class: the three splits a trial reads.
    shapes = {a.name: a.shape for a in first.arrays}
    assert shapes == {
        "train.x": (60, 4, 4, 1),
        "train.y": (60,),
        "val.x": (20, 4, 4, 1),
        "val.y": (20,),
        "test.x": (10, 4, 4, 1),
        "test.y": (10,),
    }
    assert first.num_classes == 2 and first.labels == (0, 1)


def test_the_digest_is_of_the_split_arrays_and_not_of_their_memory_layout(tmp_path: Path):
    name = _write(tmp_path / "d.npz", *_images())
    dataset = load_dataset(name, seed=0, holdout=False)
    train_x = next(a for a in fingerprint_dataset(name, 0).arrays if a.name == "train.x")
    assert train_x.sha256 == array_digest(dataset.train.x)
    assert train_x.sha256 == array_digest(np.asfortranarray(dataset.train.x))
    assert train_x.dtype == "float32"


def test_one_changed_value_changes_the_digest_and_names_its_array(tmp_path: Path):
    x, y = _images()
    name = _write(tmp_path / "d.npz", x, y)
    before = fingerprint_dataset(name, 0)
    first_train = np.rint(load_dataset(name, seed=0, holdout=False).train.x[0, ..., 0] * 255)
    # Change one pixel of a sample that lands in train, found by its (random, unique) pixels.
    row = next(i for i in range(len(x)) if (x[i] == first_train).all())
    x = x.copy()
    x[row, 0, 0] ^= 1
    _write(tmp_path / "d.npz", x, y)
    after = fingerprint_dataset(name, 0)
    assert after.digest != before.digest
    changes = after.changes_since(before)
    assert changes[:-1] == ["train inputs values changed (same shape and dtype)"]
    assert changes[-1] == f"digest {before.digest[:12]}… -> {after.digest[:12]}…"


def test_fewer_samples_are_named_by_the_shapes_that_changed(tmp_path: Path):
    name = _write(tmp_path / "d.npz", *_images(n_per_class=50))
    before = fingerprint_dataset(name, 0)
    _write(tmp_path / "d.npz", *_images(n_per_class=40))
    changes = fingerprint_dataset(name, 0).changes_since(before)
    assert "train inputs shape (60, 4, 4, 1) -> (48, 4, 4, 1)" in changes
    assert "validation labels shape (20,) -> (16,)" in changes
    assert "test inputs shape (10, 4, 4, 1) -> (8, 4, 4, 1)" in changes


def test_a_new_class_is_named(tmp_path: Path):
    name = _write(tmp_path / "d.npz", *_images(n_per_class=30, classes=2))
    before = fingerprint_dataset(name, 0)
    _write(tmp_path / "d.npz", *_images(n_per_class=20, classes=3))
    changes = fingerprint_dataset(name, 0).changes_since(before)
    assert "classes 2 (0..1) -> 3 (0..2)" in changes
    assert not any(" shape (" in change for change in changes)  # 60 samples either way


def test_labels_that_are_not_0_to_k_are_listed(tmp_path: Path):
    x, y = _images(n_per_class=30, classes=2)
    name = _write(tmp_path / "d.npz", x, y)
    before = fingerprint_dataset(name, 0)
    _write(tmp_path / "d.npz", x, np.where(y == 1, 4, y))
    changes = fingerprint_dataset(name, 0).changes_since(before)
    assert "classes 2 (0..1) -> 5 (0, 4)" in changes


def test_a_fingerprint_survives_its_json_form(tmp_path: Path):
    fingerprint = fingerprint_dataset(_write(tmp_path / "d.npz", *_images()), 0)
    data = fingerprint.to_dict()
    assert data["digest"] == fingerprint.digest
    assert DataFingerprint.from_dict(data) == fingerprint
    with pytest.raises(DatasetError, match="version 2"):
        DataFingerprint.from_dict({**data, "version": 2})
    with pytest.raises(DatasetError, match="malformed data fingerprint: KeyError"):
        DataFingerprint.from_dict({k: v for k, v in data.items() if k != "arrays"})


def test_the_split_seed_is_part_of_what_a_fingerprint_tells_apart(tmp_path: Path):
    name = _write(tmp_path / "d.npz", *_images())
    assert fingerprint_dataset(name, 0).digest != fingerprint_dataset(name, 1).digest


def test_the_bundled_digits_are_fingerprinted_and_downloaded_datasets_are_not():
    digits = fingerprint_dataset("digits", 0)
    assert digits is not None and digits.num_classes == 10 and digits.labels == tuple(range(10))
    # A downloaded dataset is pinned by its name; fingerprinting must not fetch it.
    assert fingerprint_dataset("cifar100", 0) is None
