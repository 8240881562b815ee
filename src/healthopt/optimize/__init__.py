"""Optimization: the Optuna study, executors, results.json and best-model assembly."""

from healthopt.optimize.optimizer import ModelOptimizer, OptimizationResult, RunStopped

__all__ = ["ModelOptimizer", "OptimizationResult", "RunStopped"]
