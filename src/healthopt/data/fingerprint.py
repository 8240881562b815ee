"""A dataset's fingerprint: digests, shapes and dtypes of the splits trials read, and its classes.

A run records the fingerprint of its data when it starts; a resume compares the data it would
train on now with it, so trials trained on different arrays never share one results table.

Which splits: train, val and test, the three a trial reads (test feeds each trial's
test_accuracy in results.json). The holdout is left out on purpose. Optimization never reads it
(it is a `SealedSplit`), so a change confined to it cannot alter any trial's result. Digesting it
here would mean unsealing it; digesting it inside `load_dataset` before sealing would write a fact
about the sealed split into every run folder, for nothing a trial depends on. A change in the
number of samples or in the labels still shows: the split indices follow from the labels and the
split seed, so the other three splits change shape or contents with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from healthopt.data import load_dataset
from healthopt.data.errors import DatasetError
from healthopt.data.registry import lookup
from healthopt.data.splits import Split

FINGERPRINT_VERSION = 1
FINGERPRINTED_SPLITS = ("train", "val", "test")
_SPLIT_WORDS = {"train": "train", "val": "validation", "test": "test"}
_ARRAY_WORDS = {"x": "inputs", "y": "labels"}
SHORT_DIGEST = 12  # hex characters shown in messages: enough to tell two digests apart


def array_digest(array: np.ndarray) -> str:
    """sha256 of an array's bytes in C order, so equal values give equal digests however the
    array happens to be laid out in memory."""
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()


@dataclass(frozen=True)
class ArrayFingerprint:
    """One array of one split: `name` is "train.x", "val.y" and so on."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    sha256: str

    @classmethod
    def of(cls, name: str, array: np.ndarray) -> ArrayFingerprint:
        return cls(name, tuple(int(n) for n in array.shape), str(array.dtype), array_digest(array))

    @property
    def label(self) -> str:
        """How a person names the array: "train inputs", "validation labels"."""
        split, part = self.name.split(".")
        return f"{_SPLIT_WORDS.get(split, split)} {_ARRAY_WORDS.get(part, part)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArrayFingerprint:
        return cls(
            name=str(data["name"]),
            shape=tuple(int(n) for n in data["shape"]),
            dtype=str(data["dtype"]),
            sha256=str(data["sha256"]),
        )


@dataclass(frozen=True)
class DataFingerprint:
    """What a run's trials were trained and scored on, in a form config.json can hold."""

    arrays: tuple[ArrayFingerprint, ...]
    num_classes: int
    labels: tuple[int, ...]  # sorted label values found in the fingerprinted splits
    version: int = FINGERPRINT_VERSION

    @classmethod
    def of_splits(cls, splits: dict[str, Split], num_classes: int) -> DataFingerprint:
        """Fingerprint `splits` (at least train, val and test; others are ignored)."""
        arrays = tuple(
            ArrayFingerprint.of(f"{name}.{part}", getattr(splits[name], part))
            for name in FINGERPRINTED_SPLITS
            for part in ("x", "y")
        )
        labels = np.unique(np.concatenate([splits[n].y.reshape(-1) for n in FINGERPRINTED_SPLITS]))
        return cls(arrays, int(num_classes), tuple(int(v) for v in labels))

    @property
    def digest(self) -> str:
        """One sha256 over every array's shape, dtype and digest: the whole data in one word."""
        text = "\n".join(f"{a.name} {a.shape} {a.dtype} {a.sha256}" for a in self.arrays)
        return hashlib.sha256(text.encode()).hexdigest()

    def changes_since(self, earlier: DataFingerprint) -> list[str]:
        """What differs from `earlier`, one phrase each; empty when the data is the same."""
        changes = []
        before = {a.name: a for a in earlier.arrays}
        for now in self.arrays:
            old = before.get(now.name)
            if old is None:
                changes.append(f"{now.label} were not recorded")
            elif old.shape != now.shape:
                changes.append(f"{now.label} shape {old.shape} -> {now.shape}")
            elif old.dtype != now.dtype:
                changes.append(f"{now.label} dtype {old.dtype} -> {now.dtype}")
            elif old.sha256 != now.sha256:
                changes.append(f"{now.label} values changed (same shape and dtype)")
        if (earlier.num_classes, earlier.labels) != (self.num_classes, self.labels):
            changes.append(f"classes {_classes(earlier)} -> {_classes(self)}")
        if changes:
            changes.append(
                f"digest {earlier.digest[:SHORT_DIGEST]}… -> {self.digest[:SHORT_DIGEST]}…"
            )
        return changes

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "digest": self.digest,
            "num_classes": self.num_classes,
            "labels": list(self.labels),
            "arrays": [a.to_dict() for a in self.arrays],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataFingerprint:
        """Read a recorded fingerprint; DatasetError if it is not one this version wrote."""
        try:
            version = int(data["version"])
            if version != FINGERPRINT_VERSION:
                raise DatasetError(
                    f"data fingerprint version {version} is not {FINGERPRINT_VERSION}, the one "
                    "this healthopt writes"
                )
            return cls(
                arrays=tuple(ArrayFingerprint.from_dict(a) for a in data["arrays"]),
                num_classes=int(data["num_classes"]),
                labels=tuple(int(v) for v in data["labels"]),
                version=version,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, DatasetError):
                raise
            raise DatasetError(f"malformed data fingerprint: {type(exc).__name__}: {exc}") from None


def _classes(fingerprint: DataFingerprint) -> str:
    labels = fingerprint.labels
    if labels == tuple(range(len(labels))):
        values = f"0..{len(labels) - 1}" if labels else "none"
    else:
        values = ", ".join(map(str, labels))
    return f"{fingerprint.num_classes} ({values})"


def fingerprint_dataset(name: str, seed: int) -> DataFingerprint | None:
    """The fingerprint of dataset `name` split with `seed`, or None where taking it would cost
    what the orchestrator must not spend.

    Only datasets read from files on this machine with neither download nor TensorFlow
    (`DatasetInfo.local`: the bundled digits and `npz:` files) are loaded for it. The downloaded
    ones are pinned by their name (keras checks each archive's hash), and loading them here
    would import TensorFlow into the orchestrator and the API server, and download data on a
    machine whose trials may all run on RunPod.
    """
    if not lookup(name).local:
        return None
    dataset = load_dataset(name, seed=seed, holdout=False)
    return DataFingerprint.of_splits(
        {split: dataset[split] for split in FINGERPRINTED_SPLITS}, dataset.num_classes
    )
