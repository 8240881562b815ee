"""A run folder summed up (`RunSummary`) and shown in full (`RunDetail`), from its files alone.

Whether a server's job wrote the folder is the caller's to say (`JobInfo`): the jobs table
belongs to the API, which this package never imports. A summary is built for every run of a
listing, so an unreadable file gives a summary with `error` set (and no counts) instead of
an exception; the detail of such a run raises `RunUnreadable`, the same as `read_results`.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from healthopt.health.scoring import composite_health
from healthopt.jsonio import JSONFileError, read_json
from healthopt.optimize.resume import CONFIG_FILE
from healthopt.records import FAIL, PRUNED, RunResults
from healthopt.records.browse import JobInfo, RunDetail, RunSummary
from healthopt.runs.index import RunFolder, RunUnreadable, read_results


def read_settings(run: RunFolder) -> dict[str, Any] | None:
    """The run's config.json as stored; None when it has none, RunUnreadable when it is
    there but is not a JSON object."""
    path = run.path / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except JSONFileError as exc:
        raise RunUnreadable(str(exc).replace(str(path), f"{run.name}/{CONFIG_FILE}")) from None
    if not isinstance(data, dict):
        raise RunUnreadable(
            f"{run.name}/{CONFIG_FILE} is not readable: a JSON object was expected, "
            f"got {type(data).__name__}"
        )
    return data


def run_summary(run: RunFolder, job: JobInfo | None = None) -> RunSummary:
    """`run` at a glance; `job` is the server's job that wrote it, None for a CLI run."""
    return _with_job(_cached_summary(run.name, run.path, _signature(run)), job)


def run_detail(run: RunFolder, job: JobInfo | None = None) -> RunDetail:
    """`run` in full; RunUnreadable when its results.json or config.json cannot be read."""
    results = read_results(run)
    settings = read_settings(run)
    summary = _with_job(_summary(run, results, settings), job)
    if results is None:
        return RunDetail(summary=summary, settings=settings or {})
    return RunDetail(
        summary=summary,
        settings=settings or {},
        scoring_weights=results.scoring_weights,
        selection=results.selection,
        compute=results.compute,
        pareto_front=results.pareto_front,
        ranking=results.ranking,
        baselines=results.baselines,
    )


def _with_job(summary: RunSummary, job: JobInfo | None) -> RunSummary:
    """`summary` as the run of `job`: a job's run is over when the job is, not before."""
    if job is None:
        return summary
    return summary.model_copy(
        update={
            "source": "job",
            "job_id": job.job_id,
            "job_status": job.status,
            "finished": job.finished,
        }
    )


FileVersion = tuple[int, int, int] | None  # inode, mtime (ns), size; None: no file


def _signature(run: RunFolder) -> tuple[FileVersion, ...]:
    """Which versions of the run's two files a summary was built from (inode, mtime, size):
    the optimizer replaces results.json atomically, so a new version is a new signature."""
    signature: list[FileVersion] = []
    for path in (run.results_file, run.path / CONFIG_FILE):
        try:
            stat = path.stat()
        except OSError:
            signature.append(None)
            continue
        signature.append((stat.st_ino, stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


# A listing reads every run's results.json; a dashboard polls it, and most runs are finished
# and never change, so each version of a run's files is parsed once.
@functools.lru_cache(maxsize=512)
def _cached_summary(name: str, path: Path, signature: tuple[FileVersion, ...]) -> RunSummary:
    run = RunFolder(name, path)
    settings: dict[str, Any] | None = None
    settings_error: str | None = None
    try:
        settings = read_settings(run)
    except RunUnreadable as exc:
        settings_error = str(exc)
    try:
        results = read_results(run)
    except RunUnreadable as exc:
        return _from_settings(run, settings, str(exc))
    summary = _summary(run, results, settings)
    if settings_error is not None:
        return summary.model_copy(update={"error": settings_error})
    return summary


def _from_settings(
    run: RunFolder, settings: dict[str, Any] | None, error: str | None = None
) -> RunSummary:
    """What config.json alone says (no trial counts): a run before its first trial
    finished, or one whose results.json cannot be read (`error`)."""
    known = settings or {}
    return RunSummary(
        name=run.name,
        dataset=_text(known.get("dataset_name")),
        mode=_text(known.get("mode")),
        source="cli",
        finished=False,
        trials_requested=_count(known.get("trials")),
        modified=_iso(run.modified),
        error=error,
    )


def _summary(
    run: RunFolder, results: RunResults | None, settings: dict[str, Any] | None
) -> RunSummary:
    if results is None:
        return _from_settings(run, settings)
    counted = [t for t in results.trials if not t.interrupted]
    best = results.best()
    finished = results.optimized_model_path is not None or len(counted) >= results.trials_requested
    return RunSummary(
        name=run.name,
        dataset=results.dataset,
        mode=str(results.mode),
        source="cli",
        finished=finished,
        trials_requested=results.trials_requested,
        trials_finished=len(counted),
        trials_complete=sum(1 for t in counted if t.complete),
        trials_pruned=sum(1 for t in counted if t.state == PRUNED),
        trials_failed=sum(1 for t in counted if t.state == FAIL),
        best_trial=results.best_trial,
        best_value=results.best_value,
        best_val_accuracy=best.metrics.val_accuracy if best is not None else None,
        best_health_score=composite_health(best) if best is not None else None,
        modified=_iso(run.modified),
    )


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
