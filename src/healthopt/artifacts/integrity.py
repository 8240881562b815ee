"""Is a saved model the one its trial wrote? The check before a model is shipped or served.

A trial records its `model.keras`'s SHA-256 the moment it saves it. Anything that later copies
the file into `optimized_model/` or hands it to a client calls `verify_model` first, so a model
overwritten, truncated or swapped on disk after training is refused instead of shipped.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from healthopt.artifacts.base import sha256_file

# A `.keras` file is a ZIP whose members include the model's architecture as config.json.
_KERAS_CONFIG = "config.json"


class ModelCorrupt(ValueError):
    """A saved model is missing or is not what was saved; the message names the file and why."""


def verify_model(path: Path, expected_sha256: str | None) -> None:
    """Raise ModelCorrupt unless the model file exists and hashes to `expected_sha256`.

    `expected_sha256` is None for trials saved before hashes were recorded: then there is nothing
    to compare against and only the file's presence is checked (`verify_keras_archive` can still
    tell garbage from a Keras archive).
    """
    what = _describe(path)
    if not path.is_file():
        raise ModelCorrupt(f"{what} is missing ({path})")
    if expected_sha256 is None:
        return
    found = sha256_file(path)
    if found != expected_sha256:
        raise ModelCorrupt(
            f"{what} does not match the sha256 recorded when it was saved "
            f"(recorded {expected_sha256[:12]}…, found {found[:12]}…)"
        )


def verify_keras_archive(path: Path) -> None:
    """Raise ModelCorrupt unless the file is shaped like a Keras archive (a ZIP with config.json).

    The check for models with no recorded hash: it cannot prove the file is the trial's model,
    but it keeps garbage from being shipped as one. It does not import Keras.
    """
    what = _describe(path)
    if not path.is_file():
        raise ModelCorrupt(f"{what} is missing ({path})")
    if not zipfile.is_zipfile(path):
        raise ModelCorrupt(f"{what} is not a Keras archive (not a ZIP file)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelCorrupt(f"{what} is not a readable Keras archive ({exc})") from exc
    if _KERAS_CONFIG not in names:
        raise ModelCorrupt(f"{what} is not a Keras archive (no {_KERAS_CONFIG} inside)")


def _describe(path: Path) -> str:
    """'model.keras of trial 3' for a trial folder's model, else the file's name."""
    folder = path.parent.name
    if folder.startswith("trial_") and folder[len("trial_") :].isdigit():
        return f"{path.name} of trial {folder[len('trial_') :]}"
    return path.name
