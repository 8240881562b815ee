"""Orchestration overhead: time inside `model.fit` against the whole trial's wall time.

One fixed trial (digits, the default ModelConfig, fixed seed) is measured three ways in one
run, side by side:
  in-process   run_trial() called directly (data load, build, fit, evaluate, save); the
               cold call also pays this process's TensorFlow import, the warm one does not
  optimizer    ModelOptimizer with one trial through the LocalExecutor: adds the worker
               process start, TensorFlow import, Optuna storage and results.json
The printed ratio fit/wall is the share of the time that is training; watch it over time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fixed_trial import run_fixed_trial
from healthopt.config import ModelConfig, OptimizationConfig
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize import ModelOptimizer


class FixedSelector(HyperparameterSelector):
    """Suggests nothing: every trial is the default ModelConfig."""

    def __init__(self) -> None:
        super().__init__("image")

    def suggest(self, trial) -> ModelConfig:
        return ModelConfig()


def measure_in_process(workdir: Path, epochs: int, label: str) -> tuple[float, float]:
    result, wall = run_fixed_trial(workdir / label, epochs)
    return result.timings["fit_seconds"], wall


def measure_optimizer(workdir: Path, epochs: int) -> tuple[float, float]:
    config = OptimizationConfig(
        trials=1, max_epochs_per_trial=epochs, seed=0, output_dir=str(workdir), run_name="bench"
    )
    start = time.perf_counter()
    result = ModelOptimizer(config, selector=FixedSelector()).optimize_model()
    wall = time.perf_counter() - start
    assert result.best_trial == 0, "the benchmark trial failed"
    return result.trials[0].timings["fit_seconds"], wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows = {
            "optimizer (1 trial, LocalExecutor)": measure_optimizer(workdir, args.epochs),
            "in-process run_trial, cold": measure_in_process(workdir, args.epochs, "cold"),
            "in-process run_trial, warm": measure_in_process(workdir, args.epochs, "warm"),
        }
    print(f"\nfixed trial: digits, default ModelConfig, {args.epochs} epochs")
    print(f"{'path':38} {'fit s':>8} {'wall s':>8} {'overhead s':>11} {'fit/wall':>9}")
    for name, (fit, wall) in rows.items():
        print(f"{name:38} {fit:8.2f} {wall:8.2f} {wall - fit:11.2f} {fit / wall:9.2f}")
    (_, optimizer_wall), _, (_, warm_wall) = rows.values()
    print(f"optimizer wall / warm in-process wall: {optimizer_wall / warm_wall:.2f}x")


if __name__ == "__main__":
    main()
