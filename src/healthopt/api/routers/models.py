"""Best model: its numbers and architecture view, that view as a file (JSON, or an SVG or PDF
diagram), the .keras model, and optimized_model/ as one ZIP."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from healthopt.api.db import JobRecord
from healthopt.api.deps import FilesDep, JobDep
from healthopt.api.downloads import zip_download
from healthopt.api.files import FileCorrupt, FileMissing, RunFiles, zip_folder
from healthopt.api.model_health import (
    AnalysisFile,
    DiagnosticsFile,
    diagnostics_summary,
    layer_health,
)
from healthopt.api.schemas.models import BestModel, BestModelDiagnostics, LayerHealth
from healthopt.health.scoring import composite_health
from healthopt.records import HealthValues, RunResults, TrialRecord
from healthopt.visualization import ArchitectureView, architecture_visualization, build_view

if TYPE_CHECKING:
    from healthopt.visualization.diagram import DiagramFormat

router = APIRouter(tags=["models"])
log = logging.getLogger(__name__)
KERAS_MEDIA_TYPE = "application/octet-stream"
SVG_MEDIA_TYPE = "image/svg+xml"
PDF_MEDIA_TYPE = "application/pdf"


def _best_record(job: JobRecord, files: RunFiles, results: RunResults | None) -> TrialRecord:
    record = files.best_record(results)
    if record is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"job {job.id} has no completed trial yet ({job.status})"
        )
    return record


def architecture_view(files: RunFiles, record: TrialRecord) -> ArchitectureView | None:
    """A trial's architecture view, coloured by its accuracy and health, with the forward
    signals its observer.json holds; None when the trial has no architecture.json or it lists
    no layers (FileCorrupt when it is unreadable)."""
    architecture = files.architecture(record.number)
    if architecture is None:
        return None
    try:
        epochs = files.epochs(record.number)
    except FileCorrupt as exc:  # the signals are extras: the view is served without them
        log.warning("no forward signals for trial %s: %s", record.number, exc)
        epochs = None
    try:
        return build_view(
            architecture, record.metrics.val_accuracy, composite_health(record), epochs
        )
    except ValueError:
        return None


def architecture_diagram(
    files: RunFiles, number: int, fmt: DiagramFormat, filename: str
) -> Response:
    """Trial `number`'s architecture drawn as an SVG or PDF diagram, served inline under
    `filename`; 404 when the trial has no architecture.json with layers."""
    from healthopt.visualization.diagram import MEDIA_TYPES
    from healthopt.visualization.diagram import architecture_diagram as draw  # loads matplotlib

    architecture = files.architecture(number)
    try:
        visual = architecture_visualization(architecture) if architecture else None
    except ValueError:
        visual = None
    if visual is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"trial {number} has no architecture to draw (no architecture.json with layers)",
        )
    return Response(
        draw(visual, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def trial_health(
    files: RunFiles, number: int
) -> tuple[BestModelDiagnostics, dict[str, LayerHealth]]:
    """A trial's diagnostics (score and issues) and per-layer health, from its
    diagnostics.json and analysis.json (empty when missing, FileCorrupt when unreadable)."""
    diagnostics = diagnostics_summary(files.trial_file(number, "diagnostics", DiagnosticsFile))
    layers = layer_health(files.trial_file(number, "analysis", AnalysisFile), diagnostics)
    return diagnostics, layers


def best_model(job: JobRecord, files: RunFiles) -> BestModel:
    results = files.results()  # read once: the best record and the model path both come from it
    record = _best_record(job, files, results)
    view = architecture_view(files, record)
    diagnostics, layers = trial_health(files, record.number)
    base = f"/jobs/{job.id}/best-model"
    try:
        files.optimized_model(results)
        model_ready = True
    except FileMissing:
        model_ready = False
    return BestModel(
        job_id=job.id,
        run_name=job.run_name,
        dataset_name=str(job.config.get("dataset_name", "")),
        trial_number=record.number,
        total_score=record.total_score,
        health_score=composite_health(record),
        metrics=record.metrics,
        # The six components alone, in HealthComponent order: the radar draws these keys.
        health=HealthValues.model_validate(record.health.by_name()),
        params=record.params,
        num_parameters=record.num_parameters,
        model_ready=model_ready,
        model_url=f"/download/{job.id}" if model_ready else None,
        bundle_url=f"{base}/bundle.zip" if model_ready else None,
        architecture=view,
        architecture_url=f"{base}/architecture" if view else None,
        architecture_svg_url=f"{base}/architecture.svg" if view else None,
        architecture_pdf_url=f"{base}/architecture.pdf" if view else None,
        plots_zip_url=f"/jobs/{job.id}/download/plots",
        diagnostics=diagnostics,
        layer_health=layers,
    )


@router.get("/jobs/{job_id}/best-model", response_model=BestModel)
def get_best_model(job: JobDep, files: FilesDep) -> BestModel:
    return best_model(job, files)


@router.get(
    "/jobs/{job_id}/best-model/download",
    response_class=Response,
    responses={200: {"model": BestModel, "content": {"application/json": {}}}},
)
def download_best_model_data(job: JobDep, files: FilesDep) -> Response:
    return _json_attachment(best_model(job, files), f"{job.run_name}_best_model.json")


@router.get(
    "/jobs/{job_id}/best-model/architecture",
    response_class=Response,
    responses={200: {"model": ArchitectureView, "content": {"application/json": {}}}},
)
def download_architecture(job: JobDep, files: FilesDep) -> Response:
    """The best trial's architecture view (Cytoscape elements, 3D layers) as a file."""
    view = architecture_view(files, _best_record(job, files, files.results()))
    if view is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"job {job.id}'s best trial has no architecture file"
        )
    return _json_attachment(view, f"{job.run_name}_architecture.json")


@router.get(
    "/jobs/{job_id}/best-model/architecture.svg",
    response_class=Response,
    responses={200: {"content": {SVG_MEDIA_TYPE: {}}}},
)
def best_architecture_svg(job: JobDep, files: FilesDep) -> Response:
    """The best trial's architecture as an SVG diagram (a side view of the 3D view's boxes)."""
    return _best_diagram(job, files, "svg")


@router.get(
    "/jobs/{job_id}/best-model/architecture.pdf",
    response_class=Response,
    responses={200: {"content": {PDF_MEDIA_TYPE: {}}}},
)
def best_architecture_pdf(job: JobDep, files: FilesDep) -> Response:
    """The best trial's architecture as a PDF diagram (a side view of the 3D view's boxes)."""
    return _best_diagram(job, files, "pdf")


def _best_diagram(job: JobRecord, files: RunFiles, fmt: DiagramFormat) -> Response:
    number = _best_record(job, files, files.results()).number
    filename = f"{job.run_name}_trial_{number}_architecture.{fmt}"
    return architecture_diagram(files, number, fmt, filename)


@router.get(
    "/jobs/{job_id}/best-model/bundle.zip",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_bundle(job: JobDep, files: FilesDep) -> FileResponse:
    """optimized_model/ (the model, its records, diagrams, plots and monitoring report) as
    one ZIP under a folder named after the run; 404 until the run has assembled it."""
    results = files.results()
    try:
        model = files.optimized_model(results)
        folder = files.optimized_folder(results)
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"job {job.id} has no optimized model yet ({job.status}); it is assembled "
            "after the last trial",
        ) from None
    assert results is not None  # the model's path came from it
    files.verified(model, results.optimized_model_sha256)  # never ship a model changed on disk
    return zip_download(
        lambda target: zip_folder(folder, target, job.run_name, files.results_dir),
        f"{job.run_name}_best_model.zip",
    )


def _json_attachment(payload: BaseModel, filename: str) -> Response:
    """`payload` as a JSON file the browser saves under `filename`."""
    return Response(
        json.dumps(payload.model_dump(mode="json"), indent=2, allow_nan=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/download/{job_id}",
    response_class=FileResponse,
    responses={200: {"content": {KERAS_MEDIA_TYPE: {}}}},
)
def download_model(job: JobDep, files: FilesDep) -> FileResponse:
    # Served once it hashes to the digest recorded when it was shipped.
    results = files.results()
    try:
        path = files.optimized_model(results)
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"job {job.id} has no optimized model yet ({job.status}); it is assembled "
            "after the last trial",
        ) from None
    assert results is not None  # the model's path came from it
    files.verified(path, results.optimized_model_sha256)
    return FileResponse(path, media_type=KERAS_MEDIA_TYPE, filename=path.name)
