"""Runs side by side: `GET /compare?runs=a&runs=b`, the same comparison `healthopt compare`
prints, for any runs in the server's results folder (its jobs' and CLI runs alike)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from healthopt.api.deps import StateDep
from healthopt.records.compare import RunComparison
from healthopt.runs.compare import ComparisonError, compare_runs
from healthopt.runs.index import (
    RESULTS_FILE,
    RunNotFound,
    RunUnreadable,
    find_run,
    read_results,
)

router = APIRouter(tags=["compare"])
# More runs than a page can show side by side is a mistake, and each one is read in full.
MAX_COMPARED_RUNS = 20

RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": "a named run does not exist"},
    409: {"description": "a run's results.json is unreadable, or it has none yet"},
    422: {"description": "fewer than two runs, or one named twice"},
}


def run_names(values: list[str]) -> list[str]:
    """The run names of `?runs=`: repeated parameters, comma-separated values, or both."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@router.get("/compare", response_model=RunComparison, responses=RESPONSES)
def get_comparison(
    state: StateDep,
    runs: Annotated[
        list[str],
        Query(
            description="run names: repeat the parameter (runs=a&runs=b) or separate them "
            "with commas (runs=a,b); at least two",
        ),
    ],
) -> RunComparison:
    """Two or more runs compared: best metrics, health, params, settings and learning curves,
    and per metric whether the runs' complete trials differ by more than noise."""
    names = run_names(runs)
    if len(names) < 2:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"compare needs at least two runs, got {len(names)}",
        )
    if len(names) > MAX_COMPARED_RUNS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"compare takes at most {MAX_COMPARED_RUNS} runs, got {len(names)}",
        )
    pairs = []
    for name in names:
        try:
            folder = find_run(state.results_dir, name)
        except RunNotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        try:
            results = read_results(folder)
        except RunUnreadable as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        if results is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"run {name} has no {RESULTS_FILE} yet: no trial of it has finished",
            )
        pairs.append((folder, results))
    try:
        return compare_runs(pairs)
    except ComparisonError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
