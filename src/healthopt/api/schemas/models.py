"""Response bodies of the best-model resource.

The trial's numbers are the records' types (`TrialMetrics`, `HealthValues`,
`DiagnosticsSummary`); the architecture view is `healthopt.visualization`'s own
`ArchitectureView`, so OpenAPI describes exactly what `build_view` makes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from healthopt.records import DiagnosticsSummary, HealthValues, TrialMetrics
from healthopt.records.trial import ParamValue
from healthopt.visualization import ArchitectureView

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
    architecture_svg_url: str | None = Field(
        description="the architecture as an SVG diagram; null when there is none"
    )
    architecture_pdf_url: str | None = Field(
        description="the architecture as a PDF diagram; null when there is none"
    )
    bundle_url: str | None = Field(
        description="optimized_model/ as one ZIP; null until the run has assembled it"
    )
    plots_zip_url: str
    diagnostics: BestModelDiagnostics
    layer_health: dict[str, LayerHealth]
