"""Hypothesis tests, effect sizes and intervals for comparing the two optimization modes.

Every test and interval is scipy.stats' own (ttest_rel, ttest_ind, wilcoxon, mannwhitneyu,
binomtest, t.interval), with scipy's default method="auto": the study's samples are small, and
there scipy computes exact p-values (the normal approximation gave p = 0.043 for five positive
pairs, where the exact Wilcoxon p is 0.0625). This module adds only what scipy lacks:
- degenerate samples get a defined answer instead of scipy's NaN or infinity: identical constant
  samples give p = 1.0; a test whose statistic is undefined (fewer than two values, every
  difference the same but non-zero) gives p = None and a note saying why;
- values that agree to 12 decimals of the data's scale count as equal: 0.3 - 0.2 and 0.4 - 0.3
  are the same accuracy gain, so they tie in the rank tests;
- Cohen's d and d_z, which scipy does not provide.
Everything reads "b versus a": a positive difference or statistic means b is larger.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as st

from healthopt.records.study import HypothesisTest, ModeComparison, SampleStats

ALPHA = 0.05
# Zero differences (runs where both modes scored the same) are dropped, scipy's default and
# Wilcoxon's own rule: a tie between the modes says nothing about which one is better. It costs
# no exactness: with zeros or tied |differences| and at most 13 pairs, method="auto" enumerates
# every sign flip of the differences (an exact permutation p-value); beyond 13 it uses the
# tie-corrected normal approximation, and without zeros or ties, the exact null distribution up
# to 50 pairs. "pratt" and "zsplit" would keep zeros in the ranking and change the statistic.
# The enumeration runs in Python: about 0.3 s per test at 10 pairs, 2 s at 13.
WILCOXON_ZERO_METHOD = "wilcox"
_DIGITS = 12
_TOO_FEW = "fewer than two values in a sample; the test is undefined"
_SAME_DIFFERENCE = "every difference is the same; the t-test is undefined"


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

    def record(self) -> HypothesisTest:
        """The test as results.json writes it."""
        return HypothesisTest(**asdict(self), significant=self.significant, alpha=ALPHA)


@dataclass(frozen=True)
class Summary:
    """Descriptive statistics of one sample with a t-interval of its mean."""

    n: int
    mean: float | None
    std: float | None
    ci_low: float | None
    ci_high: float | None

    def record(self) -> SampleStats:
        return SampleStats(**asdict(self))


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

    def record(self) -> ModeComparison:
        """The comparison as results.json writes it."""
        return ModeComparison(
            metric=self.metric,
            a=self.a.record(),
            b=self.b.record(),
            difference=self.difference,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            effect_size=self.effect_size,
            primary=self.primary.record(),
            secondary=self.secondary.record(),
            paired=self.paired,
            effect_size_name="cohens_dz" if self.paired else "cohens_d",
            significant=self.significant,
        )


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


def _t(x: np.ndarray, y: np.ndarray, paired: bool) -> Any:
    """scipy's t-test of b versus a (its result carries df and the interval of the difference)."""
    with warnings.catch_warnings():
        # One constant sample (every run scored the same) has variance 0, which scipy flags as
        # possible precision loss; Welch's test is still defined. Constant differences, where
        # the warning matters, never get here (see _degenerate).
        warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
        return st.ttest_rel(y, x) if paired else st.ttest_ind(y, x, equal_var=False)


def summarize(values: Any, confidence: float = 0.95) -> Summary:
    """n, mean, sample standard deviation (ddof=1) and the t-interval of the mean."""
    x = _values(values, "values")
    n = len(x)
    if n < 2:
        return Summary(n, float(x[0]) if n else None, None, None, None)
    mean, std = float(np.mean(x)), float(np.std(x, ddof=1))
    if np.ptp(_quantizer(x, x)(x)) == 0:  # scipy needs scale > 0; a constant sample's interval
        return Summary(n, mean, std, mean, mean)  # is its mean
    low, high = st.t.interval(confidence, n - 1, loc=mean, scale=st.sem(x))
    return Summary(n, mean, std, float(low), float(high))


def _t_test(name: str, x: np.ndarray, y: np.ndarray, paired: bool) -> TestResult:
    na, nb = len(x), len(y)
    if min(na, nb) < 2:
        return TestResult(name, None, None, na, nb, note=_TOO_FEW)
    constant, same = _degenerate(x, y, paired)
    if constant:  # scipy would divide by a zero standard error: NaN or an infinite t
        if same:
            return TestResult(name, 0.0, 1.0, na, nb, note="no variation and no difference")
        return TestResult(name, None, None, na, nb, note=_SAME_DIFFERENCE)
    res = _t(x, y, paired)
    return TestResult(name, float(res.statistic), float(res.pvalue), na, nb, float(res.df))


def paired_t_test(a: Any, b: Any) -> TestResult:
    """Paired t-test of H0: mean(b - a) == 0 (scipy.stats.ttest_rel)."""
    return _t_test("paired t-test", *_two(a, b, paired=True), paired=True)


def welch_t_test(a: Any, b: Any) -> TestResult:
    """Welch's unequal-variance t-test of H0: mean(b) == mean(a) (scipy.stats.ttest_ind)."""
    return _t_test("Welch t-test", *_two(a, b), paired=False)


def wilcoxon_signed_rank(a: Any, b: Any) -> TestResult:
    """Wilcoxon signed-rank test of b - a; the statistic is W+, the rank sum where b > a.

    scipy.stats.wilcoxon with method="auto" (exact for small samples, see
    WILCOXON_ZERO_METHOD for zeros and ties) and no continuity correction.
    """
    x, y = _two(a, b, paired=True)
    name, n_all = "Wilcoxon signed-rank", len(x)
    if n_all < 2:
        return TestResult(name, None, None, n_all, n_all, note=_TOO_FEW)
    d = _quantizer(x, y)(y - x)
    zeros = int(np.sum(d == 0))
    if zeros == n_all:  # nothing left to rank: scipy warns and answers NaN
        return TestResult(name, 0.0, 1.0, n_all, n_all, note="every difference is zero")
    p = st.wilcoxon(d, zero_method=WILCOXON_ZERO_METHOD).pvalue
    # The two-sided statistic is min(W+, W-); the one-sided "greater" one is W+ itself. The
    # statistic does not depend on the method, so "asymptotic" skips a second enumeration.
    w_plus = st.wilcoxon(
        d, zero_method=WILCOXON_ZERO_METHOD, alternative="greater", method="asymptotic"
    ).statistic
    note = "scipy method='auto'"
    note += f"; {zeros} zero differences dropped" if zeros else ""
    return TestResult(name, float(w_plus), float(p), n_all, n_all, note=note)


def mann_whitney_u(a: Any, b: Any) -> TestResult:
    """Mann-Whitney U test; the statistic is U of b (pairs with b > a, ties counting half).

    scipy.stats.mannwhitneyu, two-sided, method="auto": exact when either sample has at most 8
    values and nothing is tied, else the normal approximation with tie and continuity corrections.
    """
    x, y = _two(a, b)
    name, na, nb = "Mann-Whitney U", len(x), len(y)
    if min(na, nb) < 2:
        return TestResult(name, None, None, na, nb, note=_TOO_FEW)
    q = _quantizer(x, y)
    qx, qy = q(x), q(y)
    if np.ptp(np.r_[qx, qy]) == 0:  # the normal approximation would divide by a zero variance
        return TestResult(name, na * nb / 2, 1.0, na, nb, note="every value is tied")
    res = st.mannwhitneyu(qy, qx, alternative="two-sided")
    return TestResult(
        name, float(res.statistic), float(res.pvalue), na, nb, note="scipy method='auto'"
    )


def mcnemar_exact(correct_a: Any, correct_b: Any) -> TestResult:
    """Exact McNemar test on per-sample correctness; the statistic counts samples only b got right.

    Two-sided exact binomial test (p = 0.5) on the discordant pairs (scipy.stats.binomtest).
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
    # binomtest needs at least one trial; without discordant pairs the models agree everywhere
    p = float(st.binomtest(only_b, k, 0.5).pvalue) if k else 1.0
    note = f"exact binomial on {k} discordant pairs ({only_a} only a right, {only_b} only b)"
    return TestResult(name, float(only_b), p, n, n, note=note)


def _effect_size(x: np.ndarray, y: np.ndarray, paired: bool) -> float | None:
    # scipy.stats has no standardized mean difference, so Cohen's formulas are written here.
    if min(len(x), len(y)) < 2:
        return None
    constant, same = _degenerate(x, y, paired)
    if constant:  # 0 / 0 is "no effect"; c / 0 has no size
        return 0.0 if same else None
    if paired:
        sd = float(np.std(y - x, ddof=1))
    else:
        na, nb = len(x), len(y)
        pooled = ((na - 1) * np.var(x, ddof=1) + (nb - 1) * np.var(y, ddof=1)) / (na + nb - 2)
        sd = float(np.sqrt(pooled))
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
    """(mean(b) - mean(a), low, high): t-interval of differences if paired, else Welch's.

    The interval is that of scipy's ttest_rel or ttest_ind(equal_var=False) result.
    """
    x, y = _two(a, b, paired)
    if len(x) == 0 or len(y) == 0:
        return None, None, None
    diff = float(np.mean(y) - np.mean(x))
    if min(len(x), len(y)) < 2:
        return diff, None, None
    if _degenerate(x, y, paired)[0]:  # no spread: scipy warns; the interval is the point itself
        return diff, diff, diff
    ci = _t(x, y, paired).confidence_interval(confidence)
    return diff, float(ci.low), float(ci.high)


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
