"""Executors run TrialSpecs: locally in worker processes, or as RunPod serverless jobs."""

from healthopt.optimize.executors.base import (
    ControlCallback,
    EpochJudge,
    EventCallback,
    Executor,
    JobSubmitted,
)
from healthopt.optimize.executors.factory import create_executor
from healthopt.optimize.executors.local import LocalExecutor

__all__ = [
    "ControlCallback",
    "EpochJudge",
    "EventCallback",
    "Executor",
    "JobSubmitted",
    "LocalExecutor",
    "create_executor",
]
