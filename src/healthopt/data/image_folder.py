"""`folder:PATH[?size=HxW&color=MODE]`: an image tree with one subfolder per class.

The images are read by Keras' own `keras.utils.image_dataset_from_directory` (classes are the
subfolder names in sorted order, numbered 0..K-1), resized to HxW (default 32x32), in the
keras color mode rgb, grayscale or rgba, and returned as float32 in [0, 1] shaped (N, H, W, C).
Keras is imported only inside `load_folder`; `check_folder` looks at the tree without it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from healthopt.data.errors import DatasetError

# The extensions image_dataset_from_directory reads (keras.utils.image_dataset_utils
# ALLOWLIST_FORMATS); counted here so an empty class is named before keras runs.
IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_BATCH = 256  # images collected per step: bounds memory, not the result


def class_folders(path: Path) -> list[Path]:
    """The class subfolders of `path`, sorted by name as keras numbers them."""
    if not path.exists():
        raise DatasetError(f"image folder not found: {path}")
    if not path.is_dir():
        raise DatasetError(f"{path} is not a folder; folder: datasets name a folder of classes")
    folders = sorted((p for p in path.iterdir() if p.is_dir()), key=lambda p: p.name)
    if not folders:
        raise DatasetError(
            f"{path} has no class subfolders; put each class's images in a subfolder of it "
            "named after the class (e.g. PATH/cat/1.png, PATH/dog/2.png)"
        )
    if len(folders) < 2:
        raise DatasetError(
            f"{path} has only the class subfolder {folders[0].name!r}; a classifier needs at "
            "least 2 classes"
        )
    return folders


def check_folder(path: Path) -> list[str]:
    """The class names, after checking every class subfolder holds at least one image."""
    folders = class_folders(path)
    for folder in folders:
        if not any(p.suffix.lower() in IMAGE_SUFFIXES for p in folder.rglob("*") if p.is_file()):
            raise DatasetError(
                f"class folder {folder} holds no images ({', '.join(IMAGE_SUFFIXES)})"
            )
    return [folder.name for folder in folders]


def load_folder(
    path: Path, image_size: tuple[int, int], color_mode: str
) -> tuple[np.ndarray, np.ndarray]:
    """Every image under `path` as float32 in [0, 1] shaped (N, H, W, C), labels 0..K-1."""
    check_folder(path)
    import keras

    dataset = keras.utils.image_dataset_from_directory(
        str(path),
        labels="inferred",
        label_mode="int",
        image_size=image_size,
        color_mode=color_mode,
        batch_size=None,
        shuffle=False,
    )
    images, labels = [], []
    for x, y in dataset.batch(_BATCH).as_numpy_iterator():
        images.append(x)
        labels.append(y)
    x = np.concatenate(images).astype(np.float32) / np.float32(255.0)
    return x, np.concatenate(labels).astype(np.int64)
