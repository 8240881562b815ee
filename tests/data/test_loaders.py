from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from healthopt.data import DatasetError, dataset_names, load_dataset, lookup
from healthopt.data.loaders import pad_sequences, read_gtsrb_folder


def test_registry_names_and_modalities():
    assert set(dataset_names()) == {
        "digits",
        "mnist",
        "fashion_mnist",
        "cifar10",
        "cifar100",
        "gtsrb",
        "imdb",
        "reuters",
    }
    assert lookup("imdb").modality == "text" and lookup("reuters").modality == "text"
    assert lookup("cifar10").modality == "image"


def test_unknown_name_lists_the_choices():
    with pytest.raises(DatasetError, match="unknown dataset 'mnits'; choose one of .*digits"):
        lookup("mnits")


def test_npz_text_dataset_selects_the_lstm_path(text_npz: Path):
    assert lookup(f"npz:{text_npz}").modality == "text"
    data = load_dataset(f"npz:{text_npz}", seed=0)
    assert data.modality == "text" and data.num_classes == 3
    assert data.train.x.dtype == np.int32 and data.input_shape == (12,)
    assert data.vocabulary_size == 31
    assert [len(s) for s in data.splits.values()] == [144, 48, 24, 24]


def test_npz_uint8_images_are_scaled_and_get_a_channel(image_npz: Path):
    data = load_dataset(f"npz:{image_npz}", seed=0)
    assert data.modality == "image" and data.input_shape == (6, 6, 1)
    assert data.train.x.dtype == np.float32 and data.train.x.max() <= 1.0


def test_npz_with_train_test_keys_is_concatenated(tmp_path: Path):
    path = tmp_path / "parts.npz"
    np.savez(
        path,
        x_train=np.zeros((30, 4, 4)),
        y_train=np.zeros(30, dtype=int),
        x_test=np.ones((10, 4, 4)),
        y_test=np.ones(10, dtype=int),
    )
    data = load_dataset(f"npz:{path}")
    assert sum(len(s) for s in data.splits.values()) == 40 and data.num_classes == 2


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"inputs": np.zeros(3)}, "must hold arrays 'x' and 'y'"),
        ({"x": np.zeros((4, 3, 3)), "y": np.zeros(3, dtype=int)}, "x has 4 samples but y has 3"),
        ({"x": np.zeros(4), "y": np.zeros(4, dtype=int)}, "neither images"),
    ],
)
def test_bad_npz_files_say_what_is_wrong(tmp_path: Path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=message):
        load_dataset(f"npz:{path}")


def test_corrupt_npz_and_missing_file(tmp_path: Path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(DatasetError, match="cannot read .* as a .npz archive"):
        lookup(f"npz:{corrupt}")
    with pytest.raises(DatasetError, match="dataset file not found"):
        lookup(f"npz:{tmp_path / 'absent.npz'}")


def test_negative_labels_are_rejected(tmp_path: Path):
    path = tmp_path / "neg.npz"
    np.savez(path, x=np.zeros((4, 3, 3)), y=np.array([0, 1, -1, 0]))
    with pytest.raises(DatasetError, match="non-negative integer class labels"):
        load_dataset(f"npz:{path}")


def test_pad_sequences_keeps_the_tail_and_pads_left():
    padded = pad_sequences([[1, 2, 3], [4, 5, 6, 7, 8], []], length=4)
    assert padded.tolist() == [[0, 1, 2, 3], [5, 6, 7, 8], [0, 0, 0, 0]]


def test_gtsrb_reader_crops_resizes_and_labels(tmp_path: Path):
    # GTSRB's training layout: Final_Training/Images/000NN/GT-000NN.csv plus .ppm files.
    for class_id in (0, 3):
        folder = tmp_path / "GTSRB" / "Final_Training" / "Images" / f"{class_id:05d}"
        folder.mkdir(parents=True)
        rows = ["Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId"]
        for i in range(2):
            name = f"{i:05d}_00000.ppm"
            Image.new("RGB", (40, 30), color=(200, 10 * class_id, 0)).save(folder / name)
            rows.append(f"{name};40;30;5;5;35;25;{class_id}")
        (folder / f"GT-{class_id:05d}.csv").write_text("\n".join(rows) + "\n")
    x, y = read_gtsrb_folder(tmp_path, size=16)
    assert x.shape == (4, 16, 16, 3) and x.dtype == np.float32
    assert sorted(y.tolist()) == [0, 0, 3, 3]
    assert np.allclose(x[..., 0], 200 / 255, atol=1e-6)


def test_gtsrb_reader_without_annotations_fails_clearly(tmp_path: Path):
    with pytest.raises(DatasetError, match="no GTSRB annotations"):
        read_gtsrb_folder(tmp_path)
