"""The engine's input reads seed 004's spellings as ours (and remembers which the file used),
fills node categories from type names, detects the architecture family when the summary
states none, and refuses malformed files at the boundary."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.records import (
    DiagnosticInput,
    arch_nodes,
    arch_type,
    detected_arch_type,
    layer_series,
    recorded_arch_type,
    series,
)
from healthopt.records import ArchitectureSummary, SchemaError

from ..builders import diagnostic_input, healthy_epoch_records


def _layer(entry: dict) -> DiagnosticInput:
    return diagnostic_input([{"layer_health": {"layers": {"c": entry}}}])


def test_seed_spellings_are_read_as_ours_and_ours_win_when_both_are_there():
    seed = _layer({"gradient_norm_mean": 1e-4, "activation_var_of_means": 0.001})
    entry = seed.epochs[0].layers["c"]
    assert entry.gradient_norm == 1e-4 and entry.activation_variance_across_samples == 0.001
    assert seed.spelling(0, "c", "gradient_norm") == "gradient_norm_mean"
    assert seed.spelling(0, "c", "activation_variance_across_samples") == "activation_var_of_means"
    both = _layer({"gradient_norm": 0.5, "gradient_norm_mean": 1e-4})
    assert both.epochs[0].layers["c"].gradient_norm == 0.5
    assert both.spelling(0, "c", "gradient_norm") == "gradient_norm"
    assert _layer({}).spelling(0, "c", "gradient_norm") == "gradient_norm"


def test_the_vanishing_flag_is_only_a_boolean():
    assert _layer({"has_vanishing_gradients": True}).epochs[0].layers["c"].has_vanishing_gradients
    flag = _layer({"has_vanishing_gradients": False}).epochs[0].layers["c"]
    assert flag.has_vanishing_gradients is False
    assert _layer({}).epochs[0].layers["c"].has_vanishing_gradients is None
    with pytest.raises(SchemaError, match=r"epochs\[0\].*has_vanishing_gradients"):
        _layer({"has_vanishing_gradients": "maybe"})


def test_non_numeric_and_nan_figures_read_as_none_and_nan_is_remembered():
    data = diagnostic_input(
        [{"loss": {"train_mean": "high", "train_std": float("nan"), "val": {"val_loss": None}}}]
    )
    loss = data.epochs[0].loss
    assert (loss.train_mean, loss.train_std, loss.val.val_loss) == (None, None, None)
    assert data.describe_missing(0, ("loss", "train_std")) == "nan"
    assert data.describe_missing(0, ("loss", "val", "val_loss")) == "null"
    seed_nan = _layer({"gradient_norm_mean": float("-inf")})
    assert seed_nan.describe_missing(0, ("layer_health", "layers", "c", "gradient_norm")) == "-inf"


def test_series_and_layer_series_read_typed_records():
    epochs = healthy_epoch_records(3)
    assert series(epochs, lambda e: e.optimizer.batch_size) == [32.0, 32.0, 32.0]
    names = dict(layer_series([*epochs, *diagnostic_input([{"epoch": 3}]).epochs]))
    assert list(names) == ["conv_0", "conv_1", "dense_0", "predictions"]
    assert names["conv_0"][-1] is None and names["conv_0"][0] is not None


def _summary(data: dict | None) -> ArchitectureSummary | None:
    return None if data is None else ArchitectureSummary.from_json(data)


def test_seed_section_4_1_architecture():
    """The seed's own example: conv2 is only a `layers`-less path id, pool1 described nowhere."""
    architecture = _summary(
        {
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
    )
    nodes = arch_nodes(architecture)
    assert [(n.id, n.category) for n in nodes] == [
        ("conv1", "convolution"),
        ("pool1", None),
        ("conv2", None),
        ("fc1", "linear"),
    ]
    assert recorded_arch_type(architecture) is None and arch_type(architecture) == "cnn"


def test_without_a_graph_the_layers_are_the_nodes_with_categories_from_their_types():
    architecture = _summary(
        {"layers": {"c": {"type": "Conv2d"}, "p": {"type": "MaxPool2d"}, "x": {}}}
    )
    assert [(n.id, n.category) for n in arch_nodes(architecture)] == [
        ("c", "convolution"),
        ("p", "pooling"),
        ("x", None),
    ]


def test_a_pytorch_stride_is_read_as_strides():
    node = {"id": "c", "type": "Conv2d", "stride": 2, "kernel_size": 3}
    [found] = arch_nodes(_summary({"layer_graph": {"nodes": [node]}}))
    assert (found.strides, found.kernel_size, found.category) == ([2, 2], [3, 3], "convolution")


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
    assert detected_arch_type(_summary(architecture)) == family


def test_a_stated_family_wins_and_an_unknown_one_is_detected():
    conv = _layers("Conv2d", "Linear")
    assert arch_type(_summary({**conv, "arch_type": "generic"})) == "generic"
    assert arch_type(_summary({**conv, "arch_type": "CNN"})) == "cnn"
    assert recorded_arch_type(_summary({**conv, "arch_type": "convnet"})) is None
    assert arch_type(_summary({**conv, "arch_type": "convnet"})) == "cnn"


def test_from_json_keeps_the_names_of_top_level_keys_it_does_not_know():
    data = DiagnosticInput.from_json({"epochs": [], "history": {}, "meta": 1})
    assert data.ignored_keys == ("history", "meta")
    assert data.chance_accuracy is None


def test_from_json_reads_the_chance_level_as_a_known_key():
    data = DiagnosticInput.from_json({"epochs": [], "chance_accuracy": 0.25})
    assert (data.chance_accuracy, data.ignored_keys) == (0.25, ())
    assert DiagnosticInput.from_json({"chance_accuracy": None}).chance_accuracy is None
    assert DiagnosticInput.from_json('{"epochs": [{"epoch": 0}]}').epochs[0].epoch == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ("{not json", "not valid JSON"),
        ("[1]", "must be an object"),
        ({"epochs": {"a": 1}}, "'epochs' must be a list of epoch records"),
        ({"epochs": [{}, 3]}, r"epochs\[1\] is int"),
        ({"epochs": [{}, {"loss": {"val": 5}}]}, r"epochs\[1\]: .*loss\.val"),
        ({"logs": [{"msg": ["a"]}]}, r"logs\[0\]: .*msg"),
        ({"architecture": [1]}, "'architecture' must be an object"),
        ({"architecture": {"layer_graph": {"nodes": [{"type": "Dense"}]}}}, r"nodes\.0\.id"),
        ({"architecture": {"schema_version": 99}}, "newer than this healthopt reads"),
        ({"chance_accuracy": 1.5}, r"chance_accuracy must be a number in \[0, 1\]"),
        ({"chance_accuracy": "0.1"}, "chance_accuracy must be a number"),
        ({"chance_accuracy": float("nan")}, "chance_accuracy must be a number"),
    ],
)
def test_malformed_input_raises_a_schema_error_naming_the_part(data, message):
    with pytest.raises(SchemaError, match=message):
        DiagnosticInput.from_json(data)
