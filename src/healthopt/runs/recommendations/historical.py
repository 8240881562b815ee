"""The historical topic: a setting over-represented among the best trials of past runs on
the same dataset (`runs.history`'s pattern tests, Benjamini-Hochberg adjusted)."""

from __future__ import annotations

from collections.abc import Sequence

from healthopt.records import RunResults, TrialRecord
from healthopt.records.recommendations import (
    HISTORICAL,
    Evidence,
    InsufficientData,
    Recommendation,
)
from healthopt.runs.history import MIN_POOLED_TRIALS, SettingPattern, setting_patterns
from healthopt.runs.recommendations.common import (
    ACCURACY,
    ALPHA,
    Finding,
    confidence,
    fmt,
    gain_priority,
)


def historical(
    past: Sequence[RunResults], chosen: TrialRecord | None, skipped: Sequence[str] = ()
) -> Finding:
    """The setting most significantly over-represented among past runs' best trials."""
    skip_note = f" ({len(skipped)} unreadable run folders skipped)" if skipped else ""
    if not past:
        return InsufficientData(
            topic=HISTORICAL,
            reason=f"no past run on this dataset in the results folder{skip_note}",
        )
    pooled = sum(
        1 for r in past for t in r.trials if t.complete and t.metrics.val_accuracy is not None
    )
    if pooled < MIN_POOLED_TRIALS:
        return InsufficientData(
            topic=HISTORICAL,
            reason=f"{len(past)} past runs hold {pooled} complete trials; the pattern tests "
            f"need at least {MIN_POOLED_TRIALS}{skip_note}",
        )
    patterns = setting_patterns(past)
    significant = [p for p in patterns if p.p_adjusted < ALPHA]
    if not significant:
        smallest = patterns[0] if patterns else None
        detail = (
            f"; the strongest was {smallest.param} (p = {smallest.p_value:.2g}, adjusted "
            f"{smallest.p_adjusted:.2g})"
            if smallest
            else ""
        )
        return InsufficientData(
            topic=HISTORICAL,
            reason=f"no setting is significantly over-represented among the best quarter of "
            f"{pooled} trials from {len(past)} past runs after adjusting {len(patterns)} tests "
            f"(Benjamini-Hochberg){detail}{skip_note}",
        )
    best = significant[0]
    return _historical_recommendation(best, chosen, len(past), pooled, len(patterns), skip_note)


def _describe(pattern: SettingPattern) -> str:
    if pattern.top_range is not None:
        low, high = pattern.top_range
        return f"{pattern.param} {fmt(low)} to {fmt(high)}"
    return f"{pattern.param}={pattern.value}"


def _historical_recommendation(
    pattern: SettingPattern,
    chosen: TrialRecord | None,
    runs: int,
    pooled: int,
    tests: int,
    skip_note: str,
) -> Recommendation:
    level = confidence(pattern.p_adjusted)
    assert level is not None
    current_value = chosen.params.get(pattern.param) if chosen is not None else None
    current = f"{pattern.param}={current_value}" if current_value is not None else None
    if pattern.kind == "categorical":
        shown = f"{pattern.param}={pattern.value} is over-represented among the best past trials"
        effect = f"odds ratio {pattern.effect_size:.2f}" if pattern.effect_size else "odds ratio"
    else:
        shown = f"The best past trials used {_describe(pattern)}"
        effect = f"rank-biserial r = {pattern.effect_size:.2f}"
    return Recommendation(
        topic=HISTORICAL,
        title=shown,
        current=current,
        suggested=_describe(pattern),
        confidence=level,
        priority=gain_priority(pattern.gain),
        rationale=f"Across {pooled} complete trials of {runs} past runs on this dataset, the "
        f"best quarter by val accuracy ({pattern.n_top} trials) differs in {pattern.param}: "
        f"{effect}, p = {pattern.p_value:.2g} (Benjamini-Hochberg adjusted over {tests} "
        f"tests: {pattern.p_adjusted:.2g}){skip_note}."
        + (
            f" Trials with it beat the others by {pattern.gain:.3f} median val accuracy."
            if pattern.gain is not None
            else ""
        ),
        evidence=Evidence(
            test=pattern.test,
            statistic=pattern.statistic,
            p_value=pattern.p_value,
            effect_size=pattern.effect_size,
            effect_name=pattern.effect_name,
            ci_low=pattern.ci_low,
            ci_high=pattern.ci_high,
            ci_name="95% CI of the conditional odds ratio" if pattern.ci_low is not None else None,
            n=pattern.n,
            p_value_adjusted=pattern.p_adjusted,
            adjustment=f"Benjamini-Hochberg over {tests} tests",
        ),
        expected_gain=pattern.gain,
        expected_gain_unit=ACCURACY if pattern.gain is not None else None,
    )
