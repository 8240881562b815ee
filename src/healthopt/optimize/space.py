"""Search spaces: what one Optuna trial becomes before a worker trains it.

`BuiltInSpace` is seed 002's selector for the data's modality. `HypermodelSpace` runs a user's
`build(hp)` in the orchestrator with a sampling `hp` (define-by-run: only running the build
says which parameters it has), checks the model can train on the data, and draws the training
settings the build left open. The worker replays the drawn values into the same build.
A build that fails fails its trial (`TrialNotDrawn`), never the run.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import optuna

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.hypermodel import DataShape, HypermodelError, HyperParameters, load_entry_point
from healthopt.hypermodel.entry_points import Build
from healthopt.models.hypermodel_training import draw_training
from healthopt.models.search_space import HyperparameterSelector
from healthopt.records.trial import ParamValue


class TrialNotDrawn(Exception):
    """The trial's model could not be made; the message is the trial's failure reason."""


@dataclass(frozen=True)
class DrawnTrial:
    """What a TrialSpec takes from the search space for one trial."""

    model_settings: dict[str, Any]
    params: dict[str, ParamValue]
    epochs: int
    hypermodel: str | None = None


class SearchSpace(Protocol):
    def draw(self, trial: optuna.Trial) -> DrawnTrial: ...


class BuiltInSpace:
    """The built-in space for the data's modality (`models.search_space`)."""

    def __init__(self, selector: HyperparameterSelector, epochs: int) -> None:
        self.selector = selector
        self.epochs = epochs

    def draw(self, trial: optuna.Trial) -> DrawnTrial:
        config = self.selector.suggest(trial)
        return DrawnTrial(config.to_dict(), dict(trial.params), self.epochs)


class HypermodelSpace:
    """A user's `build(hp)`, named by `entry_point` so every worker can import it."""

    def __init__(
        self,
        build: Build,
        entry_point: str,
        max_epochs: int,
        load_data_shape: Callable[[], DataShape],
    ) -> None:
        self.build = build
        self.entry_point = entry_point
        self.max_epochs = max_epochs
        self._load_data_shape = load_data_shape
        self._data_shape: DataShape | None = None
        self._lock = threading.Lock()

    def data_shape(self) -> DataShape:
        """The data's shape, loaded once, on the first build that reads it."""
        with self._lock:
            if self._data_shape is None:
                self._data_shape = self._load_data_shape()
            return self._data_shape

    def draw(self, trial: optuna.Trial) -> DrawnTrial:
        from healthopt.models.hypermodel import build_checked, is_compiled

        hp = HyperParameters.sampling(trial, self.data_shape)
        try:
            model = build_checked(self.build, hp, hp.data)
            compiled = is_compiled(model)
            del model
            gc.collect()  # the draw's model is never trained: free it before the next
            training = draw_training(hp, compiled=compiled, max_epochs=self.max_epochs)
        except HypermodelError as exc:
            raise TrialNotDrawn(f"the model could not be built: {exc}") from exc
        return DrawnTrial(
            training.config.to_dict(), dict(trial.params), training.epochs, self.entry_point
        )


def search_space(
    config: OptimizationConfig,
    modality: str,
    split_seed: int,
    selector: HyperparameterSelector | None,
    hypermodel: Build | None,
) -> SearchSpace:
    """The run's space: the user's hypermodel when it has one, else the built-in one."""
    if hypermodel is None and config.model is None:
        return BuiltInSpace(
            selector or HyperparameterSelector(modality), config.max_epochs_per_trial
        )
    if selector is not None:
        raise ConfigError("give a selector (the built-in space) or a hypermodel, not both")
    assert config.model is not None  # ModelOptimizer names a given function's entry point
    try:
        build = hypermodel or load_entry_point(config.model)
    except HypermodelError as exc:
        raise ConfigError(f"model: {exc}") from None

    def load_data_shape() -> DataShape:
        from healthopt.data import load_dataset

        return DataShape.of(load_dataset(config.dataset_name, seed=split_seed, holdout=False))

    return HypermodelSpace(build, config.model, config.max_epochs_per_trial, load_data_shape)
