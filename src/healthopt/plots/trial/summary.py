"""One-look summaries: health components, diagnostics findings, spectral alpha per layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from healthopt.analysis.files import SpectralSummaryEntry, SpectrumEntry
from healthopt.plots import style
from healthopt.plots.trial.common import integer_ticks, panels, require, short, thin_ticks
from healthopt.plots.trial.sources import DiagnosedIssue, MissingInput, TrialData

# HTSR: alpha in [2, 6] is a well-trained layer; below 2 over-fit, above 6 under-trained.
ALPHA_LOW, ALPHA_HIGH = 2.0, 6.0
ALPHA_AXIS_MAX = 12.0
_SEVERITIES = (("critical", style.BAD), ("warning", style.WARN), ("info", style.PALETTE[0]))
_MAX_ISSUES_LISTED = 6


def _grade(value: float) -> str:
    return style.GOOD if value >= 0.7 else style.WARN if value >= 0.4 else style.BAD


def _wrap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def health_components(data: TrialData, path: Path, dpi: int) -> Path:
    """The six health components as bars on 0..1; a component that could not be computed
    shows 'n/a' with its reason instead of a bar."""
    health = data.health()
    if not health.components.model_fields_set:
        raise MissingInput("health.json has no health components")
    components = health.components.by_name()
    names = list(components)
    fig, ax = style.figure(size=(9.0, 0.55 * len(names) + 1.8), title="Health components")
    y = np.arange(len(names))[::-1]
    for pos, name in zip(y, names, strict=True):
        value = components[name]
        if value is None:
            reason = health.reasons.get(name) or "not computed"
            ax.text(
                0.01,
                pos,
                f"n/a: {_wrap(reason, 70)}",
                va="center",
                fontsize=9,
                color="#555555",
            )
            continue
        ax.barh(pos, value, color=_grade(value), height=0.6)
        inside = value > 0.85
        ax.text(
            value - 0.01 if inside else value + 0.01,
            pos,
            f"{value:.2f}",
            va="center",
            ha="right" if inside else "left",
            fontsize=9,
            color="white" if inside else "black",
        )
    ax.set_yticks(y)
    ax.set_yticklabels([n.replace("_", " ") for n in names])
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlabel("component value (1 = healthy)")
    return style.save(fig, path, dpi, crop=False)


def _counts(
    breakdown: dict[str, int],
    issues: list[DiagnosedIssue],
    key: Callable[[DiagnosedIssue], str | None],
    default: str,
) -> dict[str, int]:
    """Issue counts from the report's breakdown, or counted from the issues when it has none."""
    if breakdown:
        return dict(breakdown)
    counts: dict[str, int] = {}
    for issue in issues:
        name = key(issue) or default
        counts[name] = counts.get(name, 0) + 1
    return counts


def diagnostics_summary(data: TrialData, path: Path, dpi: int) -> Path:
    """The diagnostics score, issue counts by severity and category, and the top issues."""
    report = data.diagnostics()
    score, issues, breakdown = report.health_score, report.issues, report.summary_json
    severity = _counts(breakdown.severity_breakdown, issues, lambda i: i.severity, "info")
    category = _counts(breakdown.category_breakdown, issues, lambda i: i.category, "other")
    if score is None and not issues and not any(severity.values()):
        raise MissingInput("diagnostics.json has no score and no issues")
    title = "Diagnostics: " + (f"score {score:.0f}/100" if score is not None else "no score")
    checks = "?" if report.checks_run is None else report.checks_run
    title += f", {len(issues)} issues from {checks} checks"
    fig, axes = style.figure(1, 3, size=(15.0, 4.4), title=title)
    severity_ax, category_ax, list_ax = panels(axes)

    known = dict(_SEVERITIES)
    levels = list(known) + [s for s in severity if s not in known]
    counts = [severity.get(s, 0) for s in levels]
    severity_ax.bar(levels, counts, color=[known.get(s, "#999999") for s in levels])
    for i, n in enumerate(counts):
        severity_ax.text(i, n, str(n), ha="center", va="bottom", fontsize=10)
    severity_ax.set_ylim(0, max(counts + [1]) * 1.25)
    integer_ticks(severity_ax.yaxis)
    severity_ax.set_title("Issues by severity")

    category_ax.set_title("Issues by category")
    names = sorted((c for c in category if category[c]), key=lambda c: -category[c])
    if names:
        category_ax.barh(names[::-1], [category[c] for c in names][::-1], color=style.PALETTE[4])
        integer_ticks(category_ax.xaxis)
        category_ax.set_xlim(0, max(category.values()) * 1.2)
    else:
        category_ax.axis("off")
        category_ax.text(0.5, 0.5, "no issues found", ha="center", va="center", fontsize=11)

    list_ax.axis("off")
    list_ax.set_title("Top issues")
    rank = {s: i for i, s in enumerate(known)}
    top = sorted(issues, key=lambda i: rank.get(i.severity or "", len(rank)))
    lines = [
        f"[{i.severity or '?'}] {_wrap(i.title or i.check or '?', 44)}"
        for i in top[:_MAX_ISSUES_LISTED]
    ]
    if len(top) > _MAX_ISSUES_LISTED:
        lines.append(f"… and {len(top) - _MAX_ISSUES_LISTED} more")
    list_ax.text(
        0.0,
        1.0,
        "\n".join(lines) or "no issues found",
        va="top",
        ha="left",
        fontsize=9,
        family="monospace",
        linespacing=1.6,
        transform=list_ax.transAxes,
    )
    return style.save(fig, path, dpi, crop=False)


def _spectral(data: TrialData) -> tuple[list[SpectrumEntry], SpectralSummaryEntry | None]:
    """(per-layer entries, summary) from analysis.json."""
    analysis = data.analysis()
    if analysis.spectral is None:
        raise MissingInput("analysis.json has no spectral layers (spectral analysis not run?)")
    return analysis.spectral, analysis.spectral_summary


def _alpha_rows(layers: list[SpectrumEntry]) -> list[tuple[str, float | None, str]]:
    rows = [
        (layer.name, layer.alpha, layer.reason or "too few eigenvalues or no fit")
        for layer in layers
    ]
    return require(rows, "analysis.json lists no spectral layers")


def _alpha_color(alpha: float) -> str:
    if ALPHA_LOW <= alpha <= ALPHA_HIGH:
        return style.GOOD
    return style.WARN if alpha < ALPHA_LOW else style.BAD


def spectral_alpha(data: TrialData, path: Path, dpi: int) -> Path:
    """Power-law alpha of each layer's eigenvalue spectrum against the 2–6 well-trained band.

    The axis stops at ALPHA_AXIS_MAX: a larger alpha (a failed fit, or a near-random layer)
    is drawn to the edge with its value written, so one outlier cannot flatten the rest.
    """
    layers, summary = _spectral(data)
    rows = _alpha_rows(layers)
    values = [a for _, a, _ in rows if a is not None]
    top = min(ALPHA_AXIS_MAX, max([ALPHA_HIGH + 1.5] + [a + 1 for a in values]))
    fig, ax = style.figure(
        size=(9.0, min(14.0, max(3.6, 0.38 * len(rows) + 1.8))),
        title="Spectral alpha per layer (HTSR)",
    )
    band = f"well trained ({ALPHA_LOW:g}–{ALPHA_HIGH:g})"
    ax.axvspan(ALPHA_LOW, ALPHA_HIGH, color=style.GOOD, alpha=0.12, label=band)
    y = np.arange(len(rows))[::-1]
    for pos, (_, alpha, reason) in zip(y, rows, strict=True):
        if alpha is None:
            ax.text(0.1, pos, f"n/a: {_wrap(reason, 60)}", va="center", fontsize=8, color="#555555")
            continue
        clipped = alpha > top
        ax.barh(pos, min(alpha, top), color=_alpha_color(alpha), height=0.6)
        label = f"{alpha:.3g} →" if clipped else f"{alpha:.2f}"
        x = top - 0.1 if clipped else alpha + 0.08
        ax.text(
            x,
            pos,
            label,
            va="center",
            ha="right" if clipped else "left",
            fontsize=8,
            color="white" if clipped else "black",
        )
    mean = summary.mean_alpha if summary is not None else None
    if mean is None and values:
        mean = float(np.mean(values))
    if mean is not None:
        label = f"mean alpha {mean:.2f}" + (" (off the axis)" if mean > top else "")
        ax.axvline(min(mean, top), color="#555555", ls="--", lw=1, label=label)
    thin_ticks(ax, y, [short(n, 40) for n, _, _ in rows], axis="y")
    ax.set_xlim(0, top)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("alpha (< 2: over-fit, > 6: under-trained)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return style.save(fig, path, dpi, crop=False)
