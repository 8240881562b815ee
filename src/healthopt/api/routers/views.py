"""A whole run's views (`runs.views`): Optuna's figures as plotly JSON, importances and the
impact heatmap, for any run folder in the results folder."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter

from healthopt.api.deps import RunDep
from healthopt.api.files import FileCorrupt
from healthopt.records.views import RunViews
from healthopt.runs.index import RunFolder, RunUnreadable, read_results
from healthopt.runs.views import run_views

router = APIRouter(tags=["runs"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "no run of that name in the server's results folder"},
    409: {"description": "the run's results.json is unreadable; the reason names it"},
}


@functools.lru_cache(maxsize=16)
def _views_of(run: RunFolder, inode: int, mtime_ns: int, size: int) -> RunViews:
    """The views of one version of a run's results.json (its inode, mtime and size: the
    optimizer replaces the file atomically on every write). fANOVA and the figures take
    seconds, so a dashboard reloading a finished run gets them from here."""
    return run_views(run, read_results(run))


def views_of(run: RunFolder) -> RunViews:
    """The run's views, computed once per version of its results.json; RunUnreadable when
    the file is there but unreadable."""
    try:
        stat = run.results_file.stat()
    except FileNotFoundError:
        return run_views(run, None)  # no trial finished yet: every view says so
    return _views_of(run, stat.st_ino, stat.st_mtime_ns, stat.st_size)


@router.get("/runs/{run}/views", response_model=RunViews, responses=RESPONSES)
def get_views(run: RunDep) -> RunViews:
    """Optimization history, parameter importance (fANOVA and PED-ANOVA, for accuracy and for
    health), parallel coordinates, the impact heatmap and, in pareto runs, the Pareto front.
    A view that cannot be drawn has `figure` null and a `note` saying why."""
    try:
        return views_of(run)
    except RunUnreadable as exc:  # a 409 naming the file, never an empty run
        raise FileCorrupt(str(exc)) from None
