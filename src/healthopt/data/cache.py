"""Datasets loaded once per process: a trial worker keeps them across its trials.

A worker runs one trial after another on the same dataset and split seed, and loading it
again each time (reading, converting and splitting the arrays) is pure overhead, seconds
for the downloaded datasets. A worker lives for one run, whose data is fixed for that run
(and fingerprinted at its start), so a name, split seed and holdout flag name the same
arrays for the worker's whole life.

The arrays are handed out read-only: a trial that wrote into them would change the data of
every later trial in that worker, so such a write raises instead.
"""

from __future__ import annotations

from collections import OrderedDict

from healthopt.data import Dataset, Split, load_dataset

# A worker trains on one dataset; a second slot covers a process that alternates two.
DEFAULT_CAPACITY = 2


class DatasetCache:
    """`load_dataset` with the last `capacity` datasets kept, least recently used dropped.

    `loads` counts the datasets actually loaded (cache misses)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1 (got {capacity})")
        self.capacity = capacity
        self.loads = 0
        self._datasets: OrderedDict[tuple[str, int, bool], Dataset] = OrderedDict()

    def load(self, name: str, seed: int = 0, holdout: bool = True) -> Dataset:
        """What `load_dataset(name, seed, holdout)` returns, loaded on first use only."""
        key = (name, seed, holdout)
        dataset = self._datasets.get(key)
        if dataset is None:
            dataset = _read_only(load_dataset(name, seed=seed, holdout=holdout))
            self.loads += 1
            self._datasets[key] = dataset
            while len(self._datasets) > self.capacity:
                self._datasets.popitem(last=False)
        self._datasets.move_to_end(key)
        return dataset

    def __len__(self) -> int:
        return len(self._datasets)


def _read_only(dataset: Dataset) -> Dataset:
    """The same dataset with every open split's arrays marked unwritable (in place: each
    split owns its arrays, since splitting copies them out of the loaded data)."""
    for split in (dataset.train, dataset.val, dataset.test, dataset.holdout):
        if isinstance(split, Split):  # a sealed holdout has no arrays to protect
            split.x.setflags(write=False)
            split.y.setflags(write=False)
    return dataset
