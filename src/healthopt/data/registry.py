"""The named datasets healthopt knows, with the modality each one selects.

Looking a name up costs nothing: no download and no TensorFlow import. Loading happens in
`healthopt.data.load_dataset`, normally inside a trial's worker process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from healthopt.data import loaders
from healthopt.data.errors import DatasetError

IMAGE = loaders.IMAGE
TEXT = loaders.TEXT
NPZ_PREFIX = "npz:"


@dataclass(frozen=True)
class DatasetInfo:
    """A registry entry: how to fetch the raw arrays and which model family they need."""

    name: str
    modality: str
    description: str
    fetch: Callable[[], tuple[np.ndarray, np.ndarray]]
    # Fetched from files already on this machine, with neither download nor TensorFlow: cheap
    # enough for the orchestrator to load once, to fingerprint the data a run trains on.
    local: bool = False


_REGISTRY: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            "digits",
            IMAGE,
            "scikit-learn's bundled 8x8 digits (offline)",
            loaders.load_digits,
            local=True,
        ),
        DatasetInfo(
            "mnist", IMAGE, "MNIST handwritten digits (keras download)", loaders.load_mnist
        ),
        DatasetInfo(
            "fashion_mnist", IMAGE, "Fashion-MNIST (keras download)", loaders.load_fashion_mnist
        ),
        DatasetInfo("cifar10", IMAGE, "CIFAR-10 (keras download)", loaders.load_cifar10),
        DatasetInfo(
            "cifar100", IMAGE, "CIFAR-100 fine labels (keras download)", loaders.load_cifar100
        ),
        DatasetInfo(
            "gtsrb", IMAGE, "German traffic signs, 32x32 (download and cache)", loaders.load_gtsrb
        ),
        DatasetInfo("imdb", TEXT, "IMDB reviews as token ids (keras download)", loaders.load_imdb),
        DatasetInfo(
            "reuters",
            TEXT,
            "Reuters newswire topics as token ids (keras download)",
            loaders.load_reuters,
        ),
    )
}


def dataset_names() -> list[str]:
    """Registered names; `npz:PATH` is accepted as well."""
    return sorted(_REGISTRY)


def _npz_path(name: str) -> Path:
    path = Path(name[len(NPZ_PREFIX) :]).expanduser()
    if not path.is_file():
        raise DatasetError(f"dataset file not found: {path} (from dataset name {name!r})")
    return path


def lookup(name: str) -> DatasetInfo:
    """Return the entry for a registered name or an `npz:PATH`, or raise DatasetError."""
    if name.startswith(NPZ_PREFIX):
        path = _npz_path(name)
        return DatasetInfo(
            name,
            loaders.npz_modality(path),
            f"user arrays from {path}",
            lambda: loaders.load_npz(path),
            local=True,
        )
    if name not in _REGISTRY:
        raise DatasetError(
            f"unknown dataset {name!r}; choose one of {', '.join(dataset_names())} or npz:PATH"
        )
    return _REGISTRY[name]
