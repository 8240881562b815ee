"""The typed records: files written by earlier healthopt load, validation names what was wrong,
and every record survives a JSON round trip unchanged."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from healthopt.records import (
    ArchitectureSummary,
    EpochEndEvent,
    EpochRecord,
    GraphNode,
    HealthComponent,
    HealthValues,
    Mode,
    RunResults,
    SchemaError,
    TrialFinishedEvent,
    TrialResult,
    TrialSpec,
    read_epochs,
    read_event,
)

from ..builders import healthy_cnn_architecture, healthy_epoch

DATA = Path(__file__).parent / "data"  # files written by main at d755cd5, before versioning


def _load(name: str) -> object:
    return json.loads((DATA / name).read_text())


def test_results_json_written_before_versioning_loads_unchanged():
    raw = _load("results_main_d755cd5.json")
    results = RunResults.from_json((DATA / "results_main_d755cd5.json").read_text())
    assert results.schema_version == RunResults.SCHEMA_VERSION
    assert results.mode is Mode.HEALTH_AWARE
    assert [t.number for t in results.trials] == [t["number"] for t in raw["trials"]]
    best = results.best()
    assert best is not None and best.number == raw["best_trial"]
    first = raw["trials"][0]
    assert results.trials[0].metrics.val_accuracy == first["metrics"]["val_accuracy"]
    assert results.trials[0].health.by_name() == first["health"]
    assert results.trials[0].diagnostics.health_score == first["diagnostics"]["health_score"]
    assert results.trials[0].score is not None
    assert results.trials[0].score.health == first["score"]["health"]
    assert results.trials[0].params == first["params"]


def test_every_key_of_an_old_results_json_is_kept_on_rewrite():
    raw = _load("results_main_d755cd5.json")
    rewritten = RunResults.from_json(raw).to_json()  # type: ignore[arg-type]

    def keys(obj: object, prefix: str = "") -> set[str]:
        if isinstance(obj, dict):
            found = set()
            for k, v in obj.items():
                found |= {f"{prefix}{k}"} | keys(v, f"{prefix}{k}.")
            return found
        if isinstance(obj, list):
            return set().union(*(keys(v, prefix + "[].") for v in obj)) if obj else set()
        return set()

    assert keys(raw) <= keys(rewritten)


def test_old_trial_files_load():
    result = TrialResult.from_json(_load("result_main_d755cd5.json"))  # type: ignore[arg-type]
    assert result.ok and result.metrics.val_accuracy is not None
    architecture = ArchitectureSummary.from_json(_load("architecture_main_d755cd5.json"))  # type: ignore[arg-type]
    assert architecture.arch_type == "cnn" and architecture.layer_graph.nodes
    assert architecture.total_parameters == sum(
        layer.parameters or 0 for layer in architecture.layers.values()
    )
    epochs = read_epochs(_load("observer_main_d755cd5.json"))
    assert [e.epoch for e in epochs] == [0, 1]
    assert epochs[0].layers and epochs[0].loss.train_mean is not None


def test_a_newer_file_is_refused_with_both_versions_named():
    raw = _load("results_main_d755cd5.json")
    with pytest.raises(SchemaError, match="schema_version 99 is newer .* reads \\(1\\)"):
        RunResults.from_json({**raw, "schema_version": 99})  # type: ignore[dict-item]


def test_a_malformed_record_says_where():
    with pytest.raises(SchemaError, match="trials.0.number"):
        RunResults.from_json(
            {
                "run_name": "r",
                "dataset": "digits",
                "mode": "simple",
                "trials_requested": 1,
                "scoring_weights": {
                    "accuracy_weight": 1.0,
                    "health_weight": 0.0,
                    "health_components": {},
                },
                "trials": [{"number": "three"}],
            }
        )
    with pytest.raises(SchemaError, match="not a valid EpochRecord"):
        EpochRecord.from_json("[1, 2]")


def test_measurements_that_are_not_finite_numbers_read_as_not_measured():
    record = EpochRecord.from_json(
        '{"epoch": 0, "loss": {"train_mean": NaN, "train_std": "abc", "val": {"val_loss": 1.5}}}'
    )
    assert record.loss.train_mean is None and record.loss.train_std is None
    assert record.loss.val.val_loss == 1.5
    assert record.accuracy.train is None  # an absent block reads as an empty one
    json.dumps(record.to_json(), allow_nan=False)


def test_seed_004_spellings_read_as_ours():
    entry = {
        "gradient_norm_mean": 1e-4,
        "activation_var_of_means": 0.2,
        "has_vanishing_gradients": True,
    }
    record = EpochRecord.from_json({"layer_health": {"layers": {"fc1": entry}}})
    layer = record.layers["fc1"]
    assert layer.gradient_norm == 1e-4
    assert layer.activation_variance_across_samples == 0.2
    assert layer.has_vanishing_gradients is True
    assert GraphNode.from_json({"id": "conv1", "stride": 2, "kernel_size": 3}).strides == [2, 2]


def test_unknown_keys_are_kept_and_named():
    record = EpochRecord.from_json({**healthy_epoch(0), "losss": {}})
    assert record.unknown_keys() == ("losss",)
    assert "losss" in record.to_json()


@pytest.mark.parametrize(
    "record",
    [
        EpochRecord.from_json(healthy_epoch(3)),
        ArchitectureSummary.from_json(healthy_cnn_architecture()),
        TrialSpec.create(
            run_name="r",
            trial_number=2,
            dataset_name="digits",
            split_seed=0,
            seed=1,
            epochs=3,
            model_config={"optimizer": "adam"},
            params={"learning_rate": 0.01, "optimizer": "adam"},
            output_dir="/tmp/x",
        ),
        TrialResult.failed(4, "boom", timings={"total_seconds": 1.0}),
        TrialResult.create(
            trial_number=1,
            state="COMPLETE",
            metrics={"val_accuracy": 0.5},
            health={"gradient_health": 1},
        ),
    ],
    ids=lambda r: type(r).__name__,
)
def test_round_trip(record):
    text = json.dumps(record.to_json(), allow_nan=False)
    assert type(record).from_json(text) == record


def test_trial_spec_keeps_the_model_config_key_on_the_wire():
    spec = TrialSpec.create(
        run_name="r",
        trial_number=0,
        dataset_name="digits",
        split_seed=0,
        seed=0,
        epochs=1,
        model_config={"batch_size": 32},
        params={},
        output_dir="/o",
    )
    assert spec.to_json()["model_config"] == {"batch_size": 32}
    assert spec.model_settings == {"batch_size": 32}


def test_progress_events_are_one_union():
    event = read_event('{"kind": "epoch_end", "trial_number": 1, "epoch": 2, "epochs": 3}')
    assert isinstance(event, EpochEndEvent) and event.val_loss is None
    finished = read_event(
        TrialFinishedEvent(
            trial_number=1, state="COMPLETE", trials_done=1, trials_total=2
        ).to_json()
    )
    assert isinstance(finished, TrialFinishedEvent)
    with pytest.raises(SchemaError):
        read_event({"kind": "no_such_event"})


def test_mode_has_one_spelling_and_reads_the_old_ones_with_a_warning():
    assert Mode.parse("health-aware") is Mode.HEALTH_AWARE
    for old, mode in (("health_aware", Mode.HEALTH_AWARE), ("accuracy_only", Mode.SIMPLE)):
        with pytest.warns(DeprecationWarning, match="deprecated spelling"):
            assert Mode.parse(old) is mode
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Mode.parse("simple") is Mode.SIMPLE
    with pytest.raises(ValueError, match="mode must be one of simple, health-aware"):
        Mode.parse("accurate")


def test_health_values_follow_the_component_enum():
    values = HealthValues(gradient_health=0.5, neuron_utilization=float("nan"))
    assert list(values.by_name()) == [c.value for c in HealthComponent]
    assert values.measured() == {"gradient_health": 0.5}
