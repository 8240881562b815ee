"""A trial's outputs as one ZIP: what a remote worker uploads and the orchestrator unpacks.

Members are `trial/<relpath>` (the trial folder) and `plots/<relpath>` (its plots folder). The
ZIP comes from another machine, so extraction trusts none of it: names are checked before any
byte is written, and everything lands in a staging folder that only replaces the targets once
the whole archive has been read.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from healthopt.artifacts.base import ArtifactError, atomic_destination

TRIAL = "trial"
PLOTS = "plots"
# Already-compressed formats gain nothing from deflate and only cost the worker CPU time.
_STORED_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".zip", ".gz"}


@dataclass(frozen=True)
class BundleInfo:
    """What a bundle holds: `file_count` counts every file, plots included."""

    file_count: int
    plot_count: int
    size_bytes: int  # the ZIP's own size
    uncompressed_bytes: int

    def to_dict(self) -> dict[str, int]:
        return {
            "file_count": self.file_count,
            "plot_count": self.plot_count,
            "size_bytes": self.size_bytes,
            "uncompressed_bytes": self.uncompressed_bytes,
        }


def bundle_trial(trial_dir: Path, plots_dir: Path | None, zip_path: Path) -> BundleInfo:
    """Zip `trial_dir` (and `plots_dir` when given and present) into `zip_path`, atomically.

    Members are sorted so the same folders always give the same member order. A symlink is an
    error rather than followed: it could pull files from outside the trial into the upload.
    """
    trial_dir = Path(trial_dir)
    if not trial_dir.is_dir():
        raise ArtifactError(f"trial folder {trial_dir} does not exist")
    members = [(f"{TRIAL}/{rel}", path) for rel, path in _files(trial_dir)]
    plot_members = []
    if plots_dir is not None and Path(plots_dir).is_dir():
        plot_members = [(f"{PLOTS}/{rel}", path) for rel, path in _files(Path(plots_dir))]
    members += plot_members
    uncompressed = 0
    with atomic_destination(Path(zip_path)) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, path in members:
                stored = path.suffix.lower() in _STORED_SUFFIXES
                zf.write(path, name, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
                uncompressed += zf.getinfo(name).file_size
    return BundleInfo(
        file_count=len(members),
        plot_count=len(plot_members),
        size_bytes=Path(zip_path).stat().st_size,
        uncompressed_bytes=uncompressed,
    )


def extract_bundle(zip_path: Path, trial_dir: Path, plots_dir: Path) -> BundleInfo:
    """Unpack a bundle: `trial/` into `trial_dir`, `plots/` into `plots_dir`.

    Each target is replaced as a whole (an earlier download of the same trial leaves nothing
    stale behind); `plots_dir` is only touched when the bundle has plots. Absolute, `..`,
    duplicate and symlink members, or members outside `trial/` and `plots/`, are refused. On
    any error the targets are as they were and no staging folder remains.
    """
    zip_path, trial_dir, plots_dir = Path(zip_path), Path(trial_dir), Path(plots_dir)
    staged: dict[str, Path] = {}
    try:
        with zipfile.ZipFile(zip_path) as zf:
            members = _checked_members(zf, zip_path)
            plot_count = sum(1 for top, _, _ in members if top == PLOTS)
            targets = {TRIAL: trial_dir, **({PLOTS: plots_dir} if plot_count else {})}
            for top, target in targets.items():
                target.parent.mkdir(parents=True, exist_ok=True)
                staged[top] = Path(
                    tempfile.mkdtemp(prefix=f".{target.name}.extract-", dir=target.parent)
                )
            for top, rel, info in members:
                out = staged[top].joinpath(*rel.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
        for top, target in targets.items():
            _replace_dir(staged[top], target)
            del staged[top]
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArtifactError(f"corrupt ZIP {zip_path}: {exc}") from exc
    except FileNotFoundError as exc:
        if not zip_path.is_file():
            raise ArtifactError(f"bundle {zip_path} not found") from exc
        raise
    finally:
        for folder in staged.values():
            shutil.rmtree(folder, ignore_errors=True)
    return BundleInfo(
        file_count=len(members),
        plot_count=plot_count,
        size_bytes=zip_path.stat().st_size,
        uncompressed_bytes=sum(info.file_size for _, _, info in members),
    )


def _files(root: Path) -> list[tuple[str, Path]]:
    """Every regular file under `root` as (posix relative path, path), sorted by the former."""
    found = []
    for folder, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(folder, name)
            if path.is_symlink():
                raise ArtifactError(f"refusing to bundle the symlink {path}")
        for name in filenames:
            path = Path(folder, name)
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _checked_members(
    zf: zipfile.ZipFile, zip_path: Path
) -> list[tuple[str, PurePosixPath, zipfile.ZipInfo]]:
    """The file members as (top folder, relative path, info); raises on any unsafe member."""
    members, seen = [], set()
    for info in zf.infolist():
        name = info.filename
        if name.startswith("/") or "\\" in name or "\x00" in name:
            raise _unsafe(zip_path, name, "absolute or non-posix name")
        parts = name.rstrip("/").split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise _unsafe(zip_path, name, "empty, '.' or '..' path segment")
        if parts[0] not in (TRIAL, PLOTS):
            raise _unsafe(zip_path, name, f"outside {TRIAL}/ and {PLOTS}/")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _unsafe(zip_path, name, "symlink")
        if info.is_dir():
            continue
        if len(parts) < 2:
            raise _unsafe(zip_path, name, f"a file in place of the {parts[0]}/ folder")
        if name in seen:
            raise _unsafe(zip_path, name, "duplicate member")
        seen.add(name)
        members.append((parts[0], PurePosixPath(*parts[1:]), info))
    return members


def _replace_dir(staging: Path, target: Path) -> None:
    """Move `staging` to `target`; an existing `target` is set aside first and put back if the
    move fails, so it is only deleted once its replacement is in place."""
    if not target.exists():
        os.rename(staging, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rename(target, aside / target.name)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside / target.name, target)
        aside.rmdir()
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _unsafe(zip_path: Path, name: str, why: str) -> ArtifactError:
    return ArtifactError(f"unsafe member {name!r} in {zip_path}: {why}")
