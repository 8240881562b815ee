"""Comparison studies: start one, follow it, analyse it, read its results, report and figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from healthopt.api.deps import StateDep, StudyDep
from healthopt.api.files import PLOT_NAME, FileMissing
from healthopt.api.jobs import RequestRejected
from healthopt.api.schemas.studies import (
    StudyAnalyzeRequest,
    StudyResults,
    StudyStarted,
    StudyStartRequest,
    StudyStatus,
)
from healthopt.api.studies import StudyConflict
from healthopt.api.work import QUEUE_FULL_RESPONSE

router = APIRouter(prefix="/comparison-study", tags=["studies"])
# Declared for every route, so generated clients know them.
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong bearer token (when the server has one)"},
    404: {"description": "no such study, or its file does not exist (yet)"},
    409: {"description": "the study is in a state that does not allow this"},
    413: {"description": "request body over the server's limit"},
}
PDF_MEDIA_TYPE = "application/pdf"


@router.post(
    "/start",
    response_model=StudyStarted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=QUEUE_FULL_RESPONSE,
)
def start_study(request: StudyStartRequest, state: StateDep) -> StudyStarted:
    """Queue a study: phase 1a, then phase 1b with `modules_to_run` when given."""
    try:
        metadata = state.studies.submit(request)
    except RequestRejected as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}],
        ) from None
    return StudyStarted(
        study_id=metadata.study_id,
        status_url=f"{router.prefix}/{metadata.study_id}/status",
    )


@router.get("", response_model=list[StudyStatus])
def list_studies(state: StateDep) -> list[StudyStatus]:
    """Every study on this server, newest first."""
    return state.studies.statuses()


@router.get("/{study_id}/status", response_model=StudyStatus)
def get_study_status(study: StudyDep, state: StateDep) -> StudyStatus:
    return state.studies.status(study.study_id, study)


@router.post(
    "/{study_id}/analyze", response_model=StudyStatus, status_code=status.HTTP_202_ACCEPTED
)
def analyze_study(
    study: StudyDep, state: StateDep, request: StudyAnalyzeRequest | None = None
) -> StudyStatus:
    """Queue phase 1b on a built study (again, with other modules, after an analysis)."""
    modules = (request or StudyAnalyzeRequest()).modules_to_run
    try:
        metadata = state.studies.analyze(study.study_id, modules)
    except StudyConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return state.studies.status(study.study_id, metadata)


@router.post("/{study_id}/cancel", response_model=StudyStatus)
def cancel_study(study: StudyDep, state: StateDep) -> StudyStatus:
    """Stop a running or waiting study; finished runs are kept and it can be resumed."""
    try:
        metadata = state.studies.cancel(study.study_id)
    except StudyConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return state.studies.status(study.study_id, metadata)


@router.get("/{study_id}/results", response_model=StudyResults)
def get_study_results(study: StudyDep, state: StateDep) -> StudyResults:
    """analysis_results/results.json, with each figure's download URL."""
    try:
        results = state.studies.results(study.study_id)
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"study {study.study_id} has no results yet ({study.phase}, {study.state})",
        ) from None
    modules = {
        name: module.model_copy(
            update={
                "figures": [
                    figure.model_copy(update={"url": _figure_url(study.study_id, figure.path)})
                    for figure in module.figures
                ]
            }
        )
        for name, module in results.modules.items()
    }
    return results.model_copy(update={"modules": modules})


@router.get(
    "/{study_id}/report/pdf",
    response_class=FileResponse,
    responses={200: {"content": {PDF_MEDIA_TYPE: {}}}},
)
def download_study_report(study: StudyDep, state: StateDep) -> FileResponse:
    try:
        path = state.studies.file(study.study_id, "report.pdf")
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"study {study.study_id} has no report yet ({study.phase}, {study.state})",
        ) from None
    return FileResponse(path, media_type=PDF_MEDIA_TYPE, filename=f"{study.study_id}_report.pdf")


@router.get(
    "/{study_id}/figures/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}},
)
def get_study_figure(study: StudyDep, state: StateDep, name: str) -> FileResponse:
    try:
        path = state.studies.file(study.study_id, name) if PLOT_NAME.match(name) else None
    except FileMissing:
        path = None
    if path is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"study {study.study_id} has no figure {name!r}"
        )
    return FileResponse(path, media_type="image/png")


def _figure_url(study_id: str, path: str) -> str | None:
    """The figure route's URL for a path under figures/ (the only figures the API serves)."""
    folder, _, name = path.rpartition("/")
    if folder != "figures" or not PLOT_NAME.match(name):
        return None
    return f"{router.prefix}/{study_id}/figures/{name}"
