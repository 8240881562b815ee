"""A run folder deleted while its run goes on (issue 19, probe 9).

The local study lives in the run folder (study.db), so deleting the folder mid-trial made
the next write fail with Optuna's "invalid data in the commit, e.g. exceeding max length"
and a 275-line traceback. The run now says what happened, in one line: the folder was
deleted and its trials are lost. Each test deletes the folder from an event hook at the
first trial's first epoch, so no test waits on a clock.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from healthopt.cli import build_parser
from healthopt.cli.common import EXIT_BAD_INPUT
from healthopt.cli.optimize import run_optimizer
from healthopt.config import ModelConfig, OptimizationConfig
from healthopt.models.search_space import HyperparameterSelector, SuggestsParameters
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.optimizer import RunFolderDeleted
from healthopt.records import EpochEndEvent, RunEvent

from .scripted import ScriptedExecutor, complete

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
MESSAGE = "the run folder {} was deleted while the run was going on; its trials are lost"


def _config(tmp_path: Path) -> OptimizationConfig:
    return OptimizationConfig(
        dataset_name="digits",
        trials=3,
        max_epochs_per_trial=2,
        seed=1,
        output_dir=str(tmp_path),
        run_name="x",
        plot_generation="none",
    )


def _deleting_at_first_epoch(run_dir: Path, seen: list[RunEvent]):
    """An event hook that records events and deletes `run_dir` at trial 0's first epoch."""

    def on_event(event: RunEvent) -> None:
        seen.append(event)
        if isinstance(event, EpochEndEvent) and (event.trial_number, event.epoch) == (0, 1):
            shutil.rmtree(run_dir)

    return on_event


def test_a_folder_deleted_mid_trial_is_named_and_no_other_trial_starts(tmp_path: Path):
    events: list[RunEvent] = []
    on_event = _deleting_at_first_epoch(tmp_path / "x", events)
    executor = ScriptedExecutor([complete(0.9)] * 3, on_event=on_event)
    try:
        optimizer = ModelOptimizer(_config(tmp_path), executor=executor, on_event=on_event)
        with pytest.raises(RunFolderDeleted) as raised:
            optimizer.optimize_model()
    finally:
        executor.shutdown()
    assert str(raised.value) == MESSAGE.format(tmp_path / "x")
    assert len(executor.specs) == 1  # the run ended there: no trial trained for nothing
    assert not any(e.kind == "trial_finished" for e in events)


def test_the_cli_says_so_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """`healthopt optimize` ends with one line on stderr, not a storage traceback."""
    executor = ScriptedExecutor(
        [complete(0.9)] * 3, on_event=_deleting_at_first_epoch(tmp_path / "x", [])
    )
    try:
        optimizer = ModelOptimizer(_config(tmp_path), executor=executor)
        with pytest.raises(SystemExit) as exited:
            run_optimizer(optimizer, "optimize", build_parser())
    finally:
        executor.shutdown()
    assert exited.value.code == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert error == f"healthopt optimize: error: {MESSAGE.format(tmp_path / 'x')}\n"


class SmallModels(HyperparameterSelector):
    """The search space with one small convolution, so the real trial trains in seconds."""

    def suggest(self, trial: SuggestsParameters) -> ModelConfig:
        super().suggest(trial)  # the trial keeps its drawn parameters
        return ModelConfig(num_layers_conv=1, filters_per_conv_layer=8)


@pytest.mark.slow
def test_a_real_run_whose_folder_is_deleted_mid_trial_says_so(tmp_path: Path):
    """The real LocalExecutor: the worker is stopped and the run ends with the one line."""
    events: list[RunEvent] = []
    optimizer = ModelOptimizer(
        _config(tmp_path),
        selector=SmallModels("image"),
        on_event=_deleting_at_first_epoch(tmp_path / "x", events),
    )
    with pytest.raises(RunFolderDeleted, match="^the run folder .* its trials are lost$"):
        optimizer.optimize_model()
    assert str(tmp_path / "x") in str(optimizer._folder_deleted_error())
    assert [e.kind for e in events].count("trial_started") == 1
    assert not any(e.kind == "trial_finished" for e in events)
