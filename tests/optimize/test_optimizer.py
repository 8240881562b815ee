from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import optuna
import pytest

from healthopt.config import (
    HEALTH_COMPONENTS,
    ConfigError,
    ModelConfig,
    OptimizationConfig,
    ScoringWeights,
)
from healthopt.health.scoring import total_score
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize import ModelOptimizer, RunStopped


class DivergingTrialSelector(HyperparameterSelector):
    """The normal image search space, except that one trial gets a learning rate that
    makes the loss NaN."""

    def __init__(self, diverging_trial: int) -> None:
        super().__init__("image")
        self.diverging_trial = diverging_trial

    def suggest(self, trial):
        config = replace(super().suggest(trial), num_layers_conv=1)
        if trial.number == self.diverging_trial:
            # The default architecture with this optimizer diverges for every seed we tried.
            return ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu")
        return config


def _config(tmp_path: Path, **overrides) -> OptimizationConfig:
    values = dict(
        dataset_name="digits",
        trials=3,
        max_epochs_per_trial=1,
        seed=1,
        output_dir=str(tmp_path),
        run_name="run",
        plot_generation="none",  # drawing takes seconds; the plot-mode tests below opt in
    )
    values.update(overrides)
    return OptimizationConfig(**values)


def test_a_failing_trial_is_recorded_and_the_study_completes(tmp_path: Path):
    events = []
    result = ModelOptimizer(
        _config(tmp_path), selector=DivergingTrialSelector(1), on_event=events.append
    ).optimize_model()
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    assert data["run_name"] == "run" and data["dataset"] == "digits" and data["mode"] == "simple"
    assert [t["number"] for t in data["trials"]] == [0, 1, 2]
    states = {t["number"]: t["state"] for t in data["trials"]}
    assert states == {0: "COMPLETE", 1: "FAIL", 2: "COMPLETE"}
    failed = data["trials"][1]
    assert "loss became NaN" in failed["error"]
    for trial in data["trials"]:
        assert {"number", "state", "params", "metrics", "timings"} <= set(trial)
        assert set(trial["params"]) >= {"learning_rate", "optimizer", "num_layers_conv"}
    complete = [t for t in data["trials"] if t["state"] == "COMPLETE"]
    best = max(complete, key=lambda t: t["metrics"]["val_accuracy"])
    assert data["best_trial"] == best["number"] == result.best_trial
    assert {"val_accuracy", "val_loss", "test_accuracy"} <= set(best["metrics"])

    model_path = tmp_path / "run" / data["optimized_model_path"]
    assert model_path == result.optimized_model_path and model_path.is_file()
    assert model_path.name == f"optimized_digits_acc_{best['metrics']['val_accuracy']:.4f}.keras"
    best_copy = json.loads((model_path.parent / "best_trial.json").read_text())
    assert best_copy["number"] == best["number"]

    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["split_seed"] == 1 and config["trials"] == 3
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("trial_finished") == 3 and "epoch_end" in kinds


def test_resume_keeps_finished_trials_and_retires_interrupted_ones(tmp_path: Path):
    ModelOptimizer(_config(tmp_path, trials=2)).optimize_model()
    first = json.loads((tmp_path / "run" / "results.json").read_text())["trials"]

    # A process that died mid-trial leaves the trial RUNNING in the storage.
    study = optuna.load_study(
        study_name="run", storage=f"sqlite:///{tmp_path / 'run' / 'study.db'}"
    )
    study.ask()

    result = ModelOptimizer(_config(tmp_path, trials=3)).optimize_model()
    trials = result.trials
    assert trials[:2] == first  # untouched, params and metrics alike
    interrupted = [t for t in trials if t.get("interrupted")]
    assert len(interrupted) == 1 and interrupted[0]["state"] == "FAIL"
    assert interrupted[0]["number"] == 2 and "interrupted" in interrupted[0]["error"]
    counted = [t for t in trials if not t.get("interrupted")]
    assert len(counted) == 3 and all(t["state"] == "COMPLETE" for t in counted)
    assert result.optimized_model_path.is_file()


def test_resume_with_different_settings_is_refused(tmp_path: Path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(_config(tmp_path, seed=9).to_dict()))
    with pytest.raises(ConfigError, match="already exists with different settings .*seed"):
        ModelOptimizer(_config(tmp_path)).optimize_model()


def test_health_aware_scores_are_recomputable_from_results_json(tmp_path: Path):
    weights = ScoringWeights(
        0.6, 0.4, {"neuron_utilization": 0.3, "gradient_health": 0.3, "training_stability": 0.4}
    )
    result = ModelOptimizer(
        _config(
            tmp_path, trials=4, max_epochs_per_trial=3, mode="health-aware", scoring_weights=weights
        ),
        selector=DivergingTrialSelector(1),
    ).optimize_model()
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    assert data["scoring_weights"] == {
        "accuracy_weight": 0.6,
        "health_weight": 0.4,
        "health_components": weights.health_components,
    }
    complete = [t for t in data["trials"] if t["state"] == "COMPLETE"]
    assert len(complete) == 3
    saved = ScoringWeights(**data["scoring_weights"])
    for trial in complete:
        assert set(trial["health"]) == set(HEALTH_COMPONENTS)
        recomputed = total_score(trial["metrics"]["val_accuracy"], trial["health"], saved)
        assert trial["total_score"] == pytest.approx(recomputed.total, abs=1e-12)
        assert trial["total_score"] != trial["metrics"]["val_accuracy"]
        assert 0 <= trial["diagnostics"]["health_score"] <= 100
        folder = tmp_path / "run" / "trials" / f"trial_{trial['number']}"
        assert {"diagnostics.json", "health.json", "architecture.json", "logs.json"} <= {
            f.name for f in folder.iterdir()
        }
    # The components tell the trials apart.
    varying = [name for name in HEALTH_COMPONENTS if len({t["health"][name] for t in complete}) > 1]
    assert len(varying) >= 4, varying
    best = max(complete, key=lambda t: t["total_score"])
    assert data["best_trial"] == best["number"] == result.best_trial
    # The diverged trial has no score, but its diagnostics explain it.
    failed = next(t for t in data["trials"] if t["number"] == 1)
    assert failed["total_score"] is None and failed["diagnostics"]["severity_counts"]["critical"]
    report = json.loads((tmp_path / "run" / "trials" / "trial_1" / "diagnostics.json").read_text())
    assert "nan_in_loss" in {issue["check"] for issue in report["issues"]}


def test_simple_mode_total_score_is_the_validation_accuracy(tmp_path: Path):
    ModelOptimizer(_config(tmp_path, trials=1)).optimize_model()
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    trial = data["trials"][0]
    assert data["scoring_weights"]["accuracy_weight"] == 1.0
    assert trial["total_score"] == trial["metrics"]["val_accuracy"] == data["best_value"]
    assert "score" in trial and trial["score"]["health"] is None


def test_no_trial_starts_after_the_timeout(tmp_path: Path):
    # The first trial starts at once; starting its worker alone outlasts the 2 s budget, so
    # when it finishes the deadline has passed and no second trial is started.
    result = ModelOptimizer(_config(tmp_path, trials=5, timeout_seconds=2.0)).optimize_model()
    assert [t["number"] for t in result.trials] == [0]
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    assert data["trials_requested"] == 5 and len(data["trials"]) == 1
    assert result.optimized_model_path.is_file()


def test_best_plot_mode_draws_only_the_best_trial_and_ships_them(tmp_path: Path):
    result = ModelOptimizer(_config(tmp_path, trials=2, plot_generation="best")).optimize_model()
    run = tmp_path / "run"
    assert sorted(p.name for p in (run / "plots").iterdir()) == [f"trial_{result.best_trial}"]
    drawn = json.loads((run / "plots" / f"trial_{result.best_trial}" / "plots.json").read_text())
    assert len(drawn["written"]) >= 12 and drawn["skipped"] == {}
    shipped = sorted(p.name for p in (run / "optimized_model" / "plots").glob("*.png"))
    assert shipped == sorted(drawn["written"])
    data = json.loads((run / "results.json").read_text())
    for trial in data["trials"]:  # results.json carries each trial's analyzer summary
        assert {"mean_alpha", "ece", "brier"} <= set(trial["analysis"])


def test_all_and_none_plot_modes(tmp_path: Path):
    ModelOptimizer(_config(tmp_path, trials=2, plot_generation="all")).optimize_model()
    plots = tmp_path / "run" / "plots"
    assert sorted(p.name for p in plots.iterdir()) == ["trial_0", "trial_1"]
    assert all(len(list(d.glob("*.png"))) >= 12 for d in plots.iterdir())
    ModelOptimizer(_config(tmp_path, run_name="quiet", trials=1)).optimize_model()
    assert not (tmp_path / "quiet" / "plots").exists()
    assert not (tmp_path / "quiet" / "optimized_model" / "plots").exists()


def test_request_stop_interrupts_the_trial_in_flight_and_keeps_finished_ones(tmp_path: Path):
    """The API's cancel: another thread asks the run to stop while a trial trains."""
    optimizer = ModelOptimizer(_config(tmp_path, trials=5, max_epochs_per_trial=3))

    def stop_when_second_trial_starts(event: dict) -> None:
        if event["kind"] == "trial_started" and event["trial_number"] == 1:
            threading.Thread(target=optimizer.request_stop).start()

    optimizer.on_event = stop_when_second_trial_starts
    with pytest.raises(RunStopped):
        optimizer.optimize_model()
    trials = json.loads((tmp_path / "run" / "results.json").read_text())["trials"]
    assert [t["state"] for t in trials] == ["COMPLETE", "FAIL"]
    assert trials[1]["interrupted"] is True
    assert not (tmp_path / "run" / "optimized_model").exists()  # a stopped run assembles nothing

    # The same run name resumes: the interrupted trial does not count toward the budget.
    result = ModelOptimizer(_config(tmp_path, trials=2, max_epochs_per_trial=3)).optimize_model()
    assert [t["state"] for t in result.trials if not t.get("interrupted")] == ["COMPLETE"] * 2
