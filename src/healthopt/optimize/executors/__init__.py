"""Executors run TrialSpecs: locally in worker processes, or as RunPod serverless jobs."""

from healthopt.optimize.executors.base import EventCallback, Executor
from healthopt.optimize.executors.factory import create_executor
from healthopt.optimize.executors.local import LocalExecutor

__all__ = ["EventCallback", "Executor", "LocalExecutor", "create_executor"]
