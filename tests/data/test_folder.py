"""`folder:PATH?size=HxW&color=MODE`: one image subfolder per class, read by keras."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from healthopt.data import IMAGE, DatasetError, load_dataset, lookup
from healthopt.data.fingerprint import fingerprint_dataset
from healthopt.data.image_folder import load_folder

# Red cats, blue dogs: each class has a colour of its own, so labels can be checked by pixel.
COLOURS = {"cat": (255, 0, 0), "dog": (0, 0, 255)}


def _tree(root: Path, per_class: int = 6) -> Path:
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (10 + i, 12), colour).save(root / name / f"{i}.png")
    return root


def test_images_are_resized_scaled_and_labelled_by_sorted_subfolder(tmp_path: Path):
    x, y = load_folder(_tree(tmp_path / "pets"), (8, 6), "rgb")
    assert x.shape == (12, 8, 6, 3) and x.dtype == np.float32
    assert y.tolist() == [0] * 6 + [1] * 6  # cat 0, dog 1
    assert np.allclose(x[y == 0][..., 0], 1.0) and np.allclose(x[y == 0][..., 2], 0.0)
    assert np.allclose(x[y == 1][..., 2], 1.0)


def test_grayscale_gives_one_channel(tmp_path: Path):
    x, _ = load_folder(_tree(tmp_path / "pets"), (4, 4), "grayscale")
    assert x.shape == (12, 4, 4, 1) and 0.0 <= x.min() <= x.max() <= 1.0


def test_lookup_reads_no_images_and_imports_no_tensorflow(tmp_path: Path):
    name = f"folder:{_tree(tmp_path / 'pets')}?size=16x8&color=rgba"
    before = "tensorflow" in sys.modules
    info = lookup(name)
    assert info.modality == IMAGE and not info.local
    assert "2 classes, 16x8 rgba" in info.description
    assert ("tensorflow" in sys.modules) == before
    assert fingerprint_dataset(name, 0) is None  # not local: the orchestrator never loads it


def test_folder_dataset_loads_and_splits(tmp_path: Path):
    data = load_dataset(f"folder:{_tree(tmp_path / 'pets', per_class=10)}?size=5x5", seed=0)
    assert data.modality == IMAGE and data.input_shape == (5, 5, 3)
    assert data.num_classes == 2 and [len(s) for s in data.splits.values()] == [12, 4, 2, 2]


def test_bad_folders_say_what_is_wrong(tmp_path: Path):
    with pytest.raises(DatasetError, match="image folder not found"):
        lookup(f"folder:{tmp_path / 'absent'}")
    (tmp_path / "flat").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "flat" / "a.png")
    with pytest.raises(DatasetError, match="has no class subfolders; put each class"):
        lookup(f"folder:{tmp_path / 'flat'}")
    (tmp_path / "flat" / "only").mkdir()
    with pytest.raises(DatasetError, match="only the class subfolder 'only'; .* at least 2"):
        lookup(f"folder:{tmp_path / 'flat'}")
    (tmp_path / "flat" / "other").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "flat" / "other" / "b.png")
    (tmp_path / "flat" / "only" / "notes.txt").write_text("no image here")
    with pytest.raises(DatasetError, match=r"class folder .*only holds no images"):
        load_dataset(f"folder:{tmp_path / 'flat'}")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("?size=32", r"image size '32' .* is not HEIGHTxWIDTH"),
        ("?size=0x4", r"image size '0x4'"),
        ("?color=cmyk", r"color mode 'cmyk' .* not one of rgb, grayscale, rgba"),
        ("?label=y", r"unknown option\(s\) label .* folder: datasets take size, color"),
        ("?size=4x4&size=8x8", r"option\(s\) size given twice"),
    ],
)
def test_bad_folder_options(tmp_path: Path, options: str, message: str):
    with pytest.raises(DatasetError, match=message):
        lookup(f"folder:{_tree(tmp_path / 'pets')}{options}")
