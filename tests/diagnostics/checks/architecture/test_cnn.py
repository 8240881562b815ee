"""CNN architecture checks, on the healthy digits CNN with one thing changed."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks.architecture.cnn import (
    check_conv_bottleneck,
    check_early_channel_explosion,
    check_fc_dominates,
    check_large_kernel,
    check_missing_pooling,
)
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds


def test_fc_dominates_flags_the_dense_layer(cnn_architecture, run, one, set_params):
    arch = set_params(cnn_architecture, dense_0=1_000_000)
    issue = one(run(check_fc_dominates, arch))
    assert issue.check == "fc_dominates" and issue.severity is Severity.WARNING
    assert issue.layer_id == "dense_0" and issue.metric_key == "layers.dense_0.pct_of_total"
    assert issue.metric_value == pytest.approx(100 * 1_000_000 / (1_000_000 + 10_218))
    assert "99.0%" in issue.description


def test_fc_dominates_uses_parameters_when_pct_is_missing(cnn_architecture, run, one, set_params):
    arch = set_params(cnn_architecture, dense_0=1_000_000)
    del arch["layers"]["dense_0"]["pct_of_total"]
    assert one(run(check_fc_dominates, arch)).layer_id == "dense_0"


def test_fc_dominates_near_miss_and_threshold(cnn_architecture, run, one, set_params):
    # dense_0 at 90%: under the 92% default, over a 85% threshold.
    arch = set_params(cnn_architecture, dense_0=9 * 10_218)
    assert run(check_fc_dominates, arch) == []
    strict = DiagnosticThresholds(fc_dominance_pct=85.0)
    assert one(run(check_fc_dominates, arch, t=strict)).metric_value == pytest.approx(90.0)


def test_conv_bottleneck_flags_the_big_convolution(cnn_architecture, run, one, set_params):
    arch = set_params(cnn_architecture, conv_1=100_000)
    issue = one(run(check_conv_bottleneck, arch))
    assert issue.check == "conv_bottleneck" and issue.severity is Severity.WARNING
    assert issue.layer_id == "conv_1"
    assert issue.metric_value == pytest.approx(100 * 100_000 / (100_000 + 320 + 8256 + 650))


def test_conv_bottleneck_near_miss_and_threshold(cnn_architecture, run, one):
    # The healthy conv_1 holds 50.1% of the parameters.
    assert run(check_conv_bottleneck, cnn_architecture) == []
    strict = DiagnosticThresholds(conv_bottleneck_pct=50.0)
    assert one(run(check_conv_bottleneck, cnn_architecture, t=strict)).layer_id == "conv_1"


def test_missing_pooling_counts_convs_through_norm_activation_and_dropout(
    cnn_architecture, run, one, with_nodes, conv, simple
):
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


def test_missing_pooling_is_broken_by_pooling_or_a_strided_conv(
    cnn_architecture, run, with_nodes, conv, simple
):
    pooled = [conv("c0"), conv("c1"), simple("pool", "pooling"), conv("c2"), conv("c3")]
    assert run(check_missing_pooling, with_nodes(cnn_architecture, pooled)) == []
    strided = [conv("c0"), conv("c1"), conv("down", strides=(2, 2)), conv("c2"), conv("c3")]
    assert run(check_missing_pooling, with_nodes(cnn_architecture, strided)) == []
    assert run(check_missing_pooling, cnn_architecture) == []


def test_missing_pooling_threshold_and_one_issue_per_run(
    cnn_architecture, run, one, with_nodes, conv, simple
):
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


def test_large_kernel_on_a_small_input(cnn_architecture, run, one, node):
    node(cnn_architecture, "conv_0")["kernel_size"] = [7, 7]
    issue = one(run(check_large_kernel, cnn_architecture))
    assert issue.check == "large_kernel" and issue.severity is Severity.WARNING
    assert issue.layer_id == "conv_0" and issue.metric_value == 7
    assert "7x7" in issue.description and "8" in issue.description


def test_large_kernel_is_fine_on_large_inputs_and_factorised_kernels(
    cnn_architecture, run, one, node
):
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


def test_large_kernel_skips_unknown_spatial_size(cnn_architecture, run, node):
    node(cnn_architecture, "conv_0")["kernel_size"] = [7, 7]
    cnn_architecture["input_shape"] = [None, None, 3]
    assert run(check_large_kernel, cnn_architecture) == []


def test_early_channel_explosion(cnn_architecture, run, one, node):
    node(cnn_architecture, "conv_0")["out_channels"] = 64
    issue = one(run(check_early_channel_explosion, cnn_architecture))
    assert issue.check == "early_channel_explosion" and issue.severity is Severity.INFO
    assert issue.layer_id == "conv_0" and issue.metric_value == 64
    assert "1 to 64" in issue.description


def test_early_channel_explosion_only_for_thin_inputs_and_the_first_conv(
    cnn_architecture, run, one, node
):
    node(cnn_architecture, "conv_1")["out_channels"] = 256  # not the first conv
    assert run(check_early_channel_explosion, cnn_architecture) == []
    node(cnn_architecture, "conv_0").update(in_channels=16, out_channels=64)
    assert run(check_early_channel_explosion, cnn_architecture) == []
    # Without in_channels on the node, the input's channel axis is used.
    node(cnn_architecture, "conv_0").update(in_channels=None, out_channels=48)
    assert one(run(check_early_channel_explosion, cnn_architecture)).metric_value == 48
    wide = DiagnosticThresholds(early_channel_max=48)
    assert run(check_early_channel_explosion, cnn_architecture, t=wide) == []
