"""Datasets: a registry of names and `load_dataset`, which returns the four fixed splits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthopt.data.errors import DatasetError
from healthopt.data.registry import IMAGE, TEXT, dataset_names, lookup
from healthopt.data.splits import SPLIT_NAMES, Split, stratified_split

__all__ = [
    "IMAGE",
    "TEXT",
    "Dataset",
    "DatasetError",
    "Split",
    "dataset_names",
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
    holdout: Split

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train.x.shape[1:])

    @property
    def vocabulary_size(self) -> int:
        """Largest token id + 1 over every split (text only): the embedding's input size."""
        return int(max(s.x.max(initial=0) for s in self.splits.values())) + 1

    def linear_classifier_parameters(self) -> int:
        """Weights of a linear classifier on these inputs (bag of tokens for text): the
        smallest reasonable model, which parameter efficiency measures size against."""
        features = (
            self.vocabulary_size if self.modality == "text" else int(np.prod(self.input_shape))
        )
        return (features + 1) * self.num_classes

    @property
    def splits(self) -> dict[str, Split]:
        return {name: getattr(self, name) for name in SPLIT_NAMES}

    def __getitem__(self, split_name: str) -> Split:
        if split_name not in SPLIT_NAMES:
            raise KeyError(f"no split {split_name!r}; splits are {', '.join(SPLIT_NAMES)}")
        return getattr(self, split_name)


def load_dataset(name: str, seed: int = 0) -> Dataset:
    """Load a named dataset and split it 60/20/10/10, stratified, reproducibly from `seed`."""
    info = lookup(name)
    x, y = info.fetch()
    y = np.asarray(y).reshape(-1)
    splits = stratified_split(x, y, seed)
    return Dataset(
        name=name,
        modality=info.modality,
        num_classes=int(y.max()) + 1,
        split_seed=seed,
        **splits,
    )
