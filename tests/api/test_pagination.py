"""Pages of a trial list (`healthopt.api.pagination`): the cut both trial-list routes share,
on crafted records whose every page is known."""

from __future__ import annotations

import pytest

from healthopt.api.pagination import TrialPageQuery, page_of
from healthopt.records import TrialRecord

# Out of number order, as results.json may hold them after a resume.
TRIALS = [
    TrialRecord(number=3, state="COMPLETE", total_score=0.7),
    TrialRecord(number=0, state="COMPLETE", total_score=0.9),
    TrialRecord(number=4, state="PRUNED"),
    TrialRecord(number=1, state="FAIL"),
    TrialRecord(number=2, state="COMPLETE", total_score=0.9),
    TrialRecord(number=5, state="COMPLETE", total_score=0.95),
]


def numbers(query: TrialPageQuery) -> list[int]:
    return [t.number for t in page_of(TRIALS, query).trials]


def test_pages_run_by_number_and_say_where_the_next_starts():
    first = page_of(TRIALS, TrialPageQuery(offset=0, limit=4))
    assert [t.number for t in first.trials] == [0, 1, 2, 3]
    assert (first.total, first.next_offset) == (6, 4)
    last = page_of(TRIALS, TrialPageQuery(offset=4, limit=4))
    assert [t.number for t in last.trials] == [4, 5] and last.next_offset is None
    assert page_of(TRIALS, TrialPageQuery(offset=2, limit=4)).next_offset is None  # ends at 6


def test_a_page_past_the_end_is_empty_with_the_total():
    past = page_of(TRIALS, TrialPageQuery(offset=10, limit=4))
    assert (past.trials, past.total, past.next_offset) == ([], 6, None)


def test_score_order_puts_the_best_first_and_the_unscored_last_in_number_order():
    # 0 and 2 tie at 0.9: number order; failed 1 and pruned 4 have no score.
    assert numbers(TrialPageQuery(limit=10, order="score")) == [5, 0, 2, 3, 1, 4]
    assert numbers(TrialPageQuery(offset=3, limit=2, order="score")) == [3, 1]


@pytest.mark.parametrize(
    ("state", "expected"), [("COMPLETE", [0, 2, 3, 5]), ("FAIL", [1]), ("PRUNED", [4])]
)
def test_the_state_filter_counts_only_its_trials(state, expected):
    page = page_of(TRIALS, TrialPageQuery(limit=2, state=state))
    assert page.total == len(expected)
    assert [t.number for t in page.trials] == expected[:2]
    assert page.next_offset == (2 if len(expected) > 2 else None)
