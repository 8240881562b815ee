"""Response bodies of the best-model resource."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class DiagnosticIssue(BaseModel):
    """One finding of the diagnostics engine, with what to do about it."""

    check: str
    severity: Literal["critical", "warning", "info"]
    category: str
    title: str
    description: str
    suggestion: str
    layer_id: str | None = None


class DiagnosticsSummary(BaseModel):
    """The diagnostics engine's verdict on the best trial: a 0-100 score and its issues."""

    health_score: float | None = None
    issue_count: int = 0
    severity_counts: dict[str, int] = Field(default_factory=dict)
    issues: list[DiagnosticIssue] = Field(default_factory=list)


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
    metrics: dict[str, Any]
    health: dict[str, Any]
    params: dict[str, Any]
    num_parameters: int
    model_ready: bool
    model_url: str | None
    architecture: dict[str, Any]
    architecture_url: str | None
    plots_zip_url: str
    diagnostics: DiagnosticsSummary
    layer_health: dict[str, LayerHealth]
