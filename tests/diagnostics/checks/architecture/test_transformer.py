"""Transformer architecture checks, on a healthy small transformer with one thing changed."""

from __future__ import annotations

from healthopt.diagnostics.checks.architecture.transformer import (
    check_attention_entropy,
    check_attention_head_count,
    check_embedding_dimension,
    check_layer_norm_placement,
    check_position_encoding,
)
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds


def test_attention_head_count_uneven_split(run, one, node, transformer):
    arch = transformer()
    node(arch, "mha_1").update(num_heads=3, key_dim=None)
    issue = one(run(check_attention_head_count, arch))
    assert issue.check == "attention_head_count" and issue.severity is Severity.WARNING
    assert issue.layer_id == "mha_1" and issue.metric_value == 64
    assert "21.33" in issue.description


def test_attention_head_count_key_dim_mismatch(run, one, node, transformer):
    arch = transformer()
    node(arch, "mha_0")["key_dim"] = 64  # 4 heads x 64 = 256 for a width of 64
    issue = one(run(check_attention_head_count, arch))
    assert issue.layer_id == "mha_0" and issue.metric_key == "layer_graph.nodes.key_dim"
    assert issue.metric_value == 64 and "256" in issue.description


def test_embedding_dimension_oversized(run, one, node, transformer):
    arch = transformer()
    node(arch, "token_embedding").update(input_dim=100, output_dim=256)
    issue = one(run(check_embedding_dimension, arch))
    assert issue.check == "embedding_dimension" and issue.severity is Severity.INFO
    assert issue.layer_id == "token_embedding" and issue.metric_value == 256
    assert (
        run(check_embedding_dimension, arch, t=DiagnosticThresholds(embedding_vocab_ratio=3.0))
        == []
    )


def test_embedding_dimension_uses_the_vocabulary_size_when_the_node_lacks_it(
    run, one, node, transformer
):
    arch = transformer()
    node(arch, "token_embedding").update(input_dim=None, output_dim=128)
    arch["vocabulary_size"] = 64
    assert one(run(check_embedding_dimension, arch)).metric_value == 128
    arch["vocabulary_size"] = 128  # equal is not oversized
    assert run(check_embedding_dimension, arch) == []


def test_position_encoding_too_short_is_critical(run, one, node, transformer):
    arch = transformer()
    node(arch, "pos_embedding")["max_positions"] = 64
    issue = one(run(check_position_encoding, arch))
    assert issue.check == "position_encoding" and issue.severity is Severity.CRITICAL
    assert issue.layer_id == "pos_embedding" and issue.metric_value == 64
    assert "64..127" in issue.description


def test_position_encoding_missing_is_a_warning(run, one, with_nodes, transformer):
    arch = transformer()
    arch = with_nodes(arch, [n for n in arch["layer_graph"]["nodes"] if n["id"] != "pos_embedding"])
    issue = one(run(check_position_encoding, arch))
    assert issue.severity is Severity.WARNING and issue.layer_id is None
    assert issue.metric_value == 0


def test_position_encoding_accepts_a_custom_position_layer(run, with_nodes, simple, transformer):
    arch = transformer()
    nodes = [n for n in arch["layer_graph"]["nodes"] if n["id"] != "pos_embedding"]
    nodes.insert(1, simple("sine", "other", "SinePositionEncoding"))
    assert run(check_position_encoding, with_nodes(arch, nodes)) == []


def test_layer_norm_missing(run, one, with_nodes, transformer):
    arch = transformer()
    arch = with_nodes(
        arch, [n for n in arch["layer_graph"]["nodes"] if n["category"] != "normalization"]
    )
    issue = one(run(check_layer_norm_placement, arch))
    assert issue.check == "layer_norm_placement" and issue.severity is Severity.WARNING
    assert issue.layer_id == "mha_0" and issue.metric_value == 0


def test_layer_norm_post_ln_warns_only_in_deep_stacks(run, one, transformer):
    assert run(check_layer_norm_placement, transformer(blocks=5, pre_ln=False)) == []
    assert run(check_layer_norm_placement, transformer(blocks=8, pre_ln=True)) == []
    issue = one(run(check_layer_norm_placement, transformer(blocks=6, pre_ln=False)))
    assert issue.severity is Severity.WARNING and issue.layer_id == "mha_0"
    assert issue.metric_value == 6 and "post-LN" in issue.description


def test_layer_norm_post_ln_depth_threshold(run, one, transformer):
    shallower = DiagnosticThresholds(post_ln_deep_attention=5)
    issue = one(run(check_layer_norm_placement, transformer(blocks=5, pre_ln=False), t=shallower))
    assert issue.metric_value == 5 and "deep from 5" in issue.description
    deeper = DiagnosticThresholds(post_ln_deep_attention=7)
    assert run(check_layer_norm_placement, transformer(blocks=6, pre_ln=False), t=deeper) == []


def test_layer_norm_batch_norm_does_not_count(run, one, transformer):
    arch = transformer()
    for n in arch["layer_graph"]["nodes"]:
        if n["category"] == "normalization":
            n.update(type="BatchNormalization", kind="batch")
    assert one(run(check_layer_norm_placement, arch)).metric_value == 0


def test_attention_entropy_low_in_the_last_epoch(run, one, transformer, attention_epochs):
    epochs = attention_epochs([1.2, 0.6, 0.05])
    issue = one(run(check_attention_entropy, transformer(), epochs))
    assert issue.check == "attention_entropy" and issue.severity is Severity.WARNING
    assert issue.layer_id == "mha_0" and issue.epoch_index == 2
    assert issue.metric_value == 0.05
    assert issue.metric_key == "layer_health.layers.mha_0.attention_entropy"


def test_attention_entropy_reads_the_last_epoch_that_reports_it(
    run, one, transformer, attention_epochs
):
    # Low early, recovered later: fine. Missing at the end: the last reported value counts.
    assert run(check_attention_entropy, transformer(), attention_epochs([0.01, 0.8])) == []
    issue = one(run(check_attention_entropy, transformer(), attention_epochs([0.8, 0.02, None])))
    assert issue.epoch_index == 1 and issue.metric_value == 0.02


def test_attention_entropy_threshold_and_absent_data(run, one, transformer, attention_epochs):
    epochs = attention_epochs([0.3])
    assert run(check_attention_entropy, transformer(), epochs) == []
    strict = DiagnosticThresholds(attention_entropy_min=0.5)
    assert one(run(check_attention_entropy, transformer(), epochs, t=strict)).metric_value == 0.3
    assert run(check_attention_entropy, transformer(), [{"epoch": 0}]) == []
    assert run(check_attention_entropy, transformer(), []) == []
