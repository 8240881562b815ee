"""A resume trains on the data the run started with, or not at all.

One real run (one trial of one epoch on a small npz file) is made once; each test starts from a
fresh copy of it at the same paths, so the dataset name in its config.json stays valid.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from healthopt.api.db import FAILED, JobStore
from healthopt.api.jobs import JobManager, new_job_id
from healthopt.config import ConfigError, OptimizationConfig
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.resume import (
    DATA_KEY,
    DataChanged,
    check_study_data,
    prepare_run_dir,
)
from healthopt.optimize.study import open_study
from healthopt.records import RunResults

# Shared studies use Optuna's heartbeat, still marked experimental (as in test_study.py).
pytestmark = [
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
    pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used"),
]


class OneConvSelector(HyperparameterSelector):
    """The image search space with one convolution block, the quickest model to train."""

    def __init__(self) -> None:
        super().__init__("image")

    def suggest(self, trial):
        return replace(super().suggest(trial), num_layers_conv=1)


def _write_images(path: Path, per_class: int, seed: int = 0) -> None:
    """Two classes of 8x8 images, bright and dark."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(2), per_class)
    x = (rng.integers(0, 100, size=(len(y), 8, 8)) + 150 * y[:, None, None]).astype(np.uint8)
    np.savez(path, x=x, y=y)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(work, pristine): a finished one-trial run in `work`, and a copy of it to reset from."""
    base = tmp_path_factory.mktemp("resume_data")
    work = base / "work"
    work.mkdir()
    _write_images(work / "data.npz", per_class=50)
    ModelOptimizer(_config(work), selector=OneConvSelector()).optimize_model()
    shutil.copytree(work, base / "pristine")
    return work, base / "pristine"


@pytest.fixture
def work(pristine: tuple[Path, Path]) -> Path:
    """The finished run, as it was before any other test touched it."""
    work, copy = pristine
    shutil.rmtree(work)
    shutil.copytree(copy, work)
    return work


def _config(work: Path, **overrides) -> OptimizationConfig:
    values = dict(
        dataset_name=f"npz:{work / 'data.npz'}",
        trials=1,
        max_epochs_per_trial=1,
        seed=1,
        output_dir=str(work / "results"),
        run_name="r",
        plot_generation="none",
    )
    values.update(overrides)
    return OptimizationConfig(**values)


def _resume(work: Path, trials: int) -> ModelOptimizer:
    return ModelOptimizer(_config(work, trials=trials), selector=OneConvSelector())


def test_a_run_records_the_fingerprint_of_its_data(work: Path):
    recorded = json.loads((work / "results" / "r" / "config.json").read_text())[DATA_KEY]
    shapes = {a["name"]: tuple(a["shape"]) for a in recorded["arrays"]}
    assert shapes["train.x"] == (60, 8, 8, 1) and shapes["test.y"] == (10,)
    assert recorded["num_classes"] == 2 and recorded["labels"] == [0, 1]
    assert len(recorded["digest"]) == 64


def test_a_resume_on_replaced_data_is_refused_and_touches_nothing(work: Path):
    run_dir = work / "results" / "r"
    before = _files(run_dir)
    _write_images(work / "data.npz", per_class=45)  # same path, 90 samples instead of 100

    with pytest.raises(DataChanged) as refused:
        _resume(work, trials=2).optimize_model()

    message = str(refused.value)
    assert f"the dataset npz:{work / 'data.npz'} changed since run 'r' started" in message
    assert "train inputs shape (60, 8, 8, 1) -> (54, 8, 8, 1)" in message
    assert "digest " in message and "another --run-name" in message
    assert _files(run_dir) == before  # results.json, config.json, study.db, trial folders


def test_the_same_data_written_again_resumes_and_runs_the_next_trial(work: Path):
    first = RunResults.from_json((work / "results" / "r" / "results.json").read_text()).trials
    _write_images(work / "data.npz", per_class=50)  # a new file with the same arrays

    result = _resume(work, trials=2).optimize_model()

    assert [t.number for t in result.trials] == [0, 1]
    assert result.trials[0] == first[0]
    assert all(t.state == "COMPLETE" for t in result.trials)


def test_the_command_exits_with_the_bad_input_code_and_says_what_changed(work: Path):
    run_dir = work / "results" / "r"
    before = _files(run_dir)
    _write_images(work / "data.npz", per_class=50, seed=7)  # same shapes, other pixels
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "healthopt.cli", "optimize"),
            *("--dataset", f"npz:{work / 'data.npz'}", "--trials", "1", "--epochs", "1"),
            *("--seed", "1", "--plots", "none", "--output-dir", str(work / "results")),
            *("--run-name", "r"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 2, completed.stderr
    assert "healthopt optimize: error: the dataset" in completed.stderr
    assert "train inputs values changed (same shape and dtype)" in completed.stderr
    assert _files(run_dir) == before


def test_a_server_resuming_its_job_on_replaced_data_fails_the_job(work: Path):
    store = JobStore(f"sqlite:///{work / 'jobs.db'}")
    job_id = new_job_id()
    config = _config(work, trials=2)
    store.create(job_id, "r", str(work / "results" / "r"), {}, config.to_dict(), 2)
    store.update(job_id, status="running", attempts=1)  # the server stopped while it ran
    before = _files(work / "results" / "r")
    _write_images(work / "data.npz", per_class=45)

    manager = JobManager(store, work / "results")
    assert manager.resume() == [job_id]
    record = manager.wait(job_id, timeout=120)
    manager.shutdown()

    assert record.status == FAILED
    assert "DataChanged: the dataset" in record.error and "(54, 8, 8, 1)" in record.error
    assert _files(work / "results" / "r") == before


def test_a_run_from_before_fingerprints_resumes_with_a_note_and_stays_unrecorded(
    work: Path, caplog: pytest.LogCaptureFixture
):
    config_path = work / "results" / "r" / "config.json"
    old = json.loads(config_path.read_text())
    del old[DATA_KEY]
    config_path.write_text(json.dumps(old))
    _write_images(work / "data.npz", per_class=45)  # cannot be told apart without a record

    with caplog.at_level(logging.WARNING, logger="healthopt.optimize.resume"):
        result = _resume(work, trials=1).optimize_model()  # the budget is met: no new trial

    assert [t.number for t in result.trials] == [0]
    assert "could not be checked" in caplog.text and "none is recorded now" in caplog.text
    assert DATA_KEY not in json.loads(config_path.read_text())


def _shared_config(tmp_path: Path, output: str, **overrides) -> OptimizationConfig:
    return _config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'shared.db'}",
        output_dir=str(tmp_path / output),
        heartbeat_seconds=1,
        **overrides,
    )


def test_a_worker_whose_copy_of_the_data_differs_is_refused_before_any_trial(tmp_path: Path):
    # The orchestrator creates the shared study on one copy of the file; a worker on "another
    # machine" has a different file at the same path. No trial is asked for, so nothing trains.
    _write_images(tmp_path / "data.npz", per_class=20, seed=0)
    orchestrator = _shared_config(tmp_path, "orchestrator")
    study = open_study(orchestrator, default_url="sqlite:///unused.db")
    check_study_data(study, orchestrator, prepare_run_dir(tmp_path / "orch_run", orchestrator))
    assert study.user_attrs[DATA_KEY]["digest"]

    _write_images(tmp_path / "data.npz", per_class=20, seed=1)
    worker = ModelOptimizer(_shared_config(tmp_path, "worker"), role="worker")
    with pytest.raises(DataChanged, match="changed since run 'r' was created: .*values changed"):
        worker.optimize_model()
    assert open_study(orchestrator, default_url="sqlite:///unused.db").trials == []


def test_a_worker_on_the_same_data_passes_the_study_check(tmp_path: Path):
    _write_images(tmp_path / "data.npz", per_class=20)
    config = _shared_config(tmp_path, "orchestrator")
    study = open_study(config, default_url="sqlite:///unused.db")
    fingerprint = prepare_run_dir(tmp_path / "run_a", config)
    check_study_data(study, config, fingerprint)
    check_study_data(study, config, prepare_run_dir(tmp_path / "run_b", config))


def test_a_shared_study_with_trials_but_no_fingerprint_is_not_blessed_now(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    _write_images(tmp_path / "data.npz", per_class=20)
    config = _shared_config(tmp_path, "orchestrator")
    study = open_study(config, default_url="sqlite:///unused.db")
    study.tell(study.ask(), 0.5)
    with caplog.at_level(logging.WARNING):
        check_study_data(study, config, prepare_run_dir(tmp_path / "run", config))
    assert DATA_KEY not in study.user_attrs
    assert "could not be checked" in caplog.text


def test_settings_added_since_a_run_started_resume_at_their_defaults(tmp_path: Path):
    config = OptimizationConfig(run_name="old", output_dir=str(tmp_path))
    run_dir = tmp_path / "old"
    prepare_run_dir(run_dir, config)
    stored = json.loads((run_dir / "config.json").read_text())
    for key in ("sampler", "pruner", "health_pruning", "chance_patience_epochs"):
        del stored[key]  # as a run from before issue 18 wrote it
    (run_dir / "config.json").write_text(json.dumps(stored))

    prepare_run_dir(run_dir, config)  # left at their defaults: the run resumes
    assert json.loads((run_dir / "config.json").read_text())["pruner"] == "auto"
    with pytest.raises(ConfigError, match=r"different settings \(pruner\)"):
        prepare_run_dir(run_dir, replace(config, pruner="median"))
