"""Comparing one measured value of every run's model between the two modes, in words too.

Shared by the modules that measure each model separately (calibration, per-class, failure
cases): pick the values that exist, keep pairs together, and say what the test found.
"""

from __future__ import annotations

from typing import Any

from healthopt.records import Mode
from healthopt.records.study import Cell
from healthopt.study import stats
from healthopt.study.config import STUDY_MODES

A, B = STUDY_MODES  # accuracy-only, health-aware


def metric_values(
    per_mode: dict[Mode, list[Any]], metric: str, paired: bool
) -> tuple[list[float], list[float], bool]:
    """The two modes' values of `metric` (an attribute of each run's measurement, which also
    has `index`) in run order, leaving out undefined ones (None); a paired design drops a
    whole pair. The flag says whether anything was left out."""
    a = {m.index: getattr(m, metric) for m in per_mode[A]}
    b = {m.index: getattr(m, metric) for m in per_mode[B]}
    if paired:
        keep = [i for i in sorted(a) if a[i] is not None and b.get(i) is not None]
        dropped = len(keep) < len(a)
        return [a[i] for i in keep], [b[i] for i in keep], dropped
    xs = [v for v in a.values() if v is not None]
    ys = [v for v in b.values() if v is not None]
    return xs, ys, len(xs) < len(a) or len(ys) < len(b)


# Columns of `comparison_rows`: one row per metric compared across runs.
COMPARISON_TEST_COLUMNS = [
    "Metric",
    "Accuracy-only mean",
    "Health-aware mean",
    "Difference",
    "p",
    "Test",
]


def comparison_rows(
    comparisons: dict[str, stats.Comparison], metrics: dict[str, tuple[str, str]]
) -> list[list[Cell]]:
    """Table rows (title, both means, difference, p, test name) in the order of `metrics`,
    which maps each metric to its (title, better direction)."""
    rows: list[list[Cell]] = []
    for metric, (title, _) in metrics.items():
        c = comparisons[metric]
        rows.append([title, c.a.mean, c.b.mean, c.difference, c.primary.p_value, c.primary.name])
    return rows


def pct(value: float | None) -> str:
    """An accuracy-like fraction as a percentage for sentences ("n/a" when unmeasured)."""
    return "n/a" if value is None else f"{100 * value:.2f}%"


def describe(c: stats.Comparison | None, title: str, better: str | None = None) -> str:
    """One sentence: both means, the difference, p and its honest reading. `better`
    ("higher" or "lower") says which direction is an improvement, when one is."""
    if c is None:
        return f"{title}: the modes cannot be compared (a mode has no value)."
    n = f"n = {c.a.n} pairs" if c.paired else f"n = {c.a.n} and {c.b.n} runs"
    if c.a.mean is None or c.b.mean is None or c.difference is None:
        return f"{title} could not be compared across runs ({n})."
    p = c.primary.p_value
    p_text = f"p = {p:.3g}" if p is not None else f"p undefined: {c.primary.note}"
    if c.significant:
        higher = c.difference > 0
        reading = f"health-aware is significantly {'higher' if higher else 'lower'}"
        if better is not None:
            reading += " (better)" if higher == (better == "higher") else " (worse)"
    else:
        reading = "no significant difference"
    return (
        f"{title} across runs: accuracy-only {c.a.mean:.4f}, health-aware {c.b.mean:.4f} "
        f"(difference {c.difference:+.4f}; {reading}, {p_text}, {n})."
    )
