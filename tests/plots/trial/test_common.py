"""Shared plot helpers: layer selection per epoch and readable layer names."""

from __future__ import annotations

import math

from healthopt.plots.trial.common import epoch_numbers, layer_matrix, short, wrap_name
from healthopt.records import EpochRecord


def _record(epoch: int, layers: dict) -> EpochRecord:
    return EpochRecord.from_json({"epoch": epoch, "layer_health": {"layers": layers}})


def test_layer_matrix_skips_pass_through_and_empty_layers_and_marks_gaps():
    epochs = [
        _record(
            0,
            {
                "conv": {"type": "Conv2D", "dead_unit_fraction": 0.1},
                "drop": {"type": "Dropout", "dead_unit_fraction": 0.1},
                "pool": {"type": "MaxPooling2D", "dead_unit_fraction": None},
            },
        ),
        _record(1, {"conv": {"type": "Conv2D", "dead_unit_fraction": 0.3}}),
        _record(
            2,
            {
                "conv": {"type": "Conv2D"},
                "dense": {"type": "Dense", "dead_unit_fraction": float("nan")},
                "late": {"type": "Dense", "dead_unit_fraction": 0.5},
            },
        ),
    ]
    names, matrix = layer_matrix(epochs, lambda layer: layer.dead_unit_fraction)
    assert names == ["conv", "late"]  # Dropout repeats its input; pool and dense never valued
    assert matrix.shape == (2, 3)
    assert matrix[0, :2].tolist() == [0.1, 0.3] and math.isnan(matrix[0, 2])
    assert math.isnan(matrix[1, 0]) and matrix[1, 2] == 0.5


def test_epoch_numbers_are_one_based_from_the_records():
    records = [EpochRecord(epoch=0), EpochRecord(epoch=1), EpochRecord()]
    assert epoch_numbers(records) == [1, 2, 3]
    assert epoch_numbers([EpochRecord(epoch=4), EpochRecord(epoch=5)]) == [5, 6]


def test_short_keeps_the_distinguishing_end_of_a_layer_path():
    forward = "bidirectional_lstm/forward_lstm/recurrent_kernel"
    backward = "bidirectional_lstm/backward_lstm/recurrent_kernel"
    assert short(forward) == "…/forward_lstm/recurrent_kernel"
    assert short(forward) != short(backward) and len(short(backward)) <= 32
    assert short("dense_0") == "dense_0"
    flat = "a_very_long_layer_name_without_any_slashes_0"
    assert len(short(flat, 20)) == 20 and short(flat, 20).startswith("a_very")
    assert short(flat, 20).endswith("s_0")


def test_wrap_name_breaks_at_a_slash():
    assert wrap_name("bidirectional_lstm/forward_lstm/recurrent_kernel") == (
        "bidirectional_lstm/\nforward_lstm/recurrent_kernel"
    )
    assert wrap_name("conv_0") == "conv_0"
