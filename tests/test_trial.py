from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from healthopt.artifacts.base import sha256_file
from healthopt.config import ModelConfig
from healthopt.data.cache import DatasetCache
from healthopt.records import (
    PRUNED,
    ArchitectureSummary,
    EpochEndEvent,
    LogEntry,
    PruneInfo,
    TrialMetrics,
    read_epochs,
)
from healthopt.trial import COMPLETE, FAIL, SchemaError, TrialResult, TrialSpec, run_trial


def _spec(tmp_path: Path, **overrides) -> TrialSpec:
    values = dict(
        run_name="t",
        trial_number=0,
        dataset_name="digits",
        split_seed=1,
        seed=1,
        epochs=2,
        model_config=ModelConfig(num_layers_conv=1).to_dict(),
        params={},
        output_dir=str(tmp_path / "trial_0"),
    )
    values.update(overrides)
    return TrialSpec.create(**values)


def test_spec_and_result_round_trip_through_json(tmp_path: Path):
    spec = _spec(tmp_path)
    assert spec.model_settings == ModelConfig(num_layers_conv=1).to_dict()
    assert spec.to_json()["model_config"] == spec.model_settings  # the wire spelling
    assert TrialSpec.from_json(spec.to_json_text()) == spec
    result = TrialResult.create(
        trial_number=3, state=COMPLETE, metrics=TrialMetrics(val_accuracy=0.5)
    )
    assert TrialResult.from_json(result.to_json_text()) == result


def test_newer_schema_versions_are_refused(tmp_path: Path):
    data = {**_spec(tmp_path).to_json(), "schema_version": 99}
    with pytest.raises(SchemaError, match="schema_version 99 is newer"):
        TrialSpec.from_json(data)


def test_a_trial_trains_evaluates_and_saves(tmp_path: Path, monkeypatch):
    import healthopt.data

    loaded = []
    real_load = healthopt.data.load_dataset

    def spy(*args, **kwargs):  # the real loader; only remembers what the trial opened
        dataset = real_load(*args, **kwargs)
        loaded.append(dataset)
        return dataset

    monkeypatch.setattr(healthopt.data, "load_dataset", spy)
    events = []
    result = run_trial(_spec(tmp_path), on_event=events.append)
    assert result.state == COMPLETE and result.error is None
    # Optimization never sees the comparison study's holdout: the trial got it sealed.
    assert [type(d.holdout).__name__ for d in loaded] == ["SealedSplit"]
    metrics = result.metrics
    assert None not in (metrics.val_accuracy, metrics.val_loss, metrics.test_loss)
    assert 0.0 <= metrics.test_accuracy <= 1.0
    assert result.epochs_run == 2 and result.num_parameters > 0
    assert all(isinstance(e, EpochEndEvent) for e in events)
    assert [(e.trial_number, e.epoch, e.epochs) for e in events] == [(0, 1, 2), (0, 2, 2)]
    assert 0.0 <= events[-1].val_accuracy <= 1.0 and events[-1].val_loss > 0
    assert {
        "load_seconds",
        "build_seconds",
        "fit_seconds",
        "evaluate_seconds",
        "save_seconds",
        "total_seconds",
    } <= set(result.timings)
    out = tmp_path / "trial_0"
    for name in ("model.keras", "history.json", "observer.json", "result.json"):
        assert (out / name).is_file(), name
    assert TrialResult.from_json((out / "result.json").read_text()) == result
    # The model's hash, taken as it was saved: what assembly and downloads check it against.
    assert result.model_sha256 == sha256_file(out / "model.keras")
    records = read_epochs(json.loads((out / "observer.json").read_text()))
    assert [r.epoch for r in records] == [0, 1]
    assert records[-1].loss.val.val_acc == events[-1].val_accuracy
    architecture = ArchitectureSummary.from_json((out / "architecture.json").read_text())
    assert architecture.schema_version == ArchitectureSummary.SCHEMA_VERSION
    assert architecture.arch_type == "cnn"
    assert architecture.total_parameters == result.num_parameters
    # The model analyzer's summary travels in the result; its per-layer figures stay on disk.
    for key in ("mean_alpha", "ece", "brier"):
        assert math.isfinite(getattr(result.analysis, key)), key
    assert result.analysis.accuracy == pytest.approx(metrics.val_accuracy, abs=1e-6)
    analysis = json.loads((out / "analysis.json").read_text())
    assert analysis["calibration"]["ece"] == pytest.approx(result.analysis.ece)
    assert {"analysis": "analysis.json", "plot_inputs": "plot_inputs.npz"}.items() <= (
        result.artifacts.items()
    )
    assert not (tmp_path / "plots").exists()  # no plots_dir in the spec: no plots


def test_a_trial_with_a_plots_dir_draws_its_plots(tmp_path: Path):
    result = run_trial(_spec(tmp_path, plots_dir=str(tmp_path / "plots")))
    assert result.state == COMPLETE
    drawn = json.loads((tmp_path / "plots" / "plots.json").read_text())
    assert drawn["skipped"] == {}
    assert {"training_history.png", "confusion_matrix.png", "activation_maps.png"} <= set(
        drawn["written"]
    )
    for name in drawn["written"]:
        assert (tmp_path / "plots" / name).stat().st_size > 10_000, name
    assert result.timings["plots_seconds"] > 0


def test_a_broken_analysis_keeps_the_trained_trial(tmp_path: Path, monkeypatch):
    from healthopt.analysis.analyzer import ModelAnalyzer

    def broken(self, data=None, probabilities=None):
        raise RuntimeError("analyzer exploded")

    monkeypatch.setattr(ModelAnalyzer, "analyze", broken)
    result = run_trial(_spec(tmp_path))
    assert result.state == COMPLETE
    assert result.analysis.errors == {"analysis": "RuntimeError: analyzer exploded"}
    out = tmp_path / "trial_0"
    assert (out / "plot_inputs.npz").is_file() and (out / "model.keras").is_file()
    assert "analyzer exploded" in (out / "analysis_error.txt").read_text()
    logs = [LogEntry.from_json(e) for e in json.loads((out / "logs.json").read_text())]
    assert any(
        e.level == "ERROR" and e.kind == "error" and "analysis failed after training" in e.msg
        for e in logs
    )


def test_trials_sharing_a_dataset_cache_load_their_data_once(
    tmp_path: Path, image_npz: Path, monkeypatch
):
    """What a worker does: its second trial on the same data reads the first one's arrays,
    which no trial can write into."""
    import healthopt.data.cache

    loads = []
    real_load = healthopt.data.cache.load_dataset

    def spy(*args, **kwargs):  # the real loader; only counts the loads
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(healthopt.data.cache, "load_dataset", spy)
    cache = DatasetCache()
    name = f"npz:{image_npz}"
    results = [
        run_trial(
            _spec(
                tmp_path,
                trial_number=number,
                dataset_name=name,
                epochs=1,
                output_dir=str(tmp_path / f"trial_{number}"),
            ),
            datasets=cache,
        )
        for number in (0, 1)
    ]
    assert [r.state for r in results] == [COMPLETE, COMPLETE], [r.error for r in results]
    assert loads == [(name,)] and cache.loads == 1
    dataset = cache.load(name, seed=1, holdout=False)  # the spec's split seed
    assert not dataset.train.x.flags.writeable and not dataset.val.y.flags.writeable


def test_the_trial_scores_its_splits_as_model_evaluate_does(tmp_path: Path, monkeypatch):
    """One prediction pass per split gives the metrics; they are evaluate's figures."""
    import keras

    from healthopt.data import load_dataset
    from healthopt.training import trainer

    models = []
    real_evaluate_split = trainer.evaluate_split

    def remember(model, split):
        models.append(model)
        return real_evaluate_split(model, split)

    monkeypatch.setattr(trainer, "evaluate_split", remember)
    result = run_trial(_spec(tmp_path))
    assert result.state == COMPLETE, result.error
    assert len(models) == 2  # val, then test: one pass each
    model = keras.models.load_model(tmp_path / "trial_0" / "model.keras")
    dataset = load_dataset("digits", seed=1, holdout=False)
    val_loss, val_accuracy = model.evaluate(dataset.val.x, dataset.val.y, verbose=0)
    test_loss, test_accuracy = model.evaluate(dataset.test.x, dataset.test.y, verbose=0)
    metrics = result.metrics
    assert metrics.val_loss == pytest.approx(val_loss, rel=1e-5)
    assert metrics.val_accuracy == pytest.approx(val_accuracy, abs=1e-6)
    assert metrics.test_loss == pytest.approx(test_loss, rel=1e-5)
    assert metrics.test_accuracy == pytest.approx(test_accuracy, abs=1e-6)


def test_text_trial_takes_the_lstm_path(tmp_path: Path, text_npz: Path):
    config = ModelConfig(lstm_units=8, embedding_dim=8, num_layers_hidden=0)
    result = run_trial(
        _spec(tmp_path, dataset_name=f"npz:{text_npz}", model_config=config.to_dict(), epochs=3)
    )
    assert result.state == COMPLETE
    observed = json.loads((tmp_path / "trial_0" / "observer.json").read_text())
    assert "embedding" in read_epochs(observed)[0].layers
    assert result.metrics.val_accuracy > 0.5  # the classes are separable by token range


def test_nan_loss_fails_with_the_reason(tmp_path: Path):
    config = ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu")
    result = run_trial(_spec(tmp_path, model_config=config.to_dict(), epochs=3))
    assert result.state == FAIL
    assert "loss became NaN at epoch 1" in result.error
    assert not (tmp_path / "trial_0" / "model.keras").exists()
    # The records of the diverged run are kept and diagnosed.
    assert result.diagnostics.health_score is not None
    assert {"observer", "diagnostics"} <= set(result.artifacts)
    assert "total_seconds" in result.timings


def test_errors_become_fail_results_not_exceptions(tmp_path: Path):
    result = run_trial(_spec(tmp_path, dataset_name="npz:/nowhere.npz"))
    assert result.state == FAIL and "dataset file not found" in result.error
    assert "Traceback" in (tmp_path / "trial_0" / "error.txt").read_text()
    bad_config = run_trial(_spec(tmp_path, model_config={"num_layers_conv": 0}))
    assert bad_config.state == FAIL and "num_layers_conv" in bad_config.error


DIVERGING = ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu")


class AlarmJudge:
    """Prunes on the first epoch event that carries a health alarm, as HealthPruner does;
    remembers every event it was asked about."""

    def __init__(self) -> None:
        self.asked: list[EpochEndEvent] = []

    def __call__(self, event: EpochEndEvent) -> PruneInfo | None:
        self.asked.append(event)
        alarm = event.health_alarm
        if alarm is None:
            return None
        return PruneInfo(
            pruned_by="health", check=alarm.check, epoch=event.epoch, reason=alarm.message
        )


def test_a_diverging_trial_is_pruned_by_health_at_its_first_epoch(tmp_path: Path):
    judge = AlarmJudge()
    events: list[EpochEndEvent] = []
    spec = _spec(tmp_path, model_config=DIVERGING.to_dict(), epochs=3, health_pruning=True)
    result = run_trial(spec, on_event=events.append, judge=judge)
    assert result.state == PRUNED, result.error
    assert result.pruned is not None
    assert (result.pruned.pruned_by, result.pruned.check, result.pruned.epoch) == (
        "health",
        "nan_in_loss",
        1,
    )
    assert "epoch 1" in result.pruned.reason
    assert result.epochs_run == 1 and result.error is None
    # Training stopped at the verdict: one epoch reported, one asked about.
    assert [e.epoch for e in events] == [1] and judge.asked == events
    alarm = events[0].health_alarm
    assert alarm is not None and (alarm.check, alarm.epoch) == ("nan_in_loss", 1)
    # Its partial records are kept and diagnosed; a pruned trial saves no model.
    out = tmp_path / "trial_0"
    for name in ("history.json", "observer.json", "diagnostics.json", "logs.json"):
        assert (out / name).is_file(), name
    assert {"history", "observer", "diagnostics"} <= set(result.artifacts)
    assert "model" not in result.artifacts and not (out / "model.keras").exists()
    assert len(read_epochs(json.loads((out / "observer.json").read_text()))) == 1
    assert result.diagnostics.health_score is not None
    on_disk = TrialResult.from_json((out / "result.json").read_text())
    assert on_disk == result and on_disk.state == PRUNED


def test_without_health_pruning_the_diverging_trial_fails_on_its_nan(tmp_path: Path):
    judge = AlarmJudge()
    spec = _spec(tmp_path, model_config=DIVERGING.to_dict(), epochs=3, health_pruning=False)
    result = run_trial(spec, judge=judge)
    assert result.state == FAIL and result.pruned is None
    assert "loss became NaN at epoch 1" in result.error
    assert judge.asked and all(e.health_alarm is None for e in judge.asked)


def test_a_healthy_trial_raises_no_alarm_and_measures_its_energy(tmp_path: Path):
    judge = AlarmJudge()
    result = run_trial(_spec(tmp_path, health_pruning=True), judge=judge)
    assert result.state == COMPLETE and result.pruned is None
    assert [e.epoch for e in judge.asked] == [1, 2]
    assert all(e.health_alarm is None for e in judge.asked)
    # The energy module estimates every epoch (RAPL or CPU seconds x watts), so the trial's
    # energy is the sum of its observer records' figures, and positive.
    records = read_epochs(json.loads((tmp_path / "trial_0" / "observer.json").read_text()))
    per_epoch = [r.carbon_emissions.epoch_energy_kwh for r in records]
    assert None not in per_epoch
    assert result.energy_kwh is not None and result.energy_kwh > 0
    assert result.energy_kwh == pytest.approx(sum(per_epoch))
