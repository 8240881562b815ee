"""RNN architecture checks, on the healthy BiLSTM text classifier with one thing changed."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks.architecture.rnn import (
    check_bidirectional_usage,
    check_hidden_size_ratio,
    check_num_layers,
    check_sequence_length,
)
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds


def test_hidden_size_ratio(rnn_architecture, run, one, node):
    node(rnn_architecture, "bidirectional_lstm").update(input_size=8, units=128)
    issue = one(run(check_hidden_size_ratio, rnn_architecture))
    assert issue.check == "hidden_size_ratio" and issue.severity is Severity.INFO
    assert issue.layer_id == "bidirectional_lstm" and issue.metric_value == pytest.approx(16.0)


def test_hidden_size_ratio_near_miss_and_threshold(rnn_architecture, run, one, node):
    node(rnn_architecture, "bidirectional_lstm").update(input_size=8, units=64)  # exactly 8x
    assert run(check_hidden_size_ratio, rnn_architecture) == []
    strict = DiagnosticThresholds(rnn_hidden_input_ratio=4.0)
    assert one(run(check_hidden_size_ratio, rnn_architecture, t=strict)).metric_value == 8.0


def test_num_layers(rnn_architecture, run, one, lstm):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes[1:1] = [lstm(f"lstm_{i}", seq=True) for i in range(4)]
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    issue = one(run(check_num_layers, rnn_architecture))
    assert issue.check == "num_layers" and issue.severity is Severity.WARNING
    assert issue.metric_value == 5 and issue.layer_id == "bidirectional_lstm"
    assert run(check_num_layers, rnn_architecture, t=DiagnosticThresholds(rnn_max_layers=5)) == []


def test_num_layers_at_the_limit_is_fine(rnn_architecture, run, lstm):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes[1:1] = [lstm(f"lstm_{i}", seq=True) for i in range(3)]
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_num_layers, rnn_architecture) == []


def test_bidirectional_stack_on_short_sequences(rnn_architecture, run, one, lstm):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes.insert(1, lstm("bilstm_0", bidirectional=True, seq=True))
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_bidirectional_usage, rnn_architecture) == []  # 100 steps: fine
    rnn_architecture["sequence_length"] = 12
    issue = one(run(check_bidirectional_usage, rnn_architecture))
    assert issue.check == "bidirectional_usage" and issue.severity is Severity.INFO
    assert issue.layer_id == "bidirectional_lstm" and issue.metric_value == 12


def test_bidirectional_stack_threshold(rnn_architecture, run, one, lstm):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes.insert(1, lstm("bilstm_0", bidirectional=True, seq=True))
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    rnn_architecture["sequence_length"] = 19  # just under the default of 20
    assert one(run(check_bidirectional_usage, rnn_architecture)).metric_value == 19
    shorter = DiagnosticThresholds(bidirectional_short_sequence=19)
    assert run(check_bidirectional_usage, rnn_architecture, t=shorter) == []


def test_bidirectional_sequence_output_flattened(rnn_architecture, run, one, node, simple):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    node(rnn_architecture, "bidirectional_lstm")["return_sequences"] = True
    nodes[2:2] = [simple("drop", "dropout"), simple("flatten", "reshape", "Flatten")]
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    issue = one(run(check_bidirectional_usage, rnn_architecture))
    assert issue.layer_id == "bidirectional_lstm" and "flatten" in issue.description


def test_bidirectional_sequence_output_into_pooling_or_dense_is_fine(
    rnn_architecture, run, node, simple
):
    node(rnn_architecture, "bidirectional_lstm")["return_sequences"] = True
    assert run(check_bidirectional_usage, rnn_architecture) == []  # a tagger's Dense
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes.insert(2, simple("pool", "pooling", "GlobalAveragePooling1D"))
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_bidirectional_usage, rnn_architecture) == []


def test_sequence_length_too_long_for_plain_lstm(rnn_architecture, run, one):
    rnn_architecture["sequence_length"] = 500
    issue = one(run(check_sequence_length, rnn_architecture))
    assert issue.check == "sequence_length" and issue.severity is Severity.WARNING
    assert issue.layer_id == "bidirectional_lstm" and issue.metric_value == 500
    assert issue.metric_key == "sequence_length"
    longer = DiagnosticThresholds(rnn_long_sequence=500)
    assert run(check_sequence_length, rnn_architecture, t=longer) == []


def test_sequence_length_falls_back_to_the_input_shape(rnn_architecture, run, one):
    rnn_architecture.update(sequence_length=None, input_shape=[300, 4])
    assert one(run(check_sequence_length, rnn_architecture)).metric_value == 300


def test_sequence_length_with_attention_is_fine(rnn_architecture, run, simple):
    rnn_architecture["sequence_length"] = 500
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes.insert(2, simple("attention", "attention", "Attention", num_heads=1))
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_sequence_length, rnn_architecture) == []
