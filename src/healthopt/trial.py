"""One trial as a pure function: `run_trial(TrialSpec) -> TrialResult`.

`TrialSpec` and `TrialResult` (`healthopt.records.trial`, re-exported here) are the only things
that cross a process or network boundary, so both are versioned and round-trip through JSON.
The same `run_trial` runs in a local worker process and inside the RunPod handler. A trial
never raises: any error, or a loss that goes NaN, comes back as a FAIL result with the reason.

After each epoch the worker reports the epoch (with a health alarm from `diagnostics.live`
when the spec asks for health pruning) and, given a `judge`, asks whether to go on: a trial
the judge stops ends after that epoch as PRUNED, with its records so far and their
diagnostics, never scored.

After training the worker also computes the six health components, runs the diagnostics
engine and the model analyzer, and draws the plots when asked, because only it holds the
model, records and predictions they read; the orchestrator gets the figures and mixes them
with the run's weights. Each step is a phase below, run in order by `_run`.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.artifacts.base import sha256_file
from healthopt.config import ModelConfig
from healthopt.diagnostics import DiagnosticInput, run_diagnostics
from healthopt.diagnostics.checks.sustainability._common import total
from healthopt.diagnostics.checks.sustainability.carbon import energy_kwh
from healthopt.diagnostics.records import series
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.health import HealthInputs, HealthReport, compute_health
from healthopt.jsonio import write_json_atomic
from healthopt.logcapture import capture_logs, log_entry
from healthopt.monitoring.layout import MONITORING_DIR, REPORT_FILE, SUMMARY_FILE
from healthopt.records import (
    COMPLETE,
    FAIL,
    ArchitectureSummary,
    DiagnosticsSummary,
    EpochEndEvent,
    EpochJudge,
    EpochRecord,
    LogEntry,
    ProgressCallback,
    PruneInfo,
    SchemaError,
    TrialMetrics,
    TrialResult,
    TrialSpec,
)
from healthopt.trial_analysis import TrialAnalysis, analyze_trial

TENSORBOARD_DIR = "tensorboard"  # a trial's event files, under its folder

if TYPE_CHECKING:  # TensorFlow stays out of the orchestrator's imports
    import keras

    from healthopt.data import Dataset
    from healthopt.data.cache import DatasetCache
    from healthopt.training.trainer import SplitEvaluation, TrainingOutcome

__all__ = [
    "COMPLETE",
    "FAIL",
    "ProgressCallback",
    "SchemaError",
    "TrialResult",
    "TrialSpec",
    "run_trial",
]


def run_trial(
    spec: TrialSpec,
    on_event: ProgressCallback | None = None,
    judge: EpochJudge | None = None,
    datasets: DatasetCache | None = None,
) -> TrialResult:
    """Load data, build, train, evaluate on val and test, save the model and records.

    `judge` is asked after every epoch whether the trial stops there (pruning). `datasets`
    is a process's cache, so a worker loads each dataset once for all its trials; without
    it the trial loads its own."""
    out = Path(spec.output_dir)
    with capture_logs() as logs:
        run = _TrialRun(spec, out, logs, on_event, judge, datasets)
        try:
            out.mkdir(parents=True, exist_ok=True)
            result = _run(run)
        except Exception as exc:  # a trial must report its failure, never end the study
            run.finish()
            result = TrialResult.failed(
                spec.trial_number, f"{type(exc).__name__}: {exc}", timings=run.timings
            )
            _try_write(out / "error.txt", traceback.format_exc())
            logs.append(log_entry("ERROR", result.error or "", "error"))
    _try_write(out / "logs.json", json.dumps([entry.to_json() for entry in logs], indent=2))
    _try_write(out / "result.json", result.to_json_text())
    return result


def _try_write(path: Path, text: str) -> None:
    """Best effort: the result travels back to the caller even if the folder is unwritable."""
    try:
        path.write_text(text)
    except OSError:
        pass


@dataclass
class _TrialRun:
    """What every phase of one trial shares: its spec, folder, timings, logs and files."""

    spec: TrialSpec
    out: Path
    logs: list[LogEntry]
    on_event: ProgressCallback | None
    judge: EpochJudge | None = None
    datasets: DatasetCache | None = None
    pruned: PruneInfo | None = None  # set when the judge stopped training
    timings: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    model_sha256: str | None = None  # set when the model is saved
    started: float = field(default_factory=time.perf_counter)
    clock: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        """Time since the previous lap, as `timings[name]`."""
        now = time.perf_counter()
        self.timings[name] = now - self.clock
        self.clock = now

    def finish(self) -> None:
        self.timings["total_seconds"] = time.perf_counter() - self.started

    def log_error(self, message: str) -> None:
        self.logs.append(log_entry("ERROR", message, "error"))


@dataclass(frozen=True)
class _Trained:
    """A trained model and what training left behind, whatever happens next."""

    model: keras.Model
    outcome: TrainingOutcome
    architecture: ArchitectureSummary
    # The validation split's majority-class rate, the accuracy of a model that learned nothing.
    chance_accuracy: float | None

    @property
    def num_parameters(self) -> int:
        return int(self.model.count_params())


@dataclass(frozen=True)
class _Evaluation:
    """One prediction pass over each split: its figures, and the validation probabilities
    the health score, the analyzer and the plot inputs share."""

    val: SplitEvaluation
    test: SplitEvaluation

    @property
    def finite(self) -> bool:
        return math.isfinite(self.val.loss) and math.isfinite(self.test.loss)


def _run(run: _TrialRun) -> TrialResult:
    config, dataset = _load(run)
    model = _build(run, config, dataset)
    trained = _train(run, model, config, dataset)
    _save_records(run, trained)
    _monitor(run, trained)
    if run.pruned is not None:
        return _pruned(run, trained, run.pruned)
    if trained.outcome.nan_detected_at is not None:
        epoch, batch = trained.outcome.nan_detected_at
        return _failed(
            run,
            trained,
            f"loss became NaN at epoch {epoch + 1}, batch {batch + 1} "
            f"(learning_rate={config.learning_rate}, optimizer={config.optimizer})",
        )
    evaluation = _evaluate(run, model, dataset)
    if not evaluation.finite:
        return _failed(
            run,
            trained,
            f"evaluation loss is not finite (val_loss={evaluation.val.loss}, "
            f"test_loss={evaluation.test.loss})",
        )
    _save_model(run, model)
    health = _health(run, trained, evaluation, dataset)
    diagnostics = _diagnose(run, trained)
    analysis = _analyze(run, trained, evaluation, dataset)
    run.finish()
    return TrialResult.create(
        trial_number=run.spec.trial_number,
        state=COMPLETE,
        metrics=_metrics(evaluation, trained),
        timings=run.timings,
        epochs_run=trained.outcome.epochs_run,
        energy_kwh=_energy_kwh(trained.outcome.records),
        num_parameters=trained.num_parameters,
        artifacts=run.artifacts,
        model_sha256=run.model_sha256,
        health=health.values(),
        health_reasons=health.reasons(),
        diagnostics=diagnostics,
        analysis=analysis.summary,
    )


def _load(run: _TrialRun) -> tuple[ModelConfig, Dataset]:
    from healthopt.data import load_dataset

    config = ModelConfig.from_dict(run.spec.model_settings)
    load = run.datasets.load if run.datasets is not None else load_dataset
    dataset = load(run.spec.dataset_name, seed=run.spec.split_seed, holdout=False)
    run.lap("load_seconds")
    return config, dataset


def _build(run: _TrialRun, config: ModelConfig, dataset: Dataset) -> keras.Model:
    from healthopt.models.builder import InputSpec, ModelBuilder, training_steps
    from healthopt.training import trainer
    from healthopt.training.distribute import distribution_scope

    trainer.set_seed(run.spec.seed)
    # A schedule spans the budgeted epochs, so a pruned trial's curve is the start of the full one.
    total_steps = training_steps(run.spec.epochs, len(dataset.train), config.batch_size)
    with distribution_scope(run.spec.gpus_per_worker) as placement:
        if run.spec.hypermodel is not None:
            model = _build_hypermodel(run.spec, config, dataset, total_steps)
        else:
            model = ModelBuilder(
                config, InputSpec.for_dataset(dataset), total_steps=total_steps
            ).build()
    if run.spec.gpus_per_worker > 1:
        run.logs.append(log_entry("INFO", f"GPU placement: {placement.to_dict()}", "system"))
    run.lap("build_seconds")
    return model


def _build_hypermodel(
    spec: TrialSpec, config: ModelConfig, dataset: Dataset, total_steps: int
) -> keras.Model:
    """The user's build(hp), replaying the values the orchestrator drew (never sampling)."""
    from healthopt.hypermodel import DataShape, HyperParameters, load_entry_point
    from healthopt.models.hypermodel import build_for_training

    assert spec.hypermodel is not None
    data = DataShape.of(dataset)
    hp = HyperParameters.replaying(spec.params, data)
    return build_for_training(load_entry_point(spec.hypermodel), hp, data, config, total_steps)


def _train(run: _TrialRun, model: keras.Model, config: ModelConfig, dataset: Dataset) -> _Trained:
    from healthopt.models.architecture import describe_model
    from healthopt.training import trainer
    from healthopt.training.tensorboard_logging import trial_callbacks

    hook = _epoch_hook(run, model, dataset)
    # TensorBoard's own event files, in the trial folder, so `tensorboard --logdir RUN` and the
    # server show every trial's curves, histograms and hyperparameters.
    callbacks = trial_callbacks(
        run.out / TENSORBOARD_DIR, run.spec.params, f"trial_{run.spec.trial_number}"
    )
    outcome = trainer.fit(
        model, dataset, run.spec.epochs, config.batch_size, hook, callbacks=callbacks
    )
    run.timings["fit_seconds"] = outcome.fit_seconds
    run.lap("train_seconds")
    chance = dataset.val.majority_fraction() if len(dataset.val) else None
    return _Trained(model, outcome, describe_model(model), chance)


def _epoch_hook(
    run: _TrialRun, model: keras.Model, dataset: Dataset
) -> Callable[[EpochRecord], None] | None:
    """The observer's per-epoch hook: report the epoch (with any health alarm), then ask the
    judge whether to go on. None when nobody listens and nobody judges."""
    if run.on_event is None and run.judge is None:
        return None
    seen: list[EpochRecord] = []
    chance = dataset.val.majority_fraction() if len(dataset.val) else None

    def after_epoch(record: EpochRecord) -> None:
        from healthopt.diagnostics.live import health_alarm

        seen.append(record)
        assert record.epoch is not None  # the observer numbers every record it makes
        alarm = (
            health_alarm(seen, chance, run.spec.chance_patience_epochs)
            if run.spec.health_pruning
            else None
        )
        event = EpochEndEvent(
            trial_number=run.spec.trial_number,
            epoch=record.epoch + 1,
            epochs=run.spec.epochs,
            val_accuracy=record.loss.val.val_acc,
            val_loss=record.loss.val.val_loss,
            health_alarm=alarm,
        )
        if run.on_event is not None:
            run.on_event(event)
        verdict = run.judge(event) if run.judge is not None else None
        if verdict is not None:
            run.pruned = verdict
            run.logs.append(log_entry("INFO", f"pruned: {verdict.reason}", "system"))
            model.stop_training = True  # Keras ends fit after this epoch's callbacks

    return after_epoch


def _save_records(run: _TrialRun, trained: _Trained) -> None:
    """What training recorded, written before anything can fail on it."""
    write_json_atomic(run.out / "history.json", trained.outcome.history)
    write_json_atomic(
        run.out / "observer.json", [record.to_json() for record in trained.outcome.records]
    )
    write_json_atomic(run.out / "architecture.json", trained.architecture.to_json())
    run.artifacts.update(
        history="history.json",
        observer="observer.json",
        architecture="architecture.json",
        logs="logs.json",
    )


def _monitor(run: _TrialRun, trained: _Trained) -> None:
    """Layer monitoring (seed 001) under `monitoring/`: the summary and report for every
    trial, its images only where this trial's plots are drawn (a trial that ends well; the
    orchestrator draws the best trial's in `best` mode). A failure is logged, never fatal."""
    from healthopt.monitoring.report import write_monitoring

    draw = (
        run.spec.plots_dir is not None
        and run.pruned is None
        and trained.outcome.nan_detected_at is None
    )
    started = time.perf_counter()
    try:
        write_monitoring(
            trained.outcome.records,
            run.out / MONITORING_DIR,
            every=run.spec.monitor_every_epochs,
            draw=draw,
            title=f"{run.spec.run_name} trial {run.spec.trial_number}",
        )
    except Exception as exc:  # the trial's records are sound; only the report is lost
        run.log_error(f"layer monitoring failed: {type(exc).__name__}: {exc}")
    else:
        run.artifacts.update(
            monitoring=f"{MONITORING_DIR}/{SUMMARY_FILE}",
            monitoring_report=f"{MONITORING_DIR}/{REPORT_FILE}",
        )
    run.timings["monitoring_seconds"] = time.perf_counter() - started


def _failed(run: _TrialRun, trained: _Trained, error: str) -> TrialResult:
    """A trial that trained but cannot be scored: its records are still diagnosed."""
    run.log_error(error)
    diagnostics = _diagnose(run, trained)
    run.finish()
    return TrialResult.failed(
        run.spec.trial_number,
        error,
        timings=run.timings,
        epochs_run=trained.outcome.epochs_run,
        energy_kwh=_energy_kwh(trained.outcome.records),
        num_parameters=trained.num_parameters,
        artifacts=run.artifacts,
        diagnostics=diagnostics,
    )


def _pruned(run: _TrialRun, trained: _Trained, prune: PruneInfo) -> TrialResult:
    """A trial stopped early: its records so far, diagnosed, and the figures of its last
    epoch; no model is saved, since a pruned trial never becomes the best."""
    diagnostics = _diagnose(run, trained)
    run.finish()
    history = trained.outcome.history
    return TrialResult.pruned_at(
        run.spec.trial_number,
        prune,
        metrics=TrialMetrics(
            val_accuracy=_last(history, "val_accuracy"),
            val_loss=_last(history, "val_loss"),
            train_accuracy=_last(history, "accuracy"),
            train_loss=_last(history, "loss"),
            chance_accuracy=trained.chance_accuracy,
        ),
        timings=run.timings,
        epochs_run=trained.outcome.epochs_run,
        energy_kwh=_energy_kwh(trained.outcome.records),
        num_parameters=trained.num_parameters,
        artifacts=run.artifacts,
        diagnostics=diagnostics,
    )


def _energy_kwh(records: list[EpochRecord]) -> float | None:
    """The energy module's per-epoch estimates, summed; None when no epoch measured one."""
    return total(series(records, energy_kwh))


def _last(history: dict[str, list[float | None]], key: str) -> float | None:
    return (history.get(key) or [None])[-1]


def _evaluate(run: _TrialRun, model: keras.Model, dataset: Dataset) -> _Evaluation:
    from healthopt.training import trainer

    evaluation = _Evaluation(
        trainer.evaluate_split(model, dataset.val), trainer.evaluate_split(model, dataset.test)
    )
    run.lap("evaluate_seconds")
    return evaluation


def _save_model(run: _TrialRun, model: keras.Model) -> None:
    """Save the model and record its SHA-256, which assembly and downloads check it against."""
    path = run.out / "model.keras"
    model.save(path)
    run.model_sha256 = sha256_file(path)
    run.artifacts["model"] = "model.keras"
    run.lap("save_seconds")


def _health(
    run: _TrialRun, trained: _Trained, evaluation: _Evaluation, dataset: Dataset
) -> HealthReport:
    health = compute_health(
        HealthInputs(
            epochs=trained.outcome.records,
            val_correct=evaluation.val.correct,
            val_accuracy=evaluation.val.accuracy,
            chance_accuracy=dataset.val.majority_fraction(),
            num_parameters=trained.num_parameters,
            reference_parameters=dataset.linear_classifier_parameters(),
            num_classes=dataset.num_classes,
            seed=run.spec.seed,
        )
    )
    write_json_atomic(run.out / "health.json", health.to_dict())
    run.artifacts["health"] = "health.json"
    run.lap("health_seconds")
    return health


def _diagnose(run: _TrialRun, trained: _Trained) -> DiagnosticsSummary:
    """Run the diagnostics engine, write diagnostics.json, return the short summary."""
    started = time.perf_counter()
    report = run_diagnostics(
        DiagnosticInput(
            epochs=trained.outcome.records,
            logs=list(run.logs),
            architecture=trained.architecture,
            chance_accuracy=trained.chance_accuracy,
        ),
        # The report's "should have been stopped at epoch K" uses the run's pruning patience.
        DiagnosticThresholds(
            chance_patience_epochs=run.spec.chance_patience_epochs,
            monitor_every_epochs=run.spec.monitor_every_epochs,
        ),
    )
    write_json_atomic(run.out / "diagnostics.json", report.to_dict())
    run.artifacts["diagnostics"] = "diagnostics.json"
    run.timings["diagnostics_seconds"] = time.perf_counter() - started
    return report.summary()


def _analyze(
    run: _TrialRun, trained: _Trained, evaluation: _Evaluation, dataset: Dataset
) -> TrialAnalysis:
    """The model analyzer, plot inputs and plots, on the evaluation's validation
    predictions; a step that fails is logged, not fatal."""
    plots_dir = Path(run.spec.plots_dir) if run.spec.plots_dir else None
    analysis = analyze_trial(
        trained.model,
        trained.outcome.history,
        dataset.val.x,
        dataset.val.y,
        run.out,
        plots_dir,
        run.timings,
        run.spec.seed,
        val_probabilities=evaluation.val.probabilities,
    )
    run.artifacts.update(analysis.artifacts)
    for step, error in analysis.errors.items():
        run.log_error(f"{step} failed after training: {error}")
    return analysis


def _metrics(evaluation: _Evaluation, trained: _Trained) -> TrialMetrics:
    history = trained.outcome.history
    return TrialMetrics(
        chance_accuracy=trained.chance_accuracy,
        val_accuracy=evaluation.val.accuracy,
        val_loss=evaluation.val.loss,
        test_accuracy=evaluation.test.accuracy,
        test_loss=evaluation.test.loss,
        train_accuracy=_last(history, "accuracy"),
        train_loss=_last(history, "loss"),
    )
