"""Fixtures for the artifact stores: one moto S3 server per session, a fresh bucket per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthopt.artifacts import S3Settings
from healthopt.artifacts.s3 import MIB

from ..s3 import moto_s3_server

REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with moto_s3_server() as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Fake credentials in the environment only, and nothing of the developer's AWS setup."""
    values = {
        "AWS_ACCESS_KEY_ID": "AKIAHEALTHOPTTESTING",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-c2VjcmV0LXZhbHVl",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_REQUEST_CHECKSUM_CALCULATION",
        "AWS_RESPONSE_CHECKSUM_VALIDATION",
    ):
        monkeypatch.delenv(name, raising=False)
    return values


@pytest.fixture(scope="session")
def s3_admin(s3_endpoint: str) -> Any:
    """A client for arranging and inspecting buckets, shared so each test skips building one. It
    gets moto's dummy credentials directly: the environment is only patched per test."""
    import boto3

    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def s3_bucket(s3_admin: Any, aws_env: dict[str, str]) -> str:
    name = f"healthopt-{uuid.uuid4().hex[:16]}"
    s3_admin.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(s3_endpoint: str, s3_bucket: str) -> S3Settings:
    """Settings with S3's smallest multipart threshold, so a few MiB already go in parts."""
    return S3Settings(
        bucket=s3_bucket,
        endpoint_url=s3_endpoint,
        region=REGION,
        multipart_threshold=5 * MIB,
        multipart_chunksize=5 * MIB,
    )
