"""The worker's handler, called the way the runpod SDK calls it: one real digits trial in, its
result, artifact reference and ZIP out; bad input and a missing store in RunPod's error shape."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

from healthopt.artifacts import ArtifactRef, FileSystemArtifactStore, sha256_file
from healthopt.config import ModelConfig
from healthopt.records import EpochEndEvent, StoredArtifact, TrialResult, TrialSpec
from healthopt.runpod_serverless.handler import TrialJob, build_handler


def _spec(tmp_path: Path, plots: bool) -> TrialSpec:
    return TrialSpec.create(
        run_name="handler-test",
        trial_number=3,
        dataset_name="digits",
        split_seed=0,
        seed=3,
        epochs=2,
        model_settings=ModelConfig(filters_per_conv_layer=8, first_hidden_layer_nodes=16).to_dict(),
        params={},
        output_dir="/orchestrator/only/path",  # the worker must not write here
        plots_dir="/orchestrator/plots" if plots else None,
    )


@pytest.fixture
def work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEALTHOPT_WORK_DIR", str(tmp_path / "work"))
    return tmp_path / "work"


@pytest.mark.slow
def test_a_trial_job_returns_its_result_and_a_verified_zip(tmp_path: Path, work_dir: Path):
    store = FileSystemArtifactStore(tmp_path / "store")
    progress: list[EpochEndEvent] = []
    handle = build_handler(lambda: store, lambda job, event: progress.append(event))
    job = {"id": "job-123", "input": {"trial_spec": _spec(tmp_path, plots=True).to_json()}}

    output = asyncio.run(handle(job))

    result = TrialResult.from_json(output)
    assert result.ok, result.error
    assert [(p.trial_number, p.epoch, p.epochs) for p in progress] == [(3, 1, 2), (3, 2, 2)]
    artifact = result.artifact
    assert isinstance(artifact, StoredArtifact) and artifact.unknown_keys() == ()
    assert artifact.key == "handler-test/trial_3/job-123.zip"
    assert artifact.runpod_job_id == "job-123"  # provenance: which job produced the ZIP
    assert artifact.store == store.describe()
    ref = ArtifactRef.from_dict(artifact.to_json())
    local = store.get_file(ref, tmp_path / "fetched.zip")  # verifies the sha256
    assert sha256_file(local) == artifact.sha256 and local.stat().st_size == artifact.size_bytes
    with zipfile.ZipFile(local) as bundle:
        names = bundle.namelist()
    assert "trial/model.keras" in names and "trial/result.json" in names
    plots = [n for n in names if n.startswith("plots/")]
    assert len(plots) == artifact.plot_count > 0
    assert artifact.file_count == len(names)
    assert not Path("/orchestrator").exists()
    assert not (work_dir / "job-123").exists()  # the worker's scratch folder is cleaned


@pytest.mark.parametrize(
    "job_input, words",
    [
        (None, 'input must be {"trial_spec"'),
        ({"trial_spec": "nope"}, 'input must be {"trial_spec"'),
        ({"trial_spec": {"schema_version": 99}}, "schema_version 99"),
        ({"trial_spec": {"schema_version": 1, "run_name": "x"}}, "trial_spec: not a valid"),
    ],
)
def test_bad_input_comes_back_in_runpods_error_shape(tmp_path, work_dir, job_input, words):
    handle = build_handler(lambda: FileSystemArtifactStore(tmp_path), lambda *_: None)
    output = asyncio.run(handle({"id": "j", "input": job_input}))
    assert set(output) == {"error"}
    assert output["error"].startswith("invalid job input") and words in output["error"]


def test_a_worker_without_an_artifact_store_says_which_variables_to_set(tmp_path, work_dir):
    handle = build_handler(lambda: None, lambda *_: None)
    job = {"id": "j", "input": {"trial_spec": _spec(tmp_path, plots=False).to_json()}}
    output = asyncio.run(handle(job))
    assert "HEALTHOPT_S3_BUCKET" in output["error"]


def test_artifact_keys_are_per_attempt(tmp_path):
    job = TrialJob.from_job(
        {"id": "ab-12_c", "input": {"trial_spec": _spec(tmp_path, plots=False).to_json()}}
    )
    assert job.artifact_key() == "handler-test/trial_3/ab-12_c.zip"


@pytest.mark.parametrize("job_id", ["../../victim", "ab/../c d", "..", ".hidden", "a\\b"])
def test_a_job_id_that_is_not_one_safe_folder_name_is_refused(tmp_path, job_id):
    job = {"id": job_id, "input": {"trial_spec": _spec(tmp_path, plots=False).to_json()}}
    with pytest.raises(ValueError, match="job id"):
        TrialJob.from_job(job)


def test_a_job_id_that_climbs_out_of_the_work_folder_leaves_its_target_alone(tmp_path):
    """The folder layout a worker has: HEALTHOPT_WORK_DIR/healthopt-jobs/<job id>. A job id of
    `../../victim` once trained into, then deleted, a folder beside the work folder."""
    work = tmp_path / "work"
    (work / "healthopt-jobs").mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    # An unknown dataset fails the trial at once, so no training is needed to reach the cleanup.
    spec = _spec(tmp_path, plots=False).model_copy(update={"dataset_name": "no-such-dataset"})
    handle = build_handler(lambda: FileSystemArtifactStore(tmp_path / "store"), lambda *_: None)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HEALTHOPT_WORK_DIR", str(work))
        output = asyncio.run(
            handle({"id": "../../victim", "input": {"trial_spec": spec.to_json()}})
        )

    assert set(output) == {"error"}
    assert output["error"].startswith("invalid job input: job id") and "victim" in output["error"]
    assert (victim / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim", "work"]


def test_a_run_name_that_is_not_one_safe_folder_name_is_refused(tmp_path):
    spec = _spec(tmp_path, plots=False).to_json() | {"run_name": "../other-run"}
    with pytest.raises(ValueError, match="trial_spec.run_name"):
        TrialJob.from_job({"id": "j", "input": {"trial_spec": spec}})
