"""The artifact store role: put a file under a key, get it back byte for byte, or fail loudly.

A remote trial's outputs travel as one ZIP between a GPU worker and the orchestrator. Every
store records the object's SHA-256 next to it and every download is checked against the digest
the uploader reported, so a truncated, corrupted or overwritten object can never be mistaken for
the trial's real outputs.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

_CHUNK = 1024 * 1024
# Keys become S3 object names and local paths alike: plain ASCII segments keep them portable,
# and a segment may not start with a dot, so "." / ".." and the stores' hidden side files
# (".name.sha256", ".name.part-*") can never be addressed by a key.
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._=-]{0,254}")
_MAX_KEY = 1024  # S3's limit on an object name, prefix included


class ArtifactError(Exception):
    """An artifact is missing, corrupt, or could not be transferred; the message names the key."""


@dataclass(frozen=True)
class ArtifactRef:
    """Where an uploaded artifact lives and what its bytes must hash to."""

    key: str  # store-relative posix key, e.g. "runs/{run}/trial_3/attempt-<uuid>.zip"
    sha256: str  # hex digest of the object's bytes
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "sha256": self.sha256, "size_bytes": self.size_bytes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArtifactRef:
        try:
            ref = cls(key=str(d["key"]), sha256=str(d["sha256"]), size_bytes=int(d["size_bytes"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"not an artifact reference: {d!r}") from exc
        validate_key(ref.key)
        if not re.fullmatch(r"[0-9a-f]{64}", ref.sha256):
            raise ArtifactError(f"artifact {ref.key!r}: sha256 is not a hex digest")
        return ref


class ArtifactStore(Protocol):
    """Somewhere both a worker and the orchestrator can reach (a shared folder, a bucket)."""

    def put_file(self, key: str, path: Path) -> ArtifactRef: ...

    def get_file(self, ref: ArtifactRef, dest: Path) -> Path: ...

    def exists(self, key: str) -> bool: ...

    def remove(self, key: str) -> None: ...

    def describe(self) -> str: ...


def validate_key(key: str) -> str:
    """Return `key` if it is a relative posix key of safe segments, else raise ArtifactError."""
    if not isinstance(key, str) or not key:
        raise ArtifactError(f"invalid artifact key {key!r}: empty")
    if len(key) > _MAX_KEY:
        raise ArtifactError(f"invalid artifact key {key[:40]!r}...: longer than {_MAX_KEY}")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise ArtifactError(
                f"invalid artifact key {key!r}: segments must be letters, digits, '._=-' "
                "and may not be empty or start with a dot (no absolute keys, no '..')"
            )
    return key


def sha256_file(path: Path) -> str:
    return copy_hashing(path, lambda chunk: None)[0]


def verify_sha256(path: Path, ref: ArtifactRef, where: str) -> None:
    """Raise ArtifactError unless the file at `path` hashes to `ref.sha256`."""
    actual = sha256_file(path)
    if actual != ref.sha256:
        raise ArtifactError(
            f"artifact {ref.key!r} from {where} is corrupt: sha256 {actual} does not match the "
            f"expected {ref.sha256}"
        )


@contextmanager
def atomic_destination(dest: Path) -> Iterator[Path]:
    """Yield a temporary path next to `dest`; on success it replaces `dest`, on error it is gone.

    Readers of `dest` therefore see either nothing (or the old file) or the whole verified file.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.part-", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def copy_hashing(src: Path, write: Callable[[bytes], object]) -> tuple[str, int]:
    """Stream `src` into `write`, returning its sha256 and size from the same single read."""
    digest, size = hashlib.sha256(), 0
    with open(src, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            write(chunk)
    return digest.hexdigest(), size
