"""The record accessors read seed 004's spellings as ours, fill node categories from type
names, and detect the architecture family when the summary states none."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.records import (
    DiagnosticInput,
    arch_nodes,
    arch_type,
    detected_arch_type,
    layer_key,
    layer_number,
    recorded_arch_type,
    vanishing_flag,
)


def test_seed_spellings_are_read_as_ours_and_ours_win_when_both_are_there():
    seed = {"gradient_norm_mean": 1e-4, "activation_var_of_means": 0.001}
    assert layer_number(seed, "gradient_norm") == 1e-4
    assert layer_key(seed, "gradient_norm") == "gradient_norm_mean"
    assert layer_number(seed, "activation_variance_across_samples") == 0.001
    both = {"gradient_norm": 0.5, "gradient_norm_mean": 1e-4}
    assert layer_number(both, "gradient_norm") == 0.5
    assert layer_key({}, "gradient_norm") is None and layer_number(None, "gradient_norm") is None


def test_the_vanishing_flag_is_only_a_boolean():
    assert vanishing_flag({"has_vanishing_gradients": True}) is True
    assert vanishing_flag({"has_vanishing_gradients": False}) is False
    assert vanishing_flag({"has_vanishing_gradients": "yes"}) is None
    assert vanishing_flag({}) is None


def test_seed_section_4_1_architecture():
    """The seed's own example: conv2 is only a `layers`-less path id, pool1 described nowhere."""
    architecture = {
        "total_parameters": 1_200_000,
        "layers": {
            "conv1": {"type": "Conv2d", "parameters": 320, "pct_of_total": 0.05},
            "fc1": {"type": "Linear", "parameters": 1_100_000, "pct_of_total": 92.0},
        },
        "layer_graph": {
            "nodes": [
                {"id": "conv1", "type": "Conv2d", "category": "convolution", "in_channels": 1},
                {"id": "fc1", "type": "Linear", "category": "linear"},
            ],
            "sequential_path": ["conv1", "pool1", "conv2", "fc1"],
        },
    }
    nodes = arch_nodes(architecture)
    assert [(n["id"], n["category"]) for n in nodes] == [
        ("conv1", "convolution"),
        ("pool1", None),
        ("conv2", None),
        ("fc1", "linear"),
    ]
    assert recorded_arch_type(architecture) is None and arch_type(architecture) == "cnn"


def test_without_a_graph_the_layers_are_the_nodes_with_categories_from_their_types():
    architecture = {"layers": {"c": {"type": "Conv2d"}, "p": {"type": "MaxPool2d"}, "x": {}}}
    assert [(n["id"], n["category"]) for n in arch_nodes(architecture)] == [
        ("c", "convolution"),
        ("p", "pooling"),
        ("x", None),
    ]


def _layers(*types: str) -> dict:
    return {"layers": {f"l{i}": {"type": t} for i, t in enumerate(types)}}


@pytest.mark.parametrize(
    "architecture, family",
    [
        (_layers("Conv2d", "MaxPool2d", "Linear"), "cnn"),
        (_layers("Embedding", "LSTM", "Linear"), "rnn"),
        (_layers("Embedding", "TransformerEncoderLayer", "Linear"), "transformer"),
        (_layers("Conv1d", "MultiheadAttention"), "transformer"),
        # Single-head attention over an RNN is no transformer (as models.architecture says).
        (_layers("Embedding", "LSTM", "Attention", "Dense"), "rnn"),
        (_layers("Linear", "ReLU", "Linear"), "generic"),
        ({"layer_graph": {"nodes": [{"id": "a", "category": "recurrent"}]}}, "rnn"),
        (None, "generic"),
    ],
)
def test_family_detection(architecture, family):
    assert detected_arch_type(architecture) == family


def test_a_stated_family_wins_and_an_unknown_one_is_detected():
    conv = _layers("Conv2d", "Linear")
    assert arch_type({**conv, "arch_type": "generic"}) == "generic"
    assert arch_type({**conv, "arch_type": "CNN"}) == "cnn"
    assert recorded_arch_type({**conv, "arch_type": "convnet"}) is None
    assert arch_type({**conv, "arch_type": "convnet"}) == "cnn"


def test_from_dict_keeps_the_names_of_top_level_keys_it_does_not_know():
    data = DiagnosticInput.from_dict({"epochs": [], "history": {}, "meta": 1})
    assert data.ignored_keys == ("history", "meta")
