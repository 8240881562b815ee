"""Health pruning end to end: a real run stops a diverging trial at its first epoch.

The optimizer's defaults turn health pruning on. The real LocalExecutor trains two trials
of three epochs: a small healthy one, and the crafted diverging one (SGD at learning rate
1e6, whose loss goes NaN in epoch 1). The worker's live health check raises `nan_in_loss`,
the study's HealthPruner stops the trial after epoch 1, and results.json records why and
counts the two epochs it saved under "health".
"""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from healthopt.config import ModelConfig, OptimizationConfig
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize import ModelOptimizer
from healthopt.records import (
    COMPLETE,
    PRUNED,
    EpochEndEvent,
    RunEvent,
    RunResults,
    TrialFinishedEvent,
)

EPOCHS = 3
HEALTHY = ModelConfig(num_layers_conv=1, filters_per_conv_layer=8)
# The default architecture with this optimizer diverges for every seed tests/ has tried.
DIVERGING = ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu")


class FixedSelector(HyperparameterSelector):
    """Trial 0 gets a small healthy model, trial 1 the diverging one: the outcome of each is
    known, whatever the search space samples."""

    def __init__(self) -> None:
        super().__init__("image")

    def suggest(self, trial: optuna.Trial) -> ModelConfig:
        return DIVERGING if trial.number == 1 else HEALTHY


@pytest.mark.slow
def test_a_diverging_trial_is_pruned_by_health_at_its_first_epoch(tmp_path: Path):
    config = OptimizationConfig(
        dataset_name="digits",
        trials=2,
        max_epochs_per_trial=EPOCHS,
        seed=1,
        output_dir=str(tmp_path),
        run_name="run",
        plot_generation="none",
    )
    assert config.health_pruning  # the default, which this test is about
    events: list[RunEvent] = []
    optimizer = ModelOptimizer(config, selector=FixedSelector(), on_event=events.append)
    result = optimizer.optimize_model()
    data = RunResults.from_json((tmp_path / "run" / "results.json").read_text())

    healthy, diverged = data.trials
    assert healthy.state == COMPLETE and healthy.epochs_run == EPOCHS
    assert diverged.state == PRUNED and diverged.error is None
    assert diverged.pruned is not None
    assert (diverged.pruned.pruned_by, diverged.pruned.check, diverged.pruned.epoch) == (
        "health",
        "nan_in_loss",
        1,
    )
    assert diverged.epochs_run == 1 and diverged.total_score is None
    # A pruned trial never becomes the best model.
    assert data.best_trial == 0 == result.best_trial

    # The worker stopped after epoch 1: no later epoch was reported, no model was saved.
    reported = [e.epoch for e in events if isinstance(e, EpochEndEvent) and e.trial_number == 1]
    assert reported == [1]
    assert not (tmp_path / "run" / "trials" / "trial_1" / "model.keras").exists()
    finished = [e for e in events if isinstance(e, TrialFinishedEvent) and e.trial_number == 1]
    assert [e.pruned for e in finished] == [diverged.pruned]

    # The compute summary counts the epochs health pruning saved, and their energy.
    compute = data.compute
    assert compute is not None
    assert (compute.epochs_budgeted, compute.epochs_run, compute.epochs_saved) == (6, 4, 2)
    assert compute.epochs_saved_by == {"health": EPOCHS - 1} and compute.trials_pruned == 1
    assert compute.energy_kwh_per_epoch is not None and compute.energy_kwh_per_epoch > 0
    assert compute.energy_saved_kwh == pytest.approx(2 * compute.energy_kwh_per_epoch)

    # Optuna's own view of the study agrees: the trial is PRUNED, with flat reasons.
    study = optuna.load_study(study_name=None, storage=f"sqlite:///{tmp_path / 'run' / 'study.db'}")
    trial = study.trials[1]
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert trial.user_attrs["pruned_by"] == "health"
    assert trial.user_attrs["prune_check"] == "nan_in_loss"
    assert trial.user_attrs["prune_epoch"] == 1
