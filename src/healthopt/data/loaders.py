"""Raw loaders: each returns every labelled sample of a dataset as (x, y) arrays.

Images come back as float32 in [0, 1] shaped (N, H, W, C); text as int32 token ids shaped
(N, SEQUENCE_LENGTH), 0 being padding; tabular data as float32 features shaped (N, F). The
keras loaders download on first use and cache under ~/.keras/datasets; they import keras
lazily so that naming a dataset stays cheap.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np

from healthopt.data.errors import DatasetError

IMAGE = "image"
TEXT = "text"
TABULAR = "tabular"
TEXT_VOCABULARY = 10_000
SEQUENCE_LENGTH = 200
GTSRB_URL = (
    "https://sid.erda.dk/public/archive/daaeac0d7ce1152aea9b61d9f1e19370/"
    "GTSRB_Final_Training_Images.zip"
)
GTSRB_IMAGE_SIZE = 32


def _images(x: np.ndarray, scale: float) -> np.ndarray:
    x = x.astype(np.float32) / scale
    return x[..., np.newaxis] if x.ndim == 3 else x


def _concat(train: tuple, test: tuple) -> tuple[np.ndarray, np.ndarray]:
    (x_train, y_train), (x_test, y_test) = train, test
    return np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]).reshape(-1)


def pad_sequences(sequences, length: int = SEQUENCE_LENGTH) -> np.ndarray:
    """Left-pad (and keep the last `length` tokens of) each sequence, as keras does by default."""
    out = np.zeros((len(sequences), length), dtype=np.int32)
    for row, seq in enumerate(sequences):
        tail = np.asarray(seq, dtype=np.int32)[-length:]
        if len(tail):
            out[row, length - len(tail) :] = tail
    return out


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    return _images(bunch.images, 16.0), bunch.target.astype(np.int64)


def _keras_images(module_name: str, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    import keras

    module = getattr(keras.datasets, module_name)
    x, y = _concat(*module.load_data(**kwargs))
    return _images(x, 255.0), y.astype(np.int64)


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    return _keras_images("mnist")


def load_fashion_mnist() -> tuple[np.ndarray, np.ndarray]:
    return _keras_images("fashion_mnist")


def load_cifar10() -> tuple[np.ndarray, np.ndarray]:
    return _keras_images("cifar10")


def load_cifar100() -> tuple[np.ndarray, np.ndarray]:
    return _keras_images("cifar100", label_mode="fine")


def _keras_text(module_name: str) -> tuple[np.ndarray, np.ndarray]:
    import keras

    module = getattr(keras.datasets, module_name)
    x, y = _concat(*module.load_data(num_words=TEXT_VOCABULARY))
    return pad_sequences(x), y.astype(np.int64)


def load_imdb() -> tuple[np.ndarray, np.ndarray]:
    return _keras_text("imdb")


def load_reuters() -> tuple[np.ndarray, np.ndarray]:
    return _keras_text("reuters")


def read_gtsrb_folder(root: Path, size: int = GTSRB_IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Read GTSRB's training layout: one folder per class with a GT-*.csv of file;...;ClassId.

    Each image is cropped to its annotated region of interest and resized to size x size.
    """
    from PIL import Image

    images, labels = [], []
    for annotation_file in sorted(root.rglob("GT-*.csv")):
        with annotation_file.open(newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                left, upper, right, lower = (
                    int(row[k]) for k in ("Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2")
                )
                with Image.open(annotation_file.parent / row["Filename"]) as image:
                    crop = (
                        image.convert("RGB").crop((left, upper, right, lower)).resize((size, size))
                    )
                images.append(np.asarray(crop, dtype=np.uint8))
                labels.append(int(row["ClassId"]))
    if not images:
        raise DatasetError(f"no GTSRB annotations (GT-*.csv) found under {root}")
    return _images(np.stack(images), 255.0), np.asarray(labels, dtype=np.int64)


def load_gtsrb() -> tuple[np.ndarray, np.ndarray]:
    """Download GTSRB's training archive once, cache the decoded arrays beside it."""
    import keras

    cache = Path(
        keras.utils.get_file(
            "GTSRB_Final_Training_Images.zip",
            GTSRB_URL,
            cache_subdir="datasets/gtsrb",
            extract=True,
        )
    )
    root = cache if cache.is_dir() else cache.parent
    decoded = root.parent / f"gtsrb_{GTSRB_IMAGE_SIZE}.npz"
    if not decoded.exists():
        x, y = read_gtsrb_folder(root)
        np.savez_compressed(decoded, x=x, y=y)
    with np.load(decoded) as arrays:
        return arrays["x"], arrays["y"]


def _npz_arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            keys = set(arrays.files)
            if {"x", "y"} <= keys:
                return arrays["x"], arrays["y"]
            if {"x_train", "y_train", "x_test", "y_test"} <= keys:
                return _concat(
                    (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
                )
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"cannot read {path} as a .npz archive: {exc}") from exc
    raise DatasetError(
        f"{path} must hold arrays 'x' and 'y' (or x_train, y_train, x_test, y_test); "
        f"found {', '.join(sorted(keys)) or 'none'}"
    )


def _modality_of(x: np.ndarray, y: np.ndarray, path: Path) -> str:
    """Integer 2-D inputs are token sequences, other 2-D inputs tabular features, and 3-D or
    4-D inputs images. Integer-valued tabular features must therefore be stored as floats."""
    if len(x) != len(y):
        raise DatasetError(f"{path}: x has {len(x)} samples but y has {len(y)}")
    if x.ndim == 2 and np.issubdtype(x.dtype, np.integer):
        return TEXT
    if x.ndim == 2 and np.issubdtype(x.dtype, np.floating):
        return TABULAR
    if x.ndim in (3, 4):
        return IMAGE
    raise DatasetError(
        f"{path}: x of shape {x.shape} and dtype {x.dtype} is neither images (N,H,W[,C]), "
        f"integer token sequences (N,L) nor float tabular features (N,F); store integer-valued "
        f"tabular features as floats (x.astype('float32')) to have them read as tabular"
    )


def npz_modality(path: Path) -> str:
    return _modality_of(*_npz_arrays(path), path)


def load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    x, y = _npz_arrays(path)
    if not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise DatasetError(f"{path}: y must hold non-negative integer class labels")
    modality = _modality_of(x, y, path)
    y = y.astype(np.int64).reshape(-1)
    if modality == TEXT:
        return x.astype(np.int32), y
    if modality == TABULAR:
        if not np.isfinite(x).all():
            raise DatasetError(
                f"{path}: x holds NaN or infinite features; healthopt imputes nothing, so fill "
                "or drop those samples first"
            )
        return x.astype(np.float32), y
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    return _images(x, scale), y
