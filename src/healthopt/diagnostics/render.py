"""A diagnostic report as terminal text: score, issues with suggestions, layers, notes, and
which checks could not run for lack of which input."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from healthopt.diagnostics.engine import DiagnosticReport
from healthopt.diagnostics.issues import Issue, Severity

_STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SUSTAINABILITY_LINES = (
    ("optimal_stop_epoch", "optimal stop epoch"),
    ("wasted_epochs", "wasted epochs"),
    ("wasted_compute_pct", "wasted compute %"),
    ("total_energy_kwh", "energy (kWh)"),
    ("total_co2_kg", "CO2 (kg)"),
    ("wasted_co2_kg", "wasted CO2 (kg)"),
    ("dead_layers", "dead layers"),
    ("vanishing_gradient_layers", "vanishing-gradient layers"),
    ("frozen_output_layers", "frozen-output layers"),
    ("redundant_layer_pairs", "redundant layer pairs"),
)


def _score_style(score: int) -> str:
    return "green" if score >= 90 else "yellow" if score >= 70 else "red"


def _where(issue: Issue) -> str:
    parts = []
    if issue.epoch_index is not None:
        parts.append(f"epoch {issue.epoch_index}")
    if issue.layer_id is not None:
        parts.append(f"layer {issue.layer_id}")
    return f" [dim]({escape(', '.join(parts))})[/dim]" if parts else ""


def print_report(report: DiagnosticReport, console: Console, title: str) -> None:
    counts = report.severity_counts()
    score = report.health_score
    total = report.checks_run + len(report.checks_skipped)
    console.print(
        f"[bold]{escape(title)}[/bold]  health score [{_score_style(score)}]{score}/100"
        f"[/{_score_style(score)}]  ({counts['critical']} critical, {counts['warning']} "
        f"warning, {counts['info']} info; {report.epochs_analyzed} epochs, "
        f"{escape(_arch(report))}; {report.checks_run} of {total} checks had their data)"
    )
    if not report.issues:
        console.print("  no issues found")
    for issue in report.issues:
        style = _STYLE[issue.severity]
        console.print(
            f"  [{style}]{issue.severity.value.upper():8}[/{style}] "
            f"{escape(issue.title)}{_where(issue)}"
        )
        console.print(f"           {escape(issue.description)}", soft_wrap=True)
        console.print(f"           [green]fix:[/green] {escape(issue.suggestion)}", soft_wrap=True)
    worst = [h for h in report.layer_highlights if h.severity_score > 0][:5]
    if worst:
        console.print(
            "  layers: " + ", ".join(f"{escape(h.layer_id)} ({h.severity_score})" for h in worst)
        )
    shown = [(label, report.sustainability.get(key)) for key, label in _SUSTAINABILITY_LINES]
    shown = [(label, value) for label, value in shown if value not in (None, [], {})]
    if shown:
        console.print(
            "  sustainability: " + "; ".join(f"{label} {_fmt(value)}" for label, value in shown),
            soft_wrap=True,
        )
    for note in report.notes:
        console.print(f"  [dim]note: {escape(note)}[/dim]", soft_wrap=True)
    for needs, checks in _skipped_by_need(report).items():
        console.print(
            f"  [dim]skipped {escape(', '.join(checks))}: needs {escape(needs)}[/dim]",
            soft_wrap=True,
        )
    for error in report.check_errors:
        console.print(
            f"  [red]check {escape(error['check'])} failed: {escape(error['error'])}[/red]",
            soft_wrap=True,
        )


def _arch(report: DiagnosticReport) -> str:
    detected = " (detected)" if report.arch_type_source == "detected" else ""
    return f"{report.arch_type}{detected}"


def _skipped_by_need(report: DiagnosticReport) -> dict[str, list[str]]:
    """Skipped checks grouped by what they lacked, so one missing input is one line."""
    grouped: dict[str, list[str]] = {}
    for entry in report.checks_skipped:
        grouped.setdefault(entry["needs"], []).append(entry["check"])
    return grouped


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return ", ".join(
            f"{v['layer_a']}~{v['layer_b']}" if isinstance(v, dict) else str(v) for v in value
        )
    return str(value)
