from __future__ import annotations

import json

import keras
import pytest

from healthopt.config import ModelConfig
from healthopt.diagnostics.checks.architecture import CHECKS
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.models.architecture import describe_model
from healthopt.models.builder import InputSpec, ModelBuilder
from healthopt.records import ArchitectureSummary, GraphNode

from ..builders import healthy_cnn_architecture, healthy_rnn_architecture

DIGITS = InputSpec(shape=(8, 8, 1), num_classes=10, modality="image")
TOKENS = InputSpec(shape=(12,), num_classes=3, modality="text", vocabulary_size=31)


def nodes_by_id(summary):
    """Each node's keys that its category has (the others are None)."""
    return {n.id: n.model_dump(exclude_none=True) for n in summary.layer_graph.nodes}


def assert_consistent(summary, model):
    """What every summary must satisfy, whatever the model."""
    assert summary.schema_version == ArchitectureSummary.SCHEMA_VERSION
    text = json.dumps(summary.to_json(), allow_nan=False)  # what architecture.json holds
    assert ArchitectureSummary.from_json(text) == summary
    names = [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]
    assert summary.total_parameters == model.count_params()
    assert list(summary.layers) == names
    assert summary.layer_graph.sequential_path == names
    assert [n.id for n in summary.layer_graph.nodes] == names
    assert all(isinstance(n, GraphNode) for n in summary.layer_graph.nodes)
    assert all(n.unknown_keys() == () for n in summary.layer_graph.nodes)
    assert sum(e.parameters for e in summary.layers.values()) == model.count_params()
    pct = sum(e.pct_of_total for e in summary.layers.values())
    assert pct == pytest.approx(100.0)


def run_checks(summary):
    data = DiagnosticInput(architecture=summary)
    return [issue for check in CHECKS for issue in check(data, DiagnosticThresholds())]


def tiny_transformer(position_name="pos_embedding", positions_from_range=False):
    tokens = keras.Input(shape=(16,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(50, 32, name="token_embedding")(tokens)
    if positions_from_range:  # indices 0..15 computed from the input, as in many tutorials
        positions = keras.ops.cumsum(keras.ops.ones_like(tokens), axis=1) - 1
    else:
        positions = keras.Input(shape=(16,), dtype="int32", name="positions")
    x = x + keras.layers.Embedding(16, 32, name=position_name)(positions)
    normed = keras.layers.LayerNormalization(name="ln_0")(x)  # pre-LN
    attended = keras.layers.MultiHeadAttention(num_heads=4, key_dim=8, name="mha")(normed, normed)
    x = keras.layers.LayerNormalization(name="ln_1")(x + attended)
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    inputs = tokens if positions_from_range else [tokens, positions]
    return keras.Model(inputs, outputs)


def test_builder_cnn_summary():
    config = ModelConfig(
        num_layers_conv=2,
        filters_per_conv_layer=16,
        kernel_size=5,
        batch_normalization=True,
        conv_dropout=0.1,
    )
    model = ModelBuilder(config, DIGITS).build()
    summary = describe_model(model)
    assert_consistent(summary, model)
    assert summary.arch_type == "cnn"
    assert summary.input_shape == [8, 8, 1]
    assert summary.num_classes == 10
    assert summary.vocabulary_size is None and summary.sequence_length is None
    nodes = nodes_by_id(summary)
    assert nodes["conv_0"] == {
        "id": "conv_0",
        "type": "Conv2D",
        "category": "convolution",
        "in_channels": 1,
        "out_channels": 16,
        "kernel_size": [5, 5],
        "strides": [1, 1],
    }
    assert (nodes["conv_1"]["in_channels"], nodes["conv_1"]["out_channels"]) == (16, 16)
    assert nodes["conv_0_bn"]["category"] == "normalization"
    assert nodes["conv_0_bn"]["kind"] == "batch"
    assert nodes["conv_0_act"]["category"] == "activation"
    assert nodes["conv_0_pool"]["category"] == "pooling"
    assert nodes["conv_0_dropout"]["category"] == "dropout"
    assert nodes["flatten"]["category"] == "reshape"
    # 8x8 -> pooled twice -> 2x2x16 = 64 features into the hidden layer.
    assert nodes["dense_0"] == {
        "id": "dense_0",
        "type": "Dense",
        "category": "linear",
        "in_features": 64,
        "units": 64,
    }
    conv_params = 5 * 5 * 1 * 16  # no bias next to batch normalization
    assert summary.layers["conv_0"].parameters == conv_params
    expected_pct = 100.0 * conv_params / model.count_params()
    assert summary.layers["conv_0"].pct_of_total == pytest.approx(expected_pct)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_builder_lstm_summary(bidirectional):
    config = ModelConfig(use_bidirectional=bidirectional, lstm_units=8, embedding_dim=16)
    model = ModelBuilder(config, TOKENS).build()
    summary = describe_model(model)
    assert_consistent(summary, model)
    assert summary.arch_type == "rnn"
    assert summary.input_shape == [12]
    assert (summary.vocabulary_size, summary.sequence_length) == (31, 12)
    assert summary.num_classes == 3
    nodes = nodes_by_id(summary)
    assert nodes["embedding"] == {
        "id": "embedding",
        "type": "Embedding",
        "category": "embedding",
        "input_dim": 31,
        "output_dim": 16,
    }
    recurrent = nodes["bidirectional_lstm" if bidirectional else "lstm"]
    assert recurrent["category"] == "recurrent"
    assert recurrent["type"] == ("Bidirectional" if bidirectional else "LSTM")
    assert (recurrent["input_size"], recurrent["units"]) == (16, 8)
    assert recurrent["bidirectional"] is bidirectional
    assert recurrent["return_sequences"] is False
    assert nodes["dense_0"]["in_features"] == (16 if bidirectional else 8)
    assert run_checks(summary) == []


def test_tiny_transformer_summary():
    model = tiny_transformer()
    summary = describe_model(model)
    assert_consistent(summary, model)
    assert summary.arch_type == "transformer"
    assert (summary.vocabulary_size, summary.sequence_length) == (50, 16)
    nodes = nodes_by_id(summary)
    assert nodes["mha"] == {
        "id": "mha",
        "type": "MultiHeadAttention",
        "category": "attention",
        "num_heads": 4,
        "key_dim": 8,
        "embed_dim": 32,
    }
    assert nodes["pos_embedding"] == {
        "id": "pos_embedding",
        "type": "Embedding",
        "category": "positional_embedding",
        "max_positions": 16,
    }
    assert nodes["token_embedding"]["category"] == "embedding"
    assert nodes["ln_0"]["kind"] == "layer" and nodes["ln_1"]["category"] == "normalization"
    assert nodes["pool"]["category"] == "pooling"
    assert nodes["mha"]["num_heads"] * nodes["mha"]["key_dim"] == nodes["mha"]["embed_dim"]
    # Pre-LN, 4 heads of 8 over 32 dims, 16 positions for 16 tokens: nothing to report.
    assert run_checks(summary) == []


def test_embedding_fed_a_computed_range_is_positional():
    summary = describe_model(tiny_transformer(position_name="extra", positions_from_range=True))
    nodes = nodes_by_id(summary)
    assert nodes["extra"]["category"] == "positional_embedding"
    assert nodes["extra"]["max_positions"] == 16
    assert nodes["token_embedding"]["category"] == "embedding"


def test_strided_depthwise_and_generic_models():
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2, name="dw"),
            keras.layers.GlobalMaxPooling2D(name="gmp"),
            keras.layers.Dense(4, name="out"),
        ]
    )
    summary = describe_model(model)
    assert_consistent(summary, model)
    dw = nodes_by_id(summary)["dw"]
    assert (dw["in_channels"], dw["out_channels"], dw["strides"]) == (3, 6, [2, 2])
    dense_only = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2, name="d")])
    generic = describe_model(dense_only)
    assert generic.arch_type == "generic" and generic.num_classes == 2
    assert run_checks(generic) == []


def test_builder_cnn_summaries_through_the_architecture_checks():
    # 3 conv blocks on 32x32 pool after each (32 -> 16 -> 8 -> 4): a healthy CNN.
    healthy = ModelBuilder(ModelConfig(num_layers_conv=3), InputSpec((32, 32, 3), 10, "image"))
    assert run_checks(describe_model(healthy.build())) == []
    # 3 blocks on 8x8 pool only while the map is at least 4 wide, so conv_2 runs unpooled;
    # one unpooled conv is no run.
    assert (
        run_checks(describe_model(ModelBuilder(ModelConfig(num_layers_conv=3), DIGITS).build()))
        == []
    )
    # 6 blocks on 8x8: conv_2..conv_5 run at 2x2 with no pooling (BN/act/dropout in between).
    deep = ModelConfig(num_layers_conv=6, batch_normalization=True, conv_dropout=0.1)
    issues = run_checks(describe_model(ModelBuilder(deep, DIGITS).build()))
    assert [(i.check, i.layer_id, i.metric_value) for i in issues] == [
        ("missing_pooling", "conv_2", 4)
    ]
    # One wide 7x7 conv on 32x32 grey images, flattened at 16x16: three problems at once.
    wide = ModelConfig(num_layers_conv=1, kernel_size=7, filters_per_conv_layer=64)
    summary = describe_model(ModelBuilder(wide, InputSpec((32, 32, 1), 10, "image")).build())
    found = {i.check: i for i in run_checks(summary)}
    assert sorted(found) == ["early_channel_explosion", "fc_dominates", "large_kernel"]
    assert found["fc_dominates"].layer_id == "dense_0"
    assert found["fc_dominates"].metric_value == pytest.approx(
        100.0 * (16 * 16 * 64 * 64 + 64) / summary.total_parameters
    )
    assert (found["large_kernel"].layer_id, found["large_kernel"].metric_value) == ("conv_0", 7)
    assert found["early_channel_explosion"].metric_value == 64


def test_architecture_json_written_before_versioning_still_loads():
    """Today's architecture.json has no schema_version; it loads as version 0, unchanged."""
    for old in (healthy_cnn_architecture(), healthy_rnn_architecture()):
        assert "schema_version" not in old
        summary = ArchitectureSummary.from_json(json.dumps(old))
        assert summary.schema_version == ArchitectureSummary.SCHEMA_VERSION
        assert summary.unknown_keys() == ()
        assert nodes_by_id(summary) == {n["id"]: n for n in old["layer_graph"]["nodes"]}
        assert summary.layer_graph.sequential_path == old["layer_graph"]["sequential_path"]
        assert {name: e.parameters for name, e in summary.layers.items()} == {
            name: e["parameters"] for name, e in old["layers"].items()
        }
    # PyTorch's spelling (seed 004): one number for a square stride, under `stride`.
    node = GraphNode.from_json({"id": "c", "category": "convolution", "stride": 2})
    assert node.strides == [2, 2]


def test_each_layer_records_its_per_sample_output_shape():
    inputs = keras.Input(shape=(12,), name="tokens")
    x = keras.layers.Embedding(31, 8, name="embedding")(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(5), name="bilstm")(x)
    outputs = keras.layers.Dense(3, name="predictions")(x)
    summary = describe_model(keras.Model(inputs, outputs))
    shapes = {name: entry.output_shape for name, entry in summary.layers.items()}
    # The batch axis is dropped; both directions of the LSTM are concatenated.
    assert shapes == {"embedding": [12, 8], "bilstm": [10], "predictions": [3]}
    conv = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.Flatten(name="flat"),
        ]
    )
    assert {n: e.output_shape for n, e in describe_model(conv).layers.items()} == {
        "conv": [6, 6, 4],
        "flat": [144],
    }


def test_a_layer_returning_several_tensors_has_no_output_shape():
    class Split(keras.layers.Layer):
        def call(self, x):
            return x[:, :2], x[:, 2:]

    inputs = keras.Input(shape=(4,))
    left, right = Split(name="split")(inputs)
    outputs = keras.layers.Dense(1, name="out")(
        keras.layers.Concatenate(name="join")([left, right])
    )
    layers = describe_model(keras.Model(inputs, outputs)).layers
    assert layers["split"].output_shape is None
    assert layers["join"].output_shape == [4] and layers["out"].output_shape == [1]
