"""Datasets: a registry of names and `load_dataset`, which returns the four fixed splits.

Optimization never sees the holdout split: trials load the dataset with `holdout=False`, which
puts a `SealedSplit` in its place that raises on any read. Only the comparison study's analysis
(phase 1b) opens it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthopt.data.errors import DatasetError
from healthopt.data.registry import (
    IMAGE,
    TABULAR,
    TEXT,
    dataset_names,
    dataset_with_options,
    lookup,
)
from healthopt.data.splits import SPLIT_NAMES, HoldoutSealed, SealedSplit, Split, stratified_split

__all__ = [
    "IMAGE",
    "TABULAR",
    "TEXT",
    "Dataset",
    "DatasetError",
    "HoldoutSealed",
    "SealedSplit",
    "Split",
    "dataset_names",
    "dataset_with_options",
    "load_dataset",
    "lookup",
]


@dataclass(frozen=True)
class Dataset:
    """A dataset's four splits plus what a model builder needs to know about its inputs."""

    name: str
    modality: str
    num_classes: int
    split_seed: int
    train: Split
    val: Split
    test: Split
    holdout: Split | SealedSplit
    # Largest token id + 1 over every sample (text only; 0 otherwise): the embedding's input
    # size. Counted before splitting, so it needs no split and reveals nothing about one.
    vocabulary_size: int = 0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train.x.shape[1:])

    def linear_classifier_parameters(self) -> int:
        """Weights of a linear classifier on these inputs (bag of tokens for text, every pixel
        for images, every feature for tabular data): the smallest reasonable model, which
        parameter efficiency measures size against."""
        features = self.vocabulary_size if self.modality == TEXT else int(np.prod(self.input_shape))
        return (features + 1) * self.num_classes

    @property
    def splits(self) -> dict[str, Split]:
        return {name: getattr(self, name) for name in SPLIT_NAMES}

    def __getitem__(self, split_name: str) -> Split:
        if split_name not in SPLIT_NAMES:
            raise KeyError(f"no split {split_name!r}; splits are {', '.join(SPLIT_NAMES)}")
        return getattr(self, split_name)


def load_dataset(name: str, seed: int = 0, holdout: bool = True) -> Dataset:
    """Load a named dataset and split it 60/20/10/10, stratified, reproducibly from `seed`.

    With `holdout=False` the holdout split is sealed: reading it raises HoldoutSealed, so
    nothing in an optimization can touch the data the comparison study keeps for last.
    """
    info = lookup(name)
    x, y = info.fetch()
    y = np.asarray(y).reshape(-1)
    splits = stratified_split(x, y, seed)
    return Dataset(
        name=name,
        modality=info.modality,
        num_classes=int(y.max()) + 1,
        split_seed=seed,
        train=splits["train"],
        val=splits["val"],
        test=splits["test"],
        holdout=splits["holdout"] if holdout else SealedSplit(name, seed),
        vocabulary_size=int(x.max(initial=0)) + 1 if info.modality == TEXT else 0,
    )
