"""Dashboard view data built from run artefacts (no TensorFlow; typed records out).

`healthopt.visualization.diagram` (SVG/PDF drawings of a view) is not imported here: it loads
matplotlib, which reading a view does not need.
"""

from healthopt.visualization.architecture import (
    NO_SCORE_COLOR,
    SCORE_BANDS,
    ArchitectureView,
    ArchitectureVisualization,
    LayerVisualization,
    architecture_visualization,
    build_view,
    score_color,
)
from healthopt.visualization.cytoscape import (
    CytoscapeEdge,
    CytoscapeEdgeData,
    CytoscapeGraph,
    CytoscapeNode,
    CytoscapeNodeData,
    LegendEntry,
    cytoscape_elements,
    legend,
)
from healthopt.visualization.forward_signals import ForwardSignal, forward_signals
from healthopt.visualization.layers import CATEGORY_COLORS

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
