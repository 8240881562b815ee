"""A real optimization run on a tabular npz: the MLP space, trained by the LocalExecutor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.config import OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.records import RunResults

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
]


def test_a_tabular_run_searches_mlps_and_assembles_the_best(tmp_path: Path):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(2), 40)
    x = (rng.normal(size=(len(y), 5)) + 2.0 * y[:, None]).astype(np.float32)
    np.savez(tmp_path / "table.npz", x=x, y=y)
    config = OptimizationConfig(
        dataset_name=f"npz:{tmp_path / 'table.npz'}",
        trials=2,
        max_epochs_per_trial=1,
        concurrent_workers=1,
        seed=0,
        output_dir=str(tmp_path),
        run_name="tabular",
        plot_generation="none",
    )
    result = ModelOptimizer(config).optimize_model()
    run = tmp_path / "tabular"
    data = RunResults.from_json((run / "results.json").read_text())
    assert len(data.trials) == 2 and all(t.state == "COMPLETE" for t in data.trials)
    for trial in data.trials:
        assert trial.params is not None and "num_layers_hidden" in trial.params
        assert "num_layers_conv" not in trial.params and "lstm_units" not in trial.params
    assert data.best_trial is not None and data.optimized_model_path is not None
    assert result.optimized_model_path is not None and result.optimized_model_path.is_file()
