"""Helpers for the architecture-check tests: run a check, craft and edit layer graphs.

They are fixtures that hand out functions (as `clone` does) because the tests are imported
with --import-mode=importlib and so cannot import a shared helper module. The healthy CNN and
RNN summaries are the `cnn_architecture` and `rnn_architecture` fixtures one level up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from healthopt.diagnostics.issues import Category, Issue
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds

Node = dict[str, Any]
Architecture = dict[str, Any]


def _run(
    check: Callable[[DiagnosticInput, DiagnosticThresholds], list[Issue]],
    architecture: Architecture | None,
    epochs: list[dict[str, Any]] | None = None,
    t: DiagnosticThresholds | None = None,
) -> list[Issue]:
    data = DiagnosticInput(epochs=epochs or [], architecture=architecture)
    return check(data, t or DiagnosticThresholds())


def _one(issues: list[Issue]) -> Issue:
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.category is Category.ARCHITECTURE
    assert issue.title and issue.description and issue.suggestion
    return issue


def _set_params(arch: Architecture, **params: int) -> Architecture:
    """Give layers new parameter counts and recompute totals and percentages."""
    for name, count in params.items():
        arch["layers"][name]["parameters"] = count
    total = sum(entry["parameters"] for entry in arch["layers"].values())
    arch["total_parameters"] = total
    for entry in arch["layers"].values():
        entry["pct_of_total"] = 100.0 * entry["parameters"] / total
    return arch


def _node(arch: Architecture, node_id: str) -> Node:
    return next(n for n in arch["layer_graph"]["nodes"] if n["id"] == node_id)


def _with_nodes(arch: Architecture, nodes: list[Node]) -> Architecture:
    arch["layer_graph"] = {"nodes": nodes, "sequential_path": [n["id"] for n in nodes]}
    arch["layers"] = {
        n["id"]: {"type": n["type"], "parameters": 0, "pct_of_total": 0.0} for n in nodes
    }
    return arch


def _conv(node_id: str, kernel=(3, 3), strides=(1, 1), cin=32, cout=32) -> Node:
    return {
        "id": node_id,
        "type": "Conv2D",
        "category": "convolution",
        "in_channels": cin,
        "out_channels": cout,
        "kernel_size": list(kernel),
        "strides": list(strides),
    }


def _simple(node_id: str, category: str, type_: str = "Layer", **extra: Any) -> Node:
    return {"id": node_id, "type": type_, "category": category, **extra}


def _lstm(node_id: str, units=32, size=64, bidirectional=False, seq=False) -> Node:
    return {
        "id": node_id,
        "type": "Bidirectional" if bidirectional else "LSTM",
        "category": "recurrent",
        "input_size": size,
        "units": units,
        "bidirectional": bidirectional,
        "return_sequences": seq,
    }


def _transformer(blocks: int = 2, pre_ln: bool = True) -> Architecture:
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
        _simple("embed_add", "other", "Add"),
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
            _simple(f"add_{b}a", "other", "Add"),
            {"id": f"ln_{b}b", **norm},
            _simple(f"ffn_{b}", "linear", "Dense", in_features=64, units=128),
            _simple(f"add_{b}b", "other", "Add"),
        ]
        if pre_ln:
            block.insert(0, {"id": f"ln_{b}a", **norm})
        else:
            block.append({"id": f"ln_{b}a", **norm})
        nodes += block
    nodes += [
        _simple("pool", "pooling", "GlobalAveragePooling1D"),
        _simple("predictions", "linear", "Dense", in_features=64, units=2),
    ]
    arch = {
        "arch_type": "transformer",
        "total_parameters": 0,
        "input_shape": [128],
        "num_classes": 2,
        "vocabulary_size": 5000,
        "sequence_length": 128,
    }
    return _with_nodes(arch, nodes)


def _attention_epochs(entropies: list[float | None]) -> list[dict[str, Any]]:
    return [
        {"epoch": k, "layer_health": {"layers": {"mha_0": {"attention_entropy": e}}}}
        for k, e in enumerate(entropies)
    ]


@pytest.fixture
def run():
    """run(check, architecture, epochs=None, t=None): the check's issues (default thresholds)."""
    return _run


@pytest.fixture
def one():
    """one(issues): the single issue, after asserting it is a complete architecture issue."""
    return _one


@pytest.fixture
def set_params():
    return _set_params


@pytest.fixture
def node():
    """node(arch, node_id): the layer-graph node with that id, to edit in place."""
    return _node


@pytest.fixture
def with_nodes():
    """with_nodes(arch, nodes): arch with its layer graph (and zero-parameter layers) replaced."""
    return _with_nodes


@pytest.fixture
def conv():
    return _conv


@pytest.fixture
def simple():
    return _simple


@pytest.fixture
def lstm():
    return _lstm


@pytest.fixture
def transformer():
    """transformer(blocks=2, pre_ln=True): a fresh healthy transformer summary."""
    return _transformer


@pytest.fixture
def attention_epochs():
    """attention_epochs([entropy, ...]): epochs recording mha_0's attention entropy."""
    return _attention_epochs
