"""Study statistics against scipy's own calls and hand-computed answers.

Every public function of stats.py is walked on crafted samples (n = 3, 5, 6 and 20, with tied
and zero differences) and must agree with the scipy call it stands for to 1e-12; a coverage test
fails when a public function is added without a reference here.
"""

from __future__ import annotations

import inspect
import json
import math
import typing
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats as st

from healthopt.study import stats
from healthopt.study.stats import (
    ALPHA,
    Comparison,
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


def same(value: float) -> typing.Any:
    return pytest.approx(value, abs=1e-12, rel=0)


RNG = np.random.default_rng(7)
_A20 = np.arange(20, dtype=float)
# differences with zeros (three) and tied magnitudes, so scipy's auto method goes asymptotic
_D20_TIED = np.array([0, 0, 1, 1, 2, -1, 3, 2, -2, 4, 1, 5, 0, 3, -3, 6, 2, 7, 4, 8], float)
# distinct magnitudes 1..20, every fourth negative: scipy's exact null distribution
_D20_DISTINCT = np.array([(i + 1) * (-1 if i % 4 == 1 else 1) for i in range(20)], float)

# (a, b) pairs of equal length; every one has spread in b - a (degenerate cases are tested apart)
PAIRED = [
    ([0.70, 0.75, 0.80], [0.71, 0.77, 0.83]),  # n=3, distinct positive differences
    ([1.0, 2.0, 3.0], [2.0, 2.0, 4.0]),  # n=3, a zero and a tie
    ([0.80, 0.81, 0.79, 0.82, 0.78], [0.81, 0.83, 0.82, 0.86, 0.83]),  # n=5, all positive
    ([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 3.0, 3.0, 6.0, 3.0]),  # n=5, d = 1, 1, 0, 2, -2
    ([5.0, 6.0, 7.0, 8.0, 9.0, 10.0], [4.0, 4.5, 7.0, 7.5, 7.0, 9.0]),  # n=6, b below, tie, zero
    ([0.5, 0.6, 0.55, 0.7, 0.65, 0.62], [0.58, 0.57, 0.66, 0.69, 0.8, 0.6]),  # n=6, mixed signs
    (list(_A20), list(_A20 + _D20_TIED)),  # n=20, ties and zeros
    (list(_A20), list(_A20 + _D20_DISTINCT)),  # n=20, no ties
    (list(RNG.normal(0.0, 1.0, 20)), list(RNG.normal(0.3, 1.2, 20))),  # n=20, continuous
]
# (a, b) samples of possibly unequal length, with ties across and within samples
UNPAIRED = [
    *PAIRED,
    ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),  # exact Mann-Whitney: p = 2 / C(6, 3)
    ([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0, 5.0, 5.0]),
    ([0.9, 0.85, 0.88], [0.7, 0.75, 0.72, 0.71, 0.74, 0.73, 0.7]),
    ([0.5, 0.5, 0.5], [0.4, 0.6, 0.7, 0.3, 0.55]),  # a constant, b not: Welch is defined
    (list(RNG.normal(0.0, 1.0, 6)), list(RNG.normal(0.5, 1.0, 20))),  # exact: one sample <= 8
    (list(RNG.normal(0.0, 1.0, 12)), list(RNG.normal(-0.5, 3.0, 30))),
]
# (only a right, only b right, both right, neither) for McNemar
MCNEMAR = [(3, 12, 40, 5), (10, 10, 3, 3), (0, 7, 1, 1), (1, 0, 0, 0), (25, 14, 100, 30)]


def _correctness(only_a: int, only_b: int, both: int, neither: int) -> tuple[list, list]:
    ca = [True] * only_a + [False] * only_b + [True] * both + [False] * neither
    cb = [False] * only_a + [True] * only_b + [True] * both + [False] * neither
    return ca, cb


Fields = list[tuple[str, typing.Any, typing.Any]]  # (what, module's value, scipy's value)


def _t_fields(got: TestResult, ref: typing.Any) -> Fields:
    return [
        ("statistic", got.statistic, ref.statistic),
        ("p_value", got.p_value, ref.pvalue),
        ("df", got.df, ref.df),
    ]


def _wilcoxon_fields(got: TestResult, a: list, b: list) -> Fields:
    d = np.subtract(b, a)
    return [
        # scipy's defaults: method="auto", zero_method="wilcox", no continuity correction
        ("p_value", got.p_value, st.wilcoxon(d).pvalue),
        # the one-sided "greater" statistic is W+, the one this module reports
        ("statistic", got.statistic, st.wilcoxon(d, alternative="greater").statistic),
    ]


def _mann_whitney_fields(got: TestResult, a: list, b: list) -> Fields:
    ref = st.mannwhitneyu(b, a)  # U of b; two-sided, method="auto", continuity correction
    return [("statistic", got.statistic, ref.statistic), ("p_value", got.p_value, ref.pvalue)]


def _summary_fields(got: stats.Summary, x: list, confidence: float = 0.95) -> Fields:
    if np.ptp(x) == 0:  # scipy's interval needs a scale > 0 (NaN); the module's is the point
        low = high = np.mean(x)
    else:
        low, high = st.t.interval(confidence, len(x) - 1, loc=np.mean(x), scale=st.sem(x))
    return [
        ("n", got.n, len(x)),
        ("mean", got.mean, np.mean(x)),
        ("std", got.std, np.std(x, ddof=1)),
        ("ci_low", got.ci_low, low),
        ("ci_high", got.ci_high, high),
    ]


def _interval_fields(got: tuple, a: list, b: list, paired: bool, confidence: float) -> Fields:
    ref = st.ttest_rel(b, a) if paired else st.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(confidence)
    diff, low, high = got
    return [
        ("difference", diff, np.mean(b) - np.mean(a)),
        ("ci_low", low, ci.low),
        ("ci_high", high, ci.high),
    ]


def _compare_fields(a: list, b: list, paired: bool) -> Fields:
    got = compare("metric", a, b, paired=paired)
    primary = st.ttest_rel(b, a) if paired else st.ttest_ind(b, a, equal_var=False)
    secondary = _wilcoxon_fields if paired else _mann_whitney_fields
    return [
        *_t_fields(got.primary, primary),
        *secondary(got.secondary, a, b),
        *_interval_fields((got.difference, got.ci_low, got.ci_high), a, b, paired, 0.95),
        *_summary_fields(got.a, a),
        *_summary_fields(got.b, b),
    ]


def _mcnemar_fields(only_a: int, only_b: int, both: int, neither: int) -> Fields:
    got = mcnemar_exact(*(np.array(c) for c in _correctness(only_a, only_b, both, neither)))
    ref = st.binomtest(only_b, only_a + only_b, 0.5, alternative="two-sided")
    return [("p_value", got.p_value, ref.pvalue), ("statistic", got.statistic, only_b)]


# Public function -> (its crafted cases, the module's values paired with scipy's for a case).
REFERENCES: dict[str, tuple[list, Callable[..., Fields]]] = {
    "paired_t_test": (PAIRED, lambda a, b: _t_fields(paired_t_test(a, b), st.ttest_rel(b, a))),
    "welch_t_test": (
        UNPAIRED,
        lambda a, b: _t_fields(welch_t_test(a, b), st.ttest_ind(b, a, equal_var=False)),
    ),
    "wilcoxon_signed_rank": (
        PAIRED,
        lambda a, b: _wilcoxon_fields(wilcoxon_signed_rank(a, b), a, b),
    ),
    "mann_whitney_u": (UNPAIRED, lambda a, b: _mann_whitney_fields(mann_whitney_u(a, b), a, b)),
    "mcnemar_exact": (MCNEMAR, _mcnemar_fields),
    "summarize": (
        [(x, c) for x in (PAIRED[0][0], PAIRED[3][1], UNPAIRED[-1][1]) for c in (0.9, 0.95)],
        lambda x, c: _summary_fields(summarize(x, confidence=c), x, c),
    ),
    "mean_difference_ci": (
        [(a, b, True, c) for a, b in PAIRED for c in (0.9, 0.95)]
        + [(a, b, False, c) for a, b in UNPAIRED for c in (0.9, 0.95)],
        lambda a, b, p, c: _interval_fields(mean_difference_ci(a, b, p, c), a, b, p, c),
    ),
    "compare": (
        [(a, b, True) for a, b in PAIRED] + [(a, b, False) for a, b in UNPAIRED],
        _compare_fields,
    ),
}
# Public functions scipy has no counterpart for, with where they are tested instead.
WITHOUT_SCIPY_REFERENCE = {
    "cohens_d": "test_cohens_d_by_hand",
    "cohens_dz": "test_cohens_dz_by_hand",
}
WALK = [(name, case) for name, (cases, _) in REFERENCES.items() for case in cases]


# scipy's reference call warns on the constant sample of UNPAIRED; the module silences that one
@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")
@pytest.mark.parametrize(
    ("name", "case"), WALK, ids=[f"{name}-{i}" for i, (name, _) in enumerate(WALK)]
)
def test_every_value_matches_scipy(name, case):
    fields = REFERENCES[name][1](*case)
    for what, got, want in fields:
        assert got is not None, what  # the crafted cases are all defined
        assert got == same(want), what


def _public_functions() -> dict[str, Callable]:
    return {
        name: f
        for name, f in inspect.getmembers(stats, inspect.isfunction)
        if f.__module__ == stats.__name__ and not name.startswith("_")
    }


def test_every_public_function_has_a_reference():
    public = _public_functions()
    assert set(public) == set(REFERENCES) | set(WITHOUT_SCIPY_REFERENCE)
    assert not set(REFERENCES) & set(WITHOUT_SCIPY_REFERENCE)
    # whatever returns a p-value must be compared with scipy, not merely listed
    returns_p = {
        name
        for name, f in public.items()
        if typing.get_type_hints(f)["return"] in (TestResult, Comparison)
    }
    assert returns_p == {
        "paired_t_test",
        "welch_t_test",
        "wilcoxon_signed_rank",
        "mann_whitney_u",
        "mcnemar_exact",
        "compare",
    }
    assert returns_p <= set(REFERENCES)
    for test in WITHOUT_SCIPY_REFERENCE.values():
        assert callable(globals()[test])


def test_five_positive_pairs_are_not_significant():
    # exact: only all-positive and all-negative signs reach W+ = 15 or 0, 2 / 2**5; the normal
    # approximation gave 0.043 and called it significant
    a, b = PAIRED[2]
    got = wilcoxon_signed_rank(a, b)
    assert (got.statistic, got.p_value) == (15.0, same(0.0625))
    assert not got.significant
    assert compare("accuracy", a, b, paired=True).secondary.p_value == same(0.0625)


def test_three_positive_pairs_give_a_quarter():
    got = wilcoxon_signed_rank(*PAIRED[0])
    assert (got.statistic, got.p_value) == (6.0, same(0.25))  # 2 / 2**3


def test_wilcoxon_with_ties_and_a_zero_is_exact():
    # d = 1, 1, 0, 2, -2: the zero is dropped, |d| ranks 1.5, 1.5, 3.5, 3.5, W+ = 6.5. Of the 16
    # sign patterns, 6 give W+ >= 6.5 (and 6 give W+ <= 3.5): p = 2 * 6 / 16.
    got = wilcoxon_signed_rank(*PAIRED[3])
    assert (got.statistic, got.p_value) == (6.5, same(0.75))
    assert "1 zero differences dropped" in got.note


def test_wilcoxon_without_ties_uses_the_exact_distribution():
    for a, b in (PAIRED[0], PAIRED[2], PAIRED[5], PAIRED[7]):
        ref = st.wilcoxon(np.subtract(b, a), method="exact")
        assert wilcoxon_signed_rank(a, b).p_value == same(ref.pvalue)


def test_mann_whitney_small_samples_are_exact():
    # U = 9 is the largest of the C(6, 3) = 20 equally likely splits: p = 2 / 20
    got = mann_whitney_u([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert (got.statistic, got.p_value) == (9.0, same(0.1))


def test_mcnemar_five_discordant_pairs_all_one_way():
    got = mcnemar_exact([False] * 5 + [True] * 10, [True] * 15)
    assert (got.statistic, got.p_value) == (5.0, same(0.0625))  # 2 / 2**5


def test_float_noise_ties_like_exact_values():
    # 0.3 - 0.2 and 0.4 - 0.3 differ in the last bits; as accuracies they are the same gain
    a, b = [0.2, 0.3, 0.5], [0.3, 0.4, 0.6]
    assert paired_t_test(a, b).p_value is None
    got = wilcoxon_signed_rank(a, b)
    exact = wilcoxon_signed_rank([2.0, 3.0, 5.0], [3.0, 4.0, 6.0])
    assert (got.statistic, got.p_value) == (exact.statistic, exact.p_value)
    mixed = mann_whitney_u([0.1, 0.2, 0.3], [0.1 + 0.2, 0.4, 0.5])  # 0.30000000000000004
    assert mixed.p_value == mann_whitney_u([1.0, 2.0, 3.0], [3.0, 4.0, 5.0]).p_value


def test_mcnemar_without_discordant_pairs_is_p_one():
    got = mcnemar_exact([True, False, True], [True, False, True])
    assert (got.statistic, got.p_value) == (0.0, 1.0)


def test_mcnemar_rejects_bad_input():
    with pytest.raises(ValueError, match="equal lengths"):
        mcnemar_exact([True, False], [True])
    with pytest.raises(ValueError, match="boolean"):
        mcnemar_exact([0.5, 1.0], [1.0, 1.0])
    assert mcnemar_exact([], []).p_value is None


def test_summary_interval_widens_with_confidence():
    assert summarize(PAIRED[3][1], confidence=0.99).ci_low < summarize(PAIRED[3][1]).ci_low


def test_cohens_d_by_hand():
    # means 2 and 4, variances 1 and 4 (ddof=1), pooled sd sqrt((2*1 + 2*4) / 4) = sqrt(2.5)
    assert cohens_d([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == same(2 / math.sqrt(2.5))
    assert cohens_d([2.0, 4.0, 6.0], [1.0, 2.0, 3.0]) == same(-2 / math.sqrt(2.5))


def test_cohens_dz_by_hand():
    # differences 1, 2, 6: mean 3, sd sqrt(7)
    assert cohens_dz([1.0, 1.0, 1.0], [2.0, 3.0, 7.0]) == same(3 / math.sqrt(7))


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


def test_all_zero_differences_give_p_one():
    got = wilcoxon_signed_rank([0.7, 0.8, 0.9], [0.7, 0.8, 0.9])  # scipy alone says NaN
    assert (got.statistic, got.p_value, got.note) == (0.0, 1.0, "every difference is zero")
    assert paired_t_test([0.7, 0.8, 0.9], [0.7, 0.8, 0.9]).p_value == 1.0


def test_constant_nonzero_difference_is_undefined():
    got = paired_t_test([0.8, 0.7, 0.6], [0.9, 0.8, 0.7])
    assert got.p_value is None and got.statistic is None
    assert got.note == "every difference is the same; the t-test is undefined"
    assert not got.significant
    welch = welch_t_test([0.8, 0.8], [0.9, 0.9, 0.9])
    assert welch.p_value is None and welch.note == got.note
    # the rank test is still defined: three equal positive differences, exact p = 2 / 2**3
    assert wilcoxon_signed_rank([0.8, 0.7, 0.6], [0.9, 0.8, 0.7]).p_value == same(0.25)


def test_constant_samples_have_point_intervals():
    assert summarize([0.9, 0.9, 0.9]).record().to_json() == {
        "n": 3,
        "mean": 0.9,
        "std": 0.0,
        "ci_low": 0.9,
        "ci_high": 0.9,
    }
    assert mean_difference_ci([1.0, 1.0], [2.0, 2.0], paired=False) == (1.0, 1.0, 1.0)
    assert mean_difference_ci([1.0, 2.0], [2.0, 3.0], paired=True) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "test", [paired_t_test, welch_t_test, wilcoxon_signed_rank, mann_whitney_u]
)
def test_fewer_than_two_values_is_undefined(test):
    for a, b in (([1.0], [2.0]), ([], [])):
        got = test(a, b)
        assert got.p_value is None and got.statistic is None
        assert "fewer than two" in got.note


def test_small_samples_summarize_without_nan():
    assert summarize([]).record().to_json() == {
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


@pytest.mark.filterwarnings("error")  # scipy's NaN paths warn first; none may be reached
def test_every_p_value_is_a_probability():
    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(2, 9))
        # few distinct values: many ties, zero differences and constant samples
        a, b = rng.integers(0, 3, n) / 2, rng.integers(0, 3, n) / 2
        got = compare("m", a, b, paired=True), compare("m", a, b[: n - 1], paired=False)
        tests = [c.primary for c in got] + [c.secondary for c in got]
        for result in [*tests, mcnemar_exact(a > 0.5, b > 0.5)]:
            assert result.p_value is None or 0.0 <= result.p_value <= 1.0
            assert result.statistic is None or math.isfinite(result.statistic)
        json.dumps([c.record().to_json() for c in got], allow_nan=False)


def test_significance_uses_alpha():
    assert ALPHA == 0.05
    assert TestResult("x", 1.0, 0.049, 3, 3).significant
    assert not TestResult("x", 1.0, 0.05, 3, 3).significant
    assert not TestResult("x", None, None, 3, 3).significant


def test_compare_paired_uses_paired_tests():
    a, b = PAIRED[4]
    got = compare("val_accuracy", a, b, paired=True)
    assert (got.primary.name, got.secondary.name) == ("paired t-test", "Wilcoxon signed-rank")
    assert got.effect_size == cohens_dz(a, b)
    assert got.significant == got.primary.significant
    assert got.a == summarize(a) and got.b == summarize(b)


def test_compare_unpaired_uses_independent_tests():
    a, b = UNPAIRED[11]
    got = compare("test_accuracy", a, b, paired=False)
    assert (got.primary.name, got.secondary.name) == ("Welch t-test", "Mann-Whitney U")
    assert got.effect_size == cohens_d(a, b)
    assert got.difference < 0 and got.ci_high < 0 and got.significant


@pytest.mark.parametrize(
    ("a", "b", "paired"),
    [
        (PAIRED[3][0], PAIRED[3][1], True),
        ([0.9, 0.9, 0.9], [0.9, 0.9, 0.9], True),
        ([0.8, 0.7, 0.6], [0.9, 0.8, 0.7], True),
        ([0.8, 0.8], [0.9, 0.9, 0.9], False),
        ([0.8], [0.9], False),
    ],
)
def test_comparison_record_is_strict_json(a, b, paired):
    record = compare("accuracy", a, b, paired=paired).record()
    back = json.loads(record.to_json_text())
    assert back["metric"] == "accuracy" and back["paired"] is paired
    assert back["primary"]["significant"] in (True, False)
    assert set(back["a"]) == {"n", "mean", "std", "ci_low", "ci_high"}
