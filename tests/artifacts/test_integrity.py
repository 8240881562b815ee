"""The model integrity check: a recorded hash or a Keras archive's shape, or ModelCorrupt."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from healthopt.artifacts.base import sha256_file
from healthopt.artifacts.integrity import (
    ModelCorrupt,
    verify_keras_archive,
    verify_model,
)


def _keras_like(path: Path) -> Path:
    """A ZIP shaped like a `.keras` file (config.json, metadata, weights), without Keras."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", '{"class_name": "Sequential"}')
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", b"\x89HDF\r\n")
    return path


def test_sha256_file_is_the_hex_digest_of_the_bytes_across_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # over 2 MiB: more than one read chunk
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_a_model_that_matches_its_recorded_hash_passes(tmp_path: Path) -> None:
    model = _keras_like(tmp_path / "trials" / "trial_3" / "model.keras")
    assert verify_model(model, sha256_file(model)) is None


def test_an_overwritten_model_names_the_trial_and_both_hashes(tmp_path: Path) -> None:
    model = _keras_like(tmp_path / "trials" / "trial_3" / "model.keras")
    recorded = sha256_file(model)
    model.write_bytes(b"garbage")
    with pytest.raises(ModelCorrupt) as caught:
        verify_model(model, recorded)
    message = str(caught.value)
    assert "model.keras of trial 3 does not match the sha256 recorded" in message
    assert recorded[:12] in message
    assert hashlib.sha256(b"garbage").hexdigest()[:12] in message


def test_a_missing_model_is_corrupt_with_or_without_a_recorded_hash(tmp_path: Path) -> None:
    missing = tmp_path / "trials" / "trial_1" / "model.keras"
    for expected in (None, "0" * 64):
        with pytest.raises(ModelCorrupt, match="model.keras of trial 1 is missing"):
            verify_model(missing, expected)


def test_without_a_recorded_hash_there_is_nothing_to_compare(tmp_path: Path) -> None:
    """Runs saved before hashes were recorded: verify_model accepts any present file."""
    model = tmp_path / "model.keras"
    model.write_bytes(b"anything")
    assert verify_model(model, None) is None


def test_model_corrupt_is_a_value_error() -> None:
    assert issubclass(ModelCorrupt, ValueError)


def test_a_keras_shaped_archive_passes_the_structural_check(tmp_path: Path) -> None:
    assert verify_keras_archive(_keras_like(tmp_path / "model.keras")) is None


def test_garbage_is_not_a_keras_archive(tmp_path: Path) -> None:
    model = tmp_path / "trials" / "trial_2" / "model.keras"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"garbage" * 100)
    with pytest.raises(ModelCorrupt, match="model.keras of trial 2 is not a Keras archive"):
        verify_keras_archive(model)


def test_a_zip_without_config_json_is_not_a_keras_archive(tmp_path: Path) -> None:
    model = tmp_path / "model.keras"
    with zipfile.ZipFile(model, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelCorrupt, match=r"no config\.json inside"):
        verify_keras_archive(model)


def test_a_truncated_archive_is_not_a_keras_archive(tmp_path: Path) -> None:
    model = _keras_like(tmp_path / "model.keras")
    model.write_bytes(model.read_bytes()[:40])
    with pytest.raises(ModelCorrupt):
        verify_keras_archive(model)
