"""Final model assembly: copy the best trial's files into optimized_model/, no retraining.

Nothing is copied before the model is checked (`check_model`): against the SHA-256 its trial
recorded when it saved it, or, for trials saved before hashes were kept, for the shape of a
Keras archive. A model changed on disk after training is refused, never shipped.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.artifacts.integrity import verify_keras_archive, verify_model
from healthopt.health.scoring import composite_health
from healthopt.jsonio import write_json_atomic
from healthopt.monitoring.folder import MonitoringInputError, folder_records
from healthopt.monitoring.layout import MONITORING_DIR
from healthopt.records import StoredArtifact, TrialRecord
from healthopt.visualization import build_view

if TYPE_CHECKING:
    from healthopt.artifacts import ArtifactStore
    from healthopt.visualization.diagram import DiagramFormat

OPTIMIZED_DIR = "optimized_model"
MODEL_FILE = "model.keras"  # a trial's saved model (`trial.py`)
log = logging.getLogger(__name__)
_DIAGRAMS: tuple[DiagramFormat, ...] = ("svg", "pdf")


def trial_dir(run_dir: Path, number: int) -> Path:
    return run_dir / "trials" / f"trial_{number}"


def plots_dir(run_dir: Path, number: int) -> Path:
    return run_dir / "plots" / f"trial_{number}"


def model_file_name(dataset: str, accuracy: float) -> str:
    """`optimized_{dataset}_acc_{acc}.keras`; an `npz:PATH` dataset uses the file's stem."""
    if dataset.startswith("npz:"):
        dataset = "npz_" + Path(dataset[4:]).stem
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", dataset)
    return f"optimized_{slug}_acc_{accuracy:.4f}.keras"


def fetch_trial_files(
    store: ArtifactStore, artifact: StoredArtifact, run_dir: Path, number: int, zip_name: str
) -> dict[str, float]:
    """Download a trial's ZIP (its sha256 verified), extract it into `trials/trial_N` and
    `plots/trial_N`, and drop the ZIP; returns the seconds spent downloading and extracting.
    Raises ArtifactError for a missing, corrupt or malformed artifact."""
    from healthopt.artifacts import ArtifactRef, extract_bundle

    zip_path = run_dir / "downloads" / zip_name
    clock = time.perf_counter()
    store.get_file(ArtifactRef.from_dict(artifact.to_json()), zip_path)  # checks key, digest
    downloaded = time.perf_counter()
    try:
        extract_bundle(zip_path, trial_dir(run_dir, number), plots_dir(run_dir, number))
    finally:
        zip_path.unlink(missing_ok=True)
    return {
        "download_seconds": downloaded - clock,
        "extract_seconds": time.perf_counter() - downloaded,
    }


def fetch_missing_trial(run_dir: Path, record: TrialRecord) -> bool:
    """Bring a remote trial's files back from the artifact store when this folder lacks them.

    In a shared study the best trial may have run on another machine; if its RunPod worker
    stored a ZIP (`record.artifact`) and this process can reach the same store, the files
    are fetched and verified here. Returns whether anything was fetched.
    """
    number, artifact = record.number, record.artifact
    if artifact is None or (trial_dir(run_dir, number) / MODEL_FILE).is_file():
        return False
    from healthopt.artifacts import ArtifactError, artifact_store_from_env

    try:
        store = artifact_store_from_env()
        if store is None:
            return False
        fetch_trial_files(store, artifact, run_dir, number, f"trial_{number}.zip")
    except (ArtifactError, ImportError, OSError, KeyError, ValueError) as exc:
        log.warning("could not fetch trial %s from the artifact store: %s", number, exc)
        return False
    return True


def check_model(run_dir: Path, record: TrialRecord) -> None:
    """Raise ModelCorrupt unless the trial's model.keras is the one it saved.

    With a recorded hash the bytes must match it; without one (trials saved before hashes were
    kept) the file must at least be a Keras archive, so garbage is never shipped.
    """
    model = trial_dir(run_dir, record.number) / MODEL_FILE
    verify_model(model, record.model_sha256)
    if record.model_sha256 is None:
        verify_keras_archive(model)


def remove_assembly(run_dir: Path) -> None:
    """Remove optimized_model/ (when no trial's model can be shipped, nothing stale stays)."""
    shutil.rmtree(run_dir / OPTIMIZED_DIR, ignore_errors=True)


def assemble_best(run_dir: Path, record: TrialRecord, dataset: str) -> Path:
    """Rebuild optimized_model/ from the best trial's record; returns the model's path.

    `record` is the trial as results.json shows it. Its model is checked first
    (`check_model`, ModelCorrupt when it fails). The folder is rebuilt from scratch so a
    resumed run whose best trial changed leaves no stale files behind.
    """
    number, accuracy = record.number, record.metrics.val_accuracy
    source = trial_dir(run_dir, number)
    model_source = source / MODEL_FILE
    check_model(run_dir, record)
    if accuracy is None:  # scoring refuses such a trial, so only a hand-made record has none
        raise ValueError(f"best trial {number} has no val_accuracy to name its model by")
    target = run_dir / OPTIMIZED_DIR
    staging = run_dir / (OPTIMIZED_DIR + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    model_name = model_file_name(dataset, accuracy)
    shutil.copy2(model_source, staging / model_name)
    for extra in sorted(source.iterdir()):
        if extra.is_file() and extra.name != MODEL_FILE:
            shutil.copy2(extra, staging / extra.name)
    if plots_dir(run_dir, number).is_dir():
        shutil.copytree(plots_dir(run_dir, number), staging / "plots")
    if (source / MONITORING_DIR).is_dir():  # the layer-monitoring report (seed 001)
        shutil.copytree(source / MONITORING_DIR, staging / MONITORING_DIR)
    write_json_atomic(staging / "best_trial.json", {**record.to_json(), "model_file": model_name})
    _write_architecture_view(staging, record)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target / model_name


def _write_architecture_view(folder: Path, record: TrialRecord) -> None:
    """architecture_view.json: the Cytoscape.js elements, 3D layer records and forward
    signals of the model, so the dashboard (or anyone) can draw it from the folder alone; and
    the same view drawn as architecture.svg and architecture.pdf."""
    path = folder / "architecture.json"
    if not path.is_file():
        return
    try:
        epochs = folder_records(folder)
    except MonitoringInputError:  # no (readable) observer.json: a view without signals
        epochs = None
    try:
        view = build_view(
            json.loads(path.read_text()),
            record.metrics.val_accuracy,
            composite_health(record),
            epochs,
        )
    except (ValueError, KeyError) as exc:  # a view is a convenience, never a reason to fail
        log.warning("no architecture view for trial %s: %s", record.number, exc)
        return
    write_json_atomic(folder / "architecture_view.json", view.to_dict())
    from healthopt.visualization.diagram import architecture_diagram  # loads matplotlib

    for fmt in _DIAGRAMS:
        try:
            drawing = architecture_diagram(view.visualization, fmt)
        except Exception as exc:  # a drawing is a convenience too; the model still ships
            log.warning("no architecture.%s for trial %s: %s", fmt, record.number, exc)
            continue
        (folder / f"architecture.{fmt}").write_bytes(drawing)
