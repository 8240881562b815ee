"""A user's own build(hp) searched end to end by local worker processes: drawn in the
orchestrator, replayed on the workers, and treated like the built-in space after that."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import pytest

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.assembly import plots_dir, trial_dir
from healthopt.records import RunResults

USER_MODELS = Path(__file__).resolve().parents[1] / "hypermodel"
pytestmark = pytest.mark.slow


@pytest.fixture
def user_models(monkeypatch: pytest.MonkeyPatch):
    """The user's package on the path of this process and of the workers it spawns."""
    monkeypatch.syspath_prepend(str(USER_MODELS))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(USER_MODELS), os.environ.get("PYTHONPATH", "")])
    )
    import user_hypermodels

    return user_hypermodels


def _config(tmp_path: Path, **changes) -> OptimizationConfig:
    values = dict(
        dataset_name="digits", trials=3, max_epochs_per_trial=2, seed=4, run_name="own",
        output_dir=str(tmp_path), plot_generation="all", health_pruning=False, pruner="none",
    )  # fmt: skip
    return OptimizationConfig(**{**values, **changes})


def test_a_hypermodel_with_its_own_hyperparameter_completes_three_trials(tmp_path, user_models):
    result = ModelOptimizer(_config(tmp_path), hypermodel=user_models.build).optimize_model()
    run_dir = tmp_path / "own"
    results = RunResults.from_json((run_dir / "results.json").read_bytes())
    assert [t.state for t in results.trials] == ["COMPLETE"] * 3
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"] == "user_hypermodels:build"
    for record in results.trials:
        assert 1 <= record.params["residual_blocks"] <= 3  # the build's own hyperparameter
        assert {"width", "batch_size", "optimizer", "lr_schedule"} <= set(record.params)
        assert all(v is not None for v in record.health.model_dump().values()), record.health
        assert record.diagnostics.health_score is not None and record.diagnostics.checks_run
        assert record.analysis.errors == {}, record.analysis.errors
        assert record.analysis.mean_alpha is not None or "spectral" in record.analysis.skipped
        trial = trial_dir(run_dir, record.number)
        architecture = json.loads((trial / "architecture.json").read_text())
        blocks = [n for n in architecture["layers"] if n.endswith("_add")]
        assert len(blocks) == record.params["residual_blocks"]  # the worker replayed the draw
        assert any(plots_dir(run_dir, record.number).rglob("*.png"))
    model = keras.models.load_model(result.optimized_model_path)
    best = results.trial(result.best_trial)
    assert model.name == "residual_mlp"
    assert (
        sum(layer.name.endswith("_add") for layer in model.layers)
        == (best.params["residual_blocks"])
    )


def test_a_build_that_fails_fails_its_trial_with_the_reason_and_the_run_goes_on(
    tmp_path, user_models
):
    config = _config(
        tmp_path, trials=4, max_epochs_per_trial=1, plot_generation="none",
        model="user_hypermodels:build_sometimes_broken", sampler="random", seed=2,
    )  # fmt: skip
    ModelOptimizer(config).optimize_model()
    results = RunResults.from_json((tmp_path / "own" / "results.json").read_bytes())
    broken = [t for t in results.trials if t.params["shape"] == "broken"]
    fine = [t for t in results.trials if t.params["shape"] == "fine"]
    assert broken and fine, [t.params for t in results.trials]
    assert {t.state for t in broken} == {"FAIL"}
    assert {t.error for t in broken} == {
        "the model could not be built: build(hp) raised ValueError: this architecture does not "
        "exist"
    }
    assert {t.state for t in fine} == {"COMPLETE"}
    assert results.best_trial in {t.number for t in fine}


def test_a_model_whose_output_does_not_fit_the_labels_fails_every_trial_clearly(
    tmp_path, user_models
):
    config = _config(tmp_path, trials=2, max_epochs_per_trial=1, plot_generation="none",
                     model="user_hypermodels:build_wrong_output")  # fmt: skip
    result = ModelOptimizer(config).optimize_model()
    assert result.optimized_model_path is None
    errors = {t.error for t in result.trials}
    assert len(errors) == 1 and "output shape is (3) but the labels have 10 classes" in errors.pop()


def test_a_bad_entry_point_is_refused_before_anything_runs(tmp_path, user_models):
    with pytest.raises(ConfigError, match="module:function"):
        _config(tmp_path, model="user_hypermodels.build")
    with pytest.raises(ConfigError, match="has no 'nothing_here'"):
        ModelOptimizer(_config(tmp_path, model="user_hypermodels:nothing_here"))
    with pytest.raises(ConfigError, match="top level of a module"):
        ModelOptimizer(_config(tmp_path), hypermodel=lambda hp: None)
    with pytest.raises(ConfigError, match="config.model names"):
        ModelOptimizer(_config(tmp_path, model="user_hypermodels:build_compiled"),
                       hypermodel=user_models.build)  # fmt: skip
    assert not (tmp_path / "own").exists()
