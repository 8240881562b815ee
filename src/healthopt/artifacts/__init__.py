"""Artifact stores (a folder or an S3 bucket) and the trial bundle that travels through them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from healthopt.artifacts.base import ArtifactError, ArtifactRef, ArtifactStore, sha256_file
from healthopt.artifacts.bundle import BundleInfo, bundle_trial, extract_bundle
from healthopt.artifacts.filesystem import FileSystemArtifactStore
from healthopt.artifacts.s3 import S3ArtifactStore, S3Settings

__all__ = [
    "ArtifactError",
    "ArtifactRef",
    "ArtifactStore",
    "BundleInfo",
    "FileSystemArtifactStore",
    "S3ArtifactStore",
    "S3Settings",
    "artifact_store_from_env",
    "bundle_trial",
    "extract_bundle",
    "sha256_file",
]


def artifact_store_from_env(env: Mapping[str, str] = os.environ) -> ArtifactStore | None:
    """The store a process is configured for: S3 when HEALTHOPT_S3_BUCKET is set, a folder when
    HEALTHOPT_ARTIFACT_DIR is set (S3 wins if both are), otherwise None."""
    if env.get("HEALTHOPT_S3_BUCKET", "").strip():
        return S3ArtifactStore(S3Settings.from_env(env))
    folder = env.get("HEALTHOPT_ARTIFACT_DIR", "").strip()
    if folder:
        return FileSystemArtifactStore(Path(folder))
    return None
