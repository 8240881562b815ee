"""Artifacts in an S3 bucket (AWS or any S3-compatible service): what remote workers upload to.

Credentials are never passed to or kept by these objects: boto3 finds them through its standard
chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role), so no repr,
message or log line of ours can contain them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthopt.artifacts.base import (
    ArtifactError,
    ArtifactRef,
    atomic_destination,
    sha256_file,
    validate_key,
    verify_sha256,
)

MIB = 1024 * 1024
# botocore >= 1.36 sends CRC checksums (and aws-chunked bodies) on every upload by default
# ("when_supported"), which several S3-compatible services reject; "when_required" sends them
# only where S3 demands one. Integrity does not depend on it: every download is checked against
# the uploader's sha256.
CHECKSUM_MODES = ("when_required", "when_supported")
_MIN_PART = 5 * MIB  # S3 refuses multipart parts smaller than this (except the last)
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class S3Settings:
    """Where artifacts go and how transfers behave; holds no credentials."""

    bucket: str
    endpoint_url: str | None = None  # None: AWS itself
    region: str | None = None
    prefix: str = ""  # prepended to every key, e.g. "healthopt" -> s3://bucket/healthopt/<key>
    checksum: str = "when_required"
    max_attempts: int = 5
    multipart_threshold: int = 64 * MIB
    multipart_chunksize: int = 16 * MIB

    def __post_init__(self) -> None:
        if not self.bucket:
            raise ValueError("S3 bucket must not be empty (HEALTHOPT_S3_BUCKET)")
        if self.checksum not in CHECKSUM_MODES:
            raise ValueError(
                f"S3 checksum mode must be one of {', '.join(CHECKSUM_MODES)} "
                f"(HEALTHOPT_S3_CHECKSUM), got {self.checksum!r}"
            )
        prefix = self.prefix.strip("/")
        if prefix:
            try:
                validate_key(prefix)
            except ArtifactError as exc:
                raise ValueError(
                    f"invalid S3 prefix {self.prefix!r} (HEALTHOPT_S3_PREFIX)"
                ) from exc
        object.__setattr__(self, "prefix", prefix)
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.multipart_threshold < 1:
            raise ValueError(
                f"multipart_threshold must be positive, got {self.multipart_threshold}"
            )
        if self.multipart_chunksize < _MIN_PART:
            raise ValueError(
                f"multipart_chunksize must be at least {_MIN_PART} bytes (S3's smallest part), "
                f"got {self.multipart_chunksize}"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> S3Settings:
        """Read HEALTHOPT_S3_BUCKET (required), HEALTHOPT_S3_ENDPOINT_URL (empty: AWS),
        HEALTHOPT_S3_PREFIX, HEALTHOPT_S3_CHECKSUM and AWS_REGION / AWS_DEFAULT_REGION."""
        bucket = env.get("HEALTHOPT_S3_BUCKET", "").strip()
        if not bucket:
            raise ValueError("HEALTHOPT_S3_BUCKET is not set")
        return cls(
            bucket=bucket,
            endpoint_url=env.get("HEALTHOPT_S3_ENDPOINT_URL", "").strip() or None,
            region=(env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip() or None,
            prefix=env.get("HEALTHOPT_S3_PREFIX", ""),
            checksum=env.get("HEALTHOPT_S3_CHECKSUM", "").strip() or "when_required",
        )


class S3ArtifactStore:
    """Stores each artifact as one object with its sha256 in the object metadata "sha256"."""

    def __init__(self, settings: S3Settings, client: Any = None):
        # boto3 is an optional dependency (the "cloud" extra); only this store needs it.
        import boto3
        from boto3.exceptions import Boto3Error
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        self.settings = settings
        # What a transfer can fail with: the service, the connection, retries running out, the
        # local file; anything else is a bug and is left to propagate.
        self._failures = (ClientError, BotoCoreError, Boto3Error, OSError)
        if client is None:
            config = Config(
                retries={"mode": "standard", "max_attempts": settings.max_attempts},
                request_checksum_calculation=settings.checksum,
                response_checksum_validation=settings.checksum,
                # Custom endpoints (MinIO, a local emulator) rarely resolve bucket subdomains.
                s3={"addressing_style": "path" if settings.endpoint_url else "auto"},
            )
            # A session per store: boto3's default session is not safe to share across threads.
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=settings.endpoint_url,
                region_name=settings.region,
                config=config,
            )
        self._client = client
        self._transfer = TransferConfig(
            multipart_threshold=settings.multipart_threshold,
            multipart_chunksize=settings.multipart_chunksize,
        )

    def describe(self) -> str:
        return f"s3://{self.settings.bucket}/{self.settings.prefix}"

    def __repr__(self) -> str:
        return f"S3ArtifactStore({self.describe()!r})"

    def put_file(self, key: str, path: Path) -> ArtifactRef:
        name = self._object_name(key)
        try:
            sha256, size = sha256_file(Path(path)), Path(path).stat().st_size
            self._client.upload_file(
                str(path),
                self.settings.bucket,
                name,
                ExtraArgs={"Metadata": {"sha256": sha256}},
                Config=self._transfer,
            )
        except self._failures as exc:
            raise self._error("uploading", key, exc) from exc
        return ArtifactRef(key=key, sha256=sha256, size_bytes=size)

    def get_file(self, ref: ArtifactRef, dest: Path) -> Path:
        name = self._object_name(ref.key)
        dest = Path(dest)
        with atomic_destination(dest) as tmp:
            try:
                self._client.download_file(
                    self.settings.bucket, name, str(tmp), Config=self._transfer
                )
            except self._failures as exc:
                raise self._error("downloading", ref.key, exc) from exc
            verify_sha256(tmp, ref, self.describe())
        return dest

    def stat(self, key: str) -> ArtifactRef:
        """The reference recorded at upload time, e.g. to recover a result whose report was lost."""
        try:
            head = self._client.head_object(Bucket=self.settings.bucket, Key=self._object_name(key))
        except self._failures as exc:
            raise self._error("inspecting", key, exc) from exc
        sha256 = head.get("Metadata", {}).get("sha256")
        if not sha256:
            raise ArtifactError(f"artifact {key!r} in {self.describe()} has no sha256 metadata")
        return ArtifactRef(key=key, sha256=sha256, size_bytes=int(head["ContentLength"]))

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.settings.bucket, Key=self._object_name(key))
        except self._failures as exc:
            if _is_not_found(exc):
                return False
            raise self._error("checking", key, exc) from exc
        return True

    def remove(self, key: str) -> None:
        # S3 answers a delete of a missing object with success, which is the contract.
        try:
            self._client.delete_object(Bucket=self.settings.bucket, Key=self._object_name(key))
        except self._failures as exc:
            raise self._error("removing", key, exc) from exc

    def _object_name(self, key: str) -> str:
        validate_key(key)
        return f"{self.settings.prefix}/{key}" if self.settings.prefix else key

    def _error(self, action: str, key: str, exc: Exception) -> ArtifactError:
        if _is_not_found(exc):
            return ArtifactError(f"artifact {key!r} not found in {self.describe()}")
        return ArtifactError(
            f"{action} artifact {key!r} in {self.describe()} failed: {_reason(exc)}"
        )


def _is_not_found(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code")) in _NOT_FOUND
    return False


def _reason(exc: Exception) -> str:
    """A short cause: the service's error code and message, never the request that carried it."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', '?')}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"
