"""The architecture as SVG and PDF diagrams, drawn from hand-made architecture summaries."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from healthopt.records import ArchitectureSummary
from healthopt.visualization import ArchitectureVisualization, architecture_visualization
from healthopt.visualization.diagram import _draw, architecture_diagram

from ..builders import (
    healthy_cnn_architecture,
    healthy_rnn_architecture,
    healthy_transformer_architecture,
)

SVG = "{http://www.w3.org/2000/svg}"


def _visual(architecture: dict) -> ArchitectureVisualization:
    return architecture_visualization(ArchitectureSummary.from_json(architecture))


def _groups(svg: bytes) -> dict[str, ET.Element]:
    """Every SVG group with an id, by id."""
    root = ET.fromstring(svg)
    return {g.get("id", ""): g for g in root.iter(f"{SVG}g") if g.get("id")}


def _text(group: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))


def _left_edge(box: ET.Element) -> float:
    """The smallest x of the box's rectangle path (matplotlib writes "M x y L x y ... z")."""
    (path,) = box.iter(f"{SVG}path")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    return min(numbers[0::2])


@pytest.mark.parametrize(
    "architecture",
    [healthy_cnn_architecture(), healthy_rnn_architecture(), healthy_transformer_architecture()],
    ids=["cnn", "lstm", "transformer"],
)
def test_the_svg_holds_one_labelled_box_per_layer_in_z_order(architecture: dict):
    visual = _visual(architecture)
    groups = _groups(architecture_diagram(visual, "svg"))
    count = len(visual.layers)
    assert sorted(k for k in groups if k.startswith("layer-box-")) == sorted(
        f"layer-box-{i}" for i in range(count)
    )
    assert sorted(k for k in groups if k.startswith("layer-label-")) == sorted(
        f"layer-label-{i}" for i in range(count)
    )
    for i, layer in enumerate(visual.layers):
        label = _text(groups[f"layer-label-{i}"])
        assert layer.layer_id in label and layer.label in label
    lefts = [_left_edge(groups[f"layer-box-{i}"]) for i in range(count)]
    assert lefts == sorted(lefts) and len(set(lefts)) == count  # z increases left to right


def test_boxes_are_filled_with_their_category_colour_and_the_title_names_the_model():
    visual = _visual(healthy_cnn_architecture())
    svg = architecture_diagram(visual, "svg")
    groups = _groups(svg)
    (conv,) = groups["layer-box-0"].iter(f"{SVG}path")
    assert "fill: #2563eb" in conv.get("style", "")  # CATEGORY_COLORS["convolution"]
    assert "fill-opacity: 0.95" in conv.get("style", "")
    text = _text(ET.fromstring(svg))
    assert "CNN architecture" in text and f"{visual.total_parameters:,} parameters" in text


def test_a_bidirectional_layer_shows_both_directions():
    visual = _visual(healthy_rnn_architecture())
    index = next(i for i, layer in enumerate(visual.layers) if layer.bidirectional)
    groups = _groups(architecture_diagram(visual, "svg"))
    assert "forward" in _text(groups[f"layer-forward-{index}"])
    assert "backward" in _text(groups[f"layer-backward-{index}"])
    # Only that layer is split.
    assert [k for k in groups if k.startswith("layer-forward-")] == [f"layer-forward-{index}"]
    cnn = _groups(architecture_diagram(_visual(healthy_cnn_architecture()), "svg"))
    assert not any(k.startswith(("layer-forward-", "layer-backward-")) for k in cnn)


def test_the_pdf_is_one_page_whose_text_names_every_layer():
    visual = _visual(healthy_rnn_architecture())
    reader = PdfReader(io.BytesIO(architecture_diagram(visual, "pdf")))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for layer in visual.layers:
        assert layer.layer_id in text
    assert "forward" in text and "backward" in text


def test_the_files_are_deterministic():
    visual = _visual(healthy_cnn_architecture())
    for fmt in ("svg", "pdf"):
        assert architecture_diagram(visual, fmt) == architecture_diagram(visual, fmt)  # type: ignore[arg-type]


def test_labels_of_a_long_model_turn_vertical_and_do_not_overlap():
    """A 17-layer transformer's labels side by side would overlap: they are drawn vertical."""
    groups = _groups(architecture_diagram(_visual(healthy_transformer_architecture()), "svg"))
    rotations = [
        "rotate(-90)" in (t.get("transform") or "")
        for i in range(17)
        for t in groups[f"layer-label-{i}"].iter(f"{SVG}text")
    ]
    assert rotations and all(rotations)
    few = _groups(architecture_diagram(_visual(healthy_rnn_architecture()), "svg"))
    level = [t.get("transform") or "" for t in few["layer-label-0"].iter(f"{SVG}text")]
    assert level and not any("rotate" in t for t in level)


@pytest.mark.parametrize(
    "architecture",
    [healthy_cnn_architecture(), healthy_rnn_architecture(), healthy_transformer_architecture()],
    ids=["cnn", "lstm", "transformer"],
)
def test_no_two_labels_overlap(architecture: dict):
    fig = _draw(_visual(architecture))
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = sorted(
        (t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("layer-label-")),
        key=lambda t: int(t.get_gid().rsplit("-", 1)[1]),
    )
    extents = [t.get_window_extent(renderer) for t in labels]
    assert all(a.x1 < b.x0 for a, b in zip(extents, extents[1:], strict=False))


def test_an_empty_view_or_unknown_format_is_a_value_error():
    visual = _visual(healthy_cnn_architecture())
    with pytest.raises(ValueError, match="no layers"):
        architecture_diagram(visual.model_copy(update={"layers": ()}), "svg")
    with pytest.raises(ValueError, match="format"):
        architecture_diagram(visual, "png")  # type: ignore[arg-type]
