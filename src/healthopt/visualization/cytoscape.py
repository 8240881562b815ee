"""The architecture as Cytoscape.js elements: input, one node per layer, output, the edges
along the model's path, and the legend of the categories drawn.

Node data carries a layer's GraphNode keys plus what the dashboard draws it with (label,
colour, share of the parameters); the JSON leaves out the details a layer does not have.
"""

from __future__ import annotations

import itertools

from pydantic import ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from healthopt.records import Finite, GraphNode
from healthopt.visualization.layers import (
    CATEGORY_COLORS,
    Architecture,
    ModelLayer,
    ViewRecord,
    count_parameters,
    layer_label,
    model_layers,
    summary_of,
)

# Node fields copied into Cytoscape data when set (out_channels goes in as "filters").
_DETAIL_KEYS = (
    *("units", "bidirectional", "return_sequences", "in_channels", "in_features", "kernel_size"),
    *("strides", "input_dim", "output_dim", "max_positions", "num_heads", "key_dim", "embed_dim"),
    "kind",
)


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


class CytoscapeEdgeData(ViewRecord):
    id: str
    source: str
    target: str


class CytoscapeNode(ViewRecord):
    data: CytoscapeNodeData
    classes: str = Field(description="the node's category, for the stylesheet")


class CytoscapeEdge(ViewRecord):
    data: CytoscapeEdgeData


class LegendEntry(ViewRecord):
    category: str
    label: str
    color: str


class CytoscapeGraph(ViewRecord):
    """Cytoscape.js elements (input, the layers along the model's path, output, and the edges
    between them) and the legend of the categories drawn."""

    elements: list[CytoscapeNode | CytoscapeEdge]
    legend: list[LegendEntry]


def cytoscape_elements(architecture: Architecture) -> list[CytoscapeNode | CytoscapeEdge]:
    """Cytoscape.js elements: input, one node per layer, output, edges along the path."""
    summary = summary_of(architecture)
    layers = model_layers(summary)
    total = count_parameters(summary, layers)
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
    present = [
        "input",
        *(layer.category for layer in model_layers(summary_of(architecture))),
        "output",
    ]
    return [
        LegendEntry(category=c, label=c.replace("_", " ").title(), color=CATEGORY_COLORS[c])
        for c in dict.fromkeys(present)
    ]


def _node_data(layer: ModelLayer, total: int) -> CytoscapeNodeData:
    node = layer.node
    details = {key: getattr(node, key) for key in _DETAIL_KEYS}
    return CytoscapeNodeData(
        id=layer.id,
        label=layer_label(layer),
        type=layer.type,
        category=layer.category,
        parameters=layer.parameters,
        pct_of_total=100.0 * layer.parameters / total if total else 0.0,
        color=CATEGORY_COLORS[layer.category],
        filters=node.out_channels,
        **details,
    )


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
