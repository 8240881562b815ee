"""Inputs the sustainability tests share: a run that plateaus, partial records, layer edits.

Built on the healthy history of tests/diagnostics/conftest.py; each fixture is a fresh copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

# Validation loss of a run that stops paying off after epoch 3 (epochs 4-7 add < 5% each).
PLATEAU = [2.0, 1.0, 0.6, 0.5, 0.49, 0.488, 0.487, 0.4869]

# Partial records that still validate: missing sections, nulls, NaN, text for a number.
MESSY = [
    {"epoch": 0},
    {
        "loss": {},
        "device": {"gpu_available": True, "training_device": None},
        "profiler": {
            "per_layer": [{}, {"name": "x", "pct_total": None}],
            "total_cuda_time_ms": None,
        },
        "layer_health": {
            "layers": {
                "a": {},
                "b": {"num_parameters": None, "gradient_norm": "x", "dead_unit_fraction": None},
            }
        },
    },
    {
        "carbon_emissions": {"epoch_co2_kg": None, "method": None},
        "duration_seconds": None,
        "layer_health": {
            "layers": {
                "b": {
                    "correlation_with_previous": float("nan"),
                    "activation_variance_across_samples": 0.0,
                    "activation_mean_square": None,
                }
            }
        },
    },
]


@pytest.fixture
def plateau() -> list[float]:
    """Validation losses of a run that stops paying off after epoch 3."""
    return list(PLATEAU)


@pytest.fixture
def plateau_epochs(healthy_epochs, plateau) -> list[dict[str, Any]]:
    """The healthy history with `plateau` as its validation loss."""
    epochs = copy.deepcopy(healthy_epochs)
    for epoch, loss in zip(epochs, plateau, strict=True):
        epoch["loss"]["val"]["val_loss"] = loss
    return epochs


@pytest.fixture
def messy_epochs() -> list[dict[str, Any]]:
    """Partial records: missing sections, None, NaN, text where a number belongs."""
    return copy.deepcopy(MESSY)


@pytest.fixture
def cnn_params() -> dict[str, int]:
    """Parameters of the healthy CNN's weighted layers (conv_0, conv_1, dense_0, predictions)."""
    return {"conv_0": 320, "conv_1": 9248, "dense_0": 8256, "predictions": 650}


@pytest.fixture
def final_layer() -> Callable[[list[dict[str, Any]], str], dict[str, Any]]:
    """A function giving a layer's entry in the final epoch, to change in place."""

    def final(epochs: list[dict[str, Any]], layer: str) -> dict[str, Any]:
        return epochs[-1]["layer_health"]["layers"][layer]

    return final


@pytest.fixture
def insert_layer() -> Callable[[dict[str, Any], str, str, dict[str, Any]], None]:
    """A function putting a layer entry right after `after`, keeping the record's layer order."""

    def insert(epoch: dict[str, Any], after: str, name: str, entry: dict[str, Any]) -> None:
        old = epoch["layer_health"]["layers"]
        new = {}
        for key, value in old.items():
            new[key] = value
            if key == after:
                new[name] = entry
        epoch["layer_health"]["layers"] = new

    return insert
