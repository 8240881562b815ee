"""Response bodies of the best-model resource."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class BestModel(BaseModel):
    """The best trial so far: its numbers, its hyperparameters and its architecture view
    (Cytoscape.js elements and seed 002's 3D layer records)."""

    job_id: str
    run_name: str
    dataset_name: str
    trial_number: int
    total_score: float | None
    metrics: dict[str, Any]
    health: dict[str, Any]
    params: dict[str, Any]
    num_parameters: int
    model_ready: bool
    model_url: str | None
    architecture: dict[str, Any]
