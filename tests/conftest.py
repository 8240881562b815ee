"""Shared fixtures: small datasets the tests make themselves (nothing is downloaded), one
throwaway PostgreSQL cluster for the session, and one tiny real Keras model trained once per
test run for the tests that only read a real model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from .postgres import postgres_bin, throwaway_cluster


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database on loopback (Debian's server, started as a throwaway
    cluster); tests that share it use their own table or study names."""
    if postgres_bin() is None:
        pytest.skip("Debian's postgresql server is not installed")
    with throwaway_cluster() as url:
        yield url


@pytest.fixture
def text_npz(tmp_path: Path) -> Path:
    """A 3-class token-sequence dataset whose class decides which tokens appear."""
    rng = np.random.default_rng(0)
    n, length = 240, 12  # tokens 1..30: ten per class
    y = np.repeat(np.arange(3), n // 3)
    x = np.zeros((n, length), dtype=np.int32)
    for row, label in enumerate(y):
        size = rng.integers(4, length + 1)
        low = 1 + 10 * label
        x[row, length - size :] = rng.integers(low, low + 10, size=size)
    path = tmp_path / "tokens.npz"
    np.savez(path, x=x, y=y)
    return path


@pytest.fixture
def image_npz(tmp_path: Path) -> Path:
    """A 2-class uint8 image dataset (bright vs dark 6x6 squares)."""
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(2), 50)
    x = (rng.integers(0, 100, size=(100, 6, 6)) + 150 * y[:, None, None]).astype(np.uint8)
    path = tmp_path / "images.npz"
    np.savez(path, x=x, y=y)
    return path


@pytest.fixture(scope="session")
def tiny_digits_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Keras model file for `digits` (8x8x1 images, 10 classes), trained once per run.

    The smallest model that learns (Flatten, Dense(16), softmax; two epochs, about a second):
    tests that need a real, loadable model but not a particular one (a scripted trial's
    shipped model, which a study's analysis loads and measures on the holdout) share it
    instead of training their own. The file is read-only: copy it to change it.
    """
    import keras  # here, not at the top: most tests never import TensorFlow

    from healthopt.data import load_dataset

    data = load_dataset("digits", seed=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(data.input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(data.num_classes, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(data.train.x, data.train.y, epochs=2, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("tiny_digits_model") / "model.keras"
    model.save(path)
    path.chmod(0o444)
    return path
