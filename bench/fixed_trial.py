"""The one trial the benchmarks measure: digits, the default ModelConfig, a fixed seed."""

from __future__ import annotations

import time
from pathlib import Path

from healthopt.config import ModelConfig
from healthopt.trial import TrialResult, TrialSpec, run_trial


def run_fixed_trial(
    output_dir: Path, epochs: int, plots_dir: Path | None = None
) -> tuple[TrialResult, float]:
    """Run the fixed trial in this process; returns its result and wall seconds.

    With `plots_dir` the trial draws its plots there, as under `--plots all`.
    """
    spec = TrialSpec(
        run_name="bench",
        trial_number=0,
        dataset_name="digits",
        split_seed=0,
        seed=0,
        epochs=epochs,
        model_config=ModelConfig().to_dict(),
        params={},
        output_dir=str(output_dir),
        plots_dir=str(plots_dir) if plots_dir is not None else None,
    )
    start = time.perf_counter()
    result = run_trial(spec)
    wall = time.perf_counter() - start
    assert result.ok, result.error
    return result, wall
