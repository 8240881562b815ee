from __future__ import annotations

from typing import Any

import pytest

from healthopt.diagnostics.checks import architecture as arch_checks
from healthopt.diagnostics.checks.architecture import (
    CHECKS,
    check_attention_entropy,
    check_attention_head_count,
    check_bidirectional_usage,
    check_conv_bottleneck,
    check_early_channel_explosion,
    check_embedding_dimension,
    check_fc_dominates,
    check_hidden_size_ratio,
    check_large_kernel,
    check_layer_norm_placement,
    check_missing_pooling,
    check_num_layers,
    check_position_encoding,
    check_sequence_length,
)
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds

T = DiagnosticThresholds()


def run(check, architecture: dict[str, Any] | None, epochs=None, t=T):
    return check(DiagnosticInput(epochs=epochs or [], architecture=architecture), t)


def one(issues):
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.category is Category.ARCHITECTURE
    assert issue.title and issue.description and issue.suggestion
    return issue


def set_params(arch: dict[str, Any], **params: int) -> dict[str, Any]:
    """Give layers new parameter counts and recompute totals and percentages."""
    for name, count in params.items():
        arch["layers"][name]["parameters"] = count
    total = sum(entry["parameters"] for entry in arch["layers"].values())
    arch["total_parameters"] = total
    for entry in arch["layers"].values():
        entry["pct_of_total"] = 100.0 * entry["parameters"] / total
    return arch


def node(arch: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in arch["layer_graph"]["nodes"] if n["id"] == node_id)


def with_nodes(arch: dict[str, Any], nodes: list[dict[str, Any]]) -> dict[str, Any]:
    arch["layer_graph"] = {"nodes": nodes, "sequential_path": [n["id"] for n in nodes]}
    arch["layers"] = {
        n["id"]: {"type": n["type"], "parameters": 0, "pct_of_total": 0.0} for n in nodes
    }
    return arch


def conv(node_id: str, kernel=(3, 3), strides=(1, 1), cin=32, cout=32) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "Conv2D",
        "category": "convolution",
        "in_channels": cin,
        "out_channels": cout,
        "kernel_size": list(kernel),
        "strides": list(strides),
    }


def simple(node_id: str, category: str, type_: str = "Layer", **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "type": type_, "category": category, **extra}


def lstm(node_id: str, units=32, size=64, bidirectional=False, seq=False) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "Bidirectional" if bidirectional else "LSTM",
        "category": "recurrent",
        "input_size": size,
        "units": units,
        "bidirectional": bidirectional,
        "return_sequences": seq,
    }


def transformer(blocks: int = 2, pre_ln: bool = True) -> dict[str, Any]:
    """A healthy small text transformer: vocab 5000, width 64, 4 heads of 16, 128 tokens."""
    nodes = [
        {
            "id": "token_embedding",
            "type": "Embedding",
            "category": "embedding",
            "input_dim": 5000,
            "output_dim": 64,
        },
        {
            "id": "pos_embedding",
            "type": "Embedding",
            "category": "positional_embedding",
            "max_positions": 128,
        },
        simple("embed_add", "other", "Add"),
    ]
    norm = {"type": "LayerNormalization", "category": "normalization", "kind": "layer"}
    for b in range(blocks):
        attention = {
            "id": f"mha_{b}",
            "type": "MultiHeadAttention",
            "category": "attention",
            "num_heads": 4,
            "key_dim": 16,
            "embed_dim": 64,
        }
        block = [
            attention,
            simple(f"add_{b}a", "other", "Add"),
            {"id": f"ln_{b}b", **norm},
            simple(f"ffn_{b}", "linear", "Dense", in_features=64, units=128),
            simple(f"add_{b}b", "other", "Add"),
        ]
        if pre_ln:
            block.insert(0, {"id": f"ln_{b}a", **norm})
        else:
            block.append({"id": f"ln_{b}a", **norm})
        nodes += block
    nodes += [
        simple("pool", "pooling", "GlobalAveragePooling1D"),
        simple("predictions", "linear", "Dense", in_features=64, units=2),
    ]
    arch = {
        "arch_type": "transformer",
        "total_parameters": 0,
        "input_shape": [128],
        "num_classes": 2,
        "vocabulary_size": 5000,
        "sequence_length": 128,
    }
    return with_nodes(arch, nodes)


def attention_epochs(entropies: list[float | None]) -> list[dict[str, Any]]:
    return [
        {"epoch": k, "layer_health": {"layers": {"mha_0": {"attention_entropy": e}}}}
        for k, e in enumerate(entropies)
    ]


# --- all checks ---------------------------------------------------------------------------


def test_checks_lists_all_fourteen_in_order():
    names = [c.__name__ for c in CHECKS]
    assert len(names) == 14 and len(set(names)) == 14
    assert all(hasattr(arch_checks, name) for name in names)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_every_check_returns_nothing_on_empty_input(check):
    assert check(DiagnosticInput(), T) == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_every_check_is_silent_on_healthy_architectures(check, cnn_architecture, rnn_architecture):
    epochs = attention_epochs([1.5, 1.4])
    for architecture in (cnn_architecture, rnn_architecture, transformer()):
        assert run(check, architecture, epochs) == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_every_check_survives_partial_architectures(check):
    broken_nodes = [
        {
            "id": "x",
            "category": "convolution",
            "kernel_size": None,
            "strides": "?",
            "in_channels": None,
        },
        {"category": "recurrent", "units": float("nan")},
        {"id": "a", "category": "attention", "num_heads": 0, "embed_dim": None},
        {"id": "p", "category": "positional_embedding"},
        "not a node",
    ]
    for arch_type in ("cnn", "rnn", "transformer"):
        for architecture in (
            {"arch_type": arch_type},
            {
                "arch_type": arch_type,
                "input_shape": None,
                "layers": None,
                "layer_graph": {"nodes": broken_nodes},
            },
        ):
            assert isinstance(run(check, architecture, [{}, {"layer_health": None}]), list)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_generic_architecture_is_never_checked(check, cnn_architecture):
    generic = set_params(cnn_architecture, dense_0=10**6)  # would trip fc_dominates
    generic["arch_type"] = "generic"
    assert run(check, generic) == []


def test_cnn_checks_ignore_an_rnn_and_rnn_checks_ignore_a_cnn(cnn_architecture, rnn_architecture):
    fc_heavy = set_params(cnn_architecture, dense_0=10**6)
    fc_heavy["arch_type"] = "rnn"
    assert run(check_fc_dominates, fc_heavy) == []
    deep = rnn_architecture
    deep["arch_type"] = "cnn"
    deep["layer_graph"]["nodes"] += [lstm(f"extra_{i}") for i in range(5)]
    deep["layer_graph"]["sequential_path"] = None
    assert run(check_num_layers, deep) == []


# --- CNN ----------------------------------------------------------------------------------


def test_fc_dominates_flags_the_dense_layer(cnn_architecture):
    arch = set_params(cnn_architecture, dense_0=1_000_000)
    issue = one(run(check_fc_dominates, arch))
    assert issue.check == "fc_dominates" and issue.severity is Severity.WARNING
    assert issue.layer_id == "dense_0" and issue.metric_key == "layers.dense_0.pct_of_total"
    assert issue.metric_value == pytest.approx(100 * 1_000_000 / (1_000_000 + 10_218))
    assert "99.0%" in issue.description


def test_fc_dominates_uses_parameters_when_pct_is_missing(cnn_architecture):
    arch = set_params(cnn_architecture, dense_0=1_000_000)
    del arch["layers"]["dense_0"]["pct_of_total"]
    assert one(run(check_fc_dominates, arch)).layer_id == "dense_0"


def test_fc_dominates_near_miss_and_threshold(cnn_architecture):
    # dense_0 at 90%: under the 92% default, over a 85% threshold.
    arch = set_params(cnn_architecture, dense_0=9 * 10_218)
    assert run(check_fc_dominates, arch) == []
    strict = DiagnosticThresholds(fc_dominance_pct=85.0)
    assert one(run(check_fc_dominates, arch, t=strict)).metric_value == pytest.approx(90.0)


def test_conv_bottleneck_flags_the_big_convolution(cnn_architecture):
    arch = set_params(cnn_architecture, conv_1=100_000)
    issue = one(run(check_conv_bottleneck, arch))
    assert issue.check == "conv_bottleneck" and issue.severity is Severity.WARNING
    assert issue.layer_id == "conv_1"
    assert issue.metric_value == pytest.approx(100 * 100_000 / (100_000 + 320 + 8256 + 650))


def test_conv_bottleneck_near_miss_and_threshold(cnn_architecture):
    # The healthy conv_1 holds 50.1% of the parameters.
    assert run(check_conv_bottleneck, cnn_architecture) == []
    strict = DiagnosticThresholds(conv_bottleneck_pct=50.0)
    assert one(run(check_conv_bottleneck, cnn_architecture, t=strict)).layer_id == "conv_1"


def test_missing_pooling_counts_convs_through_norm_activation_and_dropout(cnn_architecture):
    nodes = [
        conv("c0", cin=1),
        simple("bn0", "normalization", kind="batch"),
        simple("act0", "activation"),
        conv("c1"),
        simple("drop", "dropout"),
        conv("c2"),
        simple("pool", "pooling"),
        conv("c3"),
        simple("flat", "reshape"),
        simple("out", "linear", units=10),
    ]
    issue = one(run(check_missing_pooling, with_nodes(cnn_architecture, nodes)))
    assert issue.check == "missing_pooling" and issue.severity is Severity.WARNING
    assert issue.layer_id == "c0" and issue.metric_value == 3
    assert "c0, c1, c2" in issue.description


def test_missing_pooling_is_broken_by_pooling_or_a_strided_conv(cnn_architecture):
    pooled = [conv("c0"), conv("c1"), simple("pool", "pooling"), conv("c2"), conv("c3")]
    assert run(check_missing_pooling, with_nodes(cnn_architecture, pooled)) == []
    strided = [conv("c0"), conv("c1"), conv("down", strides=(2, 2)), conv("c2"), conv("c3")]
    assert run(check_missing_pooling, with_nodes(cnn_architecture, strided)) == []
    assert run(check_missing_pooling, cnn_architecture) == []


def test_missing_pooling_threshold_and_one_issue_per_run(cnn_architecture):
    nodes = [
        conv("a0"),
        conv("a1"),
        simple("pool", "pooling"),
        conv("b0"),
        conv("b1"),
        conv("b2"),
        conv("b3"),
        simple("gap", "pooling"),
    ]
    arch = with_nodes(cnn_architecture, nodes)
    issue = one(run(check_missing_pooling, arch))
    assert (issue.layer_id, issue.metric_value) == ("b0", 4)
    loose = run(check_missing_pooling, arch, t=DiagnosticThresholds(missing_pooling_convs=2))
    assert [(i.layer_id, i.metric_value) for i in loose] == [("a0", 2), ("b0", 4)]


def test_large_kernel_on_a_small_input(cnn_architecture):
    node(cnn_architecture, "conv_0")["kernel_size"] = [7, 7]
    issue = one(run(check_large_kernel, cnn_architecture))
    assert issue.check == "large_kernel" and issue.severity is Severity.WARNING
    assert issue.layer_id == "conv_0" and issue.metric_value == 7
    assert "7x7" in issue.description and "8" in issue.description


def test_large_kernel_is_fine_on_large_inputs_and_factorised_kernels(cnn_architecture):
    node(cnn_architecture, "conv_0")["kernel_size"] = [7, 7]
    cnn_architecture["input_shape"] = [224, 224, 3]
    assert run(check_large_kernel, cnn_architecture) == []
    cnn_architecture["input_shape"] = [28, 28, 1]
    node(cnn_architecture, "conv_0")["kernel_size"] = [1, 7]
    assert run(check_large_kernel, cnn_architecture) == []
    node(cnn_architecture, "conv_0")["kernel_size"] = 5  # an int kernel, below the limit
    assert run(check_large_kernel, cnn_architecture) == []
    smaller = DiagnosticThresholds(large_kernel_size=5)
    assert one(run(check_large_kernel, cnn_architecture, t=smaller)).metric_value == 5


def test_large_kernel_skips_unknown_spatial_size(cnn_architecture):
    node(cnn_architecture, "conv_0")["kernel_size"] = [7, 7]
    cnn_architecture["input_shape"] = [None, None, 3]
    assert run(check_large_kernel, cnn_architecture) == []


def test_early_channel_explosion(cnn_architecture):
    node(cnn_architecture, "conv_0")["out_channels"] = 64
    issue = one(run(check_early_channel_explosion, cnn_architecture))
    assert issue.check == "early_channel_explosion" and issue.severity is Severity.INFO
    assert issue.layer_id == "conv_0" and issue.metric_value == 64
    assert "1 to 64" in issue.description


def test_early_channel_explosion_only_for_thin_inputs_and_the_first_conv(cnn_architecture):
    node(cnn_architecture, "conv_1")["out_channels"] = 256  # not the first conv
    assert run(check_early_channel_explosion, cnn_architecture) == []
    node(cnn_architecture, "conv_0").update(in_channels=16, out_channels=64)
    assert run(check_early_channel_explosion, cnn_architecture) == []
    # Without in_channels on the node, the input's channel axis is used.
    node(cnn_architecture, "conv_0").update(in_channels=None, out_channels=48)
    assert one(run(check_early_channel_explosion, cnn_architecture)).metric_value == 48
    wide = DiagnosticThresholds(early_channel_max=48)
    assert run(check_early_channel_explosion, cnn_architecture, t=wide) == []


# --- RNN ----------------------------------------------------------------------------------


def test_hidden_size_ratio(rnn_architecture):
    node(rnn_architecture, "bidirectional_lstm").update(input_size=8, units=128)
    issue = one(run(check_hidden_size_ratio, rnn_architecture))
    assert issue.check == "hidden_size_ratio" and issue.severity is Severity.INFO
    assert issue.layer_id == "bidirectional_lstm" and issue.metric_value == pytest.approx(16.0)


def test_hidden_size_ratio_near_miss_and_threshold(rnn_architecture):
    node(rnn_architecture, "bidirectional_lstm").update(input_size=8, units=64)  # exactly 8x
    assert run(check_hidden_size_ratio, rnn_architecture) == []
    strict = DiagnosticThresholds(rnn_hidden_input_ratio=4.0)
    assert one(run(check_hidden_size_ratio, rnn_architecture, t=strict)).metric_value == 8.0


def test_num_layers(rnn_architecture):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes[1:1] = [lstm(f"lstm_{i}", seq=True) for i in range(4)]
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    issue = one(run(check_num_layers, rnn_architecture))
    assert issue.check == "num_layers" and issue.severity is Severity.WARNING
    assert issue.metric_value == 5 and issue.layer_id == "bidirectional_lstm"
    assert run(check_num_layers, rnn_architecture, t=DiagnosticThresholds(rnn_max_layers=5)) == []


def test_num_layers_at_the_limit_is_fine(rnn_architecture):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes[1:1] = [lstm(f"lstm_{i}", seq=True) for i in range(3)]
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_num_layers, rnn_architecture) == []


def test_bidirectional_stack_on_short_sequences(rnn_architecture):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes.insert(1, lstm("bilstm_0", bidirectional=True, seq=True))
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_bidirectional_usage, rnn_architecture) == []  # 100 steps: fine
    rnn_architecture["sequence_length"] = 12
    issue = one(run(check_bidirectional_usage, rnn_architecture))
    assert issue.check == "bidirectional_usage" and issue.severity is Severity.INFO
    assert issue.layer_id == "bidirectional_lstm" and issue.metric_value == 12


def test_bidirectional_sequence_output_flattened(rnn_architecture):
    nodes = rnn_architecture["layer_graph"]["nodes"]
    node(rnn_architecture, "bidirectional_lstm")["return_sequences"] = True
    nodes[2:2] = [simple("drop", "dropout"), simple("flatten", "reshape", "Flatten")]
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    issue = one(run(check_bidirectional_usage, rnn_architecture))
    assert issue.layer_id == "bidirectional_lstm" and "flatten" in issue.description


def test_bidirectional_sequence_output_into_pooling_or_dense_is_fine(rnn_architecture):
    node(rnn_architecture, "bidirectional_lstm")["return_sequences"] = True
    assert run(check_bidirectional_usage, rnn_architecture) == []  # a tagger's Dense
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes.insert(2, simple("pool", "pooling", "GlobalAveragePooling1D"))
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_bidirectional_usage, rnn_architecture) == []


def test_sequence_length_too_long_for_plain_lstm(rnn_architecture):
    rnn_architecture["sequence_length"] = 500
    issue = one(run(check_sequence_length, rnn_architecture))
    assert issue.check == "sequence_length" and issue.severity is Severity.WARNING
    assert issue.layer_id == "bidirectional_lstm" and issue.metric_value == 500
    assert issue.metric_key == "sequence_length"
    longer = DiagnosticThresholds(rnn_long_sequence=500)
    assert run(check_sequence_length, rnn_architecture, t=longer) == []


def test_sequence_length_falls_back_to_the_input_shape(rnn_architecture):
    rnn_architecture.update(sequence_length=None, input_shape=[300, 4])
    assert one(run(check_sequence_length, rnn_architecture)).metric_value == 300


def test_sequence_length_with_attention_is_fine(rnn_architecture):
    rnn_architecture["sequence_length"] = 500
    nodes = rnn_architecture["layer_graph"]["nodes"]
    nodes.insert(2, simple("attention", "attention", "Attention", num_heads=1))
    rnn_architecture["layer_graph"]["sequential_path"] = [n["id"] for n in nodes]
    assert run(check_sequence_length, rnn_architecture) == []


# --- Transformer --------------------------------------------------------------------------


def test_attention_head_count_uneven_split():
    arch = transformer()
    node(arch, "mha_1").update(num_heads=3, key_dim=None)
    issue = one(run(check_attention_head_count, arch))
    assert issue.check == "attention_head_count" and issue.severity is Severity.WARNING
    assert issue.layer_id == "mha_1" and issue.metric_value == 64
    assert "21.33" in issue.description


def test_attention_head_count_key_dim_mismatch():
    arch = transformer()
    node(arch, "mha_0")["key_dim"] = 64  # 4 heads x 64 = 256 for a width of 64
    issue = one(run(check_attention_head_count, arch))
    assert issue.layer_id == "mha_0" and issue.metric_key == "layer_graph.nodes.key_dim"
    assert issue.metric_value == 64 and "256" in issue.description


def test_embedding_dimension_oversized():
    arch = transformer()
    node(arch, "token_embedding").update(input_dim=100, output_dim=256)
    issue = one(run(check_embedding_dimension, arch))
    assert issue.check == "embedding_dimension" and issue.severity is Severity.INFO
    assert issue.layer_id == "token_embedding" and issue.metric_value == 256
    assert (
        run(check_embedding_dimension, arch, t=DiagnosticThresholds(embedding_vocab_ratio=3.0))
        == []
    )


def test_embedding_dimension_uses_the_vocabulary_size_when_the_node_lacks_it():
    arch = transformer()
    node(arch, "token_embedding").update(input_dim=None, output_dim=128)
    arch["vocabulary_size"] = 64
    assert one(run(check_embedding_dimension, arch)).metric_value == 128
    arch["vocabulary_size"] = 128  # equal is not oversized
    assert run(check_embedding_dimension, arch) == []


def test_position_encoding_too_short_is_critical():
    arch = transformer()
    node(arch, "pos_embedding")["max_positions"] = 64
    issue = one(run(check_position_encoding, arch))
    assert issue.check == "position_encoding" and issue.severity is Severity.CRITICAL
    assert issue.layer_id == "pos_embedding" and issue.metric_value == 64
    assert "64..127" in issue.description


def test_position_encoding_missing_is_a_warning():
    arch = transformer()
    arch = with_nodes(arch, [n for n in arch["layer_graph"]["nodes"] if n["id"] != "pos_embedding"])
    issue = one(run(check_position_encoding, arch))
    assert issue.severity is Severity.WARNING and issue.layer_id is None
    assert issue.metric_value == 0


def test_position_encoding_accepts_a_custom_position_layer():
    arch = transformer()
    nodes = [n for n in arch["layer_graph"]["nodes"] if n["id"] != "pos_embedding"]
    nodes.insert(1, simple("sine", "other", "SinePositionEncoding"))
    assert run(check_position_encoding, with_nodes(arch, nodes)) == []


def test_layer_norm_missing():
    arch = transformer()
    arch = with_nodes(
        arch, [n for n in arch["layer_graph"]["nodes"] if n["category"] != "normalization"]
    )
    issue = one(run(check_layer_norm_placement, arch))
    assert issue.check == "layer_norm_placement" and issue.severity is Severity.WARNING
    assert issue.layer_id == "mha_0" and issue.metric_value == 0


def test_layer_norm_post_ln_warns_only_in_deep_stacks():
    assert run(check_layer_norm_placement, transformer(blocks=5, pre_ln=False)) == []
    assert run(check_layer_norm_placement, transformer(blocks=8, pre_ln=True)) == []
    issue = one(run(check_layer_norm_placement, transformer(blocks=6, pre_ln=False)))
    assert issue.severity is Severity.WARNING and issue.layer_id == "mha_0"
    assert issue.metric_value == 6 and "post-LN" in issue.description


def test_layer_norm_batch_norm_does_not_count():
    arch = transformer()
    for n in arch["layer_graph"]["nodes"]:
        if n["category"] == "normalization":
            n.update(type="BatchNormalization", kind="batch")
    assert one(run(check_layer_norm_placement, arch)).metric_value == 0


def test_attention_entropy_low_in_the_last_epoch():
    epochs = attention_epochs([1.2, 0.6, 0.05])
    issue = one(run(check_attention_entropy, transformer(), epochs))
    assert issue.check == "attention_entropy" and issue.severity is Severity.WARNING
    assert issue.layer_id == "mha_0" and issue.epoch_index == 2
    assert issue.metric_value == 0.05
    assert issue.metric_key == "layer_health.layers.mha_0.attention_entropy"


def test_attention_entropy_reads_the_last_epoch_that_reports_it():
    # Low early, recovered later: fine. Missing at the end: the last reported value counts.
    assert run(check_attention_entropy, transformer(), attention_epochs([0.01, 0.8])) == []
    issue = one(run(check_attention_entropy, transformer(), attention_epochs([0.8, 0.02, None])))
    assert issue.epoch_index == 1 and issue.metric_value == 0.02


def test_attention_entropy_threshold_and_absent_data():
    epochs = attention_epochs([0.3])
    assert run(check_attention_entropy, transformer(), epochs) == []
    strict = DiagnosticThresholds(attention_entropy_min=0.5)
    assert one(run(check_attention_entropy, transformer(), epochs, t=strict)).metric_value == 0.3
    assert run(check_attention_entropy, transformer(), [{"epoch": 0}]) == []
    assert run(check_attention_entropy, transformer(), []) == []
