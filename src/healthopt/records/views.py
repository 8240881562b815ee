"""What `GET /runs/{run}/views` and `healthopt report` show of a whole run: Optuna's figures as
plotly JSON, parameter importances, and the hyperparameter-impact heatmap.

A view that cannot be drawn (too few complete trials, no Pareto front) keeps its place with
`figure` None and a `note` saying why, so a reader never mistakes a missing view for an empty one.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from healthopt.records.base import Finite, Record

# The views of a run, in the order the report and the dashboard show them.
VIEW_NAMES: tuple[str, ...] = (
    "history",
    "importance_accuracy",
    "importance_health",
    "parallel_coordinates",
    "impact_heatmap",
    "pareto",
)


class FigureSpec(Record):
    """One view: a plotly figure ({data, layout}) or, where it cannot be drawn, why not."""

    name: str
    title: str
    figure: dict[str, Any] | None = None
    note: str | None = Field(
        None, description="why the figure is missing, or what to know when reading it"
    )


class ImpactFinding(Record):
    """One hyperparameter's significant correlation with one target, in words too."""

    param: str
    target: str
    rho: float
    p_value: float
    n: int
    description: str


class ImpactHeatmap(Record):
    """Spearman correlation of each hyperparameter (rows) with each target (columns) over the
    run's complete trials; None where a pair had too few trials or a constant side."""

    method: str = "spearman"
    params: list[str]
    targets: list[str]
    rho: list[list[Finite]] = Field(description="params x targets")
    p_values: list[list[Finite]] = Field(description="params x targets")
    n: list[list[int]] = Field(description="params x targets: trials with both values")
    strongest: list[ImpactFinding] = []
    notes: list[str] = []


class RunViews(Record):
    """Every view of one run (`runs.views.run_views`)."""

    run: str
    trials_used: int = Field(description="complete trials the views are drawn from")
    figures: dict[str, FigureSpec]
    heatmap: ImpactHeatmap | None = None
    importance: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="target -> param -> importance, by fANOVA (Optuna's evaluator)",
    )
    importance_ped_anova: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="target -> param -> importance, by PED-ANOVA"
    )
    notes: list[str] = []
