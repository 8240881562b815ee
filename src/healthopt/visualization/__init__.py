"""Dashboard view data built from run artefacts (no TensorFlow; typed records out).

`healthopt.visualization.diagram` (SVG/PDF drawings of a view) is not imported here: it loads
matplotlib, which reading a view does not need.
"""

from healthopt.visualization.architecture import (
    CATEGORY_COLORS,
    NO_SCORE_COLOR,
    SCORE_BANDS,
    ArchitectureView,
    ArchitectureVisualization,
    CytoscapeEdge,
    CytoscapeEdgeData,
    CytoscapeGraph,
    CytoscapeNode,
    CytoscapeNodeData,
    LayerVisualization,
    LegendEntry,
    architecture_visualization,
    build_view,
    cytoscape_elements,
    legend,
    score_color,
)
from healthopt.visualization.forward_signals import ForwardSignal, forward_signals

__all__ = [
    "CATEGORY_COLORS",
    "NO_SCORE_COLOR",
    "SCORE_BANDS",
    "ArchitectureView",
    "ArchitectureVisualization",
    "CytoscapeEdge",
    "CytoscapeEdgeData",
    "CytoscapeGraph",
    "CytoscapeNode",
    "CytoscapeNodeData",
    "ForwardSignal",
    "LayerVisualization",
    "LegendEntry",
    "architecture_visualization",
    "build_view",
    "cytoscape_elements",
    "forward_signals",
    "legend",
    "score_color",
]
