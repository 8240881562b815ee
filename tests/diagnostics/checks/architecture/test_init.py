"""The architecture package as a whole: CHECKS lists every family's checks, and each
stays silent outside its own family."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks import architecture as arch_checks
from healthopt.diagnostics.checks.architecture import CHECKS
from healthopt.diagnostics.checks.architecture.cnn import check_fc_dominates
from healthopt.diagnostics.checks.architecture.rnn import check_num_layers
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input


def test_checks_lists_all_fourteen_in_order():
    names = [c.__name__ for c in CHECKS]
    assert names == [
        "check_fc_dominates",
        "check_conv_bottleneck",
        "check_missing_pooling",
        "check_large_kernel",
        "check_early_channel_explosion",
        "check_hidden_size_ratio",
        "check_num_layers",
        "check_bidirectional_usage",
        "check_sequence_length",
        "check_attention_head_count",
        "check_embedding_dimension",
        "check_position_encoding",
        "check_layer_norm_placement",
        "check_attention_entropy",
    ]
    assert all(getattr(arch_checks, c.__name__) is c for c in CHECKS)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_every_check_returns_nothing_on_empty_input(check):
    assert check(diagnostic_input(), DiagnosticThresholds()) == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_every_check_is_silent_on_healthy_architectures(
    check, cnn_architecture, rnn_architecture, run, transformer, attention_epochs
):
    epochs = attention_epochs([1.5, 1.4])
    for architecture in (cnn_architecture, rnn_architecture, transformer()):
        assert run(check, architecture, epochs) == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_every_check_survives_partial_architectures(check, run):
    broken_nodes = [
        {
            "id": "x",
            "category": "convolution",
            "kernel_size": None,
            "strides": [0, 1],
            "in_channels": None,
        },
        {"id": "r", "category": "recurrent", "units": None},
        {"id": "a", "category": "attention", "num_heads": 0, "embed_dim": None},
        {"id": "p", "category": "positional_embedding"},
        {"id": "q", "category": "no such category"},
    ]
    for arch_type in ("cnn", "rnn", "transformer"):
        for architecture in (
            {"arch_type": arch_type},
            {
                "arch_type": arch_type,
                "input_shape": None,
                "layers": {},
                "layer_graph": {"nodes": broken_nodes},
            },
        ):
            assert isinstance(run(check, architecture, [{}, {"layer_health": {}}]), list)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_generic_architecture_is_never_checked(check, cnn_architecture, run, set_params):
    generic = set_params(cnn_architecture, dense_0=10**6)  # would trip fc_dominates
    generic["arch_type"] = "generic"
    assert run(check, generic) == []


def test_cnn_checks_ignore_an_rnn_and_rnn_checks_ignore_a_cnn(
    cnn_architecture, rnn_architecture, run, set_params, lstm
):
    fc_heavy = set_params(cnn_architecture, dense_0=10**6)
    fc_heavy["arch_type"] = "rnn"
    assert run(check_fc_dominates, fc_heavy) == []
    deep = rnn_architecture
    deep["arch_type"] = "cnn"
    deep["layer_graph"]["nodes"] += [lstm(f"extra_{i}") for i in range(5)]
    deep["layer_graph"]["sequential_path"] = []
    assert run(check_num_layers, deep) == []
