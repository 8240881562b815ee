"""S3 settings from the environment, the transfer options they set, and which store a process
picks; credentials stay in boto3's chain and out of everything we print."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from healthopt.artifacts import (
    ArtifactError,
    ArtifactRef,
    FileSystemArtifactStore,
    S3ArtifactStore,
    S3Settings,
    artifact_store_from_env,
)
from healthopt.artifacts.s3 import MIB

from ..http_server import unused_port


def test_from_env_reads_every_setting():
    settings = S3Settings.from_env(
        {
            "HEALTHOPT_S3_BUCKET": "trial-artifacts",
            "HEALTHOPT_S3_ENDPOINT_URL": "http://minio:9000",
            "HEALTHOPT_S3_PREFIX": "/healthopt/dev/",
            "HEALTHOPT_S3_CHECKSUM": "when_supported",
            "AWS_REGION": "eu-central-1",
            "AWS_DEFAULT_REGION": "us-west-2",
        }
    )
    assert settings == S3Settings(
        bucket="trial-artifacts",
        endpoint_url="http://minio:9000",
        region="eu-central-1",
        prefix="healthopt/dev",
        checksum="when_supported",
    )


def test_from_env_defaults_to_aws_and_the_compatible_checksum_mode():
    settings = S3Settings.from_env(
        {"HEALTHOPT_S3_BUCKET": "b-1", "HEALTHOPT_S3_ENDPOINT_URL": "", "AWS_DEFAULT_REGION": "r"}
    )
    assert (settings.endpoint_url, settings.region, settings.prefix) == (None, "r", "")
    assert settings.checksum == "when_required"
    assert (settings.max_attempts, settings.multipart_threshold) == (5, 64 * MIB)
    assert S3Settings.from_env({"HEALTHOPT_S3_BUCKET": "b-1"}).region is None


def test_from_env_without_a_bucket_says_which_variable_is_missing():
    with pytest.raises(ValueError, match="HEALTHOPT_S3_BUCKET"):
        S3Settings.from_env({"HEALTHOPT_S3_BUCKET": "  "})


def test_an_unknown_checksum_mode_is_a_clear_error():
    with pytest.raises(ValueError, match=r"when_required, when_supported.*'always'"):
        S3Settings.from_env({"HEALTHOPT_S3_BUCKET": "b-1", "HEALTHOPT_S3_CHECKSUM": "always"})


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"prefix": "runs/../etc"}, "prefix"),
        ({"multipart_chunksize": MIB}, "multipart_chunksize"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"bucket": ""}, "bucket"),
    ],
)
def test_invalid_settings_are_refused(overrides: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=message):
        S3Settings(**{"bucket": "b-1", **overrides})


@pytest.mark.parametrize("checksum", ["when_required", "when_supported"])
def test_both_checksum_modes_transfer_against_s3(
    s3_settings: S3Settings, s3_admin: Any, tmp_path: Path, checksum: str
):
    store = S3ArtifactStore(S3Settings(**{**s3_settings.__dict__, "checksum": checksum}))
    for size in (1000, 6 * MIB):  # a single PUT and a two-part upload
        data = os.urandom(size)
        (tmp_path / "up").write_bytes(data)
        ref = store.put_file(f"runs/r1/{size}.zip", tmp_path / "up")
        assert store.get_file(ref, tmp_path / "down").read_bytes() == data

        head = s3_admin.head_object(Bucket=s3_settings.bucket, Key=ref.key, ChecksumMode="ENABLED")
        # The mode reached botocore: only "when_supported" sends the optional CRC checksum.
        assert ("ChecksumCRC32" in head) == (checksum == "when_supported")


def test_a_prefix_places_objects_under_it(s3_settings: S3Settings, s3_admin: Any, tmp_path: Path):
    store = S3ArtifactStore(S3Settings(**{**s3_settings.__dict__, "prefix": "healthopt/dev"}))
    (tmp_path / "up").write_bytes(b"x")
    ref = store.put_file("runs/a.zip", tmp_path / "up")

    listed = s3_admin.list_objects_v2(Bucket=s3_settings.bucket)["Contents"]
    assert [o["Key"] for o in listed] == ["healthopt/dev/runs/a.zip"]
    assert ref.key == "runs/a.zip" and store.exists("runs/a.zip")


def test_a_missing_bucket_is_an_artifact_error_naming_the_cause(
    s3_settings: S3Settings, tmp_path: Path
):
    store = S3ArtifactStore(S3Settings(**{**s3_settings.__dict__, "bucket": "no-such-bucket-1"}))
    (tmp_path / "up").write_bytes(b"x")
    with pytest.raises(ArtifactError, match=r"'runs/a\.zip'.*NoSuchBucket"):
        store.put_file("runs/a.zip", tmp_path / "up")


def test_an_unreachable_endpoint_fails_after_the_configured_attempts(
    aws_env: dict[str, str], tmp_path: Path
):
    settings = S3Settings(
        bucket="b-1", endpoint_url=f"http://127.0.0.1:{unused_port()}", max_attempts=2
    )
    with pytest.raises(ArtifactError, match=r"checking artifact 'a\.zip'.*failed"):
        S3ArtifactStore(settings).exists("a.zip")


def test_credentials_never_appear_in_reprs_descriptions_or_errors(
    s3_settings: S3Settings, aws_env: dict[str, str], tmp_path: Path
):
    store = S3ArtifactStore(s3_settings)
    missing = S3ArtifactStore(S3Settings(**{**s3_settings.__dict__, "bucket": "no-such-bucket-2"}))
    texts = [repr(s3_settings), repr(store), store.describe(), str(store.__dict__)]
    (tmp_path / "up").write_bytes(b"x")
    for failing in (
        lambda: store.get_file(ArtifactRef("runs/none.zip", "0" * 64, 1), tmp_path / "x"),
        lambda: missing.put_file("runs/a.zip", tmp_path / "up"),
    ):
        with pytest.raises(ArtifactError) as caught:
            failing()
        texts.append(str(caught.value))

    for secret in (aws_env["AWS_ACCESS_KEY_ID"], aws_env["AWS_SECRET_ACCESS_KEY"]):
        assert not [text for text in texts if secret in text]


def test_the_environment_picks_the_store(tmp_path: Path, aws_env: dict[str, str]):
    folder = {"HEALTHOPT_ARTIFACT_DIR": str(tmp_path / "artifacts")}
    bucket = {"HEALTHOPT_S3_BUCKET": "b-1", "HEALTHOPT_S3_PREFIX": "p"}

    assert artifact_store_from_env({}) is None
    assert artifact_store_from_env({"HEALTHOPT_ARTIFACT_DIR": " "}) is None
    local = artifact_store_from_env(folder)
    assert isinstance(local, FileSystemArtifactStore)
    assert local.describe() == (tmp_path / "artifacts").as_uri()
    for env in (bucket, {**folder, **bucket}):
        remote = artifact_store_from_env(env)
        assert isinstance(remote, S3ArtifactStore) and remote.describe() == "s3://b-1/p"
