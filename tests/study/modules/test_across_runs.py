from __future__ import annotations

from dataclasses import dataclass

from healthopt.records import Mode
from healthopt.study import stats
from healthopt.study.modules.across_runs import describe, metric_values


@dataclass
class Measured:
    index: int
    ece: float
    separation: float | None


def test_undefined_values_leave_the_comparison_and_pairs_stay_together():
    per_mode = {
        Mode.SIMPLE: [Measured(0, 0.1, 0.3), Measured(1, 0.1, None)],
        Mode.HEALTH_AWARE: [Measured(0, 0.1, 0.4), Measured(1, 0.1, 0.5)],
    }
    assert metric_values(per_mode, "separation", True) == ([0.3], [0.4], True)
    assert metric_values(per_mode, "separation", False) == ([0.3], [0.4, 0.5], True)
    assert metric_values(per_mode, "ece", True) == ([0.1, 0.1], [0.1, 0.1], False)


def test_describe_names_a_winner_only_when_significant():
    same = stats.compare("ECE", [0.10, 0.12, 0.11], [0.11, 0.12, 0.10], paired=True)
    assert "no significant difference" in describe(same, "ECE", "lower")
    lower = stats.compare("ECE", [0.30, 0.32, 0.31, 0.33], [0.10, 0.11, 0.10, 0.12], True)
    text = describe(lower, "ECE", "lower")
    assert "significantly lower (better)" in text and "n = 4 pairs" in text
    assert "significantly lower (worse)" in describe(lower, "Accuracy", "higher")


def test_describe_says_when_no_comparison_is_possible():
    same = stats.compare("Score", [0.5, 0.7], [0.5, 0.7], paired=True)
    text = describe(same, "Score")
    assert text.startswith("Score across runs: accuracy-only 0.6000, health-aware 0.6000")
    assert "no significant difference, p = 1, n = 2 pairs" in text
    shifted = stats.compare("Score", [0.5, 0.7], [0.6, 0.8], paired=True)
    assert "p undefined: every difference is the same" in describe(shifted, "Score")
    assert "cannot be compared" in describe(None, "Score")


def test_comparison_rows_follow_the_metric_order_with_the_primary_test():
    from healthopt.study.modules.across_runs import COMPARISON_TEST_COLUMNS, comparison_rows, pct

    comparisons = {
        "ece": stats.compare("ECE", [0.2, 0.3], [0.1, 0.3], paired=True),
        "brier": stats.compare("Brier", [0.5, 0.6], [0.5, 0.7], paired=False),
    }
    rows = comparison_rows(comparisons, {"brier": ("Brier", "lower"), "ece": ("ECE", "lower")})
    assert [r[0] for r in rows] == ["Brier", "ECE"]
    assert rows[1][1:4] == [0.25, 0.2, comparisons["ece"].difference]
    assert [r[5] for r in rows] == ["Welch t-test", "paired t-test"]
    assert all(len(r) == len(COMPARISON_TEST_COLUMNS) for r in rows)
    assert (pct(0.1234), pct(None)) == ("12.34%", "n/a")
