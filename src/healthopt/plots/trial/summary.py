"""One-look summaries: health components, diagnostics findings, spectral alpha per layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from healthopt.plots import style
from healthopt.plots.trial.common import integer_ticks, panels, require, short, thin_ticks
from healthopt.plots.trial.sources import MissingInput, TrialData
from healthopt.records import HEALTH_COMPONENTS
from healthopt.records import finite_or_none as number

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
    components = health.get("components")
    if not isinstance(components, dict) or not components:
        raise MissingInput("health.json has no 'components'")
    reasons = health.get("reasons")
    if not isinstance(reasons, dict):
        reasons = {}
    names = [n for n in HEALTH_COMPONENTS if n in components]
    names += [n for n in components if n not in names]
    fig, ax = style.figure(size=(9.0, 0.55 * len(names) + 1.8), title="Health components")
    y = np.arange(len(names))[::-1]
    for pos, name in zip(y, names, strict=True):
        value = number(components.get(name))
        if value is None:
            reason = reasons.get(name) or "not computed"
            ax.text(
                0.01,
                pos,
                f"n/a: {_wrap(str(reason), 70)}",
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
    return style.save(fig, path, dpi)


def _counts(breakdown: Any, issues: list[dict[str, Any]], key: str, default: str) -> dict[str, int]:
    """Issue counts from the report's breakdown, or counted from the issues when it has none."""
    if isinstance(breakdown, dict) and breakdown:
        return {str(k): int(number(v) or 0) for k, v in breakdown.items()}
    counts: dict[str, int] = {}
    for issue in issues:
        name = str(issue.get(key) or default)
        counts[name] = counts.get(name, 0) + 1
    return counts


def diagnostics_summary(data: TrialData, path: Path, dpi: int) -> Path:
    """The diagnostics score, issue counts by severity and category, and the top issues."""
    report = data.diagnostics()
    score = number(report.get("health_score"))
    summary = report.get("summary_json")
    if not isinstance(summary, dict):
        summary = {}
    issues = [i for i in report.get("issues") or [] if isinstance(i, dict)]
    severity = _counts(summary.get("severity_breakdown"), issues, "severity", "info")
    category = _counts(summary.get("category_breakdown"), issues, "category", "other")
    if score is None and not issues and not any(severity.values()):
        raise MissingInput("diagnostics.json has no score and no issues")
    title = "Diagnostics: " + (f"score {score:.0f}/100" if score is not None else "no score")
    title += f", {len(issues)} issues from {report.get('checks_run', '?')} checks"
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
    top = sorted(issues, key=lambda i: rank.get(str(i.get("severity")), len(rank)))
    lines = [
        f"[{i.get('severity', '?')}] {_wrap(str(i.get('title') or i.get('check') or '?'), 44)}"
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
    return style.save(fig, path, dpi)


def _spectral(data: TrialData) -> tuple[list[Any], dict[str, Any]]:
    """(per-layer entries, summary) from analysis.json.

    Both shapes are read: {"spectral": {"layers": [...], "summary": {...}}} and the
    analyzer's flat one, {"spectral": [...], "spectral_summary": {...}}.
    """
    analysis = data.analysis()
    spectral = analysis.get("spectral")
    summary = analysis.get("spectral_summary")
    if isinstance(spectral, dict):
        summary = spectral.get("summary", summary)
        spectral = spectral.get("layers")
    if not isinstance(spectral, list):
        raise MissingInput("analysis.json has no spectral layers (spectral analysis not run?)")
    return spectral, summary if isinstance(summary, dict) else {}


def _alpha_rows(layers: list[Any]) -> list[tuple[str, float | None, str]]:
    rows = [
        (
            str(layer.get("name", "?")),
            number(layer.get("alpha")),
            str(layer.get("reason") or "too few eigenvalues or no fit"),
        )
        for layer in layers
        if isinstance(layer, dict)
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
    mean = number(summary.get("mean_alpha"))
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
    return style.save(fig, path, dpi)
