"""Architecture view data for the dashboard: Cytoscape.js elements and 3D layer boxes.

Input is a trial's ``architecture.json`` as `healthopt.models.architecture.describe_model`
writes it; the output is plain JSON that ``GET /jobs/{id}/best-model`` serves. Old or partial
files are accepted: without ``layer_graph`` the nodes are rebuilt from ``layers`` (categories
guessed from the Keras class name), in file order.

3D sizing (every model layer is a box stacked along z; all rules are deterministic and
monotone). A layer's width n is its filters (convolution), units (linear; recurrent, doubled
when bidirectional since both directions are concatenated), output_dim (embedding), or
embed_dim (attention). Then ``width = 1 + 0.5*log2(1 + n)``; ``height = width`` for convolution
(a square feature-map slab) and ``1 + 0.25*log2(1 + n)`` for vector layers (a flatter bar).
Layers without an n (pooling, dropout, activation, reshape, normalization, ...) keep the
previous box's face, as they keep its shape; a leading one is 1 x 1.
``depth = 0.25 + 0.25*log10(1 + parameters)``. The first box is centred at z = 0 and each next
centre is half of both depths plus a 0.5 gap further, so z strictly increases and boxes never
overlap. ``color_intensity = 0.15 + 0.85*sqrt(parameters / total_parameters)`` (the square root
keeps a 1 % layer visible). Opacity is by category: dropout 0.35, activation and reshape 0.55,
pooling and normalization 0.75, everything else 0.95.

Score colours (performance = accuracy, health = composite health score, both 0-1): >= 0.8
green, >= 0.6 yellow, >= 0.4 orange, below red; a missing or non-finite score is grey.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import Any

SCORE_BANDS = ((0.8, "#16a34a"), (0.6, "#eab308"), (0.4, "#f97316"), (0.0, "#dc2626"))
NO_SCORE_COLOR = "#9ca3af"
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
_OPACITY = {"dropout": 0.35, "activation": 0.55, "reshape": 0.55}
_OPACITY.update(pooling=0.75, normalization=0.75)
_DEFAULT_OPACITY = 0.95
_GAP = 0.5
_ARCH_TYPES = {"cnn": "CNN", "rnn": "LSTM"}
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
# The node key that gives a layer's width n, per category (see the module docstring).
_WIDTH_KEYS = {"convolution": "out_channels", "linear": "units", "recurrent": "units"}
_WIDTH_KEYS.update(embedding="output_dim", attention="embed_dim")
# Node keys copied into Cytoscape data when present (out_channels goes in as "filters").
_DETAIL_KEYS = (
    *("units", "bidirectional", "return_sequences", "in_channels", "in_features", "kernel_size"),
    *("strides", "input_dim", "output_dim", "max_positions", "num_heads", "key_dim", "embed_dim"),
    *("kind", "output_shape"),
)


@dataclass(frozen=True)
class LayerVisualization:
    """One model layer as a box in the 3D view (sizes in scene units; rules in module doc)."""

    layer_id: str
    layer_type: str  # the Keras class name, e.g. "Conv2D"
    category: str  # describe_model's category, e.g. "convolution"
    position_z: float
    width: float
    height: float
    depth: float
    parameters: int
    filters: int | None
    kernel_size: tuple[int, ...] | None
    units: int | None
    color_intensity: float
    opacity: float

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["kernel_size"] = None if self.kernel_size is None else list(self.kernel_size)
        return data


@dataclass(frozen=True)
class ArchitectureVisualization:
    """The 3D view of a model: its boxes in order, scaling references and score colours."""

    architecture_type: str  # "CNN", "LSTM" (any recurrent model) or "Generic"
    layers: tuple[LayerVisualization, ...]
    total_parameters: int
    model_depth: int
    max_layer_width: float
    max_layer_height: float
    performance_score: float | None
    health_score: float | None

    @property
    def performance_color(self) -> str:
        return score_color(self.performance_score)

    @property
    def health_color(self) -> str:
        return score_color(self.health_score)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["layers"] = [layer.to_dict() for layer in self.layers]
        data.update(performance_color=self.performance_color, health_color=self.health_color)
        return data


@dataclass(frozen=True)
class ArchitectureView:
    """What the best-model endpoint serves: the Cytoscape graph plus the 3D view."""

    cytoscape: dict[str, list[dict[str, Any]]]  # {"elements": [...], "legend": [...]}
    visualization: ArchitectureVisualization

    def to_dict(self) -> dict[str, Any]:
        return {
            "cytoscape": copy.deepcopy(self.cytoscape),
            "visualization": self.visualization.to_dict(),
        }


def build_view(
    architecture: dict[str, Any],
    performance_score: float | None = None,
    health_score: float | None = None,
) -> ArchitectureView:
    """The full view of one architecture.json; ValueError when it lists no layers."""
    elements, entries = cytoscape_elements(architecture), legend(architecture)
    cytoscape: dict[str, list[dict[str, Any]]] = {"elements": elements, "legend": entries}
    visual = architecture_visualization(architecture, performance_score, health_score)
    return ArchitectureView(cytoscape=cytoscape, visualization=visual)


def score_color(score: float | None) -> str:
    """The hex colour of a 0-1 score's band (SCORE_BANDS); grey when there is no score."""
    if score is None or not math.isfinite(score):
        return NO_SCORE_COLOR
    return next((color for floor, color in SCORE_BANDS if score >= floor), SCORE_BANDS[-1][1])


def cytoscape_elements(architecture: dict[str, Any]) -> list[dict[str, Any]]:
    """Cytoscape.js elements: input, one node per layer, output, edges along the path."""
    nodes = _layer_nodes(architecture)
    total = _total_parameters(architecture, nodes)
    used = {node["id"] for node in nodes}
    input_id, output_id = _fresh("input", used), _fresh("output", used)
    classes = _int(architecture.get("num_classes"))
    elements = [_endpoint(input_id, "input", architecture.get("input_shape"))]
    elements += [{"data": _node_data(node, total), "classes": node["category"]} for node in nodes]
    elements.append(_endpoint(output_id, "output", None if classes is None else [classes]))
    chain = [input_id, *(node["id"] for node in nodes), output_id]
    for source, target in itertools.pairwise(chain):
        edge_id = _fresh(f"e_{source}_{target}", used)
        elements.append({"data": {"id": edge_id, "source": source, "target": target}})
    return elements


def legend(architecture: dict[str, Any]) -> list[dict[str, str]]:
    """The categories drawn for this model, in order of first appearance, with their colours."""
    present = ["input", *(node["category"] for node in _layer_nodes(architecture)), "output"]
    return [
        {"category": c, "label": c.replace("_", " ").title(), "color": CATEGORY_COLORS[c]}
        for c in dict.fromkeys(present)
    ]


def architecture_visualization(
    architecture: dict[str, Any],
    performance_score: float | None = None,
    health_score: float | None = None,
) -> ArchitectureVisualization:
    """The 3D view (seed 002's ModelVisualizer output) with the sizing rules of the module doc."""
    nodes = _layer_nodes(architecture)
    total = _total_parameters(architecture, nodes)
    boxes: list[LayerVisualization] = []
    face, z = (1.0, 1.0), 0.0
    for node in nodes:
        n = _width_units(node)
        if n is not None:
            width = 1.0 + 0.5 * math.log2(1 + n)
            vector = node["category"] != "convolution"
            face = (width, 1.0 + 0.25 * math.log2(1 + n) if vector else width)
        depth = 0.25 + 0.25 * math.log10(1 + node["parameters"])
        if boxes:
            z += boxes[-1].depth / 2 + _GAP + depth / 2
        kernel = node.get("kernel_size")
        share = min(node["parameters"] / total, 1.0) if total else 0.0
        boxes.append(
            LayerVisualization(
                layer_id=node["id"],
                layer_type=node["type"],
                category=node["category"],
                position_z=z,
                width=face[0],
                height=face[1],
                depth=depth,
                parameters=node["parameters"],
                filters=_int(node.get("out_channels")),
                kernel_size=tuple(int(k) for k in kernel) if isinstance(kernel, list) else None,
                units=_int(node.get("units")),
                color_intensity=0.15 + 0.85 * math.sqrt(share),
                opacity=_OPACITY.get(node["category"], _DEFAULT_OPACITY),
            )
        )
    return ArchitectureVisualization(
        architecture_type=_architecture_type(architecture, nodes),
        layers=tuple(boxes),
        total_parameters=total,
        model_depth=len(boxes),
        max_layer_width=max(box.width for box in boxes),
        max_layer_height=max(box.height for box in boxes),
        performance_score=_score("performance_score", performance_score),
        health_score=_score("health_score", health_score),
    )


def _layer_nodes(architecture: dict[str, Any]) -> list[dict[str, Any]]:
    """The layers in model order as graph nodes with `type`, `category` and `parameters` set."""
    if not isinstance(architecture, dict):
        raise ValueError("architecture must be a JSON object")
    stats = architecture.get("layers")
    stats = (
        {k: v for k, v in stats.items() if isinstance(v, dict)} if isinstance(stats, dict) else {}
    )
    graph = architecture.get("layer_graph")
    graph = graph if isinstance(graph, dict) else {}
    raw = [
        n for n in graph.get("nodes") or [] if isinstance(n, dict) and isinstance(n.get("id"), str)
    ]
    if not raw:
        raw = [{"id": name} for name in stats]
    if not raw:
        raise ValueError(
            "architecture has no layers: both 'layer_graph.nodes' and 'layers' are missing or empty"
        )
    by_id: dict[str, dict[str, Any]] = {}
    for node in raw:
        by_id.setdefault(node["id"], node)
    path = graph.get("sequential_path")
    path = [i for i in path if i in by_id] if isinstance(path, list) else []
    nodes = []
    for name in dict.fromkeys([*path, *by_id]):
        node = dict(by_id[name])
        node["type"] = str(node.get("type") or stats.get(name, {}).get("type") or "Layer")
        category = node.get("category") or _category_of(node["type"])
        node["category"] = category if category in CATEGORY_COLORS else "other"
        node["parameters"] = max(_int(stats.get(name, {}).get("parameters")) or 0, 0)
        nodes.append(node)
    return nodes


def _category_of(layer_type: str) -> str:
    hits = (cat for cat, hints in _TYPE_HINTS.items() if any(h in layer_type for h in hints))
    return next(hits, "other")


def _architecture_type(architecture: dict[str, Any], nodes: list[dict[str, Any]]) -> str:
    arch_type = architecture.get("arch_type")
    if arch_type is None:  # old files: infer with describe_model's precedence
        cats = {node["category"] for node in nodes}
        arch_type = "rnn" if "recurrent" in cats else "cnn" if "convolution" in cats else "generic"
    return _ARCH_TYPES.get(str(arch_type).lower(), "Generic")


def _total_parameters(architecture: dict[str, Any], nodes: list[dict[str, Any]]) -> int:
    total = _int(architecture.get("total_parameters"))
    return total if total is not None and total > 0 else sum(n["parameters"] for n in nodes)


def _width_units(node: dict[str, Any]) -> int | None:
    key = _WIDTH_KEYS.get(node["category"])
    n = _int(node.get(key)) if key else None
    if n is None or n < 0:
        return None
    return 2 * n if node.get("bidirectional") else n  # both directions are concatenated


def _node_data(node: dict[str, Any], total: int) -> dict[str, Any]:
    data = {
        "id": node["id"],
        "label": _label(node),
        "type": node["type"],
        "category": node["category"],
        "parameters": node["parameters"],
        "pct_of_total": 100.0 * node["parameters"] / total if total else 0.0,
        "color": CATEGORY_COLORS[node["category"]],
    }
    if node.get("out_channels") is not None:
        data["filters"] = node["out_channels"]
    data.update({k: node[k] for k in _DETAIL_KEYS if node.get(k) is not None})
    return data


def _label(node: dict[str, Any]) -> str:
    detail = ""
    if node.get("out_channels") is not None:
        kernel = "x".join(str(k) for k in node.get("kernel_size") or [])
        detail = f"{node['out_channels']} filters" + (f", {kernel}" if kernel else "")
    elif node.get("units") is not None:
        detail = f"{'2x' if node.get('bidirectional') else ''}{node['units']} units"
    elif node.get("input_dim") is not None and node.get("output_dim") is not None:
        detail = f"{node['input_dim']}->{node['output_dim']}"
    elif node.get("num_heads") is not None:
        detail = f"{node['num_heads']} heads"
    return f"{node['type']} ({detail})" if detail else node["type"]


def _endpoint(node_id: str, category: str, shape: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node_id, "label": category.title(), "type": category.title()}
    data.update(category=category, parameters=0, color=CATEGORY_COLORS[category])
    if isinstance(shape, list):
        data["output_shape"] = shape
    return {"data": data, "classes": category}


def _fresh(base: str, used: set[str]) -> str:
    """`base`, or `base` with underscores appended until no element uses it; then reserved."""
    while base in used:
        base += "_"
    used.add(base)
    return base


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if math.isfinite(value) else None


def _score(name: str, value: float | None) -> float | None:
    """A 0-1 score; None for a missing or non-finite one (JSON cannot carry NaN)."""
    if value is None or not math.isfinite(value := float(value)):
        return None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value}")
    return value
