"""Shared fixtures: small datasets the tests make themselves (nothing is downloaded), and one
throwaway PostgreSQL cluster for the session."""

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
