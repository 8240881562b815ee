"""Dashboard view data built from run artefacts (no TensorFlow, plain JSON out)."""

from healthopt.visualization.architecture import (
    CATEGORY_COLORS,
    NO_SCORE_COLOR,
    SCORE_BANDS,
    ArchitectureView,
    ArchitectureVisualization,
    LayerVisualization,
    architecture_visualization,
    build_view,
    cytoscape_elements,
    legend,
    score_color,
)

__all__ = [
    "CATEGORY_COLORS",
    "NO_SCORE_COLOR",
    "SCORE_BANDS",
    "ArchitectureView",
    "ArchitectureVisualization",
    "LayerVisualization",
    "architecture_visualization",
    "build_view",
    "cytoscape_elements",
    "legend",
    "score_color",
]
