"""The best trial's diagnostics and per-layer health, shaped for the dashboard.

Read from the trial folder's `diagnostics.json` and `analysis.json` (`DiagnosticsFile`,
`AnalysisFile`); either may be missing (a trial run with diagnostics off, or an old run), which
gives empty answers. One that is there but of the wrong shape is an error the caller reports
(`RunFiles.trial_file` makes it a 409): an empty answer would read as "no issues". Only the keys
read here are typed: the files belong to the diagnostics engine and the analyzer, and carry much
more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import ValidationError

from healthopt.api.schemas.models import BestModelDiagnostics, DiagnosticIssue, LayerHealth
from healthopt.records import Finite, Record

_SEVERITIES = ("critical", "warning", "info")
# A trial file's text, or its JSON already parsed (tests).
FileContent = bytes | str | Mapping[str, object]
R = TypeVar("R", bound=Record)


class _ReportSummary(Record):
    severity_breakdown: dict[str, int] | None = None


class DiagnosticsFile(Record):
    """The keys of diagnostics.json (the engine's report) this view reads."""

    health_score: Finite = None
    issue_count: int | None = None
    summary_json: _ReportSummary = _ReportSummary()
    issues: list[dict[str, object]] = []


class _WeightEntry(Record):
    name: str
    role: str | None = None
    health_score: Finite = None


class _SpectralEntry(Record):
    name: str
    role: str = "kernel"
    alpha: Finite = None
    training_status: str | None = None


class _FlowEntry(Record):
    name: str
    dead_fraction: Finite = None
    saturated_fraction: Finite = None


class AnalysisFile(Record):
    """The per-layer lists of analysis.json (the analyzer's results) this view reads."""

    weights: list[_WeightEntry] | None = None
    spectral: list[_SpectralEntry] | None = None
    information_flow: list[_FlowEntry] | None = None


def diagnostics_summary(
    diagnostics: DiagnosticsFile | FileContent | None,
) -> BestModelDiagnostics:
    """The engine's score and issues, most severe first; an issue of an unknown severity or
    without its texts is left out. SchemaError when `diagnostics` is not a DiagnosticsFile."""
    report = _as(DiagnosticsFile, diagnostics)
    if report is None:
        return BestModelDiagnostics()
    issues = sorted(_known_issues(report.issues), key=lambda i: _SEVERITIES.index(i.severity))
    counts = report.summary_json.severity_breakdown
    if counts is None:
        counts = {s: sum(1 for i in issues if i.severity == s) for s in _SEVERITIES}
    return BestModelDiagnostics(
        health_score=report.health_score,
        issue_count=len(issues) if report.issue_count is None else report.issue_count,
        severity_counts=counts,
        issues=issues,
    )


def _as(record: type[R], content: R | FileContent | None) -> R | None:
    """`content` as `record`: itself when already one, None when empty, else validated."""
    if content is None or isinstance(content, (bytes, str, Mapping)):
        return record.from_json(content) if content else None
    return content


def _known_issues(raw: list[dict[str, object]]) -> list[DiagnosticIssue]:
    issues = []
    for item in raw:
        try:
            issues.append(DiagnosticIssue.model_validate(item))
        except ValidationError:
            continue
    return issues


def layer_health(
    analysis: AnalysisFile | FileContent | None, diagnostics: BestModelDiagnostics
) -> dict[str, LayerHealth]:
    """Layer name -> its weight health, spectral alpha, dead/saturated units and issue titles.

    Layer names are the model's, which are also the architecture graph's node ids.
    SchemaError when `analysis` is not an AnalysisFile.
    """
    layers: dict[str, LayerHealth] = {}

    def layer(name: str) -> LayerHealth:
        return layers.setdefault(name, LayerHealth())

    results = _as(AnalysisFile, analysis) or AnalysisFile()
    for weights in results.weights or []:
        if weights.role == "kernel" and weights.health_score is not None:
            layer(weights.name).weight_health = weights.health_score
    for spectral in results.spectral or []:
        if spectral.role == "kernel":
            entry = layer(spectral.name)
            entry.alpha = spectral.alpha
            entry.spectral_status = spectral.training_status
    for flow in results.information_flow or []:
        entry = layer(flow.name)
        entry.dead_fraction = flow.dead_fraction
        entry.saturated_fraction = flow.saturated_fraction
    for issue in diagnostics.issues:
        if issue.layer_id:
            layer(issue.layer_id).issues.append(issue.title)
    return layers
