"""Forward signals: per-layer measurements from crafted epoch records, whose answer is known."""

from __future__ import annotations

import math
from typing import Any

import pytest

from healthopt.records import EpochRecord
from healthopt.visualization import ArchitectureView, build_view
from healthopt.visualization.forward_signals import (
    activation_rms,
    forward_signals,
    forward_time_share,
)

from ..builders import healthy_cnn_architecture, healthy_epoch

LAYER_IDS = {"conv_0", "conv_1", "dense_0", "predictions"}


def _epoch(
    number: int | None,
    layers: dict[str, dict[str, Any]] | None = None,
    timed: list[dict[str, Any]] | None = None,
) -> EpochRecord:
    return EpochRecord.from_json(
        {
            "epoch": number,
            "layer_health": {"layers": layers or {}},
            "profiler": {"per_layer": timed or []},
        }
    )


def test_activation_rms_is_the_root_of_the_mean_square_on_the_last_epoch_with_figures():
    epochs = [
        _epoch(0, {"conv_0": {"activation_mean_square": 100.0}}),
        _epoch(
            1, {"conv_0": {"activation_mean_square": 4.0}, "dense_0": {"activation_mean": -0.5}}
        ),
        _epoch(2, {"conv_0": {"weight_mean": 0.1}}),  # no activation figure: skipped
    ]
    signal = activation_rms(epochs, LAYER_IDS)
    assert signal is not None
    assert signal.measure == "activation_rms" and signal.epoch == 1
    # sqrt(4) = 2; dense_0 had only a mean: |-0.5|.
    assert signal.values == {"conv_0": 2.0, "dense_0": 0.5}
    assert signal.intensities == {"conv_0": 1.0, "dense_0": 0.25}
    assert "epoch 2" in signal.description  # epochs are told 1-based, as Keras prints them
    assert signal.title


def test_layers_outside_the_architecture_and_non_finite_figures_are_dropped():
    epochs = [
        _epoch(
            0,
            {
                "conv_0": {"activation_mean_square": 9.0},
                "conv_1": {"activation_mean_square": math.nan},  # read as "not measured"
                "predictions": {"activation_mean_square": -1.0},  # impossible: dropped
                "not_a_layer": {"activation_mean_square": 400.0},
            },
        )
    ]
    signal = activation_rms(epochs, LAYER_IDS)
    assert signal is not None and signal.values == {"conv_0": 3.0}
    assert signal.intensities == {"conv_0": 1.0}


def test_forward_time_share_reads_the_last_timed_epoch_by_layer_name():
    timed = [
        {"name": "conv_0", "pct_total": 20.0},
        {"name": "conv_1", "pct_total": 50.0},
        {"name": "dense_0", "pct_total": math.inf},
        {"name": "dropout_hidden", "pct_total": 30.0},
        {"name": None, "pct_total": 10.0},
    ]
    epochs = [
        _epoch(0, timed=[{"name": "conv_0", "pct_total": 90.0}]),
        _epoch(3, timed=timed),
        _epoch(4),  # this epoch's layers were not timed
    ]
    signal = forward_time_share(epochs, LAYER_IDS)
    assert signal is not None and signal.measure == "forward_time_share"
    assert signal.epoch == 3
    assert signal.values == {"conv_0": 20.0, "conv_1": 50.0}
    assert signal.intensities == {"conv_0": 0.4, "conv_1": 1.0}
    assert "percent" in signal.description


def test_an_epoch_without_its_number_counts_by_position():
    epochs = [_epoch(None), _epoch(None, {"conv_0": {"activation_mean": 1.0}})]
    signal = activation_rms(epochs, LAYER_IDS)
    assert signal is not None and signal.epoch == 1


def test_nothing_measured_is_no_signal_never_a_signal_of_zeros():
    assert forward_signals([], LAYER_IDS) == []
    assert forward_signals([_epoch(0), _epoch(1)], LAYER_IDS) == []
    zeros = _epoch(
        0,
        {"conv_0": {"activation_mean_square": 0.0}},
        [{"name": "conv_0", "pct_total": 0.0}],
    )
    assert forward_signals([zeros], LAYER_IDS) == []
    # Figures only for layers the architecture does not have.
    elsewhere = _epoch(0, {"other": {"activation_mean": 1.0}}, [{"name": "other", "pct_total": 9}])
    assert forward_signals([elsewhere], LAYER_IDS) == []


def test_a_healthy_history_gives_both_signals_in_the_view():
    epochs = [EpochRecord.from_json(healthy_epoch(k)) for k in range(3)]
    view = build_view(healthy_cnn_architecture(), 0.9, 0.8, epochs)
    rms, share = view.forward_signals
    assert (rms.measure, share.measure) == ("activation_rms", "forward_time_share")
    assert rms.epoch == share.epoch == 2
    assert rms.values == pytest.approx({name: math.sqrt(0.52) for name in LAYER_IDS})
    assert share.values == {"conv_0": 25.0, "conv_1": 35.0, "dense_0": 25.0, "predictions": 15.0}
    assert max(share.intensities.values()) == 1.0
    assert all(0.0 <= v <= 1.0 for s in view.forward_signals for v in s.intensities.values())
    # Every layer a signal names is a box of the 3D view.
    boxes = {box.layer_id for box in view.visualization.layers}
    assert set(rms.values) <= boxes and set(share.values) <= boxes
    assert build_view(healthy_cnn_architecture(), 0.9, 0.8).forward_signals == []


def test_the_schema_describes_every_key_a_signal_serves():
    epochs = [EpochRecord.from_json(healthy_epoch(0))]
    data = build_view(healthy_cnn_architecture(), None, None, epochs).to_dict()
    schema = ArchitectureView.model_json_schema(mode="serialization")["$defs"]["ForwardSignal"]
    assert len(data["forward_signals"]) == 2
    for signal in data["forward_signals"]:
        assert set(schema["required"]) <= set(signal) <= set(schema["properties"])
    # Extra keys do not travel: the view reads back the same.
    assert ArchitectureView.from_json(data) == ArchitectureView.from_json(
        {**data, "forward_signals": [{**s, "bogus": 1} for s in data["forward_signals"]]}
    )
