"""Layer monitoring (seed 001) of one trial: its summary, and its self-contained HTML report.

The summary is the trial's `monitoring/training_summary.json` when it is there and no older
than the trial's `observer.json`; otherwise it is computed from `observer.json` (a trial
still running, or one written before layer monitoring), and nothing is written. The report
is served from `monitoring/monitoring_report.html`, drawn on demand from `observer.json` when
missing, stale, or written without its images (a trial whose plots were not drawn). Files
that are there but unreadable are `FileCorrupt` (409, naming the file and the problem):
never a summary that looks clean.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from healthopt.api.db import JobRecord
from healthopt.api.deps import FilesDep, JobDep
from healthopt.api.files import FileCorrupt, FileMissing, RunFiles, confine
from healthopt.jsonio import JSONFileError, read_json
from healthopt.monitoring import monitor
from healthopt.monitoring.folder import (
    OBSERVER_FILE,
    MonitoringInputError,
    NoEpochRecords,
    epoch_records,
)
from healthopt.monitoring.layout import (
    CLASS_STRIP_FILE,
    MONITORING_DIR,
    REPORT_FILE,
    SUMMARY_FILE,
)
from healthopt.optimize.assembly import trial_dir
from healthopt.records import EpochRecord
from healthopt.records.monitoring import MonitoringSummary

router = APIRouter(tags=["monitoring"])

TrialNumber = Annotated[int, PathParam(ge=0, le=10_000_000)]  # as plots.py bounds it
# The report is ours and needs no script: a browser that opens it from the API runs none, and
# loads nothing but its own inline styles and data: images.
REPORT_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"

# One lock per monitoring folder, so two requests for a missing report draw it once.
_drawing: dict[Path, threading.Lock] = {}
_drawing_guard = threading.Lock()


@router.get("/jobs/{job_id}/trials/{trial}/monitoring", response_model=MonitoringSummary)
def get_monitoring(job: JobDep, files: FilesDep, trial: TrialNumber) -> MonitoringSummary:
    folder = _trial_folder(job, files, trial)
    observer = _optional(files, folder / OBSERVER_FILE)
    summary_path = _optional(files, folder / MONITORING_DIR / SUMMARY_FILE)
    if summary_path is not None and _fresh(summary_path, observer):
        summary = files.read(MonitoringSummary, summary_path)
        if summary is not None:  # None: removed since it was found; compute it instead
            return summary
    return monitor(_epoch_records(job, files, trial, observer))


@router.get(
    "/jobs/{job_id}/trials/{trial}/monitoring/report",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
)
def get_monitoring_report(job: JobDep, files: FilesDep, trial: TrialNumber) -> HTMLResponse:
    folder = _trial_folder(job, files, trial)
    out = folder / MONITORING_DIR
    with _lock_for(out):
        # Under the lock: a request that waited finds the report the one before it drew.
        observer = _optional(files, folder / OBSERVER_FILE)
        report = _optional(files, out / REPORT_FILE)
        drawn = (out / CLASS_STRIP_FILE).is_file()
        if report is None or not drawn or not _fresh(report, observer):
            records = _epoch_records(job, files, trial, observer)
            title = f"{job.run_name} trial {trial}"
            every = _every(files, out)
            try:
                report = _draw(records, out, title, every)
            except OSError:
                # A results folder this server may not write (mounted read-only): draw it
                # aside and serve that, keeping nothing.
                return _html(_draw_aside(records, title, every))
        return _html(_text(files, report))


def _trial_folder(job: JobRecord, files: RunFiles, trial: int) -> Path:
    """The trial's folder, resolved inside the results folder; 404 when there is none."""
    folder = trial_dir(files.run_dir, trial)
    resolved: Path | None
    try:
        resolved = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        resolved = None
    if resolved is None or not resolved.is_dir() or not resolved.is_relative_to(files.results_dir):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job.id} has no trial {trial}")
    return resolved


def _optional(files: RunFiles, path: Path) -> Path | None:
    """`path` resolved when it is a file inside the results folder, else None."""
    try:
        return confine(files.results_dir, path)
    except FileMissing:
        return None


def _fresh(made: Path, observer: Path | None) -> bool:
    """Whether a file made from the epoch records is at least as new as they are (a report
    drawn while the trial ran is stale once it records another epoch)."""
    if observer is None:
        return True
    try:
        return made.stat().st_mtime_ns >= observer.stat().st_mtime_ns
    except OSError:
        return False


def _epoch_records(
    job: JobRecord, files: RunFiles, trial: int, observer: Path | None
) -> list[EpochRecord]:
    """The trial's epoch records: 404 when it has recorded none, FileCorrupt when its
    observer.json is not a list of epoch records (`monitoring.folder.epoch_records`)."""
    if observer is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"trial {trial} of job {job.id} has no {OBSERVER_FILE} (its epoch records) and no "
            f"{MONITORING_DIR}/{SUMMARY_FILE}: there is nothing to monitor",
        )
    name = files.relative(observer)
    try:
        return epoch_records(read_json(observer), name)
    except JSONFileError as exc:
        raise FileCorrupt(str(exc).replace(str(observer), name)) from None
    except NoEpochRecords as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except MonitoringInputError as exc:
        raise FileCorrupt(str(exc)) from None


def _lock_for(folder: Path) -> threading.Lock:
    with _drawing_guard:
        return _drawing.setdefault(folder, threading.Lock())


def _every(files: RunFiles, out: Path) -> int | None:
    """The monitoring frequency the trial's own summary used (its `monitor_every_epochs`),
    so a report drawn again keeps it; None (the default) when there is no readable one."""
    path = _optional(files, out / SUMMARY_FILE)
    try:
        summary = files.read(MonitoringSummary, path) if path is not None else None
    except FileCorrupt:
        return None  # drawing replaces it
    return summary.monitor_every if summary is not None else None


def _draw(records: list[EpochRecord], out: Path, title: str, every: int | None) -> Path:
    from healthopt.monitoring.report import write_monitoring  # draws with matplotlib

    write_monitoring(records, out, every=every, title=title)
    return out / REPORT_FILE


def _draw_aside(records: list[EpochRecord], title: str, every: int | None) -> str:
    with tempfile.TemporaryDirectory(prefix="healthopt-monitoring-") as scratch:
        return _draw(records, Path(scratch), title, every).read_text(encoding="utf-8")


def _text(files: RunFiles, report: Path) -> str:
    try:
        return report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileCorrupt(f"{files.relative(report)} is not readable: {exc}") from None


def _html(text: str) -> HTMLResponse:
    return HTMLResponse(text, headers={"Content-Security-Policy": REPORT_POLICY})
