"""The diagnostics engine: runs every check over a run's records and builds the report.

The report follows seed 004 section 9: the 0-100 health score, issues by severity, issues
grouped by epoch and by layer (layers sorted by how bad their issues are), the
sustainability insight, and notes on what could not be measured here. A check runs only when
its input is there (`needs`); the others are listed in `checks_skipped` with what they
needed, and `checks_run` counts the checks that had their data. Input in which no check found
its data gets an `unrecognised_input` warning rather than a silent 100 (`coverage`). A check
that raises is a bug in that check; it is recorded in `check_errors` and the others still run.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from healthopt.diagnostics.checks.sustainability.carbon import energy_method, gpu_power_note
from healthopt.diagnostics.checks.sustainability.summary import SustainabilityInsight
from healthopt.diagnostics.coverage import listing, unknown_keys, unrecognised_input
from healthopt.diagnostics.issues import SEVERITY_ORDER, Issue, Severity, health_score
from healthopt.diagnostics.needs import missing_inputs
from healthopt.diagnostics.records import DiagnosticInput, arch_type, recorded_arch_type
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import DiagnosticsSummary

Check = Callable[[DiagnosticInput, DiagnosticThresholds], list[Issue]]
CHECK_MODULES = (
    "loss",
    "training",
    "chance",
    "system",
    "profiler",
    "sustainability",
    "architecture",
    "layer_monitoring",
)


def all_checks() -> list[Check]:
    checks: list[Check] = []
    for name in CHECK_MODULES:
        checks.extend(importlib.import_module(f"healthopt.diagnostics.checks.{name}").CHECKS)
    return checks


@dataclass(frozen=True)
class LayerHighlight:
    layer_id: str
    layer_type: str | None
    severity_score: int
    issues: list[Issue]

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer_id": self.layer_id,
            "layer_type": self.layer_type,
            "severity_score": self.severity_score,
            "issues": [i.to_dict() for i in self.issues],
        }


@dataclass(frozen=True)
class DiagnosticReport:
    health_score: int
    arch_type: str
    issues: list[Issue]
    layer_highlights: list[LayerHighlight]
    sustainability: SustainabilityInsight
    notes: list[str] = field(default_factory=list)
    check_errors: list[dict[str, str]] = field(default_factory=list)
    checks_run: int = 0  # checks that had their data
    epochs_analyzed: int = 0
    # {"check", "needs"}: checks that did not run, and the inputs they lacked.
    checks_skipped: list[dict[str, str]] = field(default_factory=list)
    arch_type_source: str = "none"  # "recorded", "detected" (from the layers) or "none"

    @property
    def issue_count(self) -> int:
        return len(self.issues)

    def severity_counts(self) -> dict[str, int]:
        counts = Counter(issue.severity.value for issue in self.issues)
        return {severity.value: counts.get(severity.value, 0) for severity in Severity}

    def category_counts(self) -> dict[str, int]:
        return dict(Counter(issue.category.value for issue in self.issues))

    def epoch_trends(self) -> list[dict[str, Any]]:
        by_epoch: dict[int, list[Issue]] = {}
        for issue in self.issues:
            if issue.epoch_index is not None:
                by_epoch.setdefault(issue.epoch_index, []).append(issue)
        return [
            {"epoch_index": epoch, "issues": [i.to_dict() for i in found]}
            for epoch, found in sorted(by_epoch.items())
        ]

    def session_level_issues(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.epoch_index is None]

    def summary(self) -> DiagnosticsSummary:
        """The short form results.json carries for each trial."""
        return DiagnosticsSummary(
            health_score=self.health_score,
            issue_count=self.issue_count,
            severity_counts=self.severity_counts(),
            arch_type=self.arch_type,
            arch_type_source=self.arch_type_source,
            checks_run=self.checks_run,
            checks_skipped=self.checks_skipped,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "health_score": self.health_score,
            "issue_count": self.issue_count,
            "arch_type": self.arch_type,
            "arch_type_source": self.arch_type_source,
            "checks_run": self.checks_run,
            "checks_skipped": self.checks_skipped,
            "epochs_analyzed": self.epochs_analyzed,
            "summary_json": {
                "severity_breakdown": self.severity_counts(),
                "category_breakdown": self.category_counts(),
            },
            "issues": [i.to_dict() for i in self.issues],
            "epoch_trends": self.epoch_trends(),
            "session_level_issues": [i.to_dict() for i in self.session_level_issues()],
            "layer_highlights": [h.to_dict() for h in self.layer_highlights],
            "sustainability": self.sustainability,
            "notes": self.notes,
            "check_errors": self.check_errors,
        }


def run_diagnostics(
    data: DiagnosticInput, thresholds: DiagnosticThresholds | None = None
) -> DiagnosticReport:
    from healthopt.diagnostics.checks.sustainability import sustainability_summary

    thresholds = thresholds or DiagnosticThresholds()
    issues: list[Issue] = []
    errors: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    checks = all_checks()
    for check in checks:
        name = check.__name__.removeprefix("check_")
        missing = missing_inputs(name, data)
        if missing:
            skipped.append({"check": name, "needs": "; ".join(missing)})
            continue
        try:
            issues.extend(check(data, thresholds))
        except Exception as exc:  # one broken check must not hide the others' findings
            errors.append(
                {
                    "check": name,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            )
    ran = len(checks) - len(skipped)
    unknown = unknown_keys(data)
    if ran == 0:
        issues.append(unrecognised_input(unknown, len(checks)))
    issues.sort(
        key=lambda i: (
            SEVERITY_ORDER[i.severity],
            -1 if i.epoch_index is None else i.epoch_index,
            i.check,
        )
    )
    try:
        sustainability = sustainability_summary(data, thresholds)
    except Exception as exc:
        errors.append({"check": "sustainability_summary", "error": f"{type(exc).__name__}: {exc}"})
        sustainability = SustainabilityInsight()
    notes = _measurement_notes(data)
    source = _arch_type_source(data)
    if source == "detected":
        notes.append(
            f"architecture family detected as {arch_type(data.architecture)} from its layers "
            "(the summary states no arch_type)"
        )
    if unknown and ran:
        notes.append(f"unrecognised keys ignored: {listing(unknown)}")
    return DiagnosticReport(
        health_score=health_score(issues),
        arch_type=arch_type(data.architecture) if data.architecture is not None else "generic",
        issues=issues,
        layer_highlights=_layer_highlights(issues, data),
        sustainability=sustainability,
        notes=notes,
        check_errors=errors,
        checks_run=ran,
        epochs_analyzed=len(data.epochs),
        checks_skipped=skipped,
        arch_type_source=source,
    )


def _arch_type_source(data: DiagnosticInput) -> str:
    if data.architecture is None:
        return "none"
    return "recorded" if recorded_arch_type(data.architecture) else "detected"


def _layer_highlights(issues: list[Issue], data: DiagnosticInput) -> list[LayerHighlight]:
    types: dict[str, str] = {}
    for record in data.epochs:
        types.update({name: e.type for name, e in record.layers.items() if e.type})
    if data.architecture is not None:
        types.update({n: e.type for n, e in data.architecture.layers.items() if e.type})
    grouped: dict[str, list[Issue]] = {}
    for issue in issues:
        if issue.layer_id is not None:
            grouped.setdefault(issue.layer_id, []).append(issue)
    highlights = [
        LayerHighlight(layer, types.get(layer), sum(i.points for i in found), found)
        for layer, found in grouped.items()
    ]
    return sorted(highlights, key=lambda h: (-h.severity_score, h.layer_id))


def _measurement_notes(data: DiagnosticInput) -> list[str]:
    """What the checks could not see, so an empty section is not mistaken for a clean one.

    Which checks were skipped for lack of which field is `checks_skipped`; these notes give
    the larger picture and the provenance of the energy figures.
    """
    notes = []
    if not data.epochs:
        notes.append(
            "no epoch records: training, system, profiler and sustainability checks "
            "had nothing to read"
        )
    if data.architecture is None:
        notes.append("no architecture summary: architecture checks skipped")
    method, gpu_note = energy_method(data.epochs), gpu_power_note(data.epochs)
    if method:
        notes.append(f"energy: {method}")
    if gpu_note:
        notes.append(f"GPU power: {gpu_note}")
    return notes
