"""Executors run TrialSpecs: locally in worker processes, or as RunPod serverless jobs.

The names below load on first use (PEP 562), so a spawned trial worker, which imports only
`executors.local`, does not also import the RunPod executor and its S3 client (issue 25).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from healthopt.optimize.executors.base import (
        ControlCallback,
        EpochJudge,
        EventCallback,
        Executor,
        JobSubmitted,
    )
    from healthopt.optimize.executors.factory import create_executor
    from healthopt.optimize.executors.local import LocalExecutor

_HOMES = {
    "ControlCallback": "base",
    "EpochJudge": "base",
    "EventCallback": "base",
    "Executor": "base",
    "JobSubmitted": "base",
    "create_executor": "factory",
    "LocalExecutor": "local",
}
__all__ = [
    "ControlCallback",
    "EpochJudge",
    "EventCallback",
    "Executor",
    "JobSubmitted",
    "LocalExecutor",
    "create_executor",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        module = importlib.import_module(f"healthopt.optimize.executors.{_HOMES[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
