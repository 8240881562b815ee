"""Response bodies of the best-model resource.

The trial's numbers are the records' types (`TrialMetrics`, `HealthValues`,
`DiagnosticsSummary`); the architecture view is what `healthopt.visualization.architecture`
builds, typed here so the dashboard's types for it are generated too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from healthopt.records import DiagnosticsSummary, Finite, GraphNode, HealthValues, TrialMetrics
from healthopt.records.trial import ParamValue

Severity = Literal["critical", "warning", "info"]


class DiagnosticIssue(BaseModel):
    """One finding of the diagnostics engine, with what to do about it."""

    check: str
    severity: Severity
    category: str
    title: str
    description: str
    suggestion: str
    layer_id: str | None = None


class BestModelDiagnostics(DiagnosticsSummary):
    """The diagnostics engine's verdict on the best trial: a 0-100 score and its issues, most
    severe first (read from the trial's diagnostics.json)."""

    issues: list[DiagnosticIssue] = []


class LayerHealth(BaseModel):
    """What the analyzer and the diagnostics say about one layer (a node of the graph)."""

    weight_health: float | None = None
    alpha: float | None = None
    spectral_status: str | None = None
    dead_fraction: float | None = None
    saturated_fraction: float | None = None
    issues: list[str] = Field(default_factory=list)


# -- the architecture view --------------------------------------------------------------------
class CytoscapeNodeData(GraphNode):
    """A node of the graph: a layer's GraphNode keys plus what the view adds to draw it. The
    input and output endpoints are nodes too, with no share of the parameters."""

    type: str
    category: str
    label: str
    parameters: int
    pct_of_total: Finite = Field(None, description="share of the model's parameters, 0-100")
    color: str
    filters: int | None = Field(None, description="out_channels, for convolutions")
    output_shape: list[int | None] | None = None

    @model_serializer(mode="wrap")
    def _without_absent_keys(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # A layer has only its category's keys; the view leaves the rest out, and so do we.
        return {key: value for key, value in handler(self).items() if value is not None}


class CytoscapeNode(BaseModel):
    data: CytoscapeNodeData
    classes: str = Field(description="the node's category")


class CytoscapeEdgeData(BaseModel):
    id: str
    source: str
    target: str


class CytoscapeEdge(BaseModel):
    data: CytoscapeEdgeData


class LegendEntry(BaseModel):
    category: str
    label: str
    color: str


class CytoscapeGraph(BaseModel):
    """Cytoscape.js elements (input, the layers along the model's path, output, and the edges
    between them) and the legend of the categories drawn."""

    elements: list[CytoscapeNode | CytoscapeEdge]
    legend: list[LegendEntry]


class LayerBox(BaseModel):
    """One model layer as a box of the 3D view (sizing rules: visualization.architecture)."""

    layer_id: str
    layer_type: str
    category: str
    position_z: float
    width: float
    height: float
    depth: float
    parameters: int
    filters: int | None
    kernel_size: list[int] | None
    units: int | None
    color_intensity: float
    opacity: float


class ArchitectureVisualization(BaseModel):
    """The 3D view of a model: its boxes in order, scaling references and score colours."""

    architecture_type: str = Field(description='"CNN", "LSTM" or "Generic"')
    layers: list[LayerBox]
    total_parameters: int
    model_depth: int
    max_layer_width: float
    max_layer_height: float
    performance_score: float | None
    health_score: float | None
    performance_color: str
    health_color: str


class ArchitectureView(BaseModel):
    """What the dashboard draws of a model: the Cytoscape graph and the 3D view."""

    cytoscape: CytoscapeGraph
    visualization: ArchitectureVisualization


class BestModel(BaseModel):
    """The best trial so far: its numbers, its hyperparameters, its diagnostics and its
    architecture view (Cytoscape.js elements and seed 002's 3D layer records)."""

    job_id: str
    run_name: str
    dataset_name: str
    trial_number: int
    total_score: float | None
    health_score: float | None
    metrics: TrialMetrics
    health: HealthValues
    params: dict[str, ParamValue]
    num_parameters: int
    model_ready: bool
    model_url: str | None
    architecture: ArchitectureView | None = Field(
        description="null when the trial recorded no architecture"
    )
    architecture_url: str | None
    plots_zip_url: str
    diagnostics: BestModelDiagnostics
    layer_health: dict[str, LayerHealth]
