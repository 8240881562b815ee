"""A user's own model and search space: `build(hp) -> keras.Model`, searched by Optuna.

`HyperParameters` is the `hp` (Keras Tuner's method names, define-by-run over an Optuna trial);
`entry_points` names a build so every process can import it. The rest lives where its layer
does: `models.hypermodel_training` draws the batch size, optimizer and learning rate a build
leaves open, and `models.hypermodel` (TensorFlow) calls the build and compiles its model.
Nothing here imports TensorFlow.
"""

from healthopt.hypermodel.entry_points import (
    check_entry_point,
    entry_point_of,
    load_entry_point,
    registered_models,
)
from healthopt.hypermodel.hyperparameters import (
    DataShape,
    HypermodelError,
    HyperParameters,
    ReplayError,
)

__all__ = [
    "DataShape",
    "HyperParameters",
    "HypermodelError",
    "ReplayError",
    "check_entry_point",
    "entry_point_of",
    "load_entry_point",
    "registered_models",
]
