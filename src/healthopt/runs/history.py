"""Past runs on the same dataset, and the settings their best trials share more than chance.

`past_runs` reads the other run folders beside a run (same results folder, same dataset),
naming every folder it could not read instead of dropping it quietly. `setting_patterns`
pools their complete trials, splits them into the top quarter by validation accuracy and the
rest, and asks of every parameter whether the top quarter differs:

- a categorical parameter (text or boolean values, or whole numbers with at most
  `MAX_CATEGORIES` distinct values, such as `batch_size` or `num_layers_conv`): one
  Fisher's exact test per value, "value in the top quarter vs the rest", one-sided (is the
  value over-represented among the best), with the conditional odds ratio and its 95 %
  interval (`scipy.stats.contingency.odds_ratio`);
- a numeric parameter (any other numbers, such as a learning rate or a dropout): a two-sided
  Mann-Whitney U test of the top quarter's values against the rest's, with the rank-biserial
  correlation as its effect size.

Validation accuracy, not the total score, ranks the trials: runs on one dataset may differ in
mode and scoring weights, so only accuracy compares across them. Many tests are run at once,
so each p-value is also adjusted (Benjamini-Hochberg, `scipy.stats.false_discovery_control`)
and only the adjusted one decides whether a pattern is significant.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scipy import stats
from scipy.stats.contingency import odds_ratio

from healthopt.records import RunResults, finite_or_none
from healthopt.records.trial import ParamValue
from healthopt.runs.index import RunFolder, RunUnreadable, read_results, run_folders

# Pooled complete trials needed before the top quarter (>= 3 trials) means anything.
MIN_POOLED_TRIALS = 12
# Whole-number parameters with at most this many distinct values are compared value by value.
MAX_CATEGORIES = 8
# A numeric comparison needs at least this many trials on each side.
MIN_GROUP = 3
TOP_FRACTION = 0.25


@dataclass(frozen=True)
class PastRuns:
    """The readable past runs on one dataset (newest first), and the folders skipped."""

    runs: tuple[RunResults, ...]
    names: tuple[str, ...]
    skipped: tuple[str, ...]  # "run: why", one per folder that could not be read


def past_runs(run: RunFolder, dataset: str) -> PastRuns:
    """The runs beside `run` (same results folder) on `dataset`, other than `run` itself.

    A folder whose results.json is unreadable is skipped and named in `skipped`; a run
    still waiting for its first trial (no results.json yet) has nothing to offer and is left
    out without a word, like a run on another dataset."""
    runs: list[RunResults] = []
    names: list[str] = []
    skipped: list[str] = []
    for folder in run_folders(run.path.parent):
        if folder.name == run.name:
            continue
        try:
            results = read_results(folder)
        except RunUnreadable as exc:
            skipped.append(str(exc))
            continue
        if results is not None and results.dataset == dataset:
            runs.append(results)
            names.append(folder.name)
    return PastRuns(tuple(runs), tuple(names), tuple(skipped))


@dataclass(frozen=True)
class PooledTrial:
    run: str
    number: int
    val_accuracy: float
    params: dict[str, ParamValue]
    top: bool = False  # in the best quarter of the pooled trials by val accuracy


@dataclass(frozen=True)
class SettingPattern:
    """One parameter (and, if categorical, one value) tested against the top quarter."""

    param: str
    kind: str  # "categorical" or "numeric"
    value: ParamValue  # the tested value (categorical); the top quarter's median (numeric)
    top_range: tuple[float, float] | None  # numeric: the top quarter's min and max
    test: str
    statistic: float | None
    p_value: float
    p_adjusted: float
    effect_size: float | None
    effect_name: str
    ci_low: float | None
    ci_high: float | None
    n: int
    n_top: int
    # Median val accuracy of the trials with the value (in the range) minus the others'.
    gain: float | None


def pooled_trials(runs: Sequence[RunResults]) -> list[PooledTrial]:
    """Every complete trial with a validation accuracy, across `runs`."""
    return [
        PooledTrial(results.run_name, trial.number, trial.metrics.val_accuracy, dict(trial.params))
        for results in runs
        for trial in results.trials
        if trial.complete and trial.metrics.val_accuracy is not None
    ]


def top_quarter(trials: Sequence[PooledTrial]) -> list[PooledTrial]:
    """`trials` with the best quarter by val accuracy (at least one trial) marked `top`."""
    count = max(1, math.ceil(len(trials) * TOP_FRACTION))
    ranked = sorted(range(len(trials)), key=lambda i: (-trials[i].val_accuracy, i))
    best = set(ranked[:count])
    return [replace(t, top=i in best) for i, t in enumerate(trials)]


def number(value: ParamValue) -> float | None:
    """A param value as a float when it is a real number (booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def is_categorical(values: Sequence[ParamValue]) -> bool:
    """Anything but numbers (text, booleans, a mix); whole numbers when few distinct values
    were tried. Only all-numeric values with fractions or many values are compared by rank."""
    if any(number(v) is None for v in values):
        return True
    if all(isinstance(v, int) for v in values):
        return len(set(values)) <= MAX_CATEGORIES
    return False


def setting_patterns(runs: Sequence[RunResults]) -> list[SettingPattern]:
    """Every tested parameter value, with raw and adjusted p-values (best first).

    Empty when the pooled trials are fewer than `MIN_POOLED_TRIALS`."""
    trials = pooled_trials(runs)
    if len(trials) < MIN_POOLED_TRIALS:
        return []
    trials = top_quarter(trials)
    raw: list[SettingPattern] = []
    for param in sorted({name for t in trials for name in t.params}):
        having = [t for t in trials if t.params.get(param) is not None]
        values = [t.params[param] for t in having]
        if len(set(values)) < 2:
            continue  # one value tried: nothing to contrast
        if is_categorical(values):
            raw.extend(_categorical(param, having))
        else:
            pattern = _numeric(param, having)
            if pattern is not None:
                raw.append(pattern)
    if not raw:
        return []
    adjusted = stats.false_discovery_control([p.p_value for p in raw], method="bh")
    done = [
        SettingPattern(**{**p.__dict__, "p_adjusted": float(q)})
        for p, q in zip(raw, adjusted, strict=True)
    ]
    return sorted(done, key=lambda p: (p.p_adjusted, p.p_value, p.param))


def _median_gain(inside: list[float], outside: list[float]) -> float | None:
    if not inside or not outside:
        return None
    return statistics.median(inside) - statistics.median(outside)


def _categorical(param: str, having: list[PooledTrial]) -> list[SettingPattern]:
    in_top = [t.top for t in having]
    n_top = sum(in_top)
    if n_top == 0 or n_top == len(having):
        return []
    found = []
    for value in sorted({t.params[param] for t in having}, key=repr):
        has = [t.params[param] == value for t in having]
        top_with = sum(h and k for h, k in zip(has, in_top, strict=True))
        if top_with == 0:
            continue  # absent from the top quarter: it cannot be over-represented there
        rest_with = sum(has) - top_with
        table = [[top_with, n_top - top_with], [rest_with, len(having) - n_top - rest_with]]
        result = stats.fisher_exact(table, alternative="greater")
        conditional = odds_ratio(table, kind="conditional")
        interval = conditional.confidence_interval(0.95)
        found.append(
            SettingPattern(
                param=param,
                kind="categorical",
                value=value,
                top_range=None,
                test="scipy.stats.fisher_exact (alternative='greater'), value in the top "
                "quarter vs the rest",
                statistic=finite_or_none(result.statistic),
                p_value=float(result.pvalue),
                p_adjusted=float(result.pvalue),
                effect_size=finite_or_none(conditional.statistic),
                effect_name="conditional odds ratio",
                ci_low=finite_or_none(interval.low),
                ci_high=finite_or_none(interval.high),
                n=len(having),
                n_top=n_top,
                gain=_median_gain(
                    [t.val_accuracy for t, h in zip(having, has, strict=True) if h],
                    [t.val_accuracy for t, h in zip(having, has, strict=True) if not h],
                ),
            )
        )
    return found


def _numeric(param: str, having: list[PooledTrial]) -> SettingPattern | None:
    # `is_categorical` sent only all-numeric params here: every value is a number.
    values = [(t, number(t.params[param])) for t in having]
    best = [v for t, v in values if t.top and v is not None]
    rest = [v for t, v in values if not t.top and v is not None]
    if len(best) < MIN_GROUP or len(rest) < MIN_GROUP:
        return None
    result = stats.mannwhitneyu(best, rest, alternative="two-sided")
    # Rank-biserial correlation from U (no scipy function gives it): +1 when every top value
    # is above every other, -1 when below.
    biserial = 2.0 * float(result.statistic) / (len(best) * len(rest)) - 1.0
    low, high = min(best), max(best)
    inside = [t.val_accuracy for t, v in values if v is not None and low <= v <= high]
    outside = [t.val_accuracy for t, v in values if v is None or not low <= v <= high]
    return SettingPattern(
        param=param,
        kind="numeric",
        value=statistics.median(best),
        top_range=(low, high),
        test="scipy.stats.mannwhitneyu (two-sided), top quarter vs the rest",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        p_adjusted=float(result.pvalue),
        effect_size=biserial,
        effect_name="rank-biserial correlation",
        ci_low=None,
        ci_high=None,
        n=len(having),
        n_top=len(best),
        gain=_median_gain(inside, outside),
    )
