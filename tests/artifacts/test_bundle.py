"""The trial bundle: a known layout on the way out, and nothing trusted on the way in."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from healthopt.artifacts import ArtifactError, BundleInfo, bundle_trial, extract_bundle


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def _contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


TRIAL = {"trial.json": b'{"ok": true}', "logs/train.log": b"epoch 1\n" * 200, "a.txt": b"a"}
PLOTS = {"loss.png": b"\x89PNG fake", "spectra/alpha.png": b"\x89PNG other"}


@pytest.fixture
def trial(tmp_path: Path) -> tuple[Path, Path]:
    return _tree(tmp_path / "w" / "trial_3", TRIAL), _tree(tmp_path / "w" / "plots_3", PLOTS)


def test_members_are_prefixed_and_sorted_and_counted(trial: tuple[Path, Path], tmp_path: Path):
    zip_path = tmp_path / "out" / "bundle.zip"
    info = bundle_trial(*trial, zip_path)

    with zipfile.ZipFile(zip_path) as zf:
        assert zf.namelist() == [
            "trial/a.txt", "trial/logs/train.log", "trial/trial.json",
            "plots/loss.png", "plots/spectra/alpha.png",
        ]  # fmt: skip
        assert zf.getinfo("trial/logs/train.log").compress_type == zipfile.ZIP_DEFLATED
        assert zf.getinfo("plots/loss.png").compress_type == zipfile.ZIP_STORED
    uncompressed = sum(map(len, TRIAL.values())) + sum(map(len, PLOTS.values()))
    assert info == BundleInfo(5, 2, zip_path.stat().st_size, uncompressed)
    assert [p.name for p in zip_path.parent.iterdir()] == ["bundle.zip"]


def test_a_bundle_round_trips_into_new_folders(trial: tuple[Path, Path], tmp_path: Path):
    made = bundle_trial(*trial, tmp_path / "b.zip")
    run = tmp_path / "run"

    got = extract_bundle(tmp_path / "b.zip", run / "trials" / "trial_3", run / "plots" / "trial_3")

    assert got == made
    assert _contents(run / "trials" / "trial_3") == TRIAL
    assert _contents(run / "plots" / "trial_3") == PLOTS
    assert sorted(p.name for p in (run / "trials").iterdir()) == ["trial_3"]  # no staging left


def test_extracting_replaces_an_earlier_copy_whole(trial: tuple[Path, Path], tmp_path: Path):
    bundle_trial(*trial, tmp_path / "b.zip")
    target = _tree(tmp_path / "run" / "trial_3", {"stale.txt": b"old", "a.txt": b"old"})

    extract_bundle(tmp_path / "b.zip", target, tmp_path / "run" / "plots_3")

    assert _contents(target) == TRIAL
    assert sorted(p.name for p in target.parent.iterdir()) == ["plots_3", "trial_3"]


def test_without_plots_the_bundle_has_none_and_leaves_plots_dir_alone(
    trial: tuple[Path, Path], tmp_path: Path
):
    trial_dir, _ = trial
    for plots_dir in (None, tmp_path / "never-drawn"):
        info = bundle_trial(trial_dir, plots_dir, tmp_path / "b.zip")
        assert (info.file_count, info.plot_count) == (3, 0)

    got = extract_bundle(tmp_path / "b.zip", tmp_path / "t", tmp_path / "p")
    assert (got.file_count, got.plot_count) == (3, 0)
    assert _contents(tmp_path / "t") == TRIAL
    assert not (tmp_path / "p").exists()


def test_a_symlink_in_the_trial_folder_is_not_followed(trial: tuple[Path, Path], tmp_path: Path):
    trial_dir, plots_dir = trial
    (trial_dir / "secrets").symlink_to(_tree(tmp_path / "elsewhere", {"key": b"secret"}))

    with pytest.raises(ArtifactError, match="symlink"):
        bundle_trial(trial_dir, plots_dir, tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()


def test_a_missing_trial_folder_is_an_artifact_error(tmp_path: Path):
    with pytest.raises(ArtifactError, match="does not exist"):
        bundle_trial(tmp_path / "absent", None, tmp_path / "b.zip")


def _zip(path: Path, members: list[zipfile.ZipInfo | str], data: bytes = b"x") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for member in members:
            zf.writestr(member, data)
    return path


@pytest.mark.parametrize(
    "name",
    ["trial/../../evil.txt", "plots/../../../evil.txt", "/tmp/evil.txt", "trial/a/../../b",
     "trial\\..\\evil.txt", "other/evil.txt", "evil.txt", "trial", "trial//x", "trial/./x"],
)  # fmt: skip
def test_unsafe_member_names_are_refused_before_anything_is_written(tmp_path: Path, name: str):
    bundle = _zip(tmp_path / "b.zip", ["trial/fine.txt", name])
    run = tmp_path / "run" / "deep"

    with pytest.raises(ArtifactError, match="unsafe member"):
        extract_bundle(bundle, run / "trial_3", run / "plots_3")

    assert [p.name for p in tmp_path.iterdir()] == ["b.zip"]  # not even the target's parent


def test_a_symlink_member_is_refused(tmp_path: Path):
    link = zipfile.ZipInfo("trial/passwd")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bundle = _zip(tmp_path / "b.zip", ["trial/fine.txt", link], data=b"/etc/passwd")

    with pytest.raises(ArtifactError, match="symlink"):
        extract_bundle(bundle, tmp_path / "t", tmp_path / "p")
    assert not (tmp_path / "t").exists()


def test_a_duplicate_member_is_refused(tmp_path: Path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        bundle = _zip(tmp_path / "b.zip", ["trial/a.txt", "trial/a.txt"])
    with pytest.raises(ArtifactError, match="duplicate"):
        extract_bundle(bundle, tmp_path / "t", tmp_path / "p")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_zip_is_an_artifact_error(trial: tuple[Path, Path], tmp_path: Path, damage: str):
    bundle = tmp_path / "b.zip"
    bundle_trial(*trial, bundle)
    data = bundle.read_bytes()
    bundle.write_bytes(b"not a zip at all" * 10 if damage == "garbage" else data[: len(data) // 2])

    with pytest.raises(ArtifactError, match="corrupt ZIP"):
        extract_bundle(bundle, tmp_path / "t", tmp_path / "p")
    assert not (tmp_path / "t").exists()


def test_a_failure_midway_leaves_no_half_folder_and_keeps_the_old_one(tmp_path: Path):
    bundle = tmp_path / "b.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("trial/first.txt", b"complete")
        zf.writestr("trial/second.txt", b"A" * 100)
        zf.writestr("plots/p.png", b"png")
    # Damage the second member's bytes: its CRC check fails after the first is extracted.
    bundle.write_bytes(bundle.read_bytes().replace(b"A" * 100, b"B" * 100))
    run = tmp_path / "run"
    old = _tree(run / "trial_3", {"earlier.txt": b"kept"})

    with pytest.raises(ArtifactError, match="corrupt ZIP"):
        extract_bundle(bundle, old, run / "plots_3")

    assert _contents(old) == {"earlier.txt": b"kept"}
    assert sorted(p.name for p in run.iterdir()) == ["trial_3"]


def test_a_missing_bundle_is_reported(tmp_path: Path):
    with pytest.raises(ArtifactError, match="not found"):
        extract_bundle(tmp_path / "absent.zip", tmp_path / "t", tmp_path / "p")
