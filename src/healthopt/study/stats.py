"""Hypothesis tests, effect sizes and intervals for comparing the two optimization modes.

Statistics come from their textbook formulas (scipy supplies only the t, normal and binomial
distributions), so every degenerate case has a defined answer instead of a NaN: identical
constant samples give p = 1.0; a test whose statistic is undefined (fewer than two values, every
difference the same but non-zero) gives p = None and a note saying why. Values that agree to 12
decimals of the data's scale count as equal: 0.3 - 0.2 and 0.4 - 0.3 are the same accuracy gain.
Everything reads "b versus a": a positive difference or statistic means b is larger.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as st

ALPHA = 0.05
_DIGITS = 12
_TOO_FEW = "fewer than two values in a sample; the test is undefined"


@dataclass(frozen=True)
class TestResult:
    """One hypothesis test; p_value is None when the test is undefined (note says why)."""

    __test__ = False  # pytest must not collect this class from the test modules importing it

    name: str
    statistic: float | None
    p_value: float | None
    n_a: int
    n_b: int
    df: float | None = None
    note: str = ""

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "significant": self.significant, "alpha": ALPHA}


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of one sample with a t-interval of its mean."""

    n: int
    mean: float | None
    std: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """Metric b versus a: summaries, mean difference with interval, effect size, two tests."""

    metric: str
    a: Summary
    b: Summary
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    effect_size: float | None
    primary: TestResult
    secondary: TestResult
    paired: bool

    @property
    def significant(self) -> bool:
        return self.primary.significant

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "effect_size_name": "cohens_dz" if self.paired else "cohens_d",
            "primary": self.primary.to_dict(),
            "secondary": self.secondary.to_dict(),
            "significant": self.significant,
        }


def _values(values: Any, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional sequence of numbers, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values; drop or impute them first")
    return x


def _two(a: Any, b: Any, paired: bool = False) -> tuple[np.ndarray, np.ndarray]:
    x, y = _values(a, "a"), _values(b, "b")
    if paired and len(x) != len(y):
        raise ValueError(f"paired samples need equal lengths, got {len(x)} and {len(y)}")
    return x, y


def _quantizer(x: np.ndarray, y: np.ndarray) -> Callable[[Any], Any]:
    """Rounds values at 12 decimals of the samples' largest magnitude, so float noise ties."""
    scale = float(np.max(np.abs(np.r_[x, y]), initial=0.0))
    return lambda v: np.round(np.asarray(v, dtype=float) / scale, _DIGITS) if scale else v


def _degenerate(x: np.ndarray, y: np.ndarray, paired: bool) -> tuple[bool, bool]:
    """(no spread, no difference): the differences, or both samples, are constant; b equals a."""
    q = _quantizer(x, y)
    if paired:
        d = q(y - x)
        return bool(np.ptp(d) == 0), bool(d[0] == 0)
    return bool(np.ptp(q(x)) == 0 and np.ptp(q(y)) == 0), bool(q(y[0]) == q(x[0]))


def _standard_error(x: np.ndarray, y: np.ndarray, paired: bool) -> tuple[float, float]:
    """Standard error of the mean difference and its df (Welch-Satterthwaite when unpaired)."""
    if paired:
        return float(np.std(y - x, ddof=1)) / math.sqrt(len(x)), float(len(x) - 1)
    va, vb = np.var(x, ddof=1) / len(x), np.var(y, ddof=1) / len(y)
    if va + vb == 0:
        return 0.0, 1.0  # both constant: any df gives the 0-width interval
    return math.sqrt(va + vb), float((va + vb) ** 2 / (va**2 / (len(x) - 1) + vb**2 / (len(y) - 1)))


def _p(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def _ranks(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Average ranks (1-based) of x and the tie term sum(t^3 - t) over groups of tied values."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    group = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    counts = np.bincount(group).astype(float)
    ranks = np.empty(len(x))
    ranks[order] = (np.cumsum(counts) - (counts - 1) / 2.0)[group]
    return ranks, float(np.sum(counts**3 - counts))


def summarize(values: Any, confidence: float = 0.95) -> Summary:
    """n, mean, sample standard deviation (ddof=1) and the t-interval of the mean."""
    x = _values(values, "values")
    n = len(x)
    if n < 2:
        return Summary(n, float(x[0]) if n else None, None, None, None)
    mean, std = float(np.mean(x)), float(np.std(x, ddof=1))
    half = float(st.t.ppf((1 + confidence) / 2, n - 1)) * std / math.sqrt(n)
    return Summary(n, mean, std, mean - half, mean + half)


def _t_test(name: str, x: np.ndarray, y: np.ndarray, paired: bool) -> TestResult:
    na, nb = len(x), len(y)
    if min(na, nb) < 2:
        return TestResult(name, None, None, na, nb, note=_TOO_FEW)
    constant, same = _degenerate(x, y, paired)
    if constant:
        if same:
            return TestResult(name, 0.0, 1.0, na, nb, note="no variation and no difference")
        note = "every difference is the same; the t-test is undefined"
        return TestResult(name, None, None, na, nb, note=note)
    se, df = _standard_error(x, y, paired)
    t = float(np.mean(y) - np.mean(x)) / se
    return TestResult(name, t, _p(2 * st.t.sf(abs(t), df)), na, nb, df)


def paired_t_test(a: Any, b: Any) -> TestResult:
    """Paired t-test of H0: mean(b - a) == 0."""
    return _t_test("paired t-test", *_two(a, b, paired=True), paired=True)


def welch_t_test(a: Any, b: Any) -> TestResult:
    """Welch's unequal-variance t-test of H0: mean(b) == mean(a)."""
    return _t_test("Welch t-test", *_two(a, b), paired=False)


def wilcoxon_signed_rank(a: Any, b: Any) -> TestResult:
    """Wilcoxon signed-rank test of b - a; the statistic is W+, the rank sum where b > a.

    Normal approximation, zero differences dropped, tie-corrected variance, no continuity
    correction (scipy's method="approx", zero_method="wilcox", correction=False).
    """
    x, y = _two(a, b, paired=True)
    name, n_all = "Wilcoxon signed-rank", len(x)
    if n_all < 2:
        return TestResult(name, None, None, n_all, n_all, note=_TOO_FEW)
    d = _quantizer(x, y)(y - x)
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return TestResult(name, 0.0, 1.0, n_all, n_all, note="every difference is zero")
    ranks, ties = _ranks(np.abs(d))
    w_plus = float(np.sum(ranks[d > 0]))
    z = (w_plus - n * (n + 1) / 4) / math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - ties / 48)
    note = "normal approximation, tie-corrected"
    note += f"; {n_all - n} zero differences dropped" if n < n_all else ""
    return TestResult(name, w_plus, _p(2 * st.norm.sf(abs(z))), n_all, n_all, note=note)


def mann_whitney_u(a: Any, b: Any) -> TestResult:
    """Mann-Whitney U test; the statistic is U of b (pairs with b > a, ties counting half).

    Normal approximation with tie and continuity corrections (scipy's method="asymptotic",
    use_continuity=True, two-sided).
    """
    x, y = _two(a, b)
    name, na, nb = "Mann-Whitney U", len(x), len(y)
    if min(na, nb) < 2:
        return TestResult(name, None, None, na, nb, note=_TOO_FEW)
    ranks, ties = _ranks(_quantizer(x, y)(np.concatenate([x, y])))
    u = float(np.sum(ranks[na:]) - nb * (nb + 1) / 2)
    total = na + nb
    var = na * nb / 12 * ((total + 1) - ties / (total * (total - 1)))
    if var <= 0:
        return TestResult(name, u, 1.0, na, nb, note="every value is tied")
    z = (abs(u - na * nb / 2) - 0.5) / math.sqrt(var)
    note = "normal approximation with tie and continuity corrections"
    return TestResult(name, u, _p(2 * st.norm.sf(z)), na, nb, note=note)


def mcnemar_exact(correct_a: Any, correct_b: Any) -> TestResult:
    """Exact McNemar test on per-sample correctness; the statistic counts samples only b got right.

    Two-sided exact binomial test (p = 0.5) on the discordant pairs.
    """
    ca, cb = np.asarray(correct_a), np.asarray(correct_b)
    if ca.ndim != 1 or cb.ndim != 1 or not np.isin(np.r_[ca, cb], (0, 1)).all():
        raise ValueError("correct_a and correct_b must be one-dimensional boolean arrays")
    if len(ca) != len(cb):
        raise ValueError(f"paired samples need equal lengths, got {len(ca)} and {len(cb)}")
    name, n = "McNemar exact", len(ca)
    if n == 0:
        return TestResult(name, None, None, 0, 0, note="no samples; the test is undefined")
    ca, cb = ca.astype(bool), cb.astype(bool)
    only_a, only_b = int(np.sum(ca & ~cb)), int(np.sum(cb & ~ca))
    k = only_a + only_b
    p = 2 * st.binom.cdf(min(only_a, only_b), k, 0.5) if k else 1.0
    note = f"exact binomial on {k} discordant pairs ({only_a} only a right, {only_b} only b)"
    return TestResult(name, float(only_b), _p(p), n, n, note=note)


def _effect_size(x: np.ndarray, y: np.ndarray, paired: bool) -> float | None:
    if min(len(x), len(y)) < 2:
        return None
    constant, same = _degenerate(x, y, paired)
    if constant:  # 0 / 0 is "no effect"; c / 0 has no size
        return 0.0 if same else None
    if paired:
        sd = float(np.std(y - x, ddof=1))
    else:
        na, nb = len(x), len(y)
        sd = math.sqrt(
            ((na - 1) * np.var(x, ddof=1) + (nb - 1) * np.var(y, ddof=1)) / (na + nb - 2)
        )
    return float(np.mean(y) - np.mean(x)) / sd


def cohens_d(a: Any, b: Any) -> float | None:
    """(mean(b) - mean(a)) / pooled standard deviation (ddof=1)."""
    return _effect_size(*_two(a, b), paired=False)


def cohens_dz(a: Any, b: Any) -> float | None:
    """Paired effect size: mean(b - a) / sd(b - a)."""
    return _effect_size(*_two(a, b, paired=True), paired=True)


def mean_difference_ci(
    a: Any, b: Any, paired: bool, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """(mean(b) - mean(a), low, high): t-interval of differences if paired, else Welch's."""
    x, y = _two(a, b, paired)
    if len(x) == 0 or len(y) == 0:
        return None, None, None
    diff = float(np.mean(y) - np.mean(x))
    if min(len(x), len(y)) < 2:
        return diff, None, None
    se, df = _standard_error(x, y, paired)
    half = float(st.t.ppf((1 + confidence) / 2, df)) * se
    return diff, diff - half, diff + half


def compare(metric: str, a: Any, b: Any, paired: bool) -> Comparison:
    """Every statistic the report shows for one metric, b versus a."""
    x, y = _two(a, b, paired)
    diff, low, high = mean_difference_ci(x, y, paired)
    return Comparison(
        metric=metric,
        a=summarize(x),
        b=summarize(y),
        difference=diff,
        ci_low=low,
        ci_high=high,
        effect_size=cohens_dz(x, y) if paired else cohens_d(x, y),
        primary=paired_t_test(x, y) if paired else welch_t_test(x, y),
        secondary=wilcoxon_signed_rank(x, y) if paired else mann_whitney_u(x, y),
        paired=paired,
    )
