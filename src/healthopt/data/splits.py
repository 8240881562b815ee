"""Stratified, seed-reproducible 60/20/10/10 train/val/test/holdout splits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import numpy as np

from healthopt.data.errors import DatasetError

SPLIT_NAMES = ("train", "val", "test", "holdout")
SPLIT_FRACTIONS = (0.6, 0.2, 0.1, 0.1)
# The fewest samples a class needs for every split to get at least one of them (fewer leave
# it out of the test or holdout split, where its accuracy then goes unmeasured).
MIN_SAMPLES_PER_CLASS = 6


@dataclass(frozen=True)
class Split:
    """One split's inputs and integer class labels."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def majority_fraction(self) -> float:
        """Accuracy of always predicting the most common class: the chance level to beat."""
        if len(self.y) == 0:
            return 0.0
        return float(np.bincount(np.asarray(self.y, dtype=np.int64)).max() / len(self.y))


class HoldoutSealed(RuntimeError):
    """Something read the holdout split while it was sealed (during optimization)."""


class SealedSplit:
    """Stands in for the holdout split where it must not be read: any access raises.

    Optimization trials get this instead of the real holdout, so a trial that evaluated on it,
    or a future change that did, fails loudly instead of leaking the study's unseen data.
    """

    def __init__(self, dataset: str, seed: int) -> None:
        self._where = f"dataset {dataset!r}, split seed {seed}"

    def __getattr__(self, name: str) -> NoReturn:
        raise HoldoutSealed(
            f"the holdout split of {self._where} is sealed during optimization "
            f"(read of {name!r}); only the comparison study's analysis opens it"
        )

    def __len__(self) -> int:
        return self.__getattr__("__len__")  # raises

    def __repr__(self) -> str:
        return f"SealedSplit({self._where})"


def _counts_per_split(n: int) -> list[int]:
    """Split n items by SPLIT_FRACTIONS with largest-remainder rounding, so sizes sum to n."""
    exact = [n * f for f in SPLIT_FRACTIONS]
    counts = [int(np.floor(e)) for e in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


def _check_class_sizes(y: np.ndarray) -> None:
    labels, counts = np.unique(y, return_counts=True)
    small = [(int(label), int(n)) for label, n in zip(labels, counts, strict=True)]
    small = [(label, n) for label, n in small if n < MIN_SAMPLES_PER_CLASS]
    if small:
        listed = ", ".join(f"class {label} has {n}" for label, n in small)
        raise DatasetError(
            f"too few samples to split every class {'/'.join(SPLIT_NAMES)}: {listed}; each "
            f"class needs at least {MIN_SAMPLES_PER_CLASS}. Add samples or drop those classes "
            "(csv: and folder: classes are numbered 0.. in the sorted order of their labels "
            "or subfolder names)"
        )


def stratified_split(x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, Split]:
    """Partition (x, y) into the four splits, each class divided in the same proportions.

    The same arrays and seed always give the same indices; no sample lands in two splits.
    Every class present needs MIN_SAMPLES_PER_CLASS samples (DatasetError otherwise).
    """
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} vs {len(y)})")
    y = np.asarray(y).reshape(-1)
    _check_class_sizes(y)
    rng = np.random.default_rng(seed)
    buckets: list[list[np.ndarray]] = [[] for _ in SPLIT_NAMES]
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        rng.shuffle(members)
        start = 0
        for bucket, count in zip(buckets, _counts_per_split(len(members)), strict=True):
            bucket.append(members[start : start + count])
            start += count
    splits = {}
    for name, parts in zip(SPLIT_NAMES, buckets, strict=True):
        indices = np.concatenate(parts) if parts else np.array([], dtype=np.int64)
        rng.shuffle(indices)
        splits[name] = Split(x=x[indices], y=y[indices])
    return splits
