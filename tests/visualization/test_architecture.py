"""Architecture view data: Cytoscape elements, legend and 3D boxes on crafted and real files."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from healthopt.records import GraphNode, SchemaError
from healthopt.visualization import (
    CATEGORY_COLORS,
    NO_SCORE_COLOR,
    ArchitectureView,
    CytoscapeEdge,
    CytoscapeNode,
    CytoscapeNodeData,
    architecture_visualization,
    build_view,
    cytoscape_elements,
    legend,
    score_color,
)

from ..builders import healthy_cnn_architecture, healthy_cnn_summary

DATA = Path(__file__).parent / "data"
GREEN, YELLOW, ORANGE, RED = "#16a34a", "#eab308", "#f97316", "#dc2626"


def _arch(arch_type: str | None, nodes: list[dict[str, Any]], params: dict[str, int]) -> dict:
    """An architecture.json shaped like describe_model's output."""
    total = sum(params.values())
    return {
        "arch_type": arch_type,
        "total_parameters": total,
        "input_shape": [28, 28, 1],
        "num_classes": 10,
        "layers": {
            n["id"]: {
                "type": n["type"],
                "parameters": params.get(n["id"], 0),
                "pct_of_total": 100.0 * params.get(n["id"], 0) / total,
            }
            for n in nodes
        },
        "layer_graph": {"nodes": nodes, "sequential_path": [n["id"] for n in nodes]},
    }


def _conv(name: str, filters: int, kernel: int) -> dict[str, Any]:
    return {
        "id": name,
        "type": "Conv2D",
        "category": "convolution",
        "in_channels": 1,
        "out_channels": filters,
        "kernel_size": [kernel, kernel],
        "strides": [1, 1],
    }


def _dense(name: str, units: int) -> dict[str, Any]:
    return {"id": name, "type": "Dense", "category": "linear", "in_features": 8, "units": units}


CNN = _arch(
    "cnn",
    [
        _conv("conv_a", 16, 3),
        {"id": "pool_a", "type": "MaxPooling2D", "category": "pooling"},
        _conv("conv_b", 32, 3),
        {"id": "flatten", "type": "Flatten", "category": "reshape"},
        _dense("dense", 64),
        {"id": "dropout", "type": "Dropout", "category": "dropout"},
        _dense("predictions", 10),
    ],
    {"conv_a": 160, "conv_b": 4640, "dense": 8256, "predictions": 650},
)
LSTM = _arch(
    "rnn",
    [
        {
            "id": "embedding",
            "type": "Embedding",
            "category": "embedding",
            "input_dim": 1000,
            "output_dim": 64,
        },
        {
            "id": "bilstm",
            "type": "Bidirectional",
            "category": "recurrent",
            "input_size": 64,
            "units": 32,
            "bidirectional": True,
            "return_sequences": False,
        },
        _dense("predictions", 3),
    ],
    {"embedding": 64000, "bilstm": 24832, "predictions": 195},
)
GENERIC = _arch(
    "generic",
    [_dense("hidden", 128), _dense("predictions", 10)],
    {"hidden": 8320, "predictions": 1290},
)


def _elements(architecture: dict) -> list[dict[str, Any]]:
    """The Cytoscape elements as the JSON the dashboard reads."""
    return [element.to_json() for element in cytoscape_elements(architecture)]


def _legend(architecture: dict) -> list[dict[str, Any]]:
    return [entry.to_json() for entry in legend(architecture)]


def _boxes(architecture: dict) -> dict[str, Any]:
    return {box.layer_id: box for box in architecture_visualization(architecture).layers}


def _assert_valid_cytoscape(elements: list[dict[str, Any]]) -> None:
    ids = [e["data"]["id"] for e in elements]
    assert len(ids) == len(set(ids))
    nodes = {e["data"]["id"] for e in elements if "source" not in e["data"]}
    edges = [e["data"] for e in elements if "source" in e["data"]]
    assert all(edge["source"] in nodes and edge["target"] in nodes for edge in edges)
    json.dumps(elements, allow_nan=False)


def _classes(elements: list[dict[str, Any]]) -> dict[str, str]:
    """Each node id with its classes (edges have none)."""
    return {e["data"]["id"]: e["classes"] for e in elements if "source" not in e["data"]}


def _chain(elements: list[dict[str, Any]]) -> list[str]:
    """Node ids walked from the input along the edges."""
    step = {e["data"]["source"]: e["data"]["target"] for e in elements if "source" in e["data"]}
    path = ["input"]
    while path[-1] in step:
        path.append(step[path[-1]])
    return path


# --- 3D boxes -------------------------------------------------------------------------------


def test_cnn_boxes_follow_the_sizing_rules() -> None:
    boxes = _boxes(CNN)
    assert boxes["conv_a"].width == pytest.approx(1 + 0.5 * math.log2(17))
    assert boxes["conv_a"].height == boxes["conv_a"].width  # a square feature-map slab
    assert boxes["conv_b"].width > boxes["conv_a"].width  # more filters -> wider
    # Shape-keeping layers repeat the face of the layer before them.
    assert (boxes["pool_a"].width, boxes["pool_a"].height) == (
        boxes["conv_a"].width,
        boxes["conv_a"].height,
    )
    assert boxes["dropout"].width == boxes["dense"].width
    # Vector layers are flatter bars: height grows at half the width's log slope.
    assert boxes["dense"].height == pytest.approx(1 + 0.25 * math.log2(65))
    assert boxes["dense"].height < boxes["dense"].width
    assert boxes["pool_a"].depth == 0.25  # no parameters
    assert boxes["conv_a"].depth == pytest.approx(0.25 + 0.25 * math.log10(161))
    assert boxes["conv_a"].filters == 16 and boxes["conv_a"].kernel_size == (3, 3)
    assert boxes["dense"].units == 64 and boxes["dense"].filters is None


def test_more_parameters_give_deeper_and_more_intense_boxes() -> None:
    boxes = _boxes(CNN)
    by_params = sorted(boxes.values(), key=lambda box: box.parameters)
    depths = [box.depth for box in by_params]
    intensities = [box.color_intensity for box in by_params]
    assert depths == sorted(depths) and intensities == sorted(intensities)
    assert boxes["dense"].depth > boxes["conv_b"].depth > boxes["conv_a"].depth
    assert boxes["dense"].color_intensity == pytest.approx(0.15 + 0.85 * math.sqrt(8256 / 13706))
    assert boxes["dropout"].color_intensity == 0.15


def test_z_positions_strictly_increase_with_a_fixed_gap_between_faces() -> None:
    layers = architecture_visualization(CNN).layers
    assert layers[0].position_z == 0.0
    for before, after in zip(layers, layers[1:], strict=False):
        gap = (after.position_z - after.depth / 2) - (before.position_z + before.depth / 2)
        assert after.position_z > before.position_z
        assert gap == pytest.approx(0.5)


def test_opacity_is_by_category_with_dropout_most_transparent() -> None:
    boxes = _boxes(CNN)
    assert boxes["dropout"].opacity == 0.35
    assert boxes["flatten"].opacity == 0.55
    assert boxes["pool_a"].opacity == 0.75
    assert boxes["conv_a"].opacity == boxes["dense"].opacity == 0.95


def test_visualization_summary_fields() -> None:
    visual = architecture_visualization(CNN, 0.91, 0.55)
    assert visual.architecture_type == "CNN"
    assert visual.total_parameters == 13706
    assert visual.model_depth == 7
    assert visual.max_layer_width == max(box.width for box in visual.layers)
    assert visual.max_layer_height == _boxes(CNN)["conv_b"].height
    assert (visual.performance_color, visual.health_color) == (GREEN, ORANGE)


def test_lstm_bidirectional_width_counts_both_directions() -> None:
    visual = architecture_visualization(LSTM)
    boxes = {box.layer_id: box for box in visual.layers}
    assert visual.architecture_type == "LSTM"
    # 2 x 32 concatenated units are as wide as the 64-wide embedding.
    assert boxes["bilstm"].width == pytest.approx(boxes["embedding"].width)
    assert boxes["bilstm"].units == 32
    assert boxes["embedding"].depth > boxes["bilstm"].depth > boxes["predictions"].depth


def test_boxes_carry_the_graph_label_output_shape_and_directions() -> None:
    shapes = {"embedding": [20, 64], "bilstm": [64], "predictions": [3]}
    layers = {
        name: {**entry, "output_shape": shapes[name]} for name, entry in LSTM["layers"].items()
    }
    arch = {**LSTM, "layers": layers}
    boxes = {box.layer_id: box for box in architecture_visualization(arch).layers}
    assert boxes["bilstm"].label == "Bidirectional (2x32 units)"
    assert boxes["embedding"].label == "Embedding (1000->64)"
    assert boxes["bilstm"].bidirectional and not boxes["embedding"].bidirectional
    assert not boxes["predictions"].bidirectional
    assert {name: box.output_shape for name, box in boxes.items()} == shapes
    # The box's label is the graph node's, so hover text and graph agree.
    graph = {e["data"]["id"]: e["data"]["label"] for e in _elements(arch) if "label" in e["data"]}
    assert all(graph[name] == box.label for name, box in boxes.items())
    conv = _boxes(CNN)["conv_b"]
    assert conv.label == "Conv2D (32 filters, 3x3)" and conv.output_shape is None  # not recorded


def test_an_old_file_names_a_bidirectional_layer_by_its_class() -> None:
    old = {k: v for k, v in LSTM.items() if k != "layer_graph"}
    boxes = _boxes(old)
    assert boxes["bilstm"].bidirectional and boxes["bilstm"].label == "Bidirectional"
    assert not boxes["embedding"].bidirectional
    assert all(box.output_shape is None for box in boxes.values())


def test_generic_dense_model() -> None:
    visual = architecture_visualization(GENERIC)
    assert visual.architecture_type == "Generic"
    hidden, out = visual.layers
    assert hidden.width == pytest.approx(1 + 0.5 * math.log2(129)) and hidden.width > out.width
    assert visual.max_layer_height == pytest.approx(1 + 0.25 * math.log2(129))


@pytest.mark.parametrize(
    ("arch_type", "expected"),
    [("cnn", "CNN"), ("rnn", "LSTM"), ("transformer", "Generic"), ("generic", "Generic")],
)
def test_architecture_type_maps_to_the_seed_names(arch_type: str, expected: str) -> None:
    assert architecture_visualization({**GENERIC, "arch_type": arch_type}).architecture_type == (
        expected
    )


# --- colours --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "color"),
    [
        (1.0, GREEN),
        (0.8, GREEN),
        (0.7999, YELLOW),
        (0.6, YELLOW),
        (0.5999, ORANGE),
        (0.4, ORANGE),
        (0.3999, RED),
        (0.0, RED),
        (None, NO_SCORE_COLOR),
        (float("nan"), NO_SCORE_COLOR),
    ],
)
def test_score_color_bands(score: float | None, color: str) -> None:
    assert score_color(score) == color


def test_missing_health_is_grey_and_null_in_json() -> None:
    data = build_view(CNN, 0.65, None).to_dict()["visualization"]
    assert data["health_score"] is None and data["health_color"] == NO_SCORE_COLOR
    assert data["performance_score"] == 0.65 and data["performance_color"] == YELLOW
    nan = build_view(CNN, float("nan"), float("inf")).to_dict()["visualization"]
    assert nan["performance_score"] is None and nan["health_score"] is None
    assert nan["performance_color"] == nan["health_color"] == NO_SCORE_COLOR


@pytest.mark.parametrize("score", [1.5, -0.1, 87.0])
def test_scores_outside_zero_one_are_rejected(score: float) -> None:
    with pytest.raises(ValueError, match="performance_score"):
        build_view(CNN, score, None)


# --- Cytoscape ------------------------------------------------------------------------------


def test_cytoscape_chain_runs_input_layers_output() -> None:
    elements = _elements(CNN)
    _assert_valid_cytoscape(elements)
    layer_ids = [n["id"] for n in CNN["layer_graph"]["nodes"]]
    assert _chain(elements) == ["input", *layer_ids, "output"]
    edge_ids = [e["data"]["id"] for e in elements if "source" in e["data"]]
    assert edge_ids[0] == "e_input_conv_a" and edge_ids[-1] == "e_predictions_output"


def test_cytoscape_node_data_carries_layer_details() -> None:
    nodes = {e["data"]["id"]: e for e in _elements(CNN) if "source" not in e["data"]}
    conv = nodes["conv_a"]
    assert conv["classes"] == "convolution"
    assert conv["data"]["filters"] == 16 and conv["data"]["kernel_size"] == [3, 3]
    assert conv["data"]["parameters"] == 160 and conv["data"]["type"] == "Conv2D"
    assert conv["data"]["label"] == "Conv2D (16 filters, 3x3)"
    assert conv["data"]["color"] == CATEGORY_COLORS["convolution"]
    assert nodes["dense"]["data"]["units"] == 64 and nodes["dense"]["data"]["label"] == (
        "Dense (64 units)"
    )
    assert nodes["dropout"]["data"]["label"] == "Dropout"
    assert nodes["input"]["data"]["output_shape"] == [28, 28, 1]
    assert nodes["output"]["data"]["output_shape"] == [10]
    assert nodes["input"]["classes"] == "input" and nodes["output"]["classes"] == "output"


def test_lstm_labels() -> None:
    nodes = {e["data"]["id"]: e["data"] for e in _elements(LSTM)}
    assert nodes["embedding"]["label"] == "Embedding (1000->64)"
    assert nodes["bilstm"]["label"] == "Bidirectional (2x32 units)"
    assert nodes["bilstm"]["bidirectional"] is True


def test_layer_named_like_an_endpoint_keeps_ids_unique() -> None:
    nodes = [_dense("input", 8), _dense("output", 4), _dense("e_input_", 2)]
    elements = _elements(_arch("generic", nodes, {"input": 72}))
    _assert_valid_cytoscape(elements)
    endpoints = [e["data"]["id"] for e in elements if e.get("classes") in ("input", "output")]
    assert endpoints == ["input_", "output_"]
    assert len([e for e in elements if "source" in e["data"]]) == 4


def test_legend_lists_only_present_categories_in_order() -> None:
    entries = _legend(CNN)
    assert [e["category"] for e in entries] == [
        "input",
        "convolution",
        "pooling",
        "reshape",
        "linear",
        "dropout",
        "output",
    ]
    assert all(e["color"] == CATEGORY_COLORS[e["category"]] for e in entries)
    assert [e["label"] for e in _legend(LSTM)][1:3] == ["Embedding", "Recurrent"]


# --- partial or old files -------------------------------------------------------------------


def test_without_layer_graph_nodes_come_from_layers_in_file_order() -> None:
    old = {k: v for k, v in CNN.items() if k not in ("layer_graph", "arch_type")}
    elements = _elements(old)
    _assert_valid_cytoscape(elements)
    assert _chain(elements)[1:-1] == list(CNN["layers"])
    classes = _classes(elements)
    assert classes["conv_a"] == "convolution" and classes["pool_a"] == "pooling"
    assert classes["flatten"] == "reshape" and classes["dropout"] == "dropout"
    assert classes["dense"] == "linear"
    visual = architecture_visualization(old)
    assert visual.architecture_type == "CNN"  # inferred from the convolution layers
    assert visual.total_parameters == 13706


def test_only_layer_graph_and_unknown_categories() -> None:
    nodes = [{"id": "a", "type": "MyLayer", "category": "mystery"}, _dense("b", 4)]
    arch = {"layer_graph": {"nodes": nodes, "sequential_path": ["b", "a", "ghost"]}}
    view = build_view(arch, None, None)
    elements = view.to_dict()["cytoscape"]["elements"]
    _assert_valid_cytoscape(elements)
    assert _chain(elements) == ["input", "b", "a", "output"]  # the path's order; ghost skipped
    assert _classes(elements)["a"] == "other"
    assert view.visualization.total_parameters == 0
    assert {box.color_intensity for box in view.visualization.layers} == {0.15}
    assert view.visualization.architecture_type == "Generic"


@pytest.mark.parametrize(
    "architecture",
    [{}, {"layers": {}, "layer_graph": {"nodes": []}}, {"arch_type": "cnn", "layer_graph": {}}],
)
def test_no_layers_is_a_value_error_naming_what_is_missing(architecture: dict) -> None:
    with pytest.raises(ValueError, match="layer_graph.nodes.*layers"):
        build_view(architecture, 0.5, 0.5)


def test_a_malformed_file_is_a_schema_error_naming_the_field() -> None:
    with pytest.raises(SchemaError, match="layer_graph"):
        build_view({"arch_type": "cnn", "layer_graph": None}, 0.5, 0.5)
    with pytest.raises(SchemaError, match="total_parameters"):
        build_view({**CNN, "total_parameters": "many"}, 0.5, 0.5)


def test_non_object_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        build_view([], 0.5, 0.5)  # type: ignore[arg-type]


# --- the whole view -------------------------------------------------------------------------


def test_view_is_frozen_and_to_dict_is_json_ready() -> None:
    view = build_view(LSTM, 0.82, 0.7)
    assert isinstance(view, ArchitectureView)
    with pytest.raises(ValidationError, match="frozen"):
        view.visualization = None  # type: ignore[misc]
    data = json.loads(json.dumps(view.to_dict(), allow_nan=False))
    assert set(data) == {"cytoscape", "visualization", "forward_signals"}
    assert data["forward_signals"] == []  # no epoch records given: nothing measured to play
    assert set(data["cytoscape"]) == {"elements", "legend"}
    visual = data["visualization"]
    assert visual["performance_color"] == GREEN and visual["health_color"] == YELLOW
    assert visual["layers"][1]["layer_id"] == "bilstm"
    # to_dict hands out copies: editing one does not change the view.
    view.to_dict()["cytoscape"]["elements"].clear()
    assert view.to_dict()["cytoscape"]["elements"]


def test_a_summary_and_its_json_give_one_view_that_reads_back() -> None:
    """The API serves the typed view; its JSON validates back into the same view."""
    summary = healthy_cnn_summary()
    view = build_view(summary, 0.9, 0.4)
    assert view == build_view(healthy_cnn_architecture(), 0.9, 0.4)
    assert ArchitectureView.from_json(view.to_dict()) == view
    nodes = [e for e in view.cytoscape.elements if isinstance(e, CytoscapeNode)]
    edges = [e for e in view.cytoscape.elements if isinstance(e, CytoscapeEdge)]
    assert len(nodes) == len(summary.layers) + 2 and len(edges) == len(nodes) - 1
    pool = next(n.data for n in nodes if n.data.id == "conv_0_pool")
    assert "filters" not in pool.to_json() and pool.filters is None  # details it lacks: omitted


TRANSFORMER = _arch(
    "transformer",
    [
        {"id": "tok", "type": "Embedding", "category": "embedding", "input_dim": 500,
         "output_dim": 32},
        {"id": "pos", "type": "PositionEmbedding", "category": "positional_embedding",
         "max_positions": 64},
        {"id": "mha", "type": "MultiHeadAttention", "category": "attention", "num_heads": 4,
         "key_dim": 8, "embed_dim": 32},
        {"id": "norm", "type": "LayerNormalization", "category": "normalization", "kind": "layer"},
        _dense("predictions", 3),
    ],
    {"tok": 16000, "mha": 4224, "norm": 64, "predictions": 99},
)  # fmt: skip


@pytest.mark.parametrize("architecture", [CNN, LSTM, GENERIC, TRANSFORMER])
def test_the_schema_describes_every_key_the_view_serves(architecture: dict) -> None:
    """The API's schema (and so the dashboard's types) is this model's: each served object
    has its schema's required keys, and no key the schema does not name."""
    defs = ArchitectureView.model_json_schema(mode="serialization")["$defs"]
    assert not any(d.get("additionalProperties") for d in defs.values())

    def check(obj: dict[str, Any], name: str) -> None:
        keys, schema = set(obj), defs[name]
        assert set(schema["required"]) <= keys <= set(schema["properties"]), name

    data = build_view(architecture, 0.7, None).to_dict()
    for element in data["cytoscape"]["elements"]:
        edge = "source" in element["data"]
        check(element, "CytoscapeEdge" if edge else "CytoscapeNode")
        check(element["data"], "CytoscapeEdgeData" if edge else "CytoscapeNodeData")
    for entry in data["cytoscape"]["legend"]:
        check(entry, "LegendEntry")
    check(data["visualization"], "ArchitectureVisualization")
    for box in data["visualization"]["layers"]:
        check(box, "LayerVisualization")


def test_node_data_is_a_graph_node_that_drops_unknown_keys() -> None:
    node = {"id": "c", "type": "Conv2d", "category": "convolution", "label": "c",
            "parameters": 3, "color": "#000", "stride": 2, "bogus": 1}  # fmt: skip
    data = CytoscapeNodeData.from_json(node)
    assert isinstance(data, GraphNode) and data.strides == [2, 2]  # PyTorch's spelling read
    assert data.to_json() == {**{k: v for k, v in node.items() if k not in ("stride", "bogus")},
                              "strides": [2, 2]}  # fmt: skip


def test_real_architecture_json_from_a_digits_run() -> None:
    """A trial's architecture.json written by `healthopt optimize --dataset digits`."""
    architecture = json.loads((DATA / "cnn_architecture.json").read_text())
    view = build_view(architecture, 0.2583, None)
    data = view.to_dict()
    json.dumps(data, allow_nan=False)
    elements = data["cytoscape"]["elements"]
    _assert_valid_cytoscape(elements)
    path = architecture["layer_graph"]["sequential_path"]
    assert _chain(elements) == ["input", *path, "output"]
    visual = view.visualization
    assert visual.architecture_type == "CNN" and visual.model_depth == len(path)
    assert visual.total_parameters == architecture["total_parameters"]
    boxes = {box.layer_id: box for box in visual.layers}
    heaviest = max(architecture["layers"], key=lambda n: architecture["layers"][n]["parameters"])
    assert max(visual.layers, key=lambda box: box.color_intensity).layer_id == heaviest
    assert max(visual.layers, key=lambda box: box.depth).layer_id == heaviest
    assert boxes["conv_0"].kernel_size == (5, 5)
    assert (visual.performance_color, visual.health_color) == (RED, NO_SCORE_COLOR)


def test_module_does_not_import_tensorflow_or_keras() -> None:
    code = (
        "import sys, healthopt.visualization.architecture; "
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
