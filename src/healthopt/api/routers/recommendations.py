"""A run's statistically backed recommendations (`runs.recommendations`), for any run folder."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from healthopt.api.deps import RunDep
from healthopt.api.files import FileCorrupt
from healthopt.records.recommendations import RecommendationReport
from healthopt.runs.index import RunUnreadable, read_results
from healthopt.runs.recommendations import no_results_report, recommend_run

router = APIRouter(tags=["runs"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "no run of that name in the server's results folder"},
    409: {"description": "the run's results.json is unreadable; the reason names it"},
}


@router.get("/runs/{run}/recommendations", response_model=RecommendationReport, responses=RESPONSES)
def get_recommendations(run: RunDep) -> RecommendationReport:
    """Each topic's recommendation with its test, or the reason there is none. A run with no
    finished trial yet has every topic insufficient; past runs on the same dataset in the
    results folder feed the historical topic (unreadable ones are named in `notes`)."""
    try:
        results = read_results(run)
    except RunUnreadable as exc:  # a 409 naming the file, never an empty report
        raise FileCorrupt(str(exc)) from None
    if results is None:
        return no_results_report(run)
    return recommend_run(run, results)
