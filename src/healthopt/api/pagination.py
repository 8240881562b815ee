"""Pages of a trial list: the query every trial-list route takes, and the page it answers.

A run of 1,000 trials holds megabytes of trial records; no route sends them all at once, so
the dashboard can show the first cards while the rest stay on the server. `/runs/{run}/trials`
and `/jobs/{job_id}/trials` take the same query (`TrialPageQueryDep`) and cut the same page
(`page_of`), so a client pages through either the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query

from healthopt.records import TrialRecord

TrialStateName = Literal["COMPLETE", "PRUNED", "FAIL"]
TrialOrder = Literal["number", "score"]

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class TrialPageQuery:
    """Which page of a trial list to send: `limit` trials from `offset`, in `order`, of one
    `state` or of every state when it is None."""

    offset: int = 0
    limit: int = DEFAULT_LIMIT
    state: TrialStateName | None = None
    order: TrialOrder = "number"


def trial_page_query(
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    state: Annotated[TrialStateName | None, Query(description="only trials in this state")] = None,
    order: Annotated[
        TrialOrder,
        Query(
            description="by trial number, or by total score, highest first, with unscored "
            "(pruned or failed) trials last; equal scores keep number order"
        ),
    ] = "number",
) -> TrialPageQuery:
    return TrialPageQuery(offset=offset, limit=limit, state=state, order=order)


TrialPageQueryDep = Annotated[TrialPageQuery, Depends(trial_page_query)]


@dataclass(frozen=True)
class Page:
    """The trials of one page, how many pass the filter in all, and where the next page
    starts (None on the last page)."""

    trials: list[TrialRecord]
    total: int
    next_offset: int | None


def page_of(trials: Sequence[TrialRecord], query: TrialPageQuery) -> Page:
    """The page of `trials` (in any order) that `query` asks for."""
    chosen = sorted(
        (t for t in trials if query.state is None or t.state == query.state),
        key=lambda t: t.number,
    )
    if query.order == "score":
        # Stable: equal scores, and every unscored trial, keep number order.
        chosen.sort(key=lambda t: -t.total_score if t.total_score is not None else float("inf"))
    end = query.offset + query.limit
    return Page(
        trials=chosen[query.offset : end],
        total=len(chosen),
        next_offset=end if end < len(chosen) else None,
    )
