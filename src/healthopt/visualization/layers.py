"""A trial's architecture.json read as its model's layers in order, for the views drawn of it.

Shared by the Cytoscape graph (`visualization.cytoscape`) and the 3D boxes
(`visualization.architecture`): the summary validated, each layer's graph node with its type,
category and parameters resolved, the model's parameter total, and a layer's one-line label.
Old or partial files are accepted: without ``layer_graph`` the nodes are rebuilt from
``layers`` (categories guessed from the Keras class name), in file order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict

from healthopt.records import ArchitectureSummary, GraphNode, Record

CATEGORY_COLORS: dict[str, str] = {
    "input": "#6b7280",
    "convolution": "#2563eb",
    "pooling": "#0891b2",
    "linear": "#16a34a",
    "recurrent": "#9333ea",
    "embedding": "#db2777",
    "positional_embedding": "#f472b6",
    "attention": "#ea580c",
    "normalization": "#a16207",
    "dropout": "#94a3b8",
    "activation": "#facc15",
    "reshape": "#475569",
    "other": "#78716c",
    "output": "#111827",
}

# Keras class-name fragments per category, for files without layer_graph; first match wins.
_TYPE_HINTS: dict[str, tuple[str, ...]] = {
    "dropout": ("Dropout", "GaussianNoise"),
    "pooling": ("Pool",),
    "convolution": ("Conv",),
    "attention": ("Attention",),
    "embedding": ("Embedding",),
    "recurrent": ("LSTM", "GRU", "RNN", "Bidirectional"),
    "linear": ("Dense",),
    "normalization": ("Normalization",),
    "reshape": ("Flatten", "Reshape", "Permute", "RepeatVector"),
    "activation": ("Activation", "ReLU", "ELU", "Softmax"),
}


class ViewRecord(Record):
    """A record the view builds: keys it does not know mean nothing, so they are dropped (and
    the API schema, hence the dashboard's types, admits no others)."""

    model_config = ConfigDict(**{**Record.model_config, "extra": "ignore"})


@dataclass(frozen=True)
class ModelLayer:
    """One layer in model order: its graph node, resolved type and category, parameters."""

    node: GraphNode
    type: str
    category: str
    parameters: int

    @property
    def id(self) -> str:
        return self.node.id


Architecture = ArchitectureSummary | Mapping[str, Any]


def summary_of(architecture: Architecture) -> ArchitectureSummary:
    """The summary itself, or a parsed architecture.json validated into one."""
    if isinstance(architecture, ArchitectureSummary):
        return architecture
    if not isinstance(architecture, Mapping):
        raise ValueError("architecture must be a JSON object")
    return ArchitectureSummary.from_json(architecture)


def model_layers(summary: ArchitectureSummary) -> list[ModelLayer]:
    """The layers in model order, each with its type, category and parameters resolved."""
    stats = summary.layers
    nodes = summary.layer_graph.nodes or [GraphNode(id=name) for name in stats]
    if not nodes:
        raise ValueError(
            "architecture has no layers: both 'layer_graph.nodes' and 'layers' are missing or empty"
        )
    by_id: dict[str, GraphNode] = {}
    for node in nodes:
        by_id.setdefault(node.id, node)
    path = [i for i in summary.layer_graph.sequential_path if i in by_id]
    layers = []
    for name in dict.fromkeys([*path, *by_id]):
        node, entry = by_id[name], stats.get(name)
        kind = node.type or (entry.type if entry else None) or "Layer"
        category = node.category or _category_of(kind)
        parameters = (entry.parameters if entry else None) or 0
        layers.append(
            ModelLayer(
                node=node,
                type=kind,
                category=category if category in CATEGORY_COLORS else "other",
                parameters=max(parameters, 0),
            )
        )
    return layers


def _category_of(layer_type: str) -> str:
    hits = (cat for cat, hints in _TYPE_HINTS.items() if any(h in layer_type for h in hints))
    return next(hits, "other")


def count_parameters(summary: ArchitectureSummary, layers: list[ModelLayer]) -> int:
    total = summary.total_parameters
    return total if total is not None and total > 0 else sum(layer.parameters for layer in layers)


def layer_label(layer: ModelLayer) -> str:
    node, detail = layer.node, ""
    if node.out_channels is not None:
        kernel = "x".join(str(k) for k in node.kernel_size or [])
        detail = f"{node.out_channels} filters" + (f", {kernel}" if kernel else "")
    elif node.units is not None:
        detail = f"{'2x' if node.bidirectional else ''}{node.units} units"
    elif node.input_dim is not None and node.output_dim is not None:
        detail = f"{node.input_dim}->{node.output_dim}"
    elif node.num_heads is not None:
        detail = f"{node.num_heads} heads"
    return f"{layer.type} ({detail})" if detail else layer.type
