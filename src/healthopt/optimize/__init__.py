"""Optimization: the Optuna study, executors, results.json and best-model assembly.

The names below load on first use (PEP 562): each spawned trial worker imports
`optimize.executors.local` to find its entry point, and importing the optimizer (and Optuna)
with it cost every worker one to two seconds before its first trial (issue 25).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from healthopt.optimize.optimizer import ModelOptimizer, OptimizationResult, RunStopped

__all__ = ["ModelOptimizer", "OptimizationResult", "RunStopped"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("healthopt.optimize.optimizer"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
