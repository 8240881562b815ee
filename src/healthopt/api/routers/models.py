"""Best model: its numbers and architecture view, that view as a file, and the .keras model."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse, Response

from healthopt.api.db import JobRecord
from healthopt.api.deps import FilesDep, JobDep
from healthopt.api.files import FileMissing, RunFiles
from healthopt.api.model_health import diagnostics_summary, layer_health
from healthopt.api.schemas.models import BestModel
from healthopt.health.scoring import composite_health
from healthopt.visualization.architecture import build_view

router = APIRouter(tags=["models"])
KERAS_MEDIA_TYPE = "application/octet-stream"


def _best_record(job: JobRecord, files: RunFiles, results: dict[str, Any] | None) -> dict:
    record = files.best_record(results)
    if record is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"job {job.id} has no completed trial yet ({job.status})"
        )
    return record


def _architecture_view(files: RunFiles, record: dict[str, Any]) -> dict[str, Any]:
    """The best trial's architecture view, coloured by its accuracy and health; {} if none."""
    architecture = files.architecture(record["number"])
    if not architecture:
        return {}
    return build_view(
        architecture, record["metrics"].get("val_accuracy"), composite_health(record)
    ).to_dict()


def best_model(job: JobRecord, files: RunFiles) -> BestModel:
    results = files.results()  # read once: the best record and the model path both come from it
    record = _best_record(job, files, results)
    number = record["number"]
    view = _architecture_view(files, record)
    diagnostics = diagnostics_summary(files.trial_json(number, "diagnostics"))
    try:
        files.optimized_model(results)
        model_ready = True
    except FileMissing:
        model_ready = False
    return BestModel(
        job_id=job.id,
        run_name=job.run_name,
        dataset_name=job.config.get("dataset_name", ""),
        trial_number=number,
        total_score=record.get("total_score"),
        health_score=composite_health(record),
        metrics=record.get("metrics", {}),
        health=record.get("health", {}),
        params=record.get("params", {}),
        num_parameters=int(record.get("num_parameters") or 0),
        model_ready=model_ready,
        model_url=f"/download/{job.id}" if model_ready else None,
        architecture=view,
        architecture_url=f"/jobs/{job.id}/best-model/architecture" if view else None,
        plots_zip_url=f"/jobs/{job.id}/download/plots",
        diagnostics=diagnostics,
        layer_health=layer_health(files.trial_json(number, "analysis"), diagnostics),
    )


@router.get("/jobs/{job_id}/best-model", response_model=BestModel)
def get_best_model(job: JobDep, files: FilesDep) -> BestModel:
    return best_model(job, files)


@router.get(
    "/jobs/{job_id}/best-model/download",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def download_best_model_data(job: JobDep, files: FilesDep) -> Response:
    payload = best_model(job, files).model_dump(mode="json")
    return _json_attachment(payload, f"{job.run_name}_best_model.json")


@router.get(
    "/jobs/{job_id}/best-model/architecture",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def download_architecture(job: JobDep, files: FilesDep) -> Response:
    """The best trial's architecture view (Cytoscape elements, 3D layers) as a file."""
    view = _architecture_view(files, _best_record(job, files, files.results()))
    if not view:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"job {job.id}'s best trial has no architecture file"
        )
    return _json_attachment(view, f"{job.run_name}_architecture.json")


def _json_attachment(payload: dict[str, Any], filename: str) -> Response:
    """`payload` as a JSON file the browser saves under `filename`."""
    return Response(
        json.dumps(payload, indent=2, allow_nan=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/download/{job_id}",
    response_class=FileResponse,
    responses={200: {"content": {KERAS_MEDIA_TYPE: {}}}},
)
def download_model(job: JobDep, files: FilesDep) -> FileResponse:
    try:
        path = files.optimized_model()
    except FileMissing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"job {job.id} has no optimized model yet ({job.status}); it is assembled "
            "after the last trial",
        ) from None
    return FileResponse(path, media_type=KERAS_MEDIA_TYPE, filename=path.name)
