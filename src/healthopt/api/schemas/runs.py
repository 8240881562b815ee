"""Response bodies of the runs resource: every run folder of the results folder (CLI runs and
jobs alike) and every trial of each, read-only.

A run's summary and detail are the library's records (`records.browse`); a trial is the jobs
resource's `TrialSummary`, with what its folder holds beside it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from healthopt.api.schemas.jobs import TrialPageFields, TrialSummary
from healthopt.api.schemas.models import BestModelDiagnostics, LayerHealth
from healthopt.api.schemas.plots import PlotFile
from healthopt.records.browse import RunDetail, RunSummary
from healthopt.visualization import ArchitectureView

__all__ = ["RunDetail", "RunList", "RunSummary", "TrialDetail", "TrialPage"]


class RunList(BaseModel):
    runs: list[RunSummary] = Field(description="every run folder, newest first")


class TrialPage(TrialPageFields):
    """One page of a run's finished trials, by number unless `order` says score."""

    run: str


class TrialDetail(BaseModel):
    """One trial of a run: its record, its place in the run, its learning curves, plots,
    diagnostics and architecture, and links to its files. Pruned and failed trials are
    included: `trial.pruned` and `trial.error` say why, `notes` what is missing."""

    run: str
    job_id: str | None = None
    trial: TrialSummary
    is_best: bool
    rank: int | None = Field(
        None, description="1-based place in the run's ranking; null for pruned or failed trials"
    )
    learning_curves: dict[str, list[float | None]] = Field(
        description="history.json: metric -> one value per epoch (null where not finite)"
    )
    plots: list[PlotFile]
    model_url: str | None = Field(None, description="null when the trial saved no model.keras")
    plots_zip_url: str | None = Field(None, description="null when the trial has no plots")
    diagnostics: BestModelDiagnostics
    layer_health: dict[str, LayerHealth]
    architecture: ArchitectureView | None = Field(
        None, description="null when the trial recorded no architecture"
    )
    architecture_svg_url: str | None = Field(
        None, description="the architecture as an SVG diagram; null when there is none"
    )
    architecture_pdf_url: str | None = Field(
        None, description="the architecture as a PDF diagram; null when there is none"
    )
    monitoring_url: str | None = Field(
        None, description="a job's trial with layer monitoring: its monitoring summary"
    )
    notes: list[str] = Field(default_factory=list, description="what is missing, and why")
