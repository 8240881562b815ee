"""The best trial's diagnostics and per-layer health, shaped for the dashboard.

Read from the trial folder's `diagnostics.json` and `analysis.json`; either may be missing (a
trial run with diagnostics off, or an old run), which gives empty answers, never an error.
"""

from __future__ import annotations

from typing import Any

from healthopt.api.schemas.models import DiagnosticIssue, DiagnosticsSummary, LayerHealth

_SEVERITIES = ("critical", "warning", "info")


def diagnostics_summary(diagnostics: dict[str, Any] | None) -> DiagnosticsSummary:
    """The engine's score and issues, most severe first."""
    if not diagnostics:
        return DiagnosticsSummary()
    issues = [
        DiagnosticIssue.model_validate(issue)
        for issue in diagnostics.get("issues", [])
        if issue.get("severity") in _SEVERITIES
    ]
    issues.sort(key=lambda issue: _SEVERITIES.index(issue.severity))
    counts = (diagnostics.get("summary_json") or {}).get("severity_breakdown")
    if counts is None:
        counts = {s: sum(1 for i in issues if i.severity == s) for s in _SEVERITIES}
    return DiagnosticsSummary(
        health_score=diagnostics.get("health_score"),
        issue_count=diagnostics.get("issue_count", len(issues)),
        severity_counts=counts,
        issues=issues,
    )


def layer_health(
    analysis: dict[str, Any] | None, diagnostics: DiagnosticsSummary
) -> dict[str, LayerHealth]:
    """Layer name -> its weight health, spectral alpha, dead/saturated units and issue titles.

    Layer names are the model's, which are also the architecture graph's node ids.
    """
    layers: dict[str, LayerHealth] = {}

    def layer(name: str) -> LayerHealth:
        return layers.setdefault(name, LayerHealth())

    analysis = analysis or {}
    for weights in analysis.get("weights") or []:
        if weights.get("role") == "kernel" and weights.get("health_score") is not None:
            layer(weights["name"]).weight_health = weights["health_score"]
    for spectral in analysis.get("spectral") or []:
        if spectral.get("role", "kernel") == "kernel":
            entry = layer(spectral["name"])
            entry.alpha = spectral.get("alpha")
            entry.spectral_status = spectral.get("training_status")
    for flow in analysis.get("information_flow") or []:
        entry = layer(flow["name"])
        entry.dead_fraction = flow.get("dead_fraction")
        entry.saturated_fraction = flow.get("saturated_fraction")
    for issue in diagnostics.issues:
        if issue.layer_id:
            layer(issue.layer_id).issues.append(issue.title)
    return layers
