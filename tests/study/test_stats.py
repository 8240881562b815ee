"""Study statistics against scipy's reference implementations and hand-computed answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as st

from healthopt.study.stats import (
    ALPHA,
    TestResult,
    cohens_d,
    cohens_dz,
    compare,
    mann_whitney_u,
    mcnemar_exact,
    mean_difference_ci,
    paired_t_test,
    summarize,
    welch_t_test,
    wilcoxon_signed_rank,
)

RNG = np.random.default_rng(7)
# (a, b) pairs of equal length: small, tied differences, negative shift, a random sample
PAIRED = [
    ([0.81, 0.79, 0.84, 0.80, 0.83], [0.83, 0.82, 0.84, 0.85, 0.86]),
    ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [2.0, 3.0, 5.0, 3.0, 7.0, 6.0, 9.0]),  # tied |d|, a zero
    ([5.0, 6.0, 7.0, 8.0, 9.0, 10.0], [4.0, 4.5, 6.0, 7.5, 7.0, 9.0]),  # b below a
    (list(RNG.normal(0.0, 1.0, 20)), list(RNG.normal(0.3, 1.2, 20))),
]
# (a, b) samples of possibly unequal length, with ties across and within samples
UNPAIRED = [
    *PAIRED,
    ([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0, 5.0, 5.0]),
    ([0.9, 0.85, 0.88], [0.7, 0.75, 0.72, 0.71, 0.74, 0.73, 0.7]),
    (list(RNG.normal(0.0, 1.0, 12)), list(RNG.normal(-0.5, 3.0, 30))),
]


@pytest.mark.parametrize(("a", "b"), PAIRED)
def test_paired_t_test_matches_scipy(a, b):
    got = paired_t_test(a, b)
    ref = st.ttest_rel(b, a)
    assert got.name == "paired t-test"
    assert got.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert got.df == len(a) - 1
    assert (got.n_a, got.n_b) == (len(a), len(b))


@pytest.mark.parametrize(("a", "b"), UNPAIRED)
def test_welch_t_test_matches_scipy(a, b):
    got = welch_t_test(a, b)
    ref = st.ttest_ind(b, a, equal_var=False)
    assert got.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert got.df == pytest.approx(ref.df, rel=1e-10)


@pytest.mark.parametrize(("a", "b"), PAIRED)
def test_wilcoxon_matches_scipy(a, b):
    got = wilcoxon_signed_rank(a, b)
    # rounded so that differences equal but for float noise tie for scipy too (0.83 - 0.80)
    d = np.round(np.subtract(b, a), 12)
    kwargs = {"method": "approx", "zero_method": "wilcox", "correction": False}
    assert got.p_value == pytest.approx(st.wilcoxon(d, **kwargs).pvalue, rel=1e-9)
    # one-sided "greater" reports W+, the statistic this module returns
    assert got.statistic == st.wilcoxon(d, alternative="greater", **kwargs).statistic


def test_wilcoxon_drops_zero_differences_and_says_so():
    got = wilcoxon_signed_rank([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 5.0, 7.0])
    assert got.statistic == 6.0  # ranks 1, 2, 3 of the three positive differences
    assert "1 zero differences dropped" in got.note


def test_float_noise_ties_like_exact_values():
    # 0.3 - 0.2 and 0.4 - 0.3 differ in the last bits; as accuracies they are the same gain
    a, b = [0.2, 0.3, 0.5], [0.3, 0.4, 0.6]
    assert paired_t_test(a, b).p_value is None
    got = wilcoxon_signed_rank(a, b)
    exact = wilcoxon_signed_rank([2.0, 3.0, 5.0], [3.0, 4.0, 6.0])
    assert (got.statistic, got.p_value) == (exact.statistic, exact.p_value)


@pytest.mark.parametrize(("a", "b"), UNPAIRED)
def test_mann_whitney_matches_scipy(a, b):
    got = mann_whitney_u(a, b)
    ref = st.mannwhitneyu(b, a, method="asymptotic", use_continuity=True, alternative="two-sided")
    assert got.statistic == ref.statistic
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)


@pytest.mark.parametrize(
    ("only_a", "only_b", "both", "neither"),
    [(3, 12, 40, 5), (10, 10, 3, 3), (0, 7, 1, 1), (1, 0, 0, 0), (25, 14, 100, 30)],
)
def test_mcnemar_matches_binomtest(only_a, only_b, both, neither):
    ca = [True] * only_a + [False] * only_b + [True] * both + [False] * neither
    cb = [False] * only_a + [True] * only_b + [True] * both + [False] * neither
    got = mcnemar_exact(np.array(ca), np.array(cb))
    ref = st.binomtest(only_b, only_a + only_b, 0.5, alternative="two-sided")
    assert got.statistic == only_b
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert got.n_a == got.n_b == len(ca)


def test_mcnemar_without_discordant_pairs_is_p_one():
    got = mcnemar_exact([True, False, True], [True, False, True])
    assert (got.statistic, got.p_value) == (0.0, 1.0)


def test_mcnemar_rejects_bad_input():
    with pytest.raises(ValueError, match="equal lengths"):
        mcnemar_exact([True, False], [True])
    with pytest.raises(ValueError, match="boolean"):
        mcnemar_exact([0.5, 1.0], [1.0, 1.0])


@pytest.mark.parametrize(("a", "b"), UNPAIRED)
def test_summary_matches_t_interval(a, b):
    for sample in (a, b):
        got = summarize(sample)
        low, high = st.t.interval(0.95, len(sample) - 1, np.mean(sample), st.sem(sample))
        assert got.n == len(sample)
        assert got.mean == pytest.approx(np.mean(sample))
        assert got.std == pytest.approx(np.std(sample, ddof=1))
        assert (got.ci_low, got.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert summarize(a, confidence=0.99).ci_low < summarize(a).ci_low


@pytest.mark.parametrize(("a", "b"), PAIRED)
def test_paired_difference_interval(a, b):
    d = np.subtract(b, a)
    diff, low, high = mean_difference_ci(a, b, paired=True)
    ref = st.t.interval(0.95, len(d) - 1, np.mean(d), st.sem(d))
    assert diff == pytest.approx(np.mean(d))
    assert (low, high) == (pytest.approx(ref[0]), pytest.approx(ref[1]))


@pytest.mark.parametrize(("a", "b"), UNPAIRED)
def test_welch_difference_interval(a, b):
    diff, low, high = mean_difference_ci(a, b, paired=False)
    ref = st.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert diff == pytest.approx(np.mean(b) - np.mean(a))
    assert (low, high) == (pytest.approx(ref.low), pytest.approx(ref.high))


def test_cohens_d_by_hand():
    # means 2 and 4, variances 1 and 4 (ddof=1), pooled sd sqrt((2*1 + 2*4) / 4) = sqrt(2.5)
    assert cohens_d([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == pytest.approx(2 / math.sqrt(2.5))
    assert cohens_d([2.0, 4.0, 6.0], [1.0, 2.0, 3.0]) == pytest.approx(-2 / math.sqrt(2.5))


def test_cohens_dz_by_hand():
    # differences 1, 2, 6: mean 3, sd sqrt(7)
    assert cohens_dz([1.0, 1.0, 1.0], [2.0, 3.0, 7.0]) == pytest.approx(3 / math.sqrt(7))


def test_effect_sizes_of_constant_samples():
    assert cohens_d([0.5, 0.5], [0.5, 0.5, 0.5]) == 0.0
    assert cohens_d([0.5, 0.5], [0.7, 0.7]) is None
    assert cohens_dz([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert cohens_dz([1.0, 2.0], [2.0, 3.0]) is None
    assert cohens_d([1.0], [1.0, 2.0]) is None
    assert cohens_dz([1.0], [2.0]) is None


def test_identical_constant_samples_give_p_one():
    a = [0.9, 0.9, 0.9, 0.9]
    for test in (paired_t_test, welch_t_test, wilcoxon_signed_rank, mann_whitney_u):
        got = test(a, list(a))
        assert got.p_value == 1.0, test.__name__
        assert not got.significant


def test_constant_nonzero_difference_is_undefined():
    got = paired_t_test([0.8, 0.7, 0.6], [0.9, 0.8, 0.7])
    assert got.p_value is None and got.statistic is None
    assert got.note == "every difference is the same; the t-test is undefined"
    assert not got.significant
    welch = welch_t_test([0.8, 0.8], [0.9, 0.9, 0.9])
    assert welch.p_value is None and welch.note == got.note


@pytest.mark.parametrize(
    "test", [paired_t_test, welch_t_test, wilcoxon_signed_rank, mann_whitney_u]
)
def test_fewer_than_two_values_is_undefined(test):
    for a, b in (([1.0], [2.0]), ([], [])):
        got = test(a, b)
        assert got.p_value is None and got.statistic is None
        assert "fewer than two" in got.note


def test_small_samples_summarize_without_nan():
    assert summarize([]).to_dict() == {
        "n": 0,
        "mean": None,
        "std": None,
        "ci_low": None,
        "ci_high": None,
    }
    one = summarize([0.4])
    assert (one.mean, one.std, one.ci_low) == (0.4, None, None)
    assert mean_difference_ci([1.0], [3.0], paired=True) == (2.0, None, None)
    assert mean_difference_ci([], [], paired=False) == (None, None, None)
    assert mean_difference_ci([1.0, 1.0], [2.0, 2.0], paired=False) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "test", [paired_t_test, welch_t_test, wilcoxon_signed_rank, mann_whitney_u, compare]
)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_input_is_rejected(test, bad):
    args = ("m",) if test is compare else ()
    extra = {"paired": True} if test is compare else {}
    with pytest.raises(ValueError, match="NaN or infinite"):
        test(*args, [1.0, 2.0, 3.0], [1.0, bad, 2.0], **extra)


@pytest.mark.parametrize("test", [paired_t_test, wilcoxon_signed_rank, cohens_dz])
def test_paired_length_mismatch_is_rejected(test):
    with pytest.raises(ValueError, match="equal lengths"):
        test([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="equal lengths"):
        mean_difference_ci([1.0, 2.0, 3.0], [1.0, 2.0], paired=True)
    with pytest.raises(ValueError, match="equal lengths"):
        compare("accuracy", [1.0, 2.0, 3.0], [1.0, 2.0], paired=True)


def test_every_p_value_is_a_probability():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(2, 9))
        # few distinct values: many ties, zero differences and constant samples
        a, b = rng.integers(0, 3, n) / 2, rng.integers(0, 3, n) / 2
        tests = [paired_t_test, welch_t_test, wilcoxon_signed_rank, mann_whitney_u]
        results = [t(a, b) for t in tests] + [mcnemar_exact(a > 0.5, b > 0.5)]
        for got in results:
            assert got.p_value is None or 0.0 <= got.p_value <= 1.0
            assert got.statistic is None or math.isfinite(got.statistic)


def test_significance_uses_alpha():
    assert ALPHA == 0.05
    assert TestResult("x", 1.0, 0.049, 3, 3).significant
    assert not TestResult("x", 1.0, 0.05, 3, 3).significant
    assert not TestResult("x", None, None, 3, 3).significant


def test_compare_paired_uses_paired_tests():
    a, b = PAIRED[0]
    got = compare("val_accuracy", a, b, paired=True)
    assert (got.primary.name, got.secondary.name) == ("paired t-test", "Wilcoxon signed-rank")
    assert got.effect_size == pytest.approx(cohens_dz(a, b))
    assert got.difference == pytest.approx(np.mean(b) - np.mean(a))
    assert got.significant == got.primary.significant
    assert got.a == summarize(a) and got.b == summarize(b)


def test_compare_unpaired_uses_independent_tests():
    a, b = UNPAIRED[5]
    got = compare("test_accuracy", a, b, paired=False)
    assert (got.primary.name, got.secondary.name) == ("Welch t-test", "Mann-Whitney U")
    assert got.effect_size == pytest.approx(cohens_d(a, b))
    assert got.difference < 0 and got.ci_high < 0 and got.significant


@pytest.mark.parametrize(
    ("a", "b", "paired"),
    [
        (PAIRED[1][0], PAIRED[1][1], True),
        ([0.9, 0.9, 0.9], [0.9, 0.9, 0.9], True),
        ([0.8, 0.7, 0.6], [0.9, 0.8, 0.7], True),
        ([0.8, 0.8], [0.9, 0.9, 0.9], False),
        ([0.8], [0.9], False),
    ],
)
def test_comparison_dict_is_strict_json(a, b, paired):
    record = compare("accuracy", a, b, paired=paired).to_dict()
    text = json.dumps(record, allow_nan=False)
    back = json.loads(text)
    assert back["metric"] == "accuracy" and back["paired"] is paired
    assert back["primary"]["significant"] in (True, False)
    assert set(back["a"]) == {"n", "mean", "std", "ci_low", "ci_high"}
