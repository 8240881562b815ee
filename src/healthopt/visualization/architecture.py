"""Architecture view data for the dashboard: Cytoscape.js elements, 3D layer boxes and the
forward signals the 3D view's forward-propagation animation lights layers by.

Input is a trial's ``architecture.json`` as a `records.ArchitectureSummary` (a parsed JSON
object is validated into one). The output is typed (`ArchitectureView`: a `CytoscapeGraph`
and an `ArchitectureVisualization`); these records are the API's schema for the view, so
OpenAPI (and the dashboard's generated types) describe exactly what `build_view` makes.
`ArchitectureView.to_dict()` is the JSON ``GET /jobs/{id}/best-model`` and
``architecture_view.json`` carry (node data leaves out the details a layer does not have).
Old or partial files are accepted: without ``layer_graph`` the nodes are rebuilt from
``layers`` (categories guessed from the Keras class name), in file order.

Each box also carries the graph node's ``label``, the layer's per-sample ``output_shape``
(None for files written before describe_model recorded it) and ``bidirectional`` (the 3D view
and `visualization.diagram` draw both directions). Given the trial's epoch records,
``forward_signals`` holds per-layer measurements (`visualization.forward_signals`).

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

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import (
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    computed_field,
    model_serializer,
)

from healthopt.records import ArchitectureSummary, EpochRecord, Finite, GraphNode, Record
from healthopt.visualization.forward_signals import ForwardSignal, forward_signals

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
# The node field that gives a layer's width n, per category (see the module docstring).
_WIDTH_KEYS = {"convolution": "out_channels", "linear": "units", "recurrent": "units"}
_WIDTH_KEYS.update(embedding="output_dim", attention="embed_dim")
# Node fields copied into Cytoscape data when set (out_channels goes in as "filters").
_DETAIL_KEYS = (
    *("units", "bidirectional", "return_sequences", "in_channels", "in_features", "kernel_size"),
    *("strides", "input_dim", "output_dim", "max_positions", "num_heads", "key_dim", "embed_dim"),
    "kind",
)


class _ViewRecord(Record):
    """A record the view builds: keys it does not know mean nothing, so they are dropped (and
    the API schema, hence the dashboard's types, admits no others)."""

    model_config = ConfigDict(**{**Record.model_config, "extra": "ignore"})


class CytoscapeNodeData(GraphNode):
    """A node of the graph: a layer's GraphNode keys plus what the view adds to draw it. The
    input and output endpoints are nodes too, with no share of the parameters. Only the
    details the layer has are set; the JSON leaves the others out."""

    model_config = ConfigDict(**{**GraphNode.model_config, "extra": "ignore"})

    type: str
    category: str
    label: str
    parameters: int
    pct_of_total: Finite = Field(None, description="share of the model's parameters, 0-100")
    color: str
    filters: int | None = Field(None, description="out_channels, for convolutions")
    output_shape: list[int | None] | None = Field(
        None, description="endpoints only: the input shape, or [classes]"
    )

    # The return type stays unannotated: pydantic would describe the annotation instead of
    # the fields in the JSON schema the dashboard's types are generated from.
    @model_serializer(mode="wrap")
    def _without_absent_keys(self, handler: SerializerFunctionWrapHandler):
        return {key: value for key, value in handler(self).items() if value is not None}


class CytoscapeEdgeData(_ViewRecord):
    id: str
    source: str
    target: str


class CytoscapeNode(_ViewRecord):
    data: CytoscapeNodeData
    classes: str = Field(description="the node's category, for the stylesheet")


class CytoscapeEdge(_ViewRecord):
    data: CytoscapeEdgeData


class LegendEntry(_ViewRecord):
    category: str
    label: str
    color: str


class CytoscapeGraph(_ViewRecord):
    """Cytoscape.js elements (input, the layers along the model's path, output, and the edges
    between them) and the legend of the categories drawn."""

    elements: list[CytoscapeNode | CytoscapeEdge]
    legend: list[LegendEntry]


class LayerVisualization(_ViewRecord):
    """One model layer as a box in the 3D view (sizes in scene units; the sizing rules are in
    healthopt.visualization.architecture's docstring)."""

    layer_id: str
    layer_type: str = Field(description='the Keras class name, e.g. "Conv2D"')
    label: str = Field(description='the graph node\'s label, e.g. "Conv2D (32 filters, 3x3)"')
    category: str = Field(description='describe_model\'s category, e.g. "convolution"')
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
    output_shape: list[int | None] | None = Field(
        description="one sample's output shape (no batch axis); null when not recorded"
    )
    bidirectional: bool = Field(description="a recurrent layer read in both directions")


class ArchitectureVisualization(_ViewRecord):
    """The 3D view of a model: its boxes in order, scaling references and score colours."""

    architecture_type: str = Field(description='"CNN", "LSTM" (any recurrent model) or "Generic"')
    layers: tuple[LayerVisualization, ...]
    total_parameters: int
    model_depth: int
    max_layer_width: float
    max_layer_height: float
    performance_score: float | None
    health_score: float | None

    # Computed from the scores, so they are served but never read back (extras are ignored).
    @computed_field  # type: ignore[prop-decorator]
    @property
    def performance_color(self) -> str:
        return score_color(self.performance_score)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def health_color(self) -> str:
        return score_color(self.health_score)


class ArchitectureView(_ViewRecord):
    """What the dashboard draws of a model: the Cytoscape graph, the 3D view, and the
    measured per-layer signals its forward-propagation animation can play."""

    cytoscape: CytoscapeGraph
    visualization: ArchitectureVisualization
    forward_signals: list[ForwardSignal] = Field(
        default=[], description="empty when the trial recorded no per-layer measurement"
    )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (a fresh object each call)."""
        return self.to_json()


@dataclass(frozen=True)
class _Layer:
    """One layer in model order: its graph node, resolved type and category, parameters."""

    node: GraphNode
    type: str
    category: str
    parameters: int

    @property
    def id(self) -> str:
        return self.node.id


Architecture = ArchitectureSummary | Mapping[str, Any]


def build_view(
    architecture: Architecture,
    performance_score: float | None = None,
    health_score: float | None = None,
    epochs: Sequence[EpochRecord] | None = None,
) -> ArchitectureView:
    """The full view of one architecture.json, with forward signals from the trial's epoch
    records when given; ValueError when it lists no layers (or is not an architecture
    summary: `records.SchemaError`)."""
    summary = _summary(architecture)
    cytoscape = CytoscapeGraph(elements=cytoscape_elements(summary), legend=legend(summary))
    visual = architecture_visualization(summary, performance_score, health_score)
    layer_ids = {box.layer_id for box in visual.layers}
    signals = forward_signals(epochs, layer_ids) if epochs else []
    return ArchitectureView(cytoscape=cytoscape, visualization=visual, forward_signals=signals)


def score_color(score: float | None) -> str:
    """The hex colour of a 0-1 score's band (SCORE_BANDS); grey when there is no score."""
    if score is None or not math.isfinite(score):
        return NO_SCORE_COLOR
    return next((color for floor, color in SCORE_BANDS if score >= floor), SCORE_BANDS[-1][1])


def cytoscape_elements(architecture: Architecture) -> list[CytoscapeNode | CytoscapeEdge]:
    """Cytoscape.js elements: input, one node per layer, output, edges along the path."""
    summary = _summary(architecture)
    layers = _layers(summary)
    total = _total_parameters(summary, layers)
    used = {layer.id for layer in layers}
    input_id, output_id = _fresh("input", used), _fresh("output", used)
    classes = summary.num_classes
    elements: list[CytoscapeNode | CytoscapeEdge] = [
        _endpoint(input_id, "input", summary.input_shape)
    ]
    elements += [
        CytoscapeNode(data=_node_data(layer, total), classes=layer.category) for layer in layers
    ]
    elements.append(_endpoint(output_id, "output", None if classes is None else [classes]))
    chain = [input_id, *(layer.id for layer in layers), output_id]
    for source, target in itertools.pairwise(chain):
        edge_id = _fresh(f"e_{source}_{target}", used)
        elements.append(
            CytoscapeEdge(data=CytoscapeEdgeData(id=edge_id, source=source, target=target))
        )
    return elements


def legend(architecture: Architecture) -> list[LegendEntry]:
    """The categories drawn for this model, in order of first appearance, with their colours."""
    present = ["input", *(layer.category for layer in _layers(_summary(architecture))), "output"]
    return [
        LegendEntry(category=c, label=c.replace("_", " ").title(), color=CATEGORY_COLORS[c])
        for c in dict.fromkeys(present)
    ]


def architecture_visualization(
    architecture: Architecture,
    performance_score: float | None = None,
    health_score: float | None = None,
) -> ArchitectureVisualization:
    """The 3D view (seed 002's ModelVisualizer output) with the sizing rules of the module doc."""
    summary = _summary(architecture)
    layers = _layers(summary)
    total = _total_parameters(summary, layers)
    boxes: list[LayerVisualization] = []
    face, z = (1.0, 1.0), 0.0
    for layer in layers:
        n = _width_units(layer)
        if n is not None:
            width = 1.0 + 0.5 * math.log2(1 + n)
            vector = layer.category != "convolution"
            face = (width, 1.0 + 0.25 * math.log2(1 + n) if vector else width)
        depth = 0.25 + 0.25 * math.log10(1 + layer.parameters)
        if boxes:
            z += boxes[-1].depth / 2 + _GAP + depth / 2
        kernel = layer.node.kernel_size
        share = min(layer.parameters / total, 1.0) if total else 0.0
        stats = summary.layers.get(layer.id)
        boxes.append(
            LayerVisualization(
                layer_id=layer.id,
                layer_type=layer.type,
                label=_label(layer),
                category=layer.category,
                position_z=z,
                width=face[0],
                height=face[1],
                depth=depth,
                parameters=layer.parameters,
                filters=layer.node.out_channels,
                kernel_size=None if kernel is None else tuple(kernel),
                units=layer.node.units,
                color_intensity=0.15 + 0.85 * math.sqrt(share),
                opacity=_OPACITY.get(layer.category, _DEFAULT_OPACITY),
                output_shape=stats.output_shape if stats else None,
                # Old files without layer_graph still name the wrapper class.
                bidirectional=bool(layer.node.bidirectional) or layer.type == "Bidirectional",
            )
        )
    return ArchitectureVisualization(
        architecture_type=_architecture_type(summary, layers),
        layers=tuple(boxes),
        total_parameters=total,
        model_depth=len(boxes),
        max_layer_width=max(box.width for box in boxes),
        max_layer_height=max(box.height for box in boxes),
        performance_score=_score("performance_score", performance_score),
        health_score=_score("health_score", health_score),
    )


def _summary(architecture: Architecture) -> ArchitectureSummary:
    """The summary itself, or a parsed architecture.json validated into one."""
    if isinstance(architecture, ArchitectureSummary):
        return architecture
    if not isinstance(architecture, Mapping):
        raise ValueError("architecture must be a JSON object")
    return ArchitectureSummary.from_json(architecture)


def _layers(summary: ArchitectureSummary) -> list[_Layer]:
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
            _Layer(
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


def _architecture_type(summary: ArchitectureSummary, layers: list[_Layer]) -> str:
    arch_type = summary.arch_type
    if arch_type is None:  # old files: infer with describe_model's precedence
        cats = {layer.category for layer in layers}
        arch_type = "rnn" if "recurrent" in cats else "cnn" if "convolution" in cats else "generic"
    return _ARCH_TYPES.get(arch_type.lower(), "Generic")


def _total_parameters(summary: ArchitectureSummary, layers: list[_Layer]) -> int:
    total = summary.total_parameters
    return total if total is not None and total > 0 else sum(layer.parameters for layer in layers)


def _width_units(layer: _Layer) -> int | None:
    key = _WIDTH_KEYS.get(layer.category)
    n = getattr(layer.node, key) if key else None
    if n is None or n < 0:
        return None
    return 2 * n if layer.node.bidirectional else n  # both directions are concatenated


def _node_data(layer: _Layer, total: int) -> CytoscapeNodeData:
    node = layer.node
    details = {key: getattr(node, key) for key in _DETAIL_KEYS}
    return CytoscapeNodeData(
        id=layer.id,
        label=_label(layer),
        type=layer.type,
        category=layer.category,
        parameters=layer.parameters,
        pct_of_total=100.0 * layer.parameters / total if total else 0.0,
        color=CATEGORY_COLORS[layer.category],
        filters=node.out_channels,
        **details,
    )


def _label(layer: _Layer) -> str:
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


def _endpoint(node_id: str, category: str, shape: list[int | None] | None) -> CytoscapeNode:
    data = CytoscapeNodeData(
        id=node_id,
        label=category.title(),
        type=category.title(),
        category=category,
        parameters=0,
        color=CATEGORY_COLORS[category],
        output_shape=shape,
    )
    return CytoscapeNode(data=data, classes=category)


def _fresh(base: str, used: set[str]) -> str:
    """`base`, or `base` with underscores appended until no element uses it; then reserved."""
    while base in used:
        base += "_"
    used.add(base)
    return base


def _score(name: str, value: float | None) -> float | None:
    """A 0-1 score; None for a missing or non-finite one (JSON cannot carry NaN)."""
    if value is None or not math.isfinite(value := float(value)):
        return None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value}")
    return value
