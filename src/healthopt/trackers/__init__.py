"""The user's own experiment trackers, fed from the records an optimization writes.

TensorBoard needs no tracker: trials write its event files while they train
(`training.tensorboard_logging`). MLflow (`trackers.mlflow`) is optional and off by default.
"""

from __future__ import annotations

from healthopt.trackers.mlflow import MlflowTracker

__all__ = ["MlflowTracker"]
