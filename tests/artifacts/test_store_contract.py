"""One contract suite, every artifact store: what a worker uploads comes back byte for byte, or
the store says which key failed and why."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from healthopt.artifacts import (
    ArtifactError,
    ArtifactRef,
    FileSystemArtifactStore,
    S3ArtifactStore,
    S3Settings,
)
from healthopt.artifacts.s3 import MIB


@dataclass
class Backend:
    """A store plus ways to look at and change its objects behind its back."""

    name: str
    store: FileSystemArtifactStore | S3ArtifactStore
    stored_sha256: Callable[[str], str]  # the digest recorded with the object at upload
    overwrite: Callable[[str, bytes], None]
    etag: Callable[[str], str | None]


def _filesystem(root: Path) -> Backend:
    def path(key: str) -> Path:
        return root / key

    return Backend(
        name="filesystem",
        store=FileSystemArtifactStore(root),
        stored_sha256=lambda key: path(key).with_name(f".{path(key).name}.sha256").read_text(),
        overwrite=lambda key, data: path(key).write_bytes(data),
        etag=lambda key: None,
    )


def _s3(settings: S3Settings, client: Any) -> Backend:
    store, bucket = S3ArtifactStore(settings), settings.bucket

    def head(key: str) -> dict:
        return client.head_object(Bucket=bucket, Key=key)

    return Backend(
        name="s3",
        store=store,
        stored_sha256=lambda key: head(key)["Metadata"]["sha256"],
        overwrite=lambda key, data: client.put_object(Bucket=bucket, Key=key, Body=data),
        etag=lambda key: head(key)["ETag"].strip('"'),
    )


@pytest.fixture(params=["filesystem", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "filesystem":
        return _filesystem(tmp_path / "store")
    return _s3(request.getfixturevalue("s3_settings"), request.getfixturevalue("s3_admin"))


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_a_small_file_round_trips_with_its_digest(backend: Backend, tmp_path: Path):
    data = b"trial outputs\n" * 50
    source = _write(tmp_path / "up" / "bundle.zip", data)

    ref = backend.store.put_file("runs/r1/trial_3/attempt-a.zip", source)

    assert ref == ArtifactRef(
        "runs/r1/trial_3/attempt-a.zip", hashlib.sha256(data).hexdigest(), 700
    )
    assert backend.stored_sha256(ref.key).strip() == ref.sha256
    assert backend.store.stat(ref.key) == ref
    dest = tmp_path / "down" / "nested" / "bundle.zip"
    assert backend.store.get_file(ref, dest) == dest
    assert dest.read_bytes() == data
    assert _files_under(tmp_path / "down") == {dest}


def test_a_file_over_the_multipart_threshold_round_trips(backend: Backend, tmp_path: Path):
    data = os.urandom(11 * MIB)  # three 5 MiB parts at the fixture's threshold
    ref = backend.store.put_file("runs/r1/big.zip", _write(tmp_path / "big.zip", data))

    assert (ref.size_bytes, ref.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert backend.stored_sha256(ref.key).strip() == ref.sha256
    if backend.name == "s3":
        # S3's ETag of a multipart upload is "<md5 of the part md5s>-<part count>".
        assert backend.etag(ref.key).endswith("-3")
    dest = backend.store.get_file(ref, tmp_path / "out.zip")
    assert dest.read_bytes() == data


def test_a_wrong_digest_is_refused_and_leaves_the_destination_alone(
    backend: Backend, tmp_path: Path
):
    ref = backend.store.put_file("runs/r1/a.zip", _write(tmp_path / "a.zip", b"payload"))
    dest = _write(tmp_path / "down" / "a.zip", b"previous download")
    wrong = ArtifactRef(ref.key, hashlib.sha256(b"something else").hexdigest(), ref.size_bytes)

    with pytest.raises(ArtifactError, match=r"'runs/r1/a\.zip'.*sha256"):
        backend.store.get_file(wrong, dest)

    assert dest.read_bytes() == b"previous download"
    assert _files_under(tmp_path / "down") == {dest}  # no partial download left beside it


def test_an_object_changed_behind_the_store_is_refused(backend: Backend, tmp_path: Path):
    ref = backend.store.put_file("runs/r1/a.zip", _write(tmp_path / "a.zip", b"the real bytes"))
    backend.overwrite(ref.key, b"the real byteZ")

    with pytest.raises(ArtifactError, match="corrupt"):
        backend.store.get_file(ref, tmp_path / "down" / "a.zip")
    assert not (tmp_path / "down" / "a.zip").exists()


def test_a_missing_key_is_reported_as_not_found(backend: Backend, tmp_path: Path):
    ref = ArtifactRef("runs/r1/never.zip", "0" * 64, 10)

    with pytest.raises(ArtifactError, match=r"'runs/r1/never\.zip' not found"):
        backend.store.get_file(ref, tmp_path / "down" / "never.zip")
    with pytest.raises(ArtifactError, match="not found"):
        backend.store.stat(ref.key)
    assert _files_under(tmp_path / "down") == set()


def test_exists_and_remove_follow_the_object(backend: Backend, tmp_path: Path):
    store, key = backend.store, "runs/r1/trial_0/a.zip"
    assert not store.exists(key)
    store.put_file(key, _write(tmp_path / "a.zip", b"x"))
    assert store.exists(key)

    store.remove(key)
    store.remove(key)  # removing twice, or something never stored, is not an error
    store.remove("runs/r1/never.zip")

    assert not store.exists(key)
    with pytest.raises(ArtifactError, match="not found"):
        store.stat(key)


def test_putting_a_key_again_replaces_the_object(backend: Backend, tmp_path: Path):
    backend.store.put_file("k.zip", _write(tmp_path / "1.zip", b"first"))
    ref = backend.store.put_file("k.zip", _write(tmp_path / "2.zip", b"second"))

    assert backend.store.stat("k.zip") == ref
    assert backend.store.get_file(ref, tmp_path / "out").read_bytes() == b"second"


def test_a_missing_source_file_is_an_artifact_error(backend: Backend, tmp_path: Path):
    with pytest.raises(ArtifactError, match=r"'runs/a\.zip'"):
        backend.store.put_file("runs/a.zip", tmp_path / "absent.zip")
    assert not backend.store.exists("runs/a.zip")


@pytest.mark.parametrize(
    "key",
    ["", "/abs.zip", "../up.zip", "runs/../../up.zip", "a//b.zip", "runs/", ".hidden",
     "runs/.a.zip.sha256", "a\\b.zip", "runs/with space.zip", "x" * 1025],
)  # fmt: skip
def test_unsafe_keys_are_refused_everywhere(backend: Backend, tmp_path: Path, key: str):
    source = _write(tmp_path / "src" / "a.zip", b"x")
    before = _files_under(tmp_path)

    for call in (
        lambda: backend.store.put_file(key, source),
        lambda: backend.store.get_file(ArtifactRef(key, "0" * 64, 1), tmp_path / "out.zip"),
        lambda: backend.store.exists(key),
        lambda: backend.store.remove(key),
    ):
        with pytest.raises(ArtifactError, match="invalid artifact key"):
            call()
    assert _files_under(tmp_path) == before


def test_a_folder_store_confines_keys_that_pass_through_a_symlink(tmp_path: Path):
    root, outside = tmp_path / "store", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    store = FileSystemArtifactStore(root)

    with pytest.raises(ArtifactError, match="outside"):
        store.put_file("link/a.zip", _write(tmp_path / "a.zip", b"x"))
    assert list(outside.iterdir()) == []


def test_describe_names_the_location(tmp_path: Path):
    assert FileSystemArtifactStore(tmp_path).describe() == tmp_path.resolve().as_uri()
    settings = S3Settings(bucket="bucket-name", prefix="/healthopt/runs/")
    assert (
        S3ArtifactStore(settings, client=object()).describe() == "s3://bucket-name/healthopt/runs"
    )


def test_a_ref_travels_as_a_dict():
    ref = ArtifactRef("runs/r1/a.zip", "ab" * 32, 12)
    assert ArtifactRef.from_dict(ref.to_dict()) == ref
    for bad in (
        {"key": "a.zip"},
        {**ref.to_dict(), "sha256": "xyz"},
        {**ref.to_dict(), "key": "../a"},
    ):
        with pytest.raises(ArtifactError):
            ArtifactRef.from_dict(bad)
