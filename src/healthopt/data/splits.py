"""Stratified, seed-reproducible 60/20/10/10 train/val/test/holdout splits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import numpy as np

SPLIT_NAMES = ("train", "val", "test", "holdout")
SPLIT_FRACTIONS = (0.6, 0.2, 0.1, 0.1)


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


def stratified_split(x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, Split]:
    """Partition (x, y) into the four splits, each class divided in the same proportions.

    The same arrays and seed always give the same indices; no sample lands in two splits.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length ({len(x)} vs {len(y)})")
    y = np.asarray(y).reshape(-1)
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
