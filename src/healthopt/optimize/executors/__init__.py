"""Executors run TrialSpecs: locally in worker processes (RunPod comes later)."""

from healthopt.optimize.executors.base import EventCallback, Executor
from healthopt.optimize.executors.local import LocalExecutor

__all__ = ["EventCallback", "Executor", "LocalExecutor"]
