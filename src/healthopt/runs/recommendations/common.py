"""What every recommendation topic shares: the significance level, confidence and priority
from a p-value and a gain, the finding types, and the Spearman test two topics rest on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scipy import stats

from healthopt.records.recommendations import (
    Evidence,
    InsufficientData,
    Level,
    Recommendation,
)

ALPHA = 0.05
HIGH_CONFIDENCE_P = 0.01
HIGH_GAIN = 0.05
MEDIUM_GAIN = 0.01
ACCURACY = "accuracy gain"

Finding = Recommendation | InsufficientData


def confidence(p_value: float) -> Level | None:
    """high below 0.01, medium below 0.05, None (no finding) otherwise."""
    if p_value < HIGH_CONFIDENCE_P:
        return "high"
    if p_value < ALPHA:
        return "medium"
    return None


def gain_priority(gain: float | None) -> Level:
    """high from `HIGH_GAIN`, medium from `MEDIUM_GAIN`, low below (or with no gain)."""
    if gain is not None and gain >= HIGH_GAIN:
        return "high"
    if gain is not None and gain >= MEDIUM_GAIN:
        return "medium"
    return "low"


def fmt(value: float) -> str:
    """A setting's value as recommendations show it: three significant digits."""
    return f"{value:.3g}"


def no_signal(topic: str, test: str, statistic: float, p_value: float, n: int) -> InsufficientData:
    """The entry of a topic whose test found no significant signal, with the test's figures."""
    return InsufficientData(
        topic=topic,
        reason=f"no significant signal: {test} = {statistic:.3f}, p = {p_value:.3g} "
        f"(n = {n}; a recommendation needs p < {ALPHA})",
    )


def spearman(x: Sequence[float], y: Sequence[float]) -> tuple[Any, Any]:
    """Spearman's rho and p (`spearmanr`) and its 95 % interval. scipy gives Spearman no
    interval: it is Pearson's on the ranks, whose `confidence_interval()` is the Fisher-z
    interval, the usual approximation for Spearman's rho."""
    result = stats.spearmanr(x, y)
    interval = stats.pearsonr(stats.rankdata(x), stats.rankdata(y)).confidence_interval(0.95)
    return result, interval


def spearman_evidence(what: str, rho: float, p_value: float, interval: Any, n: int) -> Evidence:
    """The evidence of a Spearman correlation: rho as the effect, its interval from `spearman`."""
    return Evidence(
        test=f"scipy.stats.spearmanr (two-sided), {what}",
        statistic=rho,
        p_value=p_value,
        effect_size=rho,
        effect_name="Spearman rho",
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        ci_name="95% CI of rho (Pearson on ranks, Fisher z)",
        n=n,
    )
