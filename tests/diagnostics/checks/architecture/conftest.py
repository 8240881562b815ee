"""Helpers for the architecture-check tests: run a check, craft and edit layer graphs.

They are fixtures that hand out functions (as `clone` does). The healthy summaries come from
`tests/builders.py`: the CNN and RNN as the `cnn_architecture` and `rnn_architecture` fixtures
one level up, the transformer as `transformer` here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from healthopt.diagnostics.issues import Category, Issue
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input, healthy_transformer_architecture

Node = dict[str, Any]
Architecture = dict[str, Any]


def _run(
    check: Callable[[DiagnosticInput, DiagnosticThresholds], list[Issue]],
    architecture: Architecture | None,
    epochs: list[dict[str, Any]] | None = None,
    t: DiagnosticThresholds | None = None,
) -> list[Issue]:
    data = diagnostic_input(epochs=epochs or [], architecture=architecture)
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
    return healthy_transformer_architecture(blocks, pre_ln)


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
