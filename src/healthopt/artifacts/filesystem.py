"""Artifacts as files under one root folder: for a single machine or a disk every worker mounts."""

from __future__ import annotations

import os
from pathlib import Path

from healthopt.artifacts.base import (
    ArtifactError,
    ArtifactRef,
    atomic_destination,
    copy_hashing,
    validate_key,
)


class FileSystemArtifactStore:
    """Keeps `key` at `root/key` and its digest in the hidden side file `root/.../.name.sha256`.

    Keys cannot start a segment with a dot, so side files and temporary files never collide with
    an artifact. Writes go to a temporary file that is renamed into place, so a reader on another
    machine sees the old object or the whole new one.
    """

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def describe(self) -> str:
        return self.root.as_uri()

    def __repr__(self) -> str:
        return f"FileSystemArtifactStore({self.describe()!r})"

    def put_file(self, key: str, path: Path) -> ArtifactRef:
        target = self._path(key)
        try:
            with atomic_destination(target) as tmp, open(tmp, "wb") as out:
                sha256, size = copy_hashing(Path(path), out.write)
                out.flush()
                os.fsync(out.fileno())  # the rename must not publish data still in the page cache
            with atomic_destination(_sidecar(target)) as tmp:
                tmp.write_text(sha256 + "\n")
        except OSError as exc:
            raise ArtifactError(
                f"storing artifact {key!r} in {self.describe()} failed: {exc}"
            ) from exc
        return ArtifactRef(key=key, sha256=sha256, size_bytes=size)

    def get_file(self, ref: ArtifactRef, dest: Path) -> Path:
        source = self._path(ref.key)
        dest = Path(dest)
        try:
            with atomic_destination(dest) as tmp, open(tmp, "wb") as out:
                sha256, _ = copy_hashing(source, out.write)
                if sha256 != ref.sha256:
                    raise ArtifactError(
                        f"artifact {ref.key!r} in {self.describe()} is corrupt: sha256 {sha256} "
                        f"does not match the expected {ref.sha256}"
                    )
        except FileNotFoundError as exc:
            if not source.is_file():
                raise ArtifactError(f"artifact {ref.key!r} not found in {self.describe()}") from exc
            raise ArtifactError(f"fetching artifact {ref.key!r} failed: {exc}") from exc
        except OSError as exc:
            raise ArtifactError(f"fetching artifact {ref.key!r} failed: {exc}") from exc
        return dest

    def stat(self, key: str) -> ArtifactRef:
        """The reference recorded at upload time, e.g. to recover a result whose report was lost."""
        target = self._path(key)
        try:
            size = target.stat().st_size
        except FileNotFoundError as exc:
            raise ArtifactError(f"artifact {key!r} not found in {self.describe()}") from exc
        try:
            sha256 = _sidecar(target).read_text().strip()
        except FileNotFoundError as exc:
            raise ArtifactError(f"artifact {key!r} has no recorded sha256") from exc
        return ArtifactRef(key=key, sha256=sha256, size_bytes=size)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def remove(self, key: str) -> None:
        target = self._path(key)
        try:
            target.unlink(missing_ok=True)
            _sidecar(target).unlink(missing_ok=True)
        except OSError as exc:
            raise ArtifactError(f"removing artifact {key!r} failed: {exc}") from exc

    def _path(self, key: str) -> Path:
        path = self.root / validate_key(key)
        # A symlinked folder inside the root could still lead elsewhere.
        if not path.resolve().is_relative_to(self.root):
            raise ArtifactError(f"invalid artifact key {key!r}: it leads outside {self.describe()}")
        return path


def _sidecar(path: Path) -> Path:
    return path.with_name(f".{path.name}.sha256")
