"""The architecture view the dashboard draws: the Cytoscape graph (`visualization.cytoscape`),
seed 002's 3D layer boxes, and the forward signals the 3D view's forward-propagation
animation lights layers by (`visualization.forward_signals`).

Input is a trial's ``architecture.json`` as a `records.ArchitectureSummary` (a parsed JSON
object is validated into one; `visualization.layers` reads it into layers). The output is
typed (`ArchitectureView`); these records are the API's schema for the view, so OpenAPI (and
the dashboard's generated types) describe exactly what `build_view` makes.
`ArchitectureView.to_dict()` is the JSON ``GET /jobs/{id}/best-model`` and
``architecture_view.json`` carry.

Each box carries the graph node's ``label``, the layer's per-sample ``output_shape`` (None for
files written before describe_model recorded it) and ``bidirectional`` (the 3D view and
`visualization.diagram` draw both directions).

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

import math
from collections.abc import Sequence
from typing import Any

from pydantic import Field, computed_field

from healthopt.records import ArchitectureSummary, EpochRecord
from healthopt.visualization.cytoscape import CytoscapeGraph, cytoscape_elements, legend
from healthopt.visualization.forward_signals import ForwardSignal, forward_signals
from healthopt.visualization.layers import (
    Architecture,
    ModelLayer,
    ViewRecord,
    count_parameters,
    layer_label,
    model_layers,
    summary_of,
)

SCORE_BANDS = ((0.8, "#16a34a"), (0.6, "#eab308"), (0.4, "#f97316"), (0.0, "#dc2626"))
NO_SCORE_COLOR = "#9ca3af"
_OPACITY = {"dropout": 0.35, "activation": 0.55, "reshape": 0.55}
_OPACITY.update(pooling=0.75, normalization=0.75)
_DEFAULT_OPACITY = 0.95
_GAP = 0.5
_ARCH_TYPES = {"cnn": "CNN", "rnn": "LSTM"}
# The node field that gives a layer's width n, per category (see the module docstring).
_WIDTH_KEYS = {"convolution": "out_channels", "linear": "units", "recurrent": "units"}
_WIDTH_KEYS.update(embedding="output_dim", attention="embed_dim")


class LayerVisualization(ViewRecord):
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


class ArchitectureVisualization(ViewRecord):
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


class ArchitectureView(ViewRecord):
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


def build_view(
    architecture: Architecture,
    performance_score: float | None = None,
    health_score: float | None = None,
    epochs: Sequence[EpochRecord] | None = None,
) -> ArchitectureView:
    """The full view of one architecture.json, with forward signals from the trial's epoch
    records when given; ValueError when it lists no layers (or is not an architecture
    summary: `records.SchemaError`)."""
    summary = summary_of(architecture)
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


def architecture_visualization(
    architecture: Architecture,
    performance_score: float | None = None,
    health_score: float | None = None,
) -> ArchitectureVisualization:
    """The 3D view (seed 002's ModelVisualizer output) with the sizing rules of the module doc."""
    summary = summary_of(architecture)
    layers = model_layers(summary)
    total = count_parameters(summary, layers)
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
                label=layer_label(layer),
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


def _architecture_type(summary: ArchitectureSummary, layers: list[ModelLayer]) -> str:
    arch_type = summary.arch_type
    if arch_type is None:  # old files: infer with describe_model's precedence
        cats = {layer.category for layer in layers}
        arch_type = "rnn" if "recurrent" in cats else "cnn" if "convolution" in cats else "generic"
    return _ARCH_TYPES.get(arch_type.lower(), "Generic")


def _width_units(layer: ModelLayer) -> int | None:
    key = _WIDTH_KEYS.get(layer.category)
    n = getattr(layer.node, key) if key else None
    if n is None or n < 0:
        return None
    return 2 * n if layer.node.bidirectional else n  # both directions are concatenated


def _score(name: str, value: float | None) -> float | None:
    """A 0-1 score; None for a missing or non-finite one (JSON cannot carry NaN)."""
    if value is None or not math.isfinite(value := float(value)):
        return None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value}")
    return value
