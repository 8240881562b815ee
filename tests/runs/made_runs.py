"""Run folders made for the tests of `healthopt.runs`: real optimizer runs on the scripted
executor, so results.json, the trial folders and study.db are what a real run leaves, in
milliseconds and without TensorFlow. A script that reads `spec.params` gives a run whose
answer is known (accuracy driven by the learning rate, or by nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from healthopt.config import OptimizationConfig
from healthopt.optimize.optimizer import ModelOptimizer

from ..optimize.scripted import Script, ScriptedExecutor


def made_run(
    root: Path, name: str, script: Script, *, trials: int = 20, epochs: int = 3, **config: Any
) -> Path:
    """Run `trials` scripted trials of `digits` as run `name` under `root`; its folder."""
    values: dict[str, Any] = dict(
        dataset_name="digits",
        trials=trials,
        max_epochs_per_trial=epochs,
        seed=1,
        output_dir=str(root),
        run_name=name,
        plot_generation="none",
    )
    values.update(config)
    executor = ScriptedExecutor(script)
    try:
        ModelOptimizer(OptimizationConfig(**values), executor=executor).optimize_model()
    finally:
        executor.shutdown()
    return root / name
