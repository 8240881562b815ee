"""`monitor(records)`: monitored epochs, the class per epoch and over the run, the anomalies of
a crafted run, and what a healthy run and an old run give."""

from __future__ import annotations

import pytest

from healthopt.monitoring import default_every, monitor, monitored_positions
from healthopt.records import LayerHealth
from healthopt.records.monitoring import MonitoringSummary

from .crafted import BALANCED, health, history, record, smooth

ORACLE = {"entropy": 0.85, "fracture_density": 0.75}
SENTINEL = {"resilience": 0.95, "luminosity": 0.75}


@pytest.mark.parametrize(
    ("epochs", "every"),
    [(1, 1), (20, 1), (21, 2), (40, 2), (41, 3), (100, 5), (101, 6)],
)
def test_every_epoch_up_to_20_epochs_then_about_20_monitored(epochs, every):
    assert default_every(epochs) == every
    assert len(monitored_positions(epochs, every)) <= 21


@pytest.mark.parametrize(
    ("count", "every", "positions"),
    [
        (10, 3, [0, 3, 6, 9]),
        (10, 4, [0, 4, 8, 9]),
        (10, 1, list(range(10))),
        (1, 5, [0]),
        (0, 2, []),
    ],
)
def test_every_n_monitors_each_nth_epoch_and_always_the_last(count, every, positions):
    assert monitored_positions(count, every) == positions


def test_monitoring_every_4_epochs_judges_resilience_on_the_changes_since_the_last_monitored():
    changes = [0.5, 0.1, 0.2, 0.3, 0.4, 0.0, 0.0, 0.0, 0.2, 0.6]
    records = [
        record(k, {"dense": health().model_copy(update={"weight_change": c})})
        for k, c in enumerate(changes)
    ]
    summary = monitor(records, every=4)
    assert summary.monitor_every == 4 and summary.monitored_epochs == [0, 4, 8, 9]
    [layer] = summary.layers
    assert [entry.epoch for entry in layer.epochs] == [0, 4, 8, 9]
    resilience = [entry.metrics.resilience for entry in layer.epochs]
    assert resilience == pytest.approx([1 / 1.5, 1 / 1.25, 1 / 1.05, 1 / 1.6])


def test_a_long_run_is_monitored_about_20_times_by_default():
    summary = monitor(history([{}] * 45))
    assert summary.monitor_every == 3
    assert summary.monitored_epochs == [*range(0, 45, 3), 44]


@pytest.mark.parametrize("every", [0, -2])
def test_a_frequency_under_1_is_refused(every):
    with pytest.raises(ValueError, match="at least 1 epoch"):
        monitor(history([{}] * 3), every=every)


def test_the_summary_class_is_the_class_held_most_often():
    summary = monitor(history([ORACLE, ORACLE, SENTINEL, ORACLE, SENTINEL]))
    [layer] = summary.layers
    assert [entry.layer_class for entry in layer.epochs] == [
        "Oracle",
        "Oracle",
        "Sentinel",
        "Oracle",
        "Sentinel",
    ]
    assert layer.epochs[0].rule == "entropy > 0.8 and fracture_density > 0.7"
    assert (layer.summary_class, layer.summary_share) == ("Oracle", 0.6)
    assert layer.class_changes == 3 and layer.priority == "critical"


def test_a_tie_for_the_summary_class_goes_to_the_latest():
    [layer] = monitor(history([ORACLE, ORACLE, SENTINEL, SENTINEL])).layers
    assert (layer.summary_class, layer.summary_share, layer.priority) == ("Sentinel", 0.5, "medium")


def test_each_anomaly_type_comes_out_of_a_crafted_run():
    epochs = 10
    losses = [1.0, 0.9, 0.95, 1.0, 1.02, 1.0, 1.01, 1.0, 0.99, 1.0]  # ends where it began
    records = [
        record(
            k,
            {
                # luminosity steady, then a jump of 0.4 into epoch 6
                "spiky": health(luminosity=0.3 if k < 6 else 0.7),
                # Oracle and Wanderer by turns: 9 changes in 10 epochs
                "switching": health(**(ORACLE if k % 2 else BALANCED)),
                "dead": health(luminosity=0.0, entropy=0.0, resilience=1.0, dead=1.0),
            },
            loss=losses[k],
        )
        for k in range(epochs)
    ]
    summary = monitor(records)
    found = {(a.type, a.layer, a.epoch, a.metric) for a in summary.anomalies}
    assert ("metric_spike", "spiky", 6, "luminosity") in found
    assert ("classification_instability", "switching", None, None) in found
    assert ("convergence_issue", "dead", None, None) in found
    assert ("convergence_issue", None, 9, None) in found
    assert summary.anomalies_of("dead")[0].severity == 1.0
    dead = summary.layer("dead")
    assert dead is not None and dead.summary_class == "Archivist"
    assert "not learning" in dead.recommendation and "silence" in dead.recommendation
    switching = summary.layer("switching")
    assert switching is not None and switching.class_changes == 9


def test_a_healthy_history_produces_no_anomaly():
    epochs = 12
    per_layer = {
        "conv": {
            "luminosity": smooth(0.1, 0.7, epochs),
            "entropy": [1.0 - 0.8**k for k in range(epochs)],
            "fracture_density": smooth(0.95, 0.6, epochs),
            "variance": smooth(0.05, 0.5, epochs, rate=0.5),
            "resilience": smooth(0.5, 0.97, epochs),
            "sparsity": smooth(0.0, 0.4, epochs),
        },
        "dense": {
            "luminosity": smooth(0.2, 0.6, epochs),
            "entropy": smooth(0.3, 0.6, epochs),
            "fracture_density": smooth(0.6, 0.5, epochs),
            "variance": smooth(0.1, 0.4, epochs),
            "resilience": smooth(0.6, 0.95, epochs),
        },
    }
    records = [
        record(
            k,
            {
                name: health(**{m: v[k] for m, v in metrics.items()})
                for name, metrics in per_layer.items()
            },
        )
        for k in range(epochs)
    ]
    summary = monitor(records)
    assert [layer.name for layer in summary.layers] == ["conv", "dense"]
    assert summary.anomalies == []
    for layer in summary.layers:
        assert layer.summary_class is not None
        assert layer.recommendation.startswith(f"{layer.summary_class} (")


def test_records_from_before_layer_monitoring_are_not_classed_and_say_why():
    old = LayerHealth(
        type="Dense",
        num_parameters=100,
        activation_mean_square=0.5,
        activation_std=0.5,
        activation_variance_across_samples=0.2,
    )
    summary = monitor([record(k, {"dense": old}) for k in range(3)])
    [layer] = summary.layers
    assert {entry.layer_class for entry in layer.epochs} == {None}
    assert layer.epochs[0].rule == "not classed: entropy, resilience not recorded"
    assert layer.summary_class is None and layer.priority is None
    assert layer.recommendation.startswith("Not classed")
    assert any("not classed: entropy, resilience not recorded" in note for note in summary.notes)
    assert layer.epochs[0].metrics.luminosity is not None  # what could be computed still is


def test_only_layers_with_trainable_weights_are_monitored():
    records = [
        record(k, {"conv": health(), "pool": health(parameters=0), "dense": health()})
        for k in range(3)
    ]
    assert [layer.name for layer in monitor(records).layers] == ["conv", "dense"]
    assert monitor([]).notes == ["no epoch records: nothing to monitor"]


def test_the_summary_states_its_thresholds_rules_and_definitions_and_round_trips():
    summary = monitor(history([ORACLE, BALANCED, ORACLE]))
    assert summary.thresholds["oracle_entropy_above"] == 0.8
    assert summary.thresholds["alchemist_resilience_at_least"] == 0.5
    assert summary.thresholds["spike_sigmas"] == 3.0
    assert summary.thresholds["instability_share"] == 0.3
    assert summary.rules[0] == "Oracle: entropy > 0.8 and fracture_density > 0.7"
    assert summary.rules[-1].startswith("Wanderer:")
    assert set(summary.metric_definitions) == {
        "luminosity",
        "fracture_density",
        "entropy",
        "resilience",
        "variance",
        "sparsity",
    }
    assert MonitoringSummary.from_json(summary.to_json_text()) == summary
