"""The named datasets healthopt knows, with the modality each one selects, and your own data.

Your own data is named `npz:PATH` (arrays x, y), `csv:PATH?label=COL[&text=COL2]` (a table) or
`folder:PATH[?size=HxW&color=MODE]` (one image subfolder per class); `data.options` has the
option syntax. Looking a name up costs nothing: no download, no TensorFlow import and no
images read. Loading happens in `healthopt.data.load_dataset`, normally inside a trial's
worker process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from healthopt.data import csv_table, image_folder, loaders, options
from healthopt.data.errors import DatasetError
from healthopt.data.options import CSV_PREFIX, FOLDER_PREFIX, NPZ_PREFIX

IMAGE = loaders.IMAGE
TEXT = loaders.TEXT
TABULAR = loaders.TABULAR
USER_DATA_FORMS = (
    f"{NPZ_PREFIX}PATH, {CSV_PREFIX}PATH?label=COLUMN or {FOLDER_PREFIX}PATH (one image "
    "subfolder per class)"
)


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
    """Registered names; your own data is named npz:PATH, csv:PATH?label=COL or folder:PATH."""
    return sorted(_REGISTRY)


def _npz_path(name: str) -> Path:
    path = Path(name[len(NPZ_PREFIX) :]).expanduser()
    if not path.is_file():
        raise DatasetError(f"dataset file not found: {path} (from dataset name {name!r})")
    return path


def _csv_info(name: str) -> DatasetInfo:
    source = options.parse_source(name)
    path = Path(source.path).expanduser()
    if not path.is_file():
        raise DatasetError(f"dataset file not found: {path} (from dataset name {name!r})")
    label, text = source.options.get("label"), source.options.get("text")
    csv_table.check_columns(path, label, text)
    modality = TABULAR if text is None else TEXT
    what = "features of the other columns" if text is None else f"text of column {text!r}"
    return DatasetInfo(
        name,
        modality,
        f"your CSV {path}: labels from column {label!r}, {what}",
        lambda: csv_table.load_csv(path, label, text),
        local=True,
    )


def _folder_info(name: str) -> DatasetInfo:
    source = options.parse_source(name)
    path = Path(source.path).expanduser()
    size, mode = options.image_size(source), options.color_mode(source)
    classes = image_folder.class_folders(path)
    return DatasetInfo(
        name,
        IMAGE,
        f"your images under {path}: {len(classes)} classes, {size[0]}x{size[1]} {mode}",
        lambda: image_folder.load_folder(path, size, mode),
        # Not local: keras reads the images, and the orchestrator must not import TensorFlow,
        # so a folder's data is not fingerprinted (see data.fingerprint).
        local=False,
    )


def lookup(name: str) -> DatasetInfo:
    """Return the entry for a registered name or your own data, or raise DatasetError."""
    if name.startswith(NPZ_PREFIX):
        path = _npz_path(name)
        return DatasetInfo(
            name,
            loaders.npz_modality(path),
            f"your arrays from {path}",
            lambda: loaders.load_npz(path),
            local=True,
        )
    if name.startswith(CSV_PREFIX):
        return _csv_info(name)
    if name.startswith(FOLDER_PREFIX):
        return _folder_info(name)
    if name not in _REGISTRY:
        raise DatasetError(
            f"unknown dataset {name!r}; choose one of {', '.join(dataset_names())}, or name "
            f"your own data as {USER_DATA_FORMS}"
        )
    return _REGISTRY[name]


def dataset_with_options(
    name: str,
    *,
    label: str | None = None,
    text: str | None = None,
    image_size: tuple[int, int] | None = None,
    color_mode: str | None = None,
) -> str:
    """`name` with the given options merged into its own (a given one replaces the name's):
    `label` and `text` for csv:PATH, `image_size` (height, width) and `color_mode` for
    folder:PATH. Options left None are left as the name has them; DatasetError when an option
    does not apply to that kind of dataset or its value is not valid."""
    given = {
        "label": label,
        "text": text,
        "size": f"{image_size[0]}x{image_size[1]}" if image_size is not None else None,
        "color": color_mode,
    }
    chosen = {key: value for key, value in given.items() if value is not None}
    if not chosen:
        return name
    return options.with_options(name, chosen)
