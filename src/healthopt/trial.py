"""One trial as a pure function: `run_trial(TrialSpec) -> TrialResult`.

`TrialSpec` and `TrialResult` are the only things that cross a process or network boundary,
so both are versioned and round-trip through JSON. The same `run_trial` runs in a local
worker process and (later) inside the RunPod handler. A trial never raises: any error, or a
loss that goes NaN, comes back as a FAIL result with the reason.

After training the worker also computes the six health components, runs the diagnostics
engine and the model analyzer, and draws the plots when asked, because only it holds the
model, records and predictions they read; the orchestrator gets the figures and mixes them
with the run's weights.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from healthopt.config import ModelConfig
from healthopt.diagnostics import DiagnosticInput, run_diagnostics
from healthopt.health import HealthInputs, compute_health
from healthopt.jsonio import write_json_atomic
from healthopt.logcapture import capture_logs, log_entry
from healthopt.trial_analysis import analyze_trial

SCHEMA_VERSION = 1
COMPLETE = "COMPLETE"
FAIL = "FAIL"

ProgressCallback = Callable[[dict[str, Any]], None]


class SchemaError(ValueError):
    """A spec or result came from an incompatible healthopt version or is malformed."""


def _check_schema(data: dict[str, Any], kind: str) -> None:
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SchemaError(f"{kind} schema_version {version!r} is not {SCHEMA_VERSION}")


@dataclass(frozen=True)
class TrialSpec:
    """Everything a worker needs to run one trial, and nothing it would have to guess."""

    run_name: str
    trial_number: int
    dataset_name: str
    split_seed: int
    seed: int
    epochs: int
    model_config: dict[str, Any]
    params: dict[str, Any]
    output_dir: str
    plots_dir: str | None = None  # where the worker draws the trial plots; None: no plots
    gpus_per_worker: int = 1  # above 1, training is mirrored over that many visible GPUs
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialSpec:
        _check_schema(data, "TrialSpec")
        return cls(**data)


@dataclass(frozen=True)
class TrialResult:
    """What a trial produced: its state, metrics, timings, and the files it wrote.

    `artifacts` maps a role (model, history, observer, ...) to a path relative to the trial's
    output directory, so the result stays valid wherever that directory is moved. `health`
    holds the six components (None where not computable, with the reason in
    `health_reasons`); `diagnostics` is the engine's summary (score, issue counts);
    `analysis` is the model analyzer's summary (mean alpha, ECE, Brier, ...). `artifact`
    describes the trial's ZIP in an artifact store when a remote worker ran it (key, sha256,
    sizes, file counts), so any orchestrator can fetch the files again.
    """

    trial_number: int
    state: str
    metrics: dict[str, float | None] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    epochs_run: int = 0
    num_parameters: int = 0
    artifacts: dict[str, str] = field(default_factory=dict)
    health: dict[str, float | None] = field(default_factory=dict)
    health_reasons: dict[str, str] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    artifact: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def ok(self) -> bool:
        return self.state == COMPLETE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialResult:
        _check_schema(data, "TrialResult")
        return cls(**data)

    @classmethod
    def failed(cls, trial_number: int, error: str, **extra: Any) -> TrialResult:
        return cls(trial_number=trial_number, state=FAIL, error=error, **extra)


def run_trial(spec: TrialSpec, on_event: ProgressCallback | None = None) -> TrialResult:
    """Load data, build, train, evaluate on val and test, save the model and records."""
    out = Path(spec.output_dir)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with capture_logs() as logs:
        try:
            out.mkdir(parents=True, exist_ok=True)
            result = _run(spec, out, timings, on_event, logs)
        except Exception as exc:  # a trial must report its failure, never end the study
            timings["total_seconds"] = time.perf_counter() - started
            result = TrialResult.failed(
                spec.trial_number, f"{type(exc).__name__}: {exc}", timings=timings
            )
            _try_write(out / "error.txt", traceback.format_exc())
            logs.append(log_entry("ERROR", result.error or "", "error"))
    _try_write(out / "logs.json", json.dumps(logs, indent=2))
    _try_write(out / "result.json", json.dumps(result.to_dict(), indent=2))
    return result


def _try_write(path: Path, text: str) -> None:
    """Best effort: the result travels back to the caller even if the folder is unwritable."""
    try:
        path.write_text(text)
    except OSError:
        pass


def _run(
    spec: TrialSpec,
    out: Path,
    timings: dict[str, float],
    on_event: ProgressCallback | None,
    logs: list[dict[str, Any]],
) -> TrialResult:
    # TensorFlow is imported here, in the worker, never by the orchestrator.
    from healthopt.data import load_dataset
    from healthopt.models.architecture import describe_model
    from healthopt.models.builder import InputSpec, ModelBuilder
    from healthopt.training import trainer
    from healthopt.training.distribute import distribution_scope

    started = time.perf_counter()
    clock = started

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    model_config = ModelConfig.from_dict(spec.model_config)
    dataset = load_dataset(spec.dataset_name, seed=spec.split_seed, holdout=False)
    lap("load_seconds")

    trainer.set_seed(spec.seed)
    vocabulary = dataset.vocabulary_size if dataset.modality == "text" else 0
    with distribution_scope(spec.gpus_per_worker) as placement:
        model = ModelBuilder(
            model_config,
            InputSpec(dataset.input_shape, dataset.num_classes, dataset.modality, vocabulary),
        ).build()
    if spec.gpus_per_worker > 1:
        logs.append(log_entry("INFO", f"GPU placement: {placement.to_dict()}", "system"))
    lap("build_seconds")

    def epoch_event(record: dict[str, Any]) -> None:
        if on_event is not None:
            on_event(
                {
                    "kind": "epoch_end",
                    "trial_number": spec.trial_number,
                    "epoch": record["epoch"] + 1,
                    "epochs": spec.epochs,
                    "val_accuracy": record["loss"]["val"]["val_acc"],
                    "val_loss": record["loss"]["val"]["val_loss"],
                }
            )

    outcome = trainer.fit(model, dataset, spec.epochs, model_config.batch_size, epoch_event)
    timings["fit_seconds"] = outcome.fit_seconds
    lap("train_seconds")

    architecture = describe_model(model)
    write_json_atomic(out / "history.json", outcome.history)
    write_json_atomic(out / "observer.json", outcome.records)
    write_json_atomic(out / "architecture.json", architecture)
    artifacts = {
        "history": "history.json",
        "observer": "observer.json",
        "architecture": "architecture.json",
        "logs": "logs.json",
    }
    num_parameters = int(model.count_params())

    def failed(error: str) -> TrialResult:
        logs.append(log_entry("ERROR", error, "error"))
        summary = _diagnose(outcome.records, logs, architecture, out, timings)
        artifacts["diagnostics"] = "diagnostics.json"
        timings["total_seconds"] = time.perf_counter() - started
        return TrialResult.failed(
            spec.trial_number,
            error,
            timings=timings,
            epochs_run=outcome.epochs_run,
            num_parameters=num_parameters,
            artifacts=artifacts,
            diagnostics=summary,
        )

    if outcome.nan_detected_at is not None:
        epoch, batch = outcome.nan_detected_at
        return failed(
            f"loss became NaN at epoch {epoch + 1}, batch {batch + 1} "
            f"(learning_rate={model_config.learning_rate}, optimizer={model_config.optimizer})"
        )

    val_loss, val_accuracy = model.evaluate(dataset.val.x, dataset.val.y, verbose=0)
    test_loss, test_accuracy = model.evaluate(dataset.test.x, dataset.test.y, verbose=0)
    val_correct = trainer.correct_predictions(model, dataset.val)
    lap("evaluate_seconds")
    if not (math.isfinite(val_loss) and math.isfinite(test_loss)):
        return failed(f"evaluation loss is not finite (val_loss={val_loss}, test_loss={test_loss})")

    model.save(out / "model.keras")
    artifacts["model"] = "model.keras"
    lap("save_seconds")

    health = compute_health(
        HealthInputs(
            epochs=outcome.records,
            val_correct=val_correct,
            val_accuracy=float(val_accuracy),
            chance_accuracy=dataset.val.majority_fraction(),
            num_parameters=num_parameters,
            reference_parameters=dataset.linear_classifier_parameters(),
            num_classes=dataset.num_classes,
            seed=spec.seed,
        )
    )
    write_json_atomic(out / "health.json", health.to_dict())
    artifacts["health"] = "health.json"
    lap("health_seconds")
    summary = _diagnose(outcome.records, logs, architecture, out, timings)
    artifacts["diagnostics"] = "diagnostics.json"
    analysis = analyze_trial(
        model,
        outcome.history,
        dataset.val.x,
        dataset.val.y,
        out,
        Path(spec.plots_dir) if spec.plots_dir else None,
        timings,
        spec.seed,
    )
    artifacts.update(analysis.artifacts)
    for step, error in analysis.errors.items():
        logs.append(log_entry("ERROR", f"{step} failed after training: {error}", "error"))
    timings["total_seconds"] = time.perf_counter() - started

    history = outcome.history
    return TrialResult(
        trial_number=spec.trial_number,
        state=COMPLETE,
        metrics={
            "val_accuracy": float(val_accuracy),
            "val_loss": float(val_loss),
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "train_accuracy": (history.get("accuracy") or [None])[-1],
            "train_loss": (history.get("loss") or [None])[-1],
        },
        timings=timings,
        epochs_run=outcome.epochs_run,
        num_parameters=num_parameters,
        artifacts=artifacts,
        health=health.values(),
        health_reasons=health.reasons(),
        diagnostics=summary,
        analysis=analysis.summary,
    )


def _diagnose(
    records: list[dict[str, Any]],
    logs: list[dict[str, Any]],
    architecture: dict[str, Any],
    out: Path,
    timings: dict[str, float],
) -> dict:
    """Run the diagnostics engine, write diagnostics.json, return the short summary."""
    started = time.perf_counter()
    report = run_diagnostics(DiagnosticInput(records, list(logs), architecture))
    write_json_atomic(out / "diagnostics.json", report.to_dict())
    timings["diagnostics_seconds"] = time.perf_counter() - started
    return report.summary()
