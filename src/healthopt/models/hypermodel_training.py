"""The training settings of a user's hypermodel: searched like the built-in space's, or fixed.

After `build(hp)` has run, the batch size, and for a model `build` did not compile the
optimizer, its learning rate and schedule, are drawn under reserved names with the built-in
space's ranges (`models.search_space`). A build that draws a reserved name itself
(`hp.Fixed("batch_size", 128)`, `hp.Choice("optimizer", ["sgd"])`, `hp.Int("epochs", 2, 8)`)
fixes or re-ranges it: a name drawn twice returns its first value. `epochs` is searched only
when the build draws it; otherwise a trial trains for the run's `max_epochs_per_trial`.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthopt.config import LR_SCHEDULES, ConfigError, ModelConfig
from healthopt.hypermodel import HypermodelError, HyperParameters
from healthopt.models.search_space import (
    BATCH_SIZES,
    LEARNING_RATES,
    SEARCHED_OPTIMIZERS,
    SGD_MOMENTUM,
    LearningRateRange,
)

RESERVED_NAMES = ("batch_size", "epochs", "optimizer", "learning_rate", "lr_schedule")


@dataclass(frozen=True)
class TrainingSettings:
    """How a hypermodel trial trains: a ModelConfig's training fields, and its epochs."""

    config: ModelConfig
    epochs: int


def draw_training(hp: HyperParameters, *, compiled: bool, max_epochs: int) -> TrainingSettings:
    """Draw (or read the build's own) training settings; `compiled`: build compiled the model,
    so its optimizer is the user's and none is searched."""
    fields: dict[str, object] = {"batch_size": hp.Choice("batch_size", list(BATCH_SIZES))}
    if not compiled:
        optimizer = hp.Choice("optimizer", list(SEARCHED_OPTIMIZERS))
        if "learning_rate" in hp.values:
            learning_rate = hp.values["learning_rate"]
        else:
            rates = LEARNING_RATES.get(str(optimizer), LEARNING_RATES["adam"])
            learning_rate = hp.Float(
                LearningRateRange.param_name(str(optimizer)), rates.low, rates.high, log=True
            )
        fields.update(
            optimizer=optimizer,
            learning_rate=learning_rate,
            momentum=SGD_MOMENTUM if optimizer == "sgd" else 0.0,
            lr_schedule=hp.Choice("lr_schedule", list(LR_SCHEDULES)),
        )
    try:
        config = ModelConfig.from_dict(fields)
    except ConfigError as exc:
        raise HypermodelError(
            f"a reserved training hyperparameter is out of range: {exc}"
        ) from None
    epochs = hp.values.get("epochs", max_epochs)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= max_epochs:
        raise HypermodelError(
            f"hp 'epochs' must be a whole number in [1, {max_epochs}] (the run's "
            f"max_epochs_per_trial); got {epochs!r}"
        )
    return TrainingSettings(config, epochs)
